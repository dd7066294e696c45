//! Running a child process and measuring its wall time, CPU time and peak
//! RSS (`wait4` rusage); medians of several runs.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::Phase;

pub(super) struct Run {
    pub(super) elapsed: Duration,
    pub(super) status: ExitStatus,
    usage: Usage,
    pub(super) stdout: Vec<u8>,
}

impl Run {
    pub(super) fn phase(&self, name: &str, files: usize, bytes: u64, note: String) -> Phase {
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        // `gantry` exits 1 when the job ran but something needs a person
        // (SPEC §12.1): failed files, quarantines; the note shows which.
        let ok =
            self.status.success() || (name.starts_with("gantry") && self.status.code() == Some(1));
        let note = if self.status.success() {
            note
        } else {
            format!("{}; {note}", self.status)
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

    /// The child's stdout as JSON, if it is.
    pub(super) fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.stdout).ok()
    }
}

/// Run `measure` `runs` times; return the median run (by wall time) and
/// all times for the note, so one disturbed run on a shared machine does
/// not decide the figure.
pub(super) fn median_run(
    runs: usize,
    mut measure: impl FnMut() -> Result<Run>,
) -> Result<(Run, String)> {
    let all = (0..runs).map(|_| measure()).collect::<Result<Vec<_>>>()?;
    Ok(median(all))
}

/// The median of `all` (by wall time; `all` must not be empty) and all
/// times for the note.
pub(super) fn median(mut all: Vec<Run>) -> (Run, String) {
    let times = all
        .iter()
        .map(|r| format!("{:.3}", r.elapsed.as_secs_f64()))
        .collect::<Vec<_>>()
        .join("/");
    let runs = all.len();
    // Peak memory is the worst run's, not the median-time run's: how far
    // the scanners run ahead of the writer varies from run to run.
    let peak = all.iter().map(|r| r.usage.max_rss_kib).max().unwrap_or(0);
    let rss = all
        .iter()
        .map(|r| format!("{:.0}", r.usage.max_rss_kib as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join("/");
    all.sort_by_key(|r| r.elapsed);
    let mut median = all.swap_remove(runs / 2);
    median.usage.max_rss_kib = peak;
    (
        median,
        format!("median of {runs} runs: {times} s; peak RSS = max of {rss} MiB"),
    )
}

/// Spawns `cmd`, optionally capturing stdout, and reaps it with `wait4` to
/// get its resource usage. Stderr is inherited.
pub(super) fn measure(cmd: &mut Command, capture_stdout: bool) -> Result<Run> {
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
pub(super) fn own_peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
