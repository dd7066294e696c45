//! `cargo xtask bench ingest`: `gantry ingest` against its floors, each phase
//! a separate process with its own wall time and peak RSS.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use gantry::synth::{CorpusSpec, generate_corpus};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug)]
pub(crate) struct IngestOptions {
    files: usize,
    dir: Option<PathBuf>,
    threads: usize,
    runs: usize,
    cp: bool,
}

impl IngestOptions {
    pub(crate) fn parse(args: &[String]) -> Result<Self> {
        let mut options = IngestOptions {
            files: 2_000,
            dir: None,
            threads: available_threads(),
            runs: 3,
            cp: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--files" => options.files = crate::parse_value("--files", args.next())?,
                "--dir" => options.dir = Some(crate::parse_value("--dir", args.next())?),
                "--threads" => options.threads = crate::parse_value("--threads", args.next())?,
                "--runs" => options.runs = crate::parse_value("--runs", args.next())?,
                "--no-cp" => options.cp = false,
                other => bail!("bench ingest: unknown option `{other}`"),
            }
        }
        if options.files == 0 || options.threads == 0 || options.runs == 0 {
            bail!("--files, --threads and --runs must be at least 1");
        }
        Ok(options)
    }
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

#[derive(Debug, Serialize, Deserialize)]
struct Report {
    files: usize,
    bytes: u64,
    cpus: usize,
    threads: usize,
    corpus: String,
    cache: String,
    phases: Vec<Phase>,
    /// `gantry ingest --json` output of the cold run, if it ran.
    gantry_cold: Option<serde_json::Value>,
    gantry_rerun: Option<serde_json::Value>,
}

