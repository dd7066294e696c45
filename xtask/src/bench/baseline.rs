//! Named baselines: `--save NAME` stores a run's report as
//! `target/bench/baselines/NAME/COMMAND.json` (one file per bench command,
//! overwritten by the next `--save` of that name); `--baseline NAME` loads
//! it for the comparison in compare.rs.
//!
//! A baseline file is the command's report — the same JSON as
//! `target/bench/COMMAND-N.json` — with a `baseline` object added (name,
//! command, when, commit, options). Loading reads only what the comparison
//! needs: the corpus (files, bytes), the CPU count and the phases.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::{Options, Phase};

/// The longest baseline name accepted.
const MAX_NAME: usize = 64;

/// Checks a baseline name: 1 to 64 of `A-Z a-z 0-9 . _ -`, not starting
/// with `.` (so never `.` or `..`). Names become a directory under
/// `target/bench/baselines/`; nothing else can reach outside it.
pub(super) fn validate_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > MAX_NAME {
        bail!("baseline name `{name}`: must be 1 to {MAX_NAME} characters");
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        bail!(
            "baseline name `{name}`: `{bad}` is not allowed (use only A-Z a-z 0-9 . _ -)",
            bad = bad.escape_default()
        );
    }
    if name.starts_with('.') {
        bail!("baseline name `{name}`: must not start with `.`");
    }
    Ok(())
}

/// `OUT_DIR/baselines/NAME/COMMAND.json`; `name` must be valid.
pub(super) fn path(out_dir: &Path, name: &str, command: &str) -> PathBuf {
    out_dir
        .join("baselines")
        .join(name)
        .join(format!("{command}.json"))
}

/// What a baseline records about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Meta {
    pub(super) name: String,
    /// The bench command: `ingest`, `run`, `redact` or `seal`.
    pub(super) command: String,
    /// Seconds since the Unix epoch when it was saved.
    pub(super) saved_unix: u64,
    /// `git rev-parse --short HEAD`, with `+dirty` for uncommitted changes.
    pub(super) commit: Option<String>,
    /// The options of the saved run.
    pub(super) files_option: usize,
    pub(super) size_option: u16,
    pub(super) runs: usize,
    pub(super) threads: usize,
    pub(super) cp: bool,
}

impl Meta {
    pub(super) fn new(name: &str, command: &str, options: &Options, root: &Path) -> Meta {
        Meta {
            name: name.to_owned(),
            command: command.to_owned(),
            saved_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            commit: commit(root),
            files_option: options.files,
            size_option: options.size,
            runs: options.runs,
            threads: options.threads,
            cp: options.cp,
        }
    }

    /// `saved 2026-11-23 10:04 UTC, commit 9bf7cfb`.
    pub(super) fn describe(&self) -> String {
        format!(
            "saved {}, commit {}, {} runs",
            utc(self.saved_unix),
            self.commit.as_deref().unwrap_or("unknown"),
            self.runs
        )
    }
}

/// A loaded baseline: what the comparison needs.
#[derive(Debug, Deserialize)]
pub(super) struct Baseline {
    pub(super) baseline: Meta,
    /// Files and bytes of the corpus measured.
    pub(super) files: usize,
    pub(super) bytes: u64,
    pub(super) cpus: usize,
    pub(super) phases: Vec<Phase>,
}

/// The report as JSON with `meta` added under `baseline`.
pub(super) fn encode(report: &impl Serialize, meta: &Meta) -> Result<Vec<u8>> {
    let mut json = serde_json::to_value(report)?;
    let object = json
        .as_object_mut()
        .context("a bench report must serialize to a JSON object")?;
    object.insert("baseline".to_owned(), serde_json::to_value(meta)?);
    Ok(serde_json::to_vec_pretty(&json)?)
}

pub(super) fn decode(bytes: &[u8]) -> Result<Baseline> {
    Ok(serde_json::from_slice(bytes)?)
}

/// Writes the baseline file of `meta.name` and `meta.command` under
/// `out_dir`, replacing any earlier one, and says which it did.
pub(super) fn save(out_dir: &Path, report: &impl Serialize, meta: &Meta) -> Result<()> {
    let path = path(out_dir, &meta.name, &meta.command);
    let existed = path.exists();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, encode(report, meta)?)
        .with_context(|| format!("writing {}", path.display()))?;
    if existed {
        println!(
            "saved baseline `{}` for bench {}: {} (overwrote the earlier baseline of that name)",
            meta.name,
            meta.command,
            path.display()
        );
    } else {
        println!(
            "saved baseline `{}` for bench {}: {}",
            meta.name,
            meta.command,
            path.display()
        );
    }
    Ok(())
}

