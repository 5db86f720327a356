#[spindle::main(flavor = "single")]
async fn main() {}