pub(crate) fn ingest(root: &Path, options: IngestOptions) -> Result<()> {
    let n = options.files;
    let dir = options
        .dir
        .clone()
        .unwrap_or_else(|| root.join("bench-data").join(format!("ct-{n}")));
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let out_dir = target.join("bench");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    // 1. Corpus, generated (or reused) in a child process: that keeps this
    // process small, which matters because Linux carries a parent's peak RSS
    // into a vfork+exec'd child's ru_maxrss.
    let exe = std::env::current_exe().context("locating the xtask binary")?;
    let mut generate = Command::new(&exe);
    generate
        .arg("generate-corpus")
        .arg(&dir)
        .arg("--files")
        .arg(n.to_string());
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

    // 2. Build the CLI before touching the cache.
    let gantry = build_gantry(root, &target);

    // 3. Warm the page cache: every phase below runs warm.
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

    let tmp = out_dir.join(format!("tmp-ingest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let count = files.len();
    let mut phases = Vec::new();

    // (a) header-only read floor, dicom-rs, in a child process.
    let mut floor = Command::new(&exe);
    floor
        .arg("floor-headers")
        .arg(&dir)
        .arg("--threads")
        .arg(options.threads.to_string());
    let (run, times) = median_run(options.runs, || {
        sync();
        measure(&mut floor, true)
    })?;
    let note = match serde_json::from_slice::<FloorOutput>(&run.stdout) {
        Ok(o) if o.failed == 0 && o.files == count => format!("{} threads", options.threads),
        Ok(o) => format!(
            "{} threads; read {} failed {}",
            options.threads, o.files, o.failed
        ),
        Err(_) => "no JSON from floor-headers".to_owned(),
    };
    phases.push(run.phase(
        &format!("floor: header read ({}t)", options.threads),
        count,
        bytes,
        format!("{note}; {times}"),
    ));

    // (b) and (c): gantry ingest, cold session then re-run.
    let (mut cold, mut rerun) = (None, None);
    match &gantry {
        Ok(bin) => {
            let session = tmp.join("s.db");
            let ingest = || {
                let mut cmd = Command::new(bin);
                cmd.arg("--session")
                    .arg(&session)
                    .arg("--quiet")
                    .arg("ingest")
                    .arg(&dir)
                    .arg("--json");
                cmd
            };
            // Cold: a new session each run; the median run is reported.
            let (run, times) = median_run(options.runs, || {
                remove_session(&session);
                sync();
                measure(&mut ingest(), true)
            })?;
            // Re-runs on the session the last cold run left.
            let (rerun_run, rerun_times) =
                median_run(options.runs, || measure(&mut ingest(), true))?;
            for (name, slot, run, times) in [
                ("gantry ingest (cold)", &mut cold, run, times),
                ("gantry ingest (re-run)", &mut rerun, rerun_run, rerun_times),
            ] {
                let json: Option<serde_json::Value> = serde_json::from_slice(&run.stdout).ok();
                let mut note = json
                    .as_ref()
                    .map_or_else(|| "no JSON summary on stdout".to_owned(), ingest_note);
                if !times.is_empty() {
                    note.push_str("; ");
                    note.push_str(&times);
                }
                phases.push(run.phase(name, count, bytes, note));
                *slot = json;
            }
        }
        Err(e) => eprintln!("skipping gantry phases: {e:#}"),
    }
    // (d) cp -r floor, last: its 2× page-cache footprint and writeback
    // would otherwise disturb the phases measured after it.
    // Skipped with --no-cp (a 50k-file corpus would need its size again
    // in free disk).
    if options.cp {
        let copy = tmp.join("copy");
        let mut cp = Command::new("cp");
        cp.arg("-r").arg(&dir).arg(&copy);
        let run = measure(&mut cp, false)?;
        phases.push(run.phase("floor: cp -r", count, bytes, String::new()));
        let _ = std::fs::remove_dir_all(&copy);
        sync();
    }

    let _ = std::fs::remove_dir_all(&tmp);

    // Report.
    let json_path = out_dir.join(format!("ingest-{n}.json"));
    let previous: Option<Report> = std::fs::read(&json_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let report = Report {
        files: count,
        bytes,
        cpus: available_threads(),
        threads: options.threads,
        corpus: dir.display().to_string(),
        cache,
        phases,
        gantry_cold: cold,
        gantry_rerun: rerun,
    };
    print_table(&report, previous.as_ref());
    if let Some(own) = own_peak_rss_kib() {
        println!(
            "(xtask's own peak RSS is {:.1} MiB: a lower bound for every row, as Linux carries it into a child's ru_maxrss)",
            own as f64 / 1024.0
        );
    }
    std::fs::write(&json_path, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!("saved {}", json_path.display());
    if report.phases.iter().any(|p| !p.ok) {
        bail!("a phase failed (see the table)");
    }
    Ok(())
}

/// Run `measure` `runs` times; return the median run (by wall time) and
/// all times for the note, so one disturbed run on a shared machine does
/// not decide the figure.
fn median_run(runs: usize, mut measure: impl FnMut() -> Result<Run>) -> Result<(Run, String)> {
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        all.push(measure()?);
    }
    let times = all
        .iter()
        .map(|r| format!("{:.3}", r.elapsed.as_secs_f64()))
        .collect::<Vec<_>>()
        .join("/");
    all.sort_by_key(|r| r.elapsed);
    let median = all.swap_remove(all.len() / 2);
    Ok((median, format!("median of {runs} runs: {times} s")))
}

/// Flush dirty pages so writeback from an earlier phase does not land in
/// the next one.
fn sync() {
    let _ = Command::new("sync").status();
}

fn remove_session(session: &Path) {
    for suffix in ["", "-wal", "-shm", ".pixels"] {
        let mut path = session.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

/// `files.{indexed,skipped,failed}` of `gantry ingest --json`, plus
/// `run.unchanged` when the CLI reports it.
fn ingest_note(json: &serde_json::Value) -> String {
    let get = |section: &str, key: &str| {
        json.get(section)
            .and_then(|s| s.get(key))
            .and_then(serde_json::Value::as_u64)
    };
    let mut note = format!(
        "indexed {} skipped {} failed {}",
        get("files", "indexed").map_or("?".to_owned(), |n| n.to_string()),
        get("files", "skipped").map_or("?".to_owned(), |n| n.to_string()),
        get("files", "failed").map_or("?".to_owned(), |n| n.to_string()),
    );
    if let Some(unchanged) = get("run", "unchanged") {
        note.push_str(&format!(" (this run: {unchanged} unchanged)"));
    }
    note
}

fn print_table(report: &Report, previous: Option<&Report>) {
    println!(
        "\n{} files, {:.1} MB, {} CPUs; {}",
        report.files,
        report.bytes as f64 / 1e6,
        report.cpus,
        report.cache
    );
    let cp = report
        .phases
        .iter()
        .find(|p| p.name == "floor: cp -r")
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
    for p in &report.phases {
        let vs_cp = cp
            .filter(|c| *c > 0.0)
            .map_or("-".to_owned(), |c| format!("{:.2}", p.seconds / c));
        let prev = previous
            .and_then(|r| r.phases.iter().find(|q| q.name == p.name))
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

struct Run {
    elapsed: Duration,
    status: ExitStatus,
    usage: Usage,
    stdout: Vec<u8>,
}

impl Run {
    fn phase(&self, name: &str, files: usize, bytes: u64, note: String) -> Phase {
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        // `gantry` exits 1 when the job ran but something needs a person
        // (SPEC §12.1); for ingest that is failed files, which the note shows.
        let ok =
            self.status.success() || (name.starts_with("gantry") && self.status.code() == Some(1));
        let note = if self.status.success() {
            note
        } else {
            format!("exit {}; {note}", self.status)
        };
        Phase {
            name: name.to_owned(),
            files,
            seconds,
            files_per_s: files as f64 / seconds,
            mb_per_s: bytes as f64 / 1e6 / seconds,
            peak_rss_kib: self.usage.max_rss_kib,
            cpu_seconds: self.usage.cpu.as_secs_f64(),
            ok,
            note,
        }
    }
}

/// Spawns `cmd`, optionally capturing stdout, and reaps it with `wait4` to
/// get its resource usage. Stderr is inherited.
fn measure(cmd: &mut Command, capture_stdout: bool) -> Result<Run> {
    cmd.stdin(Stdio::null()).stdout(if capture_stdout {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("spawning {cmd:?}"))?;
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut stdout)
            .context("reading child stdout")?;
    }
    let (status, usage) = wait4(child.id()).with_context(|| format!("waiting for {cmd:?}"))?;
    Ok(Run {
        elapsed: started.elapsed(),
        status,
        usage,
        stdout,
    })
}

#[derive(Debug, Clone, Copy)]
struct Usage {
    /// `ru_maxrss`: KiB on Linux.
    max_rss_kib: u64,
    /// User + system CPU time.
    cpu: Duration,
}

/// Reaps child `pid` and returns its exit status and resource usage.
///
/// `std::process::Child::wait` does not expose `rusage`, so this calls
/// `wait4(2)` directly. The `Child` must not be waited on afterwards.
#[allow(unsafe_code)]
fn wait4(pid: u32) -> std::io::Result<(ExitStatus, Usage)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers for which all-zero
    // bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both out-pointers point to live, exclusively borrowed
        // locals for the duration of the call; `pid` is our own un-reaped
        // child, so no other process's status can be consumed.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1_000);
    Ok((
        ExitStatus::from_raw(status),
        Usage {
            max_rss_kib: usage.ru_maxrss as u64,
            cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        },
    ))
}

/// `VmHWM` of this process, in KiB.
fn own_peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `xtask generate-corpus DIR --files N`: write or reuse the benchmark corpus
/// and print a one-line summary.
pub(crate) fn generate_corpus_main(args: &[String]) -> Result<()> {
    let (dir, rest) = args
        .split_first()
        .context("usage: xtask generate-corpus DIR --files N")?;
    let mut files = 2_000;
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--files" => files = crate::parse_value("--files", rest.next())?,
            other => bail!("generate-corpus: unknown option `{other}`"),
        }
    }
    let spec = CorpusSpec::with_files(files);
    let s = generate_corpus(Path::new(dir), &spec)
        .with_context(|| format!("generating corpus in {dir}"))?;
    println!(
        "{} files ({} written, {} reused), {:.1} MB, {} patients / {} studies / {} series",
        s.files,
        s.written,
        s.reused,
        s.bytes as f64 / 1e6,
        s.patients,
        s.studies,
        s.series
    );
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
struct FloorOutput {
    files: usize,
    failed: usize,
}

/// `xtask floor-headers DIR [--threads N]`: read every file's header (up to
/// Pixel Data) with dicom-rs in parallel and print `{"files", "failed"}`.
pub(crate) fn floor_headers_main(args: &[String]) -> Result<()> {
    let (dir, rest) = args
        .split_first()
        .context("usage: xtask floor-headers DIR [--threads N]")?;
    let mut threads = available_threads();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--threads" => threads = crate::parse_value("--threads", rest.next())?,
            other => bail!("floor-headers: unknown option `{other}`"),
        }
    }
    let files = list_files(Path::new(dir))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let failed: usize = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let header = dicom_object::OpenFileOptions::new()
                    .read_until(dicom_dictionary_std::tags::PIXEL_DATA)
                    .open_file(path);
                usize::from(std::hint::black_box(header).is_err())
            })
            .sum()
    });
    println!(
        "{}",
        serde_json::to_string(&FloorOutput {
            files: files.len(),
            failed
        })?
    );
    Ok(())
}
