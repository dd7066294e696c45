//! The `gantry` command-line tool: argument parsing, printing and progress
//! bars over the `gantry` library. Nothing here decides anything the
//! library does not; this is the only crate that prints.
//!
//! Exit status (SPEC §12.1): 0 success; 1 the job ran but something needs
//! a person (failed files, findings, quarantines); 2 usage or fatal error.

mod cli;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: decoding and planning every
/// header allocates many small values, and glibc's malloc and free were
/// ≈ 6% of the main job's CPU time (SPEC §13). The library leaves the
/// choice to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = cli::Cli::parse();
    init_logging(cli.quiet);
    match cli::run(cli) {
        Ok(status) => status,
        // stdout closed early (`gantry … | head`): the reader has what
        // it wanted.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gantry: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().map(|e| e.kind()) == broken
            // JSON is written through serde_json, which wraps the I/O error.
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == broken
    })
}

/// Logs go to stderr, filtered by `GANTRY_LOG` (default: warnings).
fn init_logging(quiet: bool) {
    // dicom-parser warns about odd character set declarations in the
    // files; those are the files' business, not the user's.
    let default = if quiet {
        "error"
    } else {
        "warn,dicom_parser=error"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GANTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// A panic is a bug, and its message could in principle carry data from a
/// file: print only where it happened. (The library turns a dependency's
/// assertion on a malformed file into a failed file with a reason; the
/// location printed here then points into that dependency.)
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown location".into());
        eprintln!(
            "gantry: internal error at {location} (message withheld: it may quote file data)"
        );
    }));
}
