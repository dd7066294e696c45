//! Argument definitions and dispatch to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use gantry::{IngestOptions, Session};

use crate::{output, progress::Bar};

/// Turn raw DICOM collections into safe, research-ready datasets.
#[derive(Debug, Parser)]
#[command(name = "gantry", version, about)]
pub(crate) struct Cli {
    /// Session database (created if missing).
    #[arg(
        long,
        global = true,
        env = "GANTRY_SESSION",
        default_value = "gantry.db"
    )]
    session: PathBuf,
    /// No progress bars and only errors on stderr.
    #[arg(long, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index DICOM files and folders into the session (headers only).
    Ingest {
        /// Files or folders, walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Copy pixel data into the session's sidecar so sources can move.
        #[arg(long)]
        offload_pixels: bool,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Inventory of the session: counts, equipment, transfer syntaxes,
    /// burned-in annotation flags, and every skipped or failed file.
    Examine {
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite the pixel sidecar, dropping records no instance uses.
    Compact {
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut session = Session::open(&cli.session)
        .with_context(|| format!("cannot open session {}", cli.session.display()))?;
    match cli.command {
        Command::Ingest {
            paths,
            offload_pixels,
            json,
        } => {
            let options = IngestOptions {
                offload_pixels,
                ..IngestOptions::default()
            };
            let bar = Bar::new(cli.quiet || json);
            let report = session.ingest(&paths, &options, &bar)?;
            drop(bar);
            let inventory = session.examine()?;
            output::ingest(&report, &inventory, json)?;
            Ok(if inventory.files.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Examine { json } => {
            let inventory = session.examine()?;
            output::examine(&inventory, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compact { json } => {
            let stats = session.compact()?;
            output::compact(&stats, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
