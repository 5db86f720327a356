//! Summaries of samples and the markdown tables.

use std::fmt::Write;

use crate::rows::Unit;
use crate::rt::Which;
use crate::workloads::TimerSample;

/// Median and spread of one runtime's samples on one row.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// 10th percentile (nearest rank).
    pub p10: f64,
    /// Median.
    pub median: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
}

impl Summary {
    /// Summarises `samples`, which must not be empty.
    pub fn of(samples: &[f64]) -> Summary {
        assert!(!samples.is_empty(), "no samples to summarise");
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        let median = if sorted.len() % 2 == 1 {
            sorted[sorted.len() / 2]
        } else {
            (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
        };
        Summary { p10: at(0.1), median, p90: at(0.9) }
    }
}

/// One finished row: its name, unit, and a summary per runtime in
/// [`Which::ALL`](crate::rt::Which::ALL) order.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// Row name.
    pub name: &'static str,
    /// Unit of the samples.
    pub unit: Unit,
    /// spindle, tokio, async-executor.
    pub summaries: [Summary; 3],
}

/// Formats a value in the row's unit.
pub fn format_value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::BytesPerTask => format!("{v:.0} B"),
        Unit::Seconds if v >= 1.0 => format!("{v:.2} s"),
        Unit::Seconds if v >= 1e-3 => format!("{:.2} ms", v * 1e3),
        Unit::Seconds if v >= 1e-6 => format!("{:.1} µs", v * 1e6),
        Unit::Seconds => format!("{:.1} ns", v * 1e9),
    }
}

/// The main table: medians and ratios (below 1.00 means spindle is ahead,
/// for time and bytes alike).
pub fn markdown_table(rows: &[RowResult]) -> String {
    let mut out = String::new();
    out.push_str("| benchmark | spindle | tokio | async-executor | spindle/tokio | spindle/best-other |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for row in rows {
        let [s, t, a] = row.summaries.map(|x| x.median);
        let best = t.min(a);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {:.2} |",
            row.name,
            format_value(row.unit, s),
            format_value(row.unit, t),
            format_value(row.unit, a),
            s / t,
            s / best,
        );
    }
    out
}

/// The spread table: p10 – p90 per runtime.
pub fn spread_table(rows: &[RowResult]) -> String {
    let mut out = String::new();
    out.push_str("| benchmark | spindle p10–p90 | tokio p10–p90 | async-executor p10–p90 |\n");
    out.push_str("|---|---:|---:|---:|\n");
    for row in rows {
        let cells =
            row.summaries.map(|x| format!("{} – {}", format_value(row.unit, x.p10), format_value(row.unit, x.p90)));
        let _ = writeln!(out, "| {} | {} | {} | {} |", row.name, cells[0], cells[1], cells[2]);
    }
    out
}

/// One runtime's timer samples on one timer row, summarised.
#[derive(Clone, Copy, Debug)]
pub struct TimerSummary {
    /// Lateness median over all timers of all rounds, in seconds.
    pub p50: f64,
    /// Lateness 99th percentile (nearest rank), in seconds.
    pub p99: f64,
    /// Largest lateness, in seconds.
    pub max: f64,
    /// Median over rounds of the total (first spawn to last wake), in
    /// seconds.
    pub total: f64,
    /// Timers measured (all rounds).
    pub timers: usize,
    /// Timers that fired before their deadline.
    pub early: usize,
}

impl TimerSummary {
    /// Pools the lateness of every timer in `samples` (not empty).
    pub fn of(samples: &[TimerSample]) -> TimerSummary {
        assert!(!samples.is_empty(), "no samples to summarise");
        let mut late: Vec<i64> = samples.iter().flat_map(|s| s.lateness_ns.iter().copied()).collect();
        assert!(!late.is_empty(), "no timers to summarise");
        late.sort_unstable();
        let at = |q: f64| late[((late.len() - 1) as f64 * q).round() as usize] as f64 / 1e9;
        let totals: Vec<f64> = samples.iter().map(|s| s.total.as_secs_f64()).collect();
        TimerSummary {
            p50: at(0.5),
            p99: at(0.99),
            max: at(1.0),
            total: Summary::of(&totals).median,
            timers: late.len(),
            early: samples.iter().map(TimerSample::early).sum(),
        }
    }
}

/// One finished timer row: a summary per runtime in
/// [`Which::ALL`](crate::rt::Which::ALL) order.
#[derive(Clone, Debug)]
pub struct TimerRowResult {
    /// Row name.
    pub name: &'static str,
    /// Rounds per runtime.
    pub rounds: usize,
    /// spindle, tokio, async-io.
    pub summaries: [TimerSummary; 3],
    /// The OS floor under the row, if it has one
    /// ([`os_floor`](crate::workloads::os_floor)).
    pub floor: Option<TimerSummary>,
}

