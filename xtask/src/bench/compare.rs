//! Comparing a run with a saved baseline (`--baseline NAME`), and deciding
//! which rows regressed.
//!
//! Why this exists: the project's machines are shared 2-core VMs whose
//! absolute speed drifts 20–50% between runs, so "files/s fell 15% since
//! the baseline" says more about the neighbours than about Gantry. What
//! stays put is a phase's time relative to the floors measured in the same
//! run (rows named `floor: …`: `cp -r`, the header-read floor), as drift
//! slows both alike. So for every phase this prints the change in files/s
//! (for reference) and, per floor, the change in `× floor` = phase seconds
//! / floor seconds, and judges only the latter.
//!
//! The verdict of a (non-floor) row, with `change = × floor now / × floor
//! in the baseline - 1` per floor measured in both runs:
//!
//! - `REGRESSED`: the change exceeds +10% against *every* such floor. One
//!   floor can drift on its own (`cp -r` is disk-bound, the header-read
//!   floor CPU-bound); a real regression shows against all of them.
//! - `slower vs F only`: above +10% against some floors but not all; shown,
//!   not counted.
//! - `improved`: below -10% against every floor; `ok` otherwise.
//! - `no floor`: no floor in both runs (`--no-cp` on a command whose only
//!   floor is `cp -r`): files/s only, never judged.
//!
//! Rows of a few tens of milliseconds (small corpora, re-runs) are mostly
//! process start-up and noise: judge on corpora of thousands of files.
//!
//! Regressions are reported, and the exit status stays 0, unless
//! `--fail-on-regression` is given: then a run with a regressed row exits
//! with status 1 (errors, including a failed phase, exit with 2).

use std::fmt::Write as _;

use super::Phase;

/// A row regressed when its ratio to the floors rose by more than this.
pub(super) const THRESHOLD: f64 = 0.10;

/// Rows whose name starts with this are floors.
const FLOOR_PREFIX: &str = "floor: ";

/// One phase against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub(super) name: String,
    /// files/s now and in the baseline.
    pub(super) files_per_s: Option<(f64, f64)>,
    /// Peak RSS in KiB now and in the baseline.
    pub(super) rss_kib: Option<(u64, u64)>,
    /// Per floor of the comparison (same order): `× floor` now and in the
    /// baseline, if both runs measured the phase and the floor.
    pub(super) ratios: Vec<Option<(f64, f64)>>,
    pub(super) verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Verdict {
    Regressed,
    /// Regressed against these floors but not against all.
    SlowerVs(Vec<String>),
    Improved,
    Steady,
    NoFloor,
    /// A floor row: its ratios to the other floors are shown, not judged.
    Floor,
    /// Not in the baseline.
    New,
    /// Failed in this run or in the baseline.
    Failed,
}

/// A run against a baseline.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Comparison {
    /// Names of this run's floors (successful rows named `floor: …`).
    pub(super) floors: Vec<String>,
    pub(super) rows: Vec<Row>,
    /// Baseline rows this run does not have.
    pub(super) missing: Vec<String>,
}

impl Comparison {
    pub(super) fn regressed(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Regressed)
            .map(|r| r.name.as_str())
            .collect()
    }
}

/// `now / base - 1`.
pub(super) fn change(now: f64, base: f64) -> f64 {
    now / base - 1.0
}

