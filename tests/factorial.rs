//! The seed's demo prints the expected lines (not the time: machines are
//! noisy), with tasks interleaved rather than run one after the other.

#[path = "../examples/factorial.rs"]
#[allow(dead_code)]
mod factorial;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn prints_the_seed_lines() {
    let buffer = Buffer::default();
    let (a, b, _elapsed) = factorial::run(Duration::from_millis(50), factorial::Out::new(buffer.clone()));
    assert_eq!((a, b), (6, 24));
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut expected = vec![
        "Task A: Compute factorial(2)",
        "Task A: Compute factorial(3)",
        "Task A: factorial(3) is 6",
        "Task B: Compute factorial(2)",
        "Task B: Compute factorial(3)",
        "Task B: Compute factorial(4)",
        "Task B: factorial(4) is 24",
    ];
    let mut got: Vec<&str> = lines[..lines.len() - 1].to_vec();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "full output:\n{text}");
    assert!(lines.last().unwrap().starts_with("Total time: "), "full output:\n{text}");
    // Each task's own lines are in order.
    for task in ["Task A:", "Task B:"] {
        let own: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with(task)).collect();
        let mut sorted = own.clone();
        sorted.sort_by_key(|l| (l.contains(" is "), l.to_string()));
        assert_eq!(own, sorted, "{task} lines out of order:\n{text}");
    }
    // The tasks overlap: B's first step is printed before A's result.
    let pos = |needle: &str| lines.iter().position(|l| *l == needle).unwrap();
    assert!(pos("Task B: Compute factorial(2)") < pos("Task A: factorial(3) is 6"), "tasks did not overlap:\n{text}");
}
