//! Internal commands the benchmarks run as child processes, so that their
//! time and peak RSS are measured on their own (`xtask generate-corpus`,
//! `xtask floor-headers`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use gantry::synth::{CorpusSpec, generate_corpus};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{available_threads, list_files};

/// What `generate-corpus` prints: one JSON line, the corpus as
/// `gantry::synth::CorpusSummary` counts it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CorpusOutput {
    /// Files, multi-frame ones included.
    pub(super) files: usize,
    pub(super) multiframe_files: usize,
    /// Frames per multi-frame file.
    pub(super) frames_per_multiframe: u32,
    /// Frames (images) of all files.
    pub(super) frames: u64,
    pub(super) written: usize,
    pub(super) reused: usize,
    pub(super) bytes: u64,
    pub(super) patients: usize,
    pub(super) studies: usize,
    pub(super) series: usize,
}

impl std::fmt::Display for CorpusOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files ({} single-frame, {} multi-frame of {} frames; {} written, {} reused), \
             {} frames, {:.1} MB, {} patients / {} studies / {} series",
            self.files,
            self.files - self.multiframe_files,
            self.multiframe_files,
            self.frames_per_multiframe,
            self.written,
            self.reused,
            self.frames,
            self.bytes as f64 / 1e6,
            self.patients,
            self.studies,
            self.series
        )
    }
}

/// `xtask generate-corpus DIR --files N [--size PX] [--multiframe M]`:
/// write or reuse the benchmark corpus (`N` single-frame files plus `M`
/// multi-frame ones, default 4) and print a [`CorpusOutput`] JSON line.
pub(crate) fn generate_corpus_main(args: &[String]) -> Result<()> {
    let (dir, rest) = args
        .split_first()
        .context("usage: xtask generate-corpus DIR --files N [--size PX] [--multiframe M]")?;
    let mut files = 2_000;
    let mut size: u16 = 512;
    let mut multiframe = CorpusSpec::benchmark(0).multiframe_files;
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--files" => files = crate::parse_value("--files", rest.next())?,
            "--size" => size = crate::parse_value("--size", rest.next())?,
            "--multiframe" => multiframe = crate::parse_value("--multiframe", rest.next())?,
            other => bail!("generate-corpus: unknown option `{other}`"),
        }
    }
    let spec = CorpusSpec {
        rows: size,
        columns: size,
        multiframe_files: multiframe,
        ..CorpusSpec::benchmark(files)
    };
    let s = generate_corpus(Path::new(dir), &spec)
        .with_context(|| format!("generating corpus in {dir}"))?;
    let output = CorpusOutput {
        files: s.files,
        multiframe_files: s.multiframe_files,
        frames_per_multiframe: spec.frames_per_multiframe,
        frames: s.frames,
        written: s.written,
        reused: s.reused,
        bytes: s.bytes,
        patients: s.patients,
        studies: s.studies,
        series: s.series,
    };
    println!("{}", serde_json::to_string(&output)?);
    Ok(())
}

/// What `floor-headers` prints.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct FloorOutput {
    pub(super) files: usize,
    pub(super) failed: usize,
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