fn seconds(v: f64) -> String {
    // Lateness may be negative (a timer firing early).
    if v < 0.0 {
        format!("-{}", format_value(Unit::Seconds, -v))
    } else {
        format_value(Unit::Seconds, v)
    }
}

/// The timer table: lateness p50 / p99 / max and the median total per
/// runtime, then the ratios spindle/tokio and spindle/async-io (below 1.00
/// means spindle is ahead). A row with an OS floor also shows the floor and
/// what spindle adds to it (spindle minus floor, per column).
pub fn timer_table(rows: &[TimerRowResult]) -> String {
    let mut out = String::new();
    out.push_str("| benchmark | runtime | lateness p50 | lateness p99 | lateness max | total |\n");
    out.push_str("|---|---|---:|---:|---:|---:|\n");
    for row in rows {
        let line = |out: &mut String, who: &str, s: &TimerSummary| {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                row.name,
                who,
                seconds(s.p50),
                seconds(s.p99),
                seconds(s.max),
                seconds(s.total)
            );
        };
        for (which, s) in Which::ALL.iter().zip(&row.summaries) {
            line(&mut out, which.timer_name(), s);
        }
        let s = &row.summaries[0];
        if let Some(floor) = &row.floor {
            line(&mut out, "os floor", floor);
            let added = TimerSummary {
                p50: s.p50 - floor.p50,
                p99: s.p99 - floor.p99,
                max: s.max - floor.max,
                total: s.total - floor.total,
                ..*s
            };
            line(&mut out, "spindle − floor", &added);
        }
        for (which, o) in Which::ALL.iter().zip(&row.summaries).skip(1) {
            let _ = writeln!(
                out,
                "| {} | spindle/{} | {:.2} | {:.2} | {:.2} | {:.2} |",
                row.name,
                which.timer_name(),
                s.p50 / o.p50,
                s.p99 / o.p99,
                s.max / o.max,
                s.total / o.total
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_odd_and_even() {
        let s = Summary::of(&[5.0, 1.0, 3.0]);
        assert_eq!((s.p10, s.median, s.p90), (1.0, 3.0, 5.0));
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(s.median, 2.5);
    }

    #[test]
    fn table_ratios() {
        let one = |v| Summary { p10: v, median: v, p90: v };
        let rows = [RowResult { name: "x", unit: Unit::Seconds, summaries: [one(2e-3), one(4e-3), one(1e-3)] }];
        let table = markdown_table(&rows);
        assert!(table.contains("| x | 2.00 ms | 4.00 ms | 1.00 ms | 0.50 | 2.00 |"), "{table}");
    }

    #[test]
    fn timer_summary_and_table() {
        use std::time::Duration;
        let sample =
            |late: &[i64], total_ms| TimerSample { lateness_ns: late.to_vec(), total: Duration::from_millis(total_ms) };
        // 200 timers at 10 µs, then one at 1 ms: p50 and p99 at 10 µs.
        let mut late = vec![10_000; 200];
        late.push(1_000_000);
        let s = TimerSummary::of(&[sample(&late, 50), sample(&[-5], 60), sample(&[20_000], 70)]);
        assert_eq!((s.p50, s.p99, s.max, s.total), (10e-6, 10e-6, 1e-3, 60e-3));
        assert_eq!((s.timers, s.early), (203, 1));
        let t = TimerSummary { p50: 20e-6, p99: 40e-6, max: 2e-3, total: 30e-3, timers: 1, early: 0 };
        let rows = [TimerRowResult { name: "t", rounds: 1, summaries: [s, t, t], floor: Some(t) }];
        let table = timer_table(&rows);
        assert!(table.contains("| t | spindle | 10.0 µs | 10.0 µs | 1.00 ms | 60.00 ms |"), "{table}");
        assert!(table.contains("| t | async-io | 20.0 µs | 40.0 µs | 2.00 ms | 30.00 ms |"), "{table}");
        assert!(table.contains("| t | spindle/tokio | 0.50 | 0.25 | 0.50 | 2.00 |"), "{table}");
        assert!(table.contains("| t | os floor | 20.0 µs | 40.0 µs | 2.00 ms | 30.00 ms |"), "{table}");
        assert!(table.contains("| t | spindle − floor | -10.0 µs | -30.0 µs | -1.00 ms | 30.00 ms |"), "{table}");
        assert_eq!(format_value(Unit::Seconds, 85e-9), "85.0 ns");
    }
}
