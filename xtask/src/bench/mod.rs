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
//! Shared here: options, corpus preparation, the `cp -r` floor and the table.
//! Process measurement is in measure.rs, the internal child commands
//! (`generate-corpus`, `floor-headers`) in children.rs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

mod children;
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

use measure::{Run, measure, median_run};

#[derive(Debug, Clone)]
pub(crate) struct Options {
    files: usize,
    /// Rows and columns of the generated images (512: CT-like 0.5 MB
    /// files; small values make many small files, for memory at scale).
    size: u16,
    dir: Option<PathBuf>,
    /// Threads of the header-read floor (`ingest` only).
    threads: usize,
    runs: usize,
    cp: bool,
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
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--files" => options.files = crate::parse_value("--files", args.next())?,
                "--size" => options.size = crate::parse_value("--size", args.next())?,
                "--dir" => options.dir = Some(crate::parse_value("--dir", args.next())?),
                "--threads" if !matches!(command, "run" | "seal" | "redact") => {
                    options.threads = crate::parse_value("--threads", args.next())?;
                }
                "--runs" => options.runs = crate::parse_value("--runs", args.next())?,
                "--no-cp" => options.cp = false,
                other => bail!("bench {command}: unknown option `{other}`"),
            }
        }
        if options.files == 0 || options.threads == 0 || options.runs == 0 || options.size == 0 {
            bail!("--files, --size, --threads and --runs must be at least 1");
        }
        Ok(options)
    }
}

/// `bench all`: `ingest`, then `run`, with the same options. Both run even
/// if the first reports a failed phase.
pub(crate) fn all(root: &Path, options: &Options) -> Result<()> {
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
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let out_dir = target.join("bench");
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
fn print_table(bench: &Bench, phases: &[Phase], previous: &[Phase]) {
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
