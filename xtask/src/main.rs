//! `cargo xtask`: repository automation for Gantry.
//!
//! ```text
//! cargo xtask fixtures                              regenerate samples/ (synthetic quick-start files)
//! cargo xtask bench ingest [--files N] [--dir PATH] [--threads N] [--runs R] [--no-cp]
//!                                                   generate/reuse a CT corpus, measure floors and `gantry ingest`
//! cargo xtask bench run [--files N] [--dir PATH] [--threads N] [--runs R] [--no-cp]
//!                                                   the same corpus: `gantry run` and its steps against the floors
//! cargo xtask bench all [options]                   `bench ingest`, then `bench run`
//! cargo xtask bench seal [--files N] [--dir PATH] [--runs R] [--no-cp]
//!                                                   the same corpus: export without and with --reversible
//! cargo xtask bench redact [--files N] [--dir PATH] [--runs R] [--no-cp]
//!                                                   the same corpus (and RLE, JPEG-LS copies): export with and without redaction
//! cargo xtask bench COMMAND [--multiframe M] ...    the corpus: N single-frame CT files + M multi-frame (default 4)
//! cargo xtask bench COMMAND [options] --save NAME   also store the results as baseline NAME
//! cargo xtask bench COMMAND [options] --baseline NAME [--fail-on-regression]
//!                                                   compare with baseline NAME (ratios to the floors)
//! ```
//!
//! Exit status: 0, 2 on errors (including a failed benchmark phase), 1 when
//! `--fail-on-regression` found a regression against the baseline.
//!
//! Repository invariants (crate layering, READMEs, crate docs) are `#[test]`s
//! in `tidy.rs`, run by `cargo test -p xtask`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod bench;
mod fixtures;
#[cfg(test)]
mod tidy;

const HELP: &str = "\
cargo xtask <command>

commands:
  fixtures                 regenerate samples/ (synthetic DICOM with fake PHI) and samples/README.md
  bench ingest [options]   generate or reuse a synthetic CT corpus and measure ingest against its floors
  bench run [options]      the same corpus: the main job (`gantry run --profile basic`) end to end and
                           as its steps (ingest, audit, export, verify) against the floors; targets ≤ 1.5× cp -r, ≤ 300 MB
  bench all [options]      bench ingest, then bench run
  bench seal [options]     the same corpus: export without and with reversible sealing (--key,
                           --recipient, both) and the overhead; target ≤ +20% export time
  bench redact [options]   the same corpus, and RLE and JPEG-LS copies of it: export without and with
                           pixel redaction (decode, blank two zones, re-encode); target ≥ 500 images/s,
                           counted by frames (images), where files/s counts a multi-frame file once
      --files N            number of single-frame files (default 2000); the corpus also holds the
                           --multiframe files, so N + 4 files by default
      --multiframe M       number of multi-frame files (Enhanced CT, 64 frames, ≈ 32 MiB each at 512 px)
                           on top of the N single-frame ones (default 4; 0 for none)
      --size PX            rows and columns of the generated images (default 512: CT-like 0.5 MB
                           files; e.g. 32 for many small files, to measure memory at 100k instances)
      --dir PATH           corpus directory (default bench-data/ct-N, ct-N-PXpx with --size, ct-N-mfM with
                           another --multiframe, under the repository root)
      --threads N          threads for the header-read floor (ingest, run, all; default: available parallelism)
      --runs R             runs of every phase; the median is reported (default 3)
      --no-cp              skip the cp -r floor (it needs the corpus size again in free disk)
      --save NAME          also store this run as baseline NAME, one file per command:
                           target/bench/baselines/NAME/<command>.json (overwrites one of that name)
      --baseline NAME      compare with baseline NAME: beside each phase its files/s and its ratio to
                           each floor (× cp -r, × header read), now, then and the change; rows whose
                           ratio to the floors rose more than 10% are marked REGRESSED
      --fail-on-regression with --baseline: exit with status 1 if a row regressed (default: 0)
                           --save and --baseline exclude each other; NAME is A-Z a-z 0-9 . _ -
                           without either, each run shows the previous run's files/s (prev files/s)
  help                     this text

exit status: 0; 1 if --fail-on-regression found a regression; 2 on errors (also a failed phase)
";

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<bench::Regressed>().is_some() {
                std::process::ExitCode::from(1)
            } else {
                std::process::ExitCode::from(2)
            }
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "fixtures" => {
            no_more_args(&rest)?;
            fixtures::run(&project_root())
        }
        "bench" => {
            let (what, args) = rest
                .split_first()
                .map_or(("", &[][..]), |(w, a)| (w.as_str(), a));
            let options = || bench::Options::parse(what, args);
            match what {
                "ingest" => bench::ingest(&project_root(), &options()?),
                "run" => bench::run(&project_root(), &options()?),
                "all" => bench::all(&project_root(), &options()?),
                "seal" => bench::seal(&project_root(), &options()?),
                "redact" => bench::redact(&project_root(), &options()?),
                _ => {
                    bail!(
                        "usage: cargo xtask bench ingest|run|all|seal|redact [options] \
                         [--baseline NAME [--fail-on-regression] | --save NAME]\n\n{HELP}"
                    )
                }
            }
        }
        // Internal: the header-only read floor, run as a child process so
        // that its time and peak RSS are measured on their own.
        "floor-headers" => bench::floor_headers_main(&rest),
        "generate-corpus" => bench::generate_corpus_main(&rest),
        "" | "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

fn no_more_args(rest: &[String]) -> Result<()> {
    match rest.first() {
        Some(extra) => bail!("unexpected argument `{extra}`"),
        None => Ok(()),
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Parses `--name VALUE` pairs into a value, with the option name in errors.
fn parse_value<T: std::str::FromStr>(name: &str, value: Option<&String>) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let value = value.with_context(|| format!("{name} needs a value"))?;
    value
        .parse()
        .with_context(|| format!("{name}: cannot parse `{value}`"))
}
