//! The seed program: two tasks compute factorials concurrently, sleeping one
//! second between steps. Sequentially this takes 5 s (2 + 3 sleeps); as
//! tasks on spindle, the sleeps overlap and it takes about 3 s.
//!
//! ```text
//! cargo run --release --example factorial
//! ```

use std::io::Write;
use std::time::{Duration, Instant};

/// Computes `number!` one step per `step`, printing each step to `out`.
async fn factorial(name: &'static str, number: u64, step: Duration, out: Out) -> u64 {
    let mut f = 1;
    for i in 2..=number {
        out.line(format!("Task {name}: Compute factorial({i})"));
        spindle::time::sleep(step).await;
        f *= i;
    }
    out.line(format!("Task {name}: factorial({number}) is {f}"));
    f
}

/// Where the lines go: stdout for the demo, a buffer for the test.
#[derive(Clone)]
pub struct Out(std::sync::Arc<std::sync::Mutex<Box<dyn Write + Send>>>);

impl Out {
    pub fn new(w: impl Write + Send + 'static) -> Out {
        Out(std::sync::Arc::new(std::sync::Mutex::new(Box::new(w))))
    }

    fn line(&self, line: String) {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(w, "{line}");
        let _ = w.flush();
    }
}

/// Runs the demo: "A" computes 3!, "B" 4!, concurrently. Returns both
/// results and the elapsed time.
pub fn run(step: Duration, out: Out) -> (u64, u64, Duration) {
    let start = Instant::now();
    let (a, b) = spindle::block_on(async {
        let a = spindle::spawn(factorial("A", 3, step, out.clone()));
        let b = spindle::spawn(factorial("B", 4, step, out.clone()));
        (a.await.expect("task A panicked"), b.await.expect("task B panicked"))
    });
    let elapsed = start.elapsed();
    out.line(format!("Total time: {:.2} s", elapsed.as_secs_f64()));
    (a, b, elapsed)
}

#[allow(dead_code)] // the integration test includes this file without `main`
fn main() {
    run(Duration::from_secs(1), Out::new(std::io::stdout()));
}