/// Compares this run's phases with the baseline's, row by row (by name).
pub(super) fn compare(now: &[Phase], base: &[Phase]) -> Comparison {
    let find = |phases: &'_ [Phase], name: &str| {
        phases
            .iter()
            .find(|p| p.name == name && p.ok && p.seconds > 0.0)
            .map(|p| p.seconds)
    };
    let floors: Vec<String> = now
        .iter()
        .filter(|p| p.name.starts_with(FLOOR_PREFIX) && p.ok)
        .map(|p| p.name.clone())
        .collect();
    let rows = now
        .iter()
        .map(|p| {
            let b = base.iter().find(|q| q.name == p.name);
            let ratios = floors
                .iter()
                .map(|floor| {
                    let both = p.ok && b.is_some_and(|b| b.ok) && *floor != p.name;
                    let now_floor = find(now, floor)?;
                    let base_floor = find(base, floor)?;
                    let b = b?;
                    both.then(|| (p.seconds / now_floor, b.seconds / base_floor))
                })
                .collect::<Vec<_>>();
            let verdict = match b {
                None => Verdict::New,
                Some(b) if !p.ok || !b.ok => Verdict::Failed,
                Some(_) if p.name.starts_with(FLOOR_PREFIX) => Verdict::Floor,
                Some(_) => judge(&floors, &ratios),
            };
            Row {
                name: p.name.clone(),
                files_per_s: b
                    .filter(|b| b.ok && p.ok)
                    .map(|b| (p.files_per_s, b.files_per_s)),
                rss_kib: b
                    .filter(|b| b.ok && p.ok)
                    .map(|b| (p.peak_rss_kib, b.peak_rss_kib)),
                ratios,
                verdict,
            }
        })
        .collect();
    let missing = base
        .iter()
        .filter(|b| !now.iter().any(|p| p.name == b.name))
        .map(|b| b.name.clone())
        .collect();
    Comparison {
        floors,
        rows,
        missing,
    }
}

/// The verdict of a non-floor row from its `× floor` pairs (see the
/// module doc).
fn judge(floors: &[String], ratios: &[Option<(f64, f64)>]) -> Verdict {
    let changes: Vec<(&String, f64)> = floors
        .iter()
        .zip(ratios)
        .filter_map(|(floor, r)| r.map(|(now, base)| (floor, change(now, base))))
        .collect();
    if changes.is_empty() {
        return Verdict::NoFloor;
    }
    let slower: Vec<String> = changes
        .iter()
        .filter(|(_, c)| *c > THRESHOLD)
        .map(|(f, _)| short(f).to_owned())
        .collect();
    if slower.len() == changes.len() {
        Verdict::Regressed
    } else if !slower.is_empty() {
        Verdict::SlowerVs(slower)
    } else if changes.iter().all(|(_, c)| *c < -THRESHOLD) {
        Verdict::Improved
    } else {
        Verdict::Steady
    }
}

/// `cp -r` of `floor: cp -r`.
fn short(floor: &str) -> &str {
    floor.strip_prefix(FLOOR_PREFIX).unwrap_or(floor)
}

/// Warnings when the baseline measured another corpus or machine: the
/// comparison is still printed, but across different corpora.
pub(super) fn corpus_warnings(
    (files, bytes, cpus): (usize, u64, usize),
    (base_files, base_bytes, base_cpus): (usize, u64, usize),
) -> Vec<String> {
    let mut warnings = Vec::new();
    if (files, bytes) != (base_files, base_bytes) {
        warnings.push(format!(
            "WARNING: the baseline measured a different corpus ({base_files} files, {:.1} MB; \
             this run {files} files, {:.1} MB): the figures below compare different corpora",
            base_bytes as f64 / 1e6,
            bytes as f64 / 1e6
        ));
    }
    if cpus != base_cpus {
        warnings.push(format!(
            "WARNING: the baseline ran with {base_cpus} CPUs, this run with {cpus}"
        ));
    }
    warnings
}

