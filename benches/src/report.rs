//! Summaries of samples and the markdown table.

use std::fmt::Write;

use crate::rows::Unit;

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
        Unit::Seconds => format!("{:.1} µs", v * 1e6),
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
}
