// `start_paused` on the multi-thread flavor (the default of `main`).
#[spindle::main(start_paused = true)]
async fn main() {}
