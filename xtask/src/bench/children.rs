//! Internal commands the benchmarks run as child processes, so that their
//! time and peak RSS are measured on their own (`xtask generate-corpus`,
//! `xtask floor-headers`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use gantry::synth::{CorpusSpec, generate_corpus};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{available_threads, list_files};

/// `xtask generate-corpus DIR --files N`: write or reuse the benchmark corpus
/// and print a one-line summary.
pub(crate) fn generate_corpus_main(args: &[String]) -> Result<()> {
    let (dir, rest) = args
        .split_first()
        .context("usage: xtask generate-corpus DIR --files N [--size PX]")?;
    let mut files = 2_000;
    let mut size: u16 = 512;
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--files" => files = crate::parse_value("--files", rest.next())?,
            "--size" => size = crate::parse_value("--size", rest.next())?,
            other => bail!("generate-corpus: unknown option `{other}`"),
        }
    }
    let spec = CorpusSpec {
        rows: size,
        columns: size,
        ..CorpusSpec::with_files(files)
    };
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
