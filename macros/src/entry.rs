//! `#[spindle::main]` and `#[spindle::test]`: parse the attribute's
//! arguments into a [`Config`], then wrap the `async fn`'s body in a
//! runtime's `block_on`.
//!
//! Errors never swallow the item: when the arguments are wrong the function
//! is still expanded with the default configuration, and when the function
//! itself is unusable (not `async`, has arguments) it is re-emitted as
//! written; either way a `compile_error!` carries the message, so editors
//! and the rest of the crate keep type-checking.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Path, ReturnType, Token, Type};

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

/// The parsed attribute arguments.
struct Config {
    flavor: Flavor,
    worker_threads: Option<(usize, Span)>,
    start_paused: Option<(bool, Span)>,
    crate_path: Path,
}

impl Config {
    fn default_for(kind: Kind) -> Config {
        Config {
            // tokio's defaults: tests run on one thread, programs on many.
            flavor: match kind {
                Kind::Main => Flavor::MultiThread,
                Kind::Test => Flavor::CurrentThread,
            },
            worker_threads: None,
            start_paused: None,
            crate_path: syn::parse_quote!(::spindle),
        }
    }
}

const EXPECTED: &str = "expected one of: `flavor`, `worker_threads`, `crate`, `start_paused`";

fn string_value(value: &Expr, name: &str) -> syn::Result<String> {
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s.value()),
        other => {
            Err(syn::Error::new_spanned(other, format!("`{name}` expects a string literal, as in `{name} = \"...\"`")))
        }
    }
}

fn parse_config(kind: Kind, args: TokenStream) -> syn::Result<Config> {
    let mut config = Config::default_for(kind);
    let mut flavor_given = false;
    let args = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    for arg in args {
        let name = match arg.path.get_ident() {
            Some(ident) => ident.to_string(),
            None => return Err(syn::Error::new_spanned(&arg.path, format!("unknown attribute argument; {EXPECTED}"))),
        };
        match name.as_str() {
            "flavor" => {
                config.flavor = match string_value(&arg.value, "flavor")?.as_str() {
                    "multi_thread" => Flavor::MultiThread,
                    "current_thread" => Flavor::CurrentThread,
                    other => {
                        return Err(syn::Error::new_spanned(
                            &arg.value,
                            format!(
                                "no such runtime flavor `{other}`; the flavors are `multi_thread` and `current_thread`"
                            ),
                        ))
                    }
                };
                flavor_given = true;
            }
            "worker_threads" => {
                let n = match &arg.value {
                    Expr::Lit(ExprLit { lit: Lit::Int(n), .. }) => n.base10_parse::<usize>()?,
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "`worker_threads` expects an integer literal, as in `worker_threads = 4`",
                        ))
                    }
                };
                if n == 0 {
                    return Err(syn::Error::new_spanned(&arg.value, "`worker_threads` may not be 0"));
                }
                config.worker_threads = Some((n, arg.span()));
            }
            "crate" => {
                let path = string_value(&arg.value, "crate")?;
                config.crate_path = syn::parse_str(&path).map_err(|e| {
                    syn::Error::new_spanned(
                        &arg.value,
                        format!("`crate` expects a path, as in `crate = \"::spindle\"`: {e}"),
                    )
                })?;
            }
            "start_paused" => {
                let paused = match &arg.value {
                    Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) => b.value,
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "`start_paused` expects a boolean literal, as in `start_paused = true`",
                        ))
                    }
                };
                config.start_paused = Some((paused, arg.span()));
            }
            other => {
                return Err(syn::Error::new_spanned(
                    &arg.path,
                    format!("unknown attribute argument `{other}`; {EXPECTED}"),
                ));
            }
        }
    }
    if let (Some((_, span)), Flavor::CurrentThread) = (config.worker_threads, config.flavor) {
        let hint = if flavor_given {
            "`worker_threads` needs the multi-thread flavor: remove it, or use `flavor = \"multi_thread\"`".to_owned()
        } else {
            format!(
                "`worker_threads` needs the multi-thread flavor, and `#[spindle::{}]` defaults to `current_thread`: add \
                 `flavor = \"multi_thread\"`",
                kind.name()
            )
        };
        return Err(syn::Error::new(span, hint));
    }
    if let (Some((_, span)), Flavor::MultiThread) = (config.start_paused, config.flavor) {
        // tokio's rule: only a current-thread runtime's clock can be paused.
        return Err(syn::Error::new(
            span,
            format!(
                "`start_paused` needs the current-thread flavor (only its clock can be paused): use \
                 `#[spindle::{}(flavor = \"current_thread\", start_paused = true)]`",
                kind.name()
            ),
        ));
    }
    Ok(config)
}

