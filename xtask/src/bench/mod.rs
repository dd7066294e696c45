//! `cargo xtask bench`: Gantry against its floors on a generated CT corpus,
//! each phase a separate process with its own wall time and peak RSS.
//!
//! - `ingest` (ingest.rs): `gantry ingest` against the header-read floor.
//! - `run` (run.rs): the main job `gantry run`, and its steps ingest →
//!   export → verify, against `cp -r` of the same files.
//! - `all`: both, on the same corpus.
//! - `seal` (seal.rs): export with and without reversible sealing.
//! - `redact` (redact.rs): export with and without pixel redaction, from
//!   native, RLE and JPEG-LS copies of the corpus.
//!
//! Every command prints a table, saves it as JSON in `target/bench/`
//! (`COMMAND-N.json`) and shows the previous run's files/s beside each row.
//! Named baselines, for comparing across commits or branches:
//!
//! - `--save NAME` also stores the run as the baseline NAME, one file per
//!   command: `target/bench/baselines/NAME/COMMAND.json` (under
//!   `$CARGO_TARGET_DIR` if set; `cargo clean` removes it). Saving again
//!   overwrites it. A run with a failed phase is not saved as a baseline.
//! - `--baseline NAME` compares the run with it: beside each phase, the
//!   baseline's files/s and `× floor` ratios and their change, with
//!   `REGRESSED` on rows whose ratio to the floors rose by more than 10%
//!   (compare.rs says why ratios, and how rows are judged). The exit status
//!   stays 0; with `--fail-on-regression` a regression exits with 1.
//! - The two exclude each other; names are `A-Za-z0-9._-` (baseline.rs).
//!
//! Shared here: options, corpus preparation, the `cp -r` floor and the table.
//! Process measurement is in measure.rs, the internal child commands
//! (`generate-corpus`, `floor-headers`) in children.rs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

mod baseline;
mod children;
mod compare;
mod ingest;
mod measure;
mod redact;
mod run;
mod seal;

pub(crate) use children::{floor_headers_main, generate_corpus_main};
pub(crate) use ingest::ingest;
pub(crate) use redact::redact;
pub(crate) use run::run;
pub(crate) use seal::seal;

use baseline::Baseline;
use measure::{Run, measure, median_run};

#[derive(Debug, Clone)]
pub(crate) struct Options {
    files: usize,
    /// Rows and columns of the generated images (512: CT-like 0.5 MB
    /// files; small values make many small files, for memory at scale).
    size: u16,
    dir: Option<PathBuf>,
    /// Threads of the header-read floor (`ingest` and `run`).
    threads: usize,
    runs: usize,
    cp: bool,
    /// `--save NAME`: store this run as the baseline NAME.
    save: Option<String>,
    /// `--baseline NAME`: compare this run with the baseline NAME.
    baseline: Option<String>,
    /// Exit with 1 when a row regressed against the baseline.
    fail_on_regression: bool,
}

impl Options {
    /// Parses the options of `bench COMMAND`; `--threads` only where the
    /// command has the header-read floor.
    pub(crate) fn parse(command: &str, args: &[String]) -> Result<Self> {
        let mut options = Options {
            files: 2_000,
            size: 512,
            dir: None,
            threads: available_threads(),
            runs: 3,
            cp: true,
            save: None,
            baseline: None,
            fail_on_regression: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--files" => options.files = crate::parse_value("--files", args.next())?,
                "--size" => options.size = crate::parse_value("--size", args.next())?,
                "--dir" => options.dir = Some(crate::parse_value("--dir", args.next())?),
                "--threads" if !matches!(command, "seal" | "redact") => {
                    options.threads = crate::parse_value("--threads", args.next())?;
                }
                "--runs" => options.runs = crate::parse_value("--runs", args.next())?,
                "--no-cp" => options.cp = false,
                "--save" => options.save = Some(baseline_name("--save", args.next())?),
                "--baseline" => {
                    options.baseline = Some(baseline_name("--baseline", args.next())?);
                }
                "--fail-on-regression" => options.fail_on_regression = true,
                other => bail!("bench {command}: unknown option `{other}`"),
            }
        }
        if options.files == 0 || options.threads == 0 || options.runs == 0 || options.size == 0 {
            bail!("--files, --size, --threads and --runs must be at least 1");
        }
        if options.save.is_some() && options.baseline.is_some() {
            bail!(
                "--save and --baseline cannot be used together: save a baseline in one run, \
                 compare with it in another\n\
                 usage: cargo xtask bench {command} [options] [--baseline NAME [--fail-on-regression] | --save NAME]"
            );
        }
        if options.fail_on_regression && options.baseline.is_none() {
            bail!("--fail-on-regression needs --baseline NAME (there is nothing to regress from)");
        }
        Ok(options)
    }

    /// The baseline of `--baseline NAME` for `command`, if given; an error
    /// if it does not exist.
    fn load_baseline(&self, root: &Path, command: &str) -> Result<Option<Baseline>> {
        self.baseline
            .as_deref()
            .map(|name| baseline::load(&out_dir(root), name, command))
            .transpose()
    }
}