/// Reads the baseline `name` of `command`; a missing file is an error
/// naming the path and how to make it.
pub(super) fn load(out_dir: &Path, name: &str, command: &str) -> Result<Baseline> {
    let path = path(out_dir, name, command);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "no baseline `{name}` for bench {command}: {} does not exist \
             (save one with `cargo xtask bench {command} --save {name}`)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    decode(&bytes).with_context(|| format!("{} is not a bench baseline", path.display()))
}

/// The short commit of `root`'s checkout, `+dirty` if it has changes.
fn commit(root: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let head = git(&["rev-parse", "--short", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{head}+dirty") } else { head })
}

/// `YYYY-MM-DD HH:MM UTC` of Unix seconds.
fn utc(unix: u64) -> String {
    // `YYYY-MM-DDTHH:MM:SSZ`
    let rfc3339 = gantry::store::utc_rfc3339(i64::try_from(unix).unwrap_or(i64::MAX));
    format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(name: &str, seconds: f64) -> Phase {
        Phase {
            name: name.to_owned(),
            files: 200,
            seconds,
            files_per_s: 200.0 / seconds,
            mb_per_s: 105.0 / seconds,
            peak_rss_kib: 12_345,
            cpu_seconds: 0.5,
            ok: true,
            note: "median of 3 runs".to_owned(),
        }
    }

    fn meta() -> Meta {
        Meta {
            name: "main-2026".to_owned(),
            command: "ingest".to_owned(),
            saved_unix: 1_795_000_000,
            commit: Some("9bf7cfb+dirty".to_owned()),
            files_option: 200,
            size_option: 512,
            runs: 3,
            threads: 2,
            cp: true,
        }
    }

    #[test]
    fn names_are_restricted() {
        for ok in [
            "smoke",
            "main",
            "v0.3.1",
            "before_fix-2",
            "A",
            &"x".repeat(64),
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "../etc",
            "a/b",
            "a\\b",
            "/abs",
            "with space",
            "naïve",
            "a\0b",
            "semi;colon",
            &"x".repeat(65),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        let message = validate_name("../x").unwrap_err().to_string();
        assert!(message.contains("`/` is not allowed"), "{message}");
        assert!(message.contains("A-Z a-z 0-9 . _ -"), "{message}");
    }

    #[test]
    fn the_path_stays_under_baselines() {
        let path = path(Path::new("/t/bench"), "smoke", "ingest");
        assert_eq!(path, Path::new("/t/bench/baselines/smoke/ingest.json"));
    }

    #[test]
    fn a_saved_report_reads_back() {
        // Any command's report: its own fields are kept in the file, and
        // the common ones read back.
        #[derive(Serialize)]
        struct Report {
            files: usize,
            bytes: u64,
            cpus: usize,
            corpus: String,
            phases: Vec<Phase>,
            overhead: Vec<(String, f64)>,
        }
        let report = Report {
            files: 200,
            bytes: 105_000_000,
            cpus: 2,
            corpus: "bench-data/ct-200".to_owned(),
            phases: vec![
                phase("floor: header read (2t)", 0.02),
                phase("gantry ingest (cold)", 0.031),
            ],
            overhead: vec![("x".to_owned(), 0.1)],
        };
        let bytes = encode(&report, &meta()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["corpus"], "bench-data/ct-200");
        assert_eq!(json["overhead"][0][1], 0.1);
        assert_eq!(json["baseline"]["name"], "main-2026");

        let back = decode(&bytes).unwrap();
        assert_eq!(back.baseline, meta());
        assert_eq!((back.files, back.bytes, back.cpus), (200, 105_000_000, 2));
        assert_eq!(back.phases.len(), 2);
        for (a, b) in back.phases.iter().zip(&report.phases) {
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::to_value(b).unwrap()
            );
        }

        // A plain report (no `baseline` object) is not a baseline.
        let plain = serde_json::to_vec(&report).unwrap();
        assert!(decode(&plain).is_err());
    }

    #[test]
    fn save_then_load_and_a_missing_baseline_names_its_path() {
        let dir = std::env::temp_dir().join(format!("xtask-baseline-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let err = load(&dir, "nope", "run").unwrap_err().to_string();
        assert!(
            err.contains(&path(&dir, "nope", "run").display().to_string()),
            "{err}"
        );
        assert!(err.contains("--save nope"), "{err}");

        #[derive(Serialize)]
        struct Report {
            files: usize,
            bytes: u64,
            cpus: usize,
            phases: Vec<Phase>,
        }
        let report = Report {
            files: 1,
            bytes: 2,
            cpus: 3,
            phases: vec![phase("floor: cp -r", 1.0)],
        };
        save(&dir, &report, &meta()).unwrap();
        save(&dir, &report, &meta()).unwrap(); // overwrites
        let back = load(&dir, "main-2026", "ingest").unwrap();
        assert_eq!(back.baseline, meta());
        assert_eq!(back.phases[0].name, "floor: cp -r");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06 UTC");
    }
}