/// Why the function cannot be wrapped, if it cannot.
fn check_fn(kind: Kind, item: &ItemFn) -> syn::Result<()> {
    if item.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            item.sig.fn_token,
            format!("the `async` keyword is missing from the function declaration of `#[spindle::{}]`", kind.name()),
        ));
    }
    if kind == Kind::Test {
        if let Some(attr) = item.attrs.iter().find(|a| a.path().is_ident("test")) {
            return Err(syn::Error::new_spanned(
                attr,
                "a second test attribute is given: `#[spindle::test]` already marks the function as a test; remove \
                 `#[test]`",
            ));
        }
    }
    Ok(())
}

/// The function with its body run on a runtime built from `config`.
fn expand(kind: Kind, mut item: ItemFn, config: &Config) -> TokenStream {
    let krate = &config.crate_path;
    item.sig.asyncness = None;
    let builder = match config.flavor {
        Flavor::MultiThread => quote! { #krate::runtime::Builder::new_multi_thread() },
        Flavor::CurrentThread => quote! { #krate::runtime::Builder::new_current_thread() },
    };
    let workers = config.worker_threads.map(|(n, _)| quote! { .worker_threads(#n) });
    let paused = config.start_paused.map(|(paused, _)| quote! { .start_paused(#paused) });
    let body = &item.block;
    // The body's output type, named so that `?` in the body infers its error
    // type from the signature. `impl Trait` cannot be named here: leave
    // those to inference.
    let annotated = match &item.sig.output {
        ReturnType::Default => Some(quote! { () }),
        ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_)) => None,
        ReturnType::Type(_, ty) => Some(ty.to_token_stream()),
    };
    let pin_body = match annotated {
        Some(output) => quote! {
            let body = ::core::pin::pin!(body);
            let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> = body;
        },
        None => quote! {},
    };
    let end = body.brace_token.span.close();
    let run = quote_spanned! {end=>
        #[allow(clippy::expect_used, clippy::diverging_sub_expression, clippy::needless_return)]
        {
            return #builder #workers #paused
                .build()
                .expect("failed to build the spindle runtime")
                .block_on(body);
        }
    };
    let test_attr = match kind {
        Kind::Test => quote! { #[::core::prelude::v1::test] },
        Kind::Main => quote! {},
    };
    let stmts = quote! {
        let body = async #body;
        #pin_body
        #run
    };
    *item.block = syn::parse_quote!({ #stmts });
    quote! {
        #test_attr
        #item
    }
}

/// The item as written, followed by the error.
fn with_error(item: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote! { #item #error }
}

pub(crate) fn entry(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(e) => return with_error(item, e),
    };
    if let Err(e) = check_fn(kind, &func) {
        return with_error(item, e);
    }
    if !func.sig.inputs.is_empty() {
        let what = match kind {
            Kind::Main => "the main function cannot accept arguments",
            Kind::Test => "a test function cannot accept arguments",
        };
        let e = syn::Error::new_spanned(&func.sig.inputs, what);
        // Expanded with its arguments, so the body still type-checks.
        return with_error(expand(kind, func, &Config::default_for(kind)), e);
    }
    match parse_config(kind, args) {
        Ok(config) => expand(kind, func, &config),
        // Expand anyway, so that the body is still checked and `main` is
        // not reported as an `async fn main` on top of the real error.
        Err(e) => with_error(expand(kind, func, &Config::default_for(kind)), e),
    }
}