/// The value of `--save` or `--baseline`, checked as a baseline name.
fn baseline_name(option: &str, value: Option<&String>) -> Result<String> {
    let name: String = crate::parse_value(option, value)?;
    baseline::validate_name(&name).context(option.to_owned())?;
    Ok(name)
}

/// `bench … --baseline NAME --fail-on-regression` found regressed rows:
/// `main` exits with 1 for it (2 for errors).
#[derive(Debug)]
pub(crate) struct Regressed {
    command: String,
    rows: Vec<String>,
}

impl std::fmt::Display for Regressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bench {}: {} row(s) regressed more than {:.0}% against the floors \
             (--fail-on-regression): {}",
            self.command,
            self.rows.len(),
            compare::THRESHOLD * 100.0,
            self.rows.join(", ")
        )
    }
}

impl std::error::Error for Regressed {}

/// `bench all`: `ingest`, then `run`, with the same options. Both run even
/// if the first reports a failed phase.
pub(crate) fn all(root: &Path, options: &Options) -> Result<()> {
    // A missing baseline fails before anything runs.
    for command in ["ingest", "run"] {
        options.load_baseline(root, command)?;
    }
    let ingested = ingest(root, options);
    if let Err(e) = &ingested {
        eprintln!("bench ingest: {e:#}");
    }
    println!();
    run(root, options)?;
    ingested
}

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// One measured phase.
#[derive(Debug, Serialize, Deserialize)]
struct Phase {
    name: String,
    files: usize,
    seconds: f64,
    files_per_s: f64,
    mb_per_s: f64,
    peak_rss_kib: u64,
    cpu_seconds: f64,
    ok: bool,
    note: String,
}

/// The name of the `cp -r` floor's row; `× cp` is relative to it.
const CP_PHASE: &str = "floor: cp -r";

/// A generated (or reused) corpus, in the page cache, and the gantry binary.
struct Bench {
    dir: PathBuf,
    files: Vec<PathBuf>,
    bytes: u64,
    /// How the page cache was warmed, for the report.
    cache: String,
    /// `target/bench`: reports and temporary directories.
    out_dir: PathBuf,
    /// This binary, for the child commands.
    exe: PathBuf,
    /// The release `gantry` binary, or why there is none.
    gantry: Result<PathBuf>,
}

impl Bench {
    /// Generates or reuses the corpus of `options`, builds the CLI and warms
    /// the page cache: every phase runs warm.
    fn prepare(root: &Path, options: &Options) -> Result<Bench> {
        let n = options.files;
        let dir = options.dir.clone().unwrap_or_else(|| {
            let name = match options.size {
                512 => format!("ct-{n}"),
                size => format!("ct-{n}-{size}px"),
            };
            root.join("bench-data").join(name)
        });
        let target = target_dir(root);
        let out_dir = out_dir(root);
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("creating {}", out_dir.display()))?;