/// The comparison as a table, with its legend and verdict lines.
pub(super) fn render(c: &Comparison) -> String {
    let width = c
        .rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let pct = |now: f64, base: f64| format!("{:+.1}%", change(now, base) * 100.0);
    let mut out = String::new();
    // Two header lines: groups, then columns.
    let mut groups = format!("{:width$} {:^26}", "", "files/s");
    let mut columns = format!(
        "{:<width$} {:>8} {:>8} {:>8}",
        "phase", "now", "base", "change"
    );
    for floor in &c.floors {
        let _ = write!(groups, "  {:^26}", format!("× {}", short(floor)));
        columns.push_str(&format!("  {:>8} {:>8} {:>8}", "now", "base", "change"));
    }
    let _ = write!(groups, "  {:>8}", "peak RSS");
    columns.push_str(&format!("  {:>8}  verdict", "change"));
    let _ = writeln!(out, "{}", groups.trim_end());
    let _ = writeln!(out, "{columns}");
    for row in &c.rows {
        let _ = match row.files_per_s {
            Some((now, base)) => write!(
                out,
                "{:<width$} {now:>8.0} {base:>8.0} {:>8}",
                row.name,
                pct(now, base)
            ),
            None => write!(out, "{:<width$} {:>8} {:>8} {:>8}", row.name, "-", "-", "-"),
        };
        for ratio in &row.ratios {
            let _ = match ratio {
                Some((now, base)) => {
                    write!(out, "  {now:>8.3} {base:>8.3} {:>8}", pct(*now, *base))
                }
                None => write!(out, "  {:>8} {:>8} {:>8}", "-", "-", "-"),
            };
        }
        let rss = row.rss_kib.filter(|(_, base)| *base > 0).map_or_else(
            || "-".to_owned(),
            |(now, base)| pct(now as f64, base as f64),
        );
        let verdict = match &row.verdict {
            Verdict::Regressed => "REGRESSED".to_owned(),
            Verdict::SlowerVs(floors) => format!("slower vs {} only", floors.join(", ")),
            Verdict::Improved => "improved".to_owned(),
            Verdict::Steady => "ok".to_owned(),
            Verdict::NoFloor => "no floor".to_owned(),
            Verdict::Floor => "(floor)".to_owned(),
            Verdict::New => "not in the baseline".to_owned(),
            Verdict::Failed => "failed (now or in the baseline)".to_owned(),
        };
        let _ = writeln!(out, "  {rss:>8}  {verdict}");
    }
    if !c.missing.is_empty() {
        let _ = writeln!(
            out,
            "baseline rows not measured in this run: {}",
            c.missing.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "(change = now / base - 1. files/s: + is faster; absolute speed drifts 20-50% on shared machines.\n \
         × floor = seconds / that floor's seconds in the same run: + is slower relative to the floor.\n \
         REGRESSED = × floor above +{:.0}% against every floor measured in both runs.)",
        THRESHOLD * 100.0
    );
    if c.floors.is_empty() {
        let _ = writeln!(
            out,
            "no floor in this run (--no-cp?): nothing is judged, files/s only"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "floor: header read (2t)";
    const CP: &str = "floor: cp -r";

    fn phase(name: &str, seconds: f64) -> Phase {
        Phase {
            name: name.to_owned(),
            files: 1000,
            seconds,
            files_per_s: 1000.0 / seconds,
            mb_per_s: 0.0,
            peak_rss_kib: 10_240,
            cpu_seconds: 0.0,
            ok: true,
            note: String::new(),
        }
    }

    fn verdict_of(c: &Comparison, name: &str) -> Verdict {
        c.rows
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .verdict
            .clone()
    }

    #[test]
    fn uniform_drift_is_not_a_regression() {
        // The whole machine 40% slower: files/s falls, the ratios hold.
        let base = [phase(HEADER, 1.0), phase("ingest", 1.1), phase(CP, 2.0)];
        let now = [phase(HEADER, 1.4), phase("ingest", 1.54), phase(CP, 2.8)];
        let c = compare(&now, &base);
        assert_eq!(c.floors, [HEADER, CP]);
        let row = &c.rows[1];
        let (fps_now, fps_base) = row.files_per_s.unwrap();
        assert!(change(fps_now, fps_base) < -0.28);
        assert_eq!(row.verdict, Verdict::Steady);
        assert_eq!(verdict_of(&c, HEADER), Verdict::Floor);
        assert_eq!(verdict_of(&c, CP), Verdict::Floor);
        assert!(c.regressed().is_empty());
        // A floor's ratio to itself is not shown; to the other floor it is.
        assert_eq!(c.rows[0].ratios[0], None);
        assert!(c.rows[0].ratios[1].is_some());
    }

    #[test]
    fn a_slower_phase_on_a_faster_machine_regresses() {
        // Machine 20% faster, ingest only 5% faster: its ratios rose ~19%.
        let base = [phase(HEADER, 1.0), phase("ingest", 1.0), phase(CP, 2.0)];
        let now = [phase(HEADER, 0.8), phase("ingest", 0.95), phase(CP, 1.6)];
        let c = compare(&now, &base);
        assert_eq!(verdict_of(&c, "ingest"), Verdict::Regressed);
        assert_eq!(c.regressed(), ["ingest"]);
        let (now_r, base_r) = c.rows[1].ratios[1].unwrap();
        assert!((change(now_r, base_r) - 0.1875).abs() < 1e-9);
        assert!(render(&c).contains("REGRESSED"));
    }

    #[test]
    fn the_threshold_is_ten_percent_against_every_floor() {
        let base = [
            phase("a", 1.0),
            phase("b", 1.0),
            phase("c", 1.0),
            phase(CP, 1.0),
        ];
        let now = [
            phase("a", 1.09),
            phase("b", 1.11),
            phase("c", 0.85),
            phase(CP, 1.0),
        ];
        let c = compare(&now, &base);
        assert_eq!(verdict_of(&c, "a"), Verdict::Steady);
        assert_eq!(verdict_of(&c, "b"), Verdict::Regressed);
        assert_eq!(verdict_of(&c, "c"), Verdict::Improved);

        // Slower against one floor only: shown, not counted.
        let base = [phase(HEADER, 1.0), phase("x", 1.0), phase(CP, 1.0)];
        let now = [phase(HEADER, 1.0), phase("x", 1.2), phase(CP, 1.2)];
        let c = compare(&now, &base);
        assert_eq!(
            verdict_of(&c, "x"),
            Verdict::SlowerVs(vec!["header read (2t)".to_owned()])
        );
        assert!(c.regressed().is_empty());
        assert!(render(&c).contains("slower vs header read (2t) only"));
    }

    #[test]
    fn rows_without_a_common_floor_are_not_judged() {
        // --no-cp now: no floor at all.
        let c = compare(&[phase("run", 3.0)], &[phase("run", 1.0), phase(CP, 1.0)]);
        assert_eq!(verdict_of(&c, "run"), Verdict::NoFloor);
        assert_eq!(c.missing, [CP]);
        assert!(render(&c).contains("nothing is judged"));
        // The floor is in this run but not in the baseline.
        let c = compare(&[phase("run", 3.0), phase(CP, 1.0)], &[phase("run", 1.0)]);
        assert_eq!(verdict_of(&c, "run"), Verdict::NoFloor);
        assert_eq!(c.rows[0].ratios, [None]);
    }

    #[test]
    fn new_failed_and_failed_floor_rows() {
        let mut failed = phase("export", 9.0);
        failed.ok = false;
        let mut failed_floor = phase(CP, 1.0);
        failed_floor.ok = false;
        let base = [phase("export", 1.0), phase(CP, 1.0)];
        let now = [failed, phase("verify", 1.0), phase(CP, 1.0)];
        let c = compare(&now, &base);
        assert_eq!(verdict_of(&c, "export"), Verdict::Failed);
        assert_eq!(c.rows[0].files_per_s, None);
        assert_eq!(verdict_of(&c, "verify"), Verdict::New);
        assert!(c.regressed().is_empty());
        // A floor that failed in the baseline judges nothing.
        let c = compare(
            &[phase("export", 5.0), phase(CP, 1.0)],
            &[phase("export", 1.0), failed_floor],
        );
        assert_eq!(verdict_of(&c, "export"), Verdict::NoFloor);
    }

    #[test]
    fn other_corpora_and_machines_are_warned_about() {
        assert!(corpus_warnings((200, 105, 2), (200, 105, 2)).is_empty());
        let w = corpus_warnings((2000, 1_050_000_000, 2), (200, 105_000_000, 2));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("different corpus"), "{}", w[0]);
        assert!(w[0].contains("200 files, 105.0 MB"), "{}", w[0]);
        // Same file count, other image size.
        assert_eq!(corpus_warnings((200, 1, 2), (200, 2, 2)).len(), 1);
        assert_eq!(corpus_warnings((200, 1, 4), (200, 1, 2)).len(), 1);
    }

    #[test]
    fn the_table_has_a_column_group_per_floor() {
        let base = [
            phase(HEADER, 1.0),
            phase("gantry ingest (cold)", 1.0),
            phase(CP, 2.0),
        ];
        let c = compare(&base, &base);
        let table = render(&c);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].contains("files/s"));
        assert!(lines[0].contains("× header read (2t)"));
        assert!(lines[0].contains("× cp -r"));
        assert!(lines[3].starts_with("gantry ingest (cold)"), "{table}");
        assert!(lines[3].contains("+0.0%"), "{table}");
        assert!(lines[3].ends_with("  ok"), "{table}");
    }
}
