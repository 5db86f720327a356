//! Help for `spindle::select!` that a declarative macro cannot give: a
//! pattern with its bindings' `ref` / `mut` removed.
//!
//! `select!` must know whether a finished branch's output matches the
//! branch's pattern *before* it commits to that branch (a mismatch disables
//! the branch and the others keep running), without moving the output. It
//! matches `&output` against the cleaned pattern, where match ergonomics
//! bind by reference; `mut x` or `ref x` there would be rejected (or move),
//! hence the cleaning. The real pattern, as written, binds the moved output
//! afterwards.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Pat, PatIdent, PatReference};

struct Clean;

impl VisitMut for Clean {
    fn visit_pat_ident_mut(&mut self, pat: &mut PatIdent) {
        pat.by_ref = None;
        pat.mutability = None;
        visit_mut::visit_pat_ident_mut(self, pat);
    }

    fn visit_pat_reference_mut(&mut self, pat: &mut PatReference) {
        pat.mutability = None;
        visit_mut::visit_pat_reference_mut(self, pat);
    }
}

pub(crate) fn clean_pattern(input: TokenStream) -> TokenStream {
    match syn::parse::Parser::parse2(Pat::parse_multi_with_leading_vert, input) {
        Ok(mut pat) => {
            Clean.visit_pat_mut(&mut pat);
            pat.into_token_stream()
        }
        Err(e) => e.to_compile_error(),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::clean_pattern;

    #[test]
    fn strips_ref_and_mut() {
        let cleaned = clean_pattern(quote! { (mut a, ref b, Some(ref mut c), &mut d, e @ 1..=2) });
        assert_eq!(cleaned.to_string(), quote! { (a, b, Some(c), &d, e @ 1..=2) }.to_string());
    }

    #[test]
    fn keeps_or_patterns() {
        let cleaned = clean_pattern(quote! { Ok(mut v) | Err(mut v) });
        assert_eq!(cleaned.to_string(), quote! { Ok(v) | Err(v) }.to_string());
    }
}