        // The corpus is generated (or reused) in a child process: that keeps
        // this process small, which matters because Linux carries a parent's
        // peak RSS into a vfork+exec'd child's ru_maxrss.
        let exe = std::env::current_exe().context("locating the xtask binary")?;
        let mut generate = Command::new(&exe);
        generate
            .arg("generate-corpus")
            .arg(&dir)
            .arg("--files")
            .arg(n.to_string())
            .arg("--size")
            .arg(options.size.to_string());
        let run = measure(&mut generate, true)?;
        if !run.status.success() {
            bail!(
                "generating the corpus in {} failed ({})",
                dir.display(),
                run.status
            );
        }
        eprintln!(
            "corpus {}: {} ({:.1} s)",
            dir.display(),
            String::from_utf8_lossy(&run.stdout).trim(),
            run.elapsed.as_secs_f64()
        );
        let files = list_files(&dir)?;
        if files.len() != n {
            eprintln!(
                "note: {} holds {} files, the spec {n}; extra files are measured too",
                dir.display(),
                files.len()
            );
        }
        let bytes: u64 = files
            .par_iter()
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum();

        // Build the CLI before touching the cache.
        let gantry = build_gantry(root, &target);

        let started = Instant::now();
        let read: u64 = files
            .par_iter()
            .map(|p| {
                std::fs::File::open(p)
                    .and_then(|mut f| std::io::copy(&mut f, &mut std::io::sink()))
                    .unwrap_or(0)
            })
            .sum();
        let cache = format!(
            "warm: read all {} files ({:.1} MB) once before measuring, {:.2} s",
            files.len(),
            read as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        eprintln!("{cache}");
        Ok(Bench {
            dir,
            files,
            bytes,
            cache,
            out_dir,
            exe,
            gantry,
        })
    }

