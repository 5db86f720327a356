#[spindle::test(worker_threads = 2)]
async fn on_two() {}

fn main() {}
