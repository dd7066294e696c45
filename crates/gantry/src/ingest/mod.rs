//! Ingest: index a folder tree of DICOM files into the session (SPEC §3).
//!
//! The pipeline has three stages that overlap:
//!
//! 1. the calling thread walks the inputs (sorted, hidden entries and
//!    symlink loops reported) and cuts them into batches;
//! 2. per batch it asks the store which files are unchanged since the last
//!    run (same path, size and mtime) and scans the rest in parallel with
//!    rayon ([`scan::scan_file`]);
//! 3. a writer thread records each batch in one transaction.
//!
//! Only one batch is scanned while at most two wait for the writer, so
//! memory is bounded by the batch size, not the corpus size. Every file
//! seen ends in exactly one state: indexed, skipped (reason) or failed
//! (reason).

pub mod scan;
mod walk;

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;

use gantry_store::{FileOutcome, FileStat, Store};
use rayon::prelude::*;

use crate::{Error, Progress, Result};
pub use scan::{Scan, ScanOptions, scan_file};
use walk::{Walk, WalkEntry};

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Copy pixel data into the sidecar (`--offload-pixels`).
    pub offload_pixels: bool,
    /// Files per transaction.
    pub batch_size: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            offload_pixels: false,
            batch_size: 2048,
        }
    }
}

/// What one ingest run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Files (and unreadable or hidden entries) the walk found.
    pub seen: u64,
    /// Files whose path, size and mtime matched the session: not read.
    pub unchanged: u64,
    /// Files that were opened and scanned in this run.
    pub scanned: u64,
    /// Of those scanned (or reported by the walk), how many ended indexed.
    pub indexed: u64,
    /// … skipped.
    pub skipped: u64,
    /// … failed.
    pub failed: u64,
}

pub(crate) fn ingest(
    store: Store,
    inputs: &[PathBuf],
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<(Store, IngestReport)> {
    let walk = Walk::new(inputs)?;
    let reader = Store::open_reader(store.path())?;
    let (sender, receiver) = sync_channel::<Vec<FileOutcome>>(2);
    let writer = std::thread::Builder::new()
        .name("gantry-ingest-writer".into())
        .spawn(move || -> Result<Store> {
            let mut store = store;
            for batch in receiver {
                store.write_batch(batch)?;
            }
            store.prune_empty_entities()?;
            Ok(store)
        })
        .map_err(|e| Error::Input {
            path: PathBuf::from("<writer thread>"),
            source: e,
        })?;

    progress.begin("ingest", None);
    let scan_options = ScanOptions {
        offload_pixels: options.offload_pixels,
    };
    let mut report = IngestReport::default();
    let mut walk = walk.peekable();
    let mut send_failed = false;
    while walk.peek().is_some() {
        let batch: Vec<WalkEntry> = walk.by_ref().take(options.batch_size.max(1)).collect();
        report.seen += batch.len() as u64;
        let paths: Vec<&str> = batch.iter().map(|e| e.stat().path.as_str()).collect();
        let known = reader.known_files(&paths)?;
        let mut outcomes: Vec<FileOutcome> = Vec::with_capacity(batch.len());
        let mut to_scan: Vec<FileStat> = Vec::new();
        for (entry, known) in batch.into_iter().zip(known) {
            match entry {
                WalkEntry::File(stat) => {
                    let unchanged =
                        known.is_some_and(|k| k.size == stat.size && k.mtime_ns == stat.mtime_ns);
                    if unchanged {
                        report.unchanged += 1;
                    } else {
                        to_scan.push(stat);
                    }
                }
                WalkEntry::Skipped { stat, reason } => {
                    outcomes.push(FileOutcome::Skipped { stat, reason })
                }
                WalkEntry::Failed { stat, reason } => {
                    outcomes.push(FileOutcome::Failed { stat, reason })
                }
            }
        }
        report.scanned += to_scan.len() as u64;
        let scanned: Vec<FileOutcome> = to_scan
            .into_par_iter()
            .map(|stat| {
                let outcome = match scan_file(stat.path.as_ref(), stat.size, scan_options) {
                    Scan::Instance(instance) => FileOutcome::Indexed { stat, instance },
                    Scan::Skipped(reason) => FileOutcome::Skipped { stat, reason },
                    Scan::Failed(reason) => FileOutcome::Failed { stat, reason },
                };
                progress.advance(1);
                outcome
            })
            .collect();
        outcomes.extend(scanned);
        for outcome in &outcomes {
            match outcome {
                FileOutcome::Indexed { .. } => report.indexed += 1,
                FileOutcome::Skipped { .. } => report.skipped += 1,
                FileOutcome::Failed { .. } => report.failed += 1,
            }
        }
        if sender.send(outcomes).is_err() {
            send_failed = true;
            break;
        }
    }
    drop(sender);
    progress.end();
    let store = writer
        .join()
        .map_err(|_| Error::Worker("ingest writer"))??;
    if send_failed {
        return Err(Error::Worker("ingest writer"));
    }
    Ok((store, report))
}