    /// A new, empty temporary directory under `target/bench`, removed when
    /// the guard is dropped (also on errors).
    fn temp_dir(&self, what: &str) -> Result<TempDir> {
        let path = self
            .out_dir
            .join(format!("tmp-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir(path))
    }

    /// Turns a run into a table row over the whole corpus.
    fn phase(&self, run: &Run, name: &str, note: String) -> Phase {
        run.phase(name, self.files.len(), self.bytes, note)
    }

    /// The header-read floor: the median of `runs` reads of every file's
    /// header with dicom-rs on `threads` threads, in a child process
    /// (`xtask floor-headers`). CPU-bound where `cp -r` is disk-bound, so
    /// a baseline comparison has a second floor that drifts on its own.
    fn header_floor(&self, runs: usize, threads: usize) -> Result<Phase> {
        let mut floor = Command::new(&self.exe);
        floor
            .arg("floor-headers")
            .arg(&self.dir)
            .arg("--threads")
            .arg(threads.to_string());
        let (run, times) = median_run(runs, || {
            sync();
            measure(&mut floor, true)
        })?;
        let note = match serde_json::from_slice::<children::FloorOutput>(&run.stdout) {
            Ok(o) if o.failed == 0 && o.files == self.files.len() => format!("{threads} threads"),
            Ok(o) => format!("{threads} threads; read {} failed {}", o.files, o.failed),
            Err(_) => "no JSON from floor-headers".to_owned(),
        };
        Ok(self.phase(
            &run,
            &format!("floor: header read ({threads}t)"),
            format!("{note}; {times}"),
        ))
    }

    /// The `cp -r` floor: the median of `runs` copies of the corpus into
    /// `tmp`, each removed and synced before the next. Run it last: its 2×
    /// page-cache footprint and writeback would otherwise disturb the phases
    /// measured after it.
    fn cp_floor(&self, tmp: &Path, runs: usize) -> Result<Phase> {
        let copy = tmp.join("copy");
        let (run, times) = median_run(runs, || {
            let _ = std::fs::remove_dir_all(&copy);
            sync();
            let mut cp = Command::new("cp");
            cp.arg("-r").arg(&self.dir).arg(&copy);
            measure(&mut cp, false)
        })?;
        let _ = std::fs::remove_dir_all(&copy);
        sync();
        Ok(self.phase(&run, CP_PHASE, times))
    }
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, or `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// `target/bench`: reports, baselines and temporary directories.
fn out_dir(root: &Path) -> PathBuf {
    target_dir(root).join("bench")
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Flush dirty pages so writeback from an earlier phase does not land in
/// the next one.
fn sync() {
    let _ = Command::new("sync").status();
}

/// Removes a session database and the files that go with it.
fn remove_session(session: &Path) {
    for suffix in ["", "-wal", "-shm", ".pixels"] {
        let mut path = session.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

/// Reads a previous report's phases from `path`, for the `prev` column.
fn previous_phases(path: &Path) -> Vec<Phase> {
    #[derive(Deserialize)]
    struct Phases {
        phases: Vec<Phase>,
    }
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Phases>(&b).ok())
        .map(|p| p.phases)
        .unwrap_or_default()
}

/// Prints the corpus line and one row per phase; `× cp` against the
/// `cp -r` row, `prev files/s` from the previous report's row of that name.
/// With a baseline, then the comparison with it (compare.rs); returns the
/// rows that regressed.
fn print_table(
    bench: &Bench,
    phases: &[Phase],
    previous: &[Phase],
    baseline: Option<&Baseline>,
) -> Vec<String> {
    println!(
        "\n{} files, {:.1} MB, {} CPUs; {}",
        bench.files.len(),
        bench.bytes as f64 / 1e6,
        available_threads(),
        bench.cache
    );
    let cp = phases
        .iter()
        .find(|p| p.name == CP_PHASE && p.ok)
        .map(|p| p.seconds);
    println!(
        "{:<28} {:>6} {:>9} {:>10} {:>9} {:>12} {:>7} {:>7} {:>11}  note",
        "phase",
        "files",
        "seconds",
        "files/s",
        "MB/s",
        "peak RSS MiB",
        "cpu s",
        "× cp",
        "prev files/s"
    );
    for p in phases {
        let vs_cp = cp
            .filter(|c| *c > 0.0)
            .map_or("-".to_owned(), |c| format!("{:.2}", p.seconds / c));
        let prev = previous
            .iter()
            .find(|q| q.name == p.name)
            .map_or("-".to_owned(), |q| format!("{:.0}", q.files_per_s));
        println!(
            "{:<28} {:>6} {:>9.3} {:>10.0} {:>9.1} {:>12.1} {:>7.2} {:>7} {:>11}  {}{}",
            p.name,
            p.files,
            p.seconds,
            p.files_per_s,
            p.mb_per_s,
            p.peak_rss_kib as f64 / 1024.0,
            p.cpu_seconds,
            vs_cp,
            prev,
            if p.ok { "" } else { "FAILED " },
            p.note
        );
    }
    println!(
        "(MB = 10^6 bytes; peak RSS = ru_maxrss of the phase's process; × cp = seconds / cp -r seconds)"
    );
    if let Some(own) = measure::own_peak_rss_kib() {
        println!(
            "(xtask's own peak RSS is {:.1} MiB: a lower bound for every row, as Linux carries it into a child's ru_maxrss)",
            own as f64 / 1024.0
        );
    }
    baseline.map_or_else(Vec::new, |base| print_comparison(bench, phases, base))
}

/// The comparison with `base` and a verdict line; returns the regressed
/// rows.
fn print_comparison(bench: &Bench, phases: &[Phase], base: &Baseline) -> Vec<String> {
    let meta = &base.baseline;
    println!(
        "\nagainst baseline `{}` ({}): {} files, {:.1} MB, {} CPUs",
        meta.name,
        meta.describe(),
        base.files,
        base.bytes as f64 / 1e6,
        base.cpus
    );
    let warnings = compare::corpus_warnings(
        (bench.files.len(), bench.bytes, available_threads()),
        (base.files, base.bytes, base.cpus),
    );
    for warning in &warnings {
        println!("{warning}");
    }
    let comparison = compare::compare(phases, &base.phases);
    print!("{}", compare::render(&comparison));
    let regressed: Vec<String> = comparison
        .regressed()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let across = if warnings.is_empty() {
        ""
    } else {
        " (across different corpora or machines: see the warning above)"
    };
    if regressed.is_empty() {
        println!(
            "against baseline `{}`: no row regressed more than {:.0}% against the floors{across}",
            meta.name,
            compare::THRESHOLD * 100.0
        );
    } else {
        println!(
            "against baseline `{}`: REGRESSED more than {:.0}% against the floors: {}{across}",
            meta.name,
            compare::THRESHOLD * 100.0,
            regressed.join(", ")
        );
    }
    regressed
}

/// The end of every command, after its table and its own lines: saves the
/// report to `json_path` and, with `--save`, as a named baseline; then a
/// failed phase is an error, and so is a regression with
/// `--fail-on-regression`.
fn finish(
    root: &Path,
    command: &str,
    options: &Options,
    json_path: &Path,
    report: &impl Serialize,
    phases: &[Phase],
    regressed: Vec<String>,
) -> Result<()> {
    save(json_path, report)?;
    let failed = phases.iter().any(|p| !p.ok);
    if let Some(name) = &options.save {
        if failed {
            println!("not saving baseline `{name}`: a phase failed");
        } else {
            let meta = baseline::Meta::new(name, command, options, root);
            baseline::save(&out_dir(root), report, &meta)?;
        }
    }
    if failed {
        bail!("a phase failed (see the table)");
    }
    if !regressed.is_empty() {
        if options.fail_on_regression {
            return Err(Regressed {
                command: command.to_owned(),
                rows: regressed,
            }
            .into());
        }
        println!("(exit status 0 all the same: add --fail-on-regression to make it 1)");
    }
    Ok(())
}

/// Writes `report` as pretty JSON to `path` and says so.
fn save(path: &Path, report: &impl Serialize) -> Result<()> {
    std::fs::write(path, serde_json::to_vec_pretty(report)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!("saved {}", path.display());
    Ok(())
}

/// Builds `gantry-cli` in release mode; returns the binary's path.
fn build_gantry(root: &Path, target: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building gantry (cargo build --release -p gantry-cli) ...");
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "gantry-cli"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p gantry-cli failed ({status})");
    }
    let bin = target
        .join("release")
        .join(format!("gantry{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        bail!(
            "{} does not exist after the build (is the `gantry` binary defined yet?)",
            bin.display()
        );
    }
    Ok(bin)
}

/// All regular, non-hidden files under `dir`, sorted.
fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.with_context(|| format!("walking {}", dir.display()))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type().is_file() && !hidden {
            files.push(entry.into_path());
        }
    }
    files.sort();
    Ok(files)
}

/// The number at JSON `pointer` (e.g. `/export/written`), or `?`.
fn count(json: &serde_json::Value, pointer: &str) -> String {
    json.pointer(pointer)
        .and_then(serde_json::Value::as_u64)
        .map_or("?".to_owned(), |n| n.to_string())
}

/// `gantry --session SESSION` with the benchmarked binary.
pub(super) fn gantry(bin: &Path, session: &Path) -> Command {
    let mut command = Command::new(bin);
    command.arg("--session").arg(session);
    command
}

/// Copies an ingested session (database and pixel sidecar) to `to`.
pub(super) fn fresh_copy(base: &Path, to: &Path) -> Result<()> {
    remove_session(to);
    for suffix in ["", ".pixels"] {
        let mut from = base.as_os_str().to_owned();
        from.push(suffix);
        let from = PathBuf::from(from);
        if from.exists() {
            let mut dest = to.as_os_str().to_owned();
            dest.push(suffix);
            std::fs::copy(&from, PathBuf::from(dest))
                .with_context(|| format!("copying {}", from.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        let args: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
        Options::parse("ingest", &args)
    }

    #[test]
    fn save_and_baseline_options() {
        let o = parse(&["--files", "200", "--save", "smoke"]).unwrap();
        assert_eq!(
            (o.save.as_deref(), o.baseline.as_deref()),
            (Some("smoke"), None)
        );
        let o = parse(&["--baseline", "v1.2", "--fail-on-regression"]).unwrap();
        assert_eq!(o.baseline.as_deref(), Some("v1.2"));
        assert!(o.fail_on_regression);

        let both = parse(&["--save", "a", "--baseline", "b"]).unwrap_err();
        assert!(format!("{both:#}").contains("cannot be used together"));
        let bad = parse(&["--baseline", "../../etc"]).unwrap_err();
        assert!(format!("{bad:#}").contains("is not allowed"), "{bad:#}");
        assert!(parse(&["--save"]).is_err());
        assert!(parse(&["--fail-on-regression"]).is_err());
    }
}
