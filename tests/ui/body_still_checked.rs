// A bad argument still expands the function, so errors in the body are
// reported too (and `async fn main` is not reported on top).
#[spindle::main(flavor = "fast")]
async fn main() {
    let x: u32 = "not a number";
    let _ = x;
}
