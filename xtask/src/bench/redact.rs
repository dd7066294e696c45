//! `cargo xtask bench redact`: what pixel redaction (SPEC §7) costs, on
//! the generated CT corpus (512×512 16-bit: single-frame files and a few
//! multi-frame ones) and on RLE and JPEG-LS copies of it.
//!
//! Per corpus — native, then RLE and JPEG-LS copies made once by `gantry
//! export --transfer-syntax` (not measured) — one session is ingested once
//! and recorded twice: without redactions, and after `gantry redact
//! --config` with a rule blanking two zones of every CT. Each measured run
//! exports a fresh copy of each, interleaved so drift hits both alike:
//! the plain export splices pixels, the redacting one decodes every frame,
//! blanks it and re-encodes it in the source's syntax. Medians are
//! reported, with images/s of the redacting export and the per-image cost
//! of redaction (redacting minus plain export time, per image). An image
//! is a frame: images/s counts every frame of the corpus, those of the
//! multi-frame files included, where the table's files/s counts a
//! multi-frame file once. `target/bench/redact-N.json`.
//!
//! Target (SPEC §13): ≥ 500 uncompressed 512×512 16-bit images/s on two
//! cores. Reported, not enforced.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::measure::{Run, median};
use super::{Bench, Options, Phase, available_threads, count, measure, previous_phases};
use super::{finish, fresh_copy, gantry, print_table, remove_session, sync};

const TARGET_IMAGES_PER_S: f64 = 500.0;

/// Two zones on every CT: a top banner and a bottom-right corner.
const CONFIG: &str = "machines:\n  - conditions: {Modality: \"CT\"}\n    redaction_zones: [[0, 40, 0, 512]]\n    regions: [{x: -120, y: -30, w: 120, h: 30}]\n";

#[derive(Debug, Serialize)]
struct Report {
    files: usize,
    /// Frames (images) of the generated files, multi-frame ones included.
    frames: u64,
    bytes: u64,
    cpus: usize,
    corpus: String,
    cache: String,
    phases: Vec<Phase>,
    /// Per source syntax: (name, images (frames)/s of the redacting
    /// export, milliseconds of redaction per image over the plain export).
    redaction: Vec<(String, f64, f64)>,
}

pub(crate) fn redact(root: &Path, options: &Options) -> Result<()> {
    let baseline = options.load_baseline(root, "redact")?;
    let bench = Bench::prepare(root, options)?;
    let bin = match &bench.gantry {
        Ok(bin) => bin.clone(),
        Err(e) => bail!("cannot build gantry: {e:#}"),
    };
    let tmp = bench.temp_dir("redact")?;
    let config = tmp.path().join("redact.yaml");
    std::fs::write(&config, CONFIG).context("writing the redaction config")?;

    // The native corpus, then compressed copies of it.
    let mut corpora: Vec<(&str, PathBuf)> = vec![("native", bench.dir.clone())];
    for (name, syntax) in [("RLE", "rle"), ("JPEG-LS", "jpeg-ls-lossless")] {
        let dir = tmp.path().join(format!("corpus-{syntax}"));
        let session = tmp.path().join(format!("make-{syntax}.db"));
        let made = gantry(&bin, &session)
            .args(["--quiet", "ingest"])
            .arg(&bench.dir)
            .status()
            .context("gantry ingest")?
            .success()
            && gantry(&bin, &session)
                .args([
                    "--quiet",
                    "export",
                    "--transfer-syntax",
                    syntax,
                    "--profile",
                    "basic",
                ])
                .arg(&dir)
                .status()
                .context("gantry export --transfer-syntax")?
                .success();
        remove_session(&session);
        if !made {
            bail!("making the {name} copy of the corpus failed");
        }
        let _ = std::fs::remove_file(dir.join("manifest.csv"));
        let _ = std::fs::remove_file(dir.join("manifest.json"));
        corpora.push((name, dir));
    }

    let mut phases = Vec::new();
    let mut redaction = Vec::new();
    for (name, dir) in &corpora {
        // Two sessions per corpus: plain, and with redactions recorded.
        let plain = tmp.path().join(format!("{name}-plain.db"));
        let redacting = tmp.path().join(format!("{name}-redact.db"));
        for session in [&plain, &redacting] {
            let ok = gantry(&bin, session)
                .args(["--quiet", "ingest"])
                .arg(dir)
                .status()
                .context("gantry ingest")?
                .success();
            if !ok {
                bail!("gantry ingest of the {name} corpus failed");
            }
        }
        let decided = measure(
            gantry(&bin, &redacting)
                .args([
                    "--quiet",
                    "redact",
                    "--no-knowledge-base",
                    "--json",
                    "--config",
                ])
                .arg(&config),
            true,
        )?;
        let redacted = decided
            .json()
            .map_or_else(|| "?".into(), |json| count(&json, "/redacted"));
        phases.push(bench.phase(
            &decided,
            &format!("gantry redact ({name})"),
            format!("{redacted} instances to blank"),
        ));

        let session = tmp.path().join("s.db");
        let out = tmp.path().join("out");
        let mut runs: [Vec<Run>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..options.runs {
            for (base, runs) in [&plain, &redacting].into_iter().zip(runs.iter_mut()) {
                fresh_copy(base, &session)?;
                let _ = std::fs::remove_dir_all(&out);
                sync();
                runs.push(measure(
                    gantry(&bin, &session)
                        .args(["--quiet", "export"])
                        .arg(&out)
                        .args(["--profile", "basic", "--json"]),
                    true,
                )?);
            }
        }
        remove_session(&session);
        let _ = std::fs::remove_dir_all(&out);
        let [plain_runs, redact_runs] = runs;
        let rows = [
            (
                format!("gantry export ({name}, pixels spliced)"),
                plain_runs,
            ),
            (format!("gantry export ({name}, redacted)"), redact_runs),
        ];
        let mut seconds = Vec::new();
        for (row, runs) in rows {
            let (run, times) = median(runs);
            let note = run.json().map_or_else(
                || "no JSON summary on stdout".to_owned(),
                |json| {
                    format!(
                        "written {} redacted {} failed {}",
                        count(&json, "/written"),
                        count(&json, "/redacted"),
                        count(&json, "/failed"),
                    )
                },
            );
            let phase = bench.phase(&run, &row, format!("{note}; {times}"));
            seconds.push(phase.ok.then_some(phase.seconds));
            phases.push(phase);
        }
        if let [Some(plain), Some(redacting)] = seconds[..] {
            let images = bench.frames as f64;
            redaction.push((
                (*name).to_owned(),
                images / redacting,
                (redacting - plain) / images * 1e3,
            ));
        }
        remove_session(&plain);
        remove_session(&redacting);
    }
    if options.cp {
        phases.push(bench.cp_floor(tmp.path(), options.runs)?);
    }
    drop(tmp);

    let json_path = bench
        .out_dir
        .join(format!("redact-{}.json", options.corpus_label()));
    let previous = previous_phases(&json_path);
    let regressed = print_table(&bench, &phases, &previous, baseline.as_ref());
    for (name, per_s, ms) in &redaction {
        let target = if *name == "native" {
            format!(
                ": target ≥ {TARGET_IMAGES_PER_S:.0} images/s {}",
                if *per_s >= TARGET_IMAGES_PER_S {
                    "met"
                } else {
                    "NOT met"
                }
            )
        } else {
            String::new()
        };
        println!(
            "redaction, {name} source: {per_s:.0} images/s end to end ({} images in {} files; export with decode, blank, re-encode), {ms:+.2} ms per image over a plain export{target}",
            bench.frames,
            bench.files.len()
        );
    }
    let report = Report {
        files: bench.files.len(),
        frames: bench.frames,
        bytes: bench.bytes,
        cpus: available_threads(),
        corpus: bench.dir.display().to_string(),
        cache: bench.cache.clone(),
        phases,
        redaction,
    };
    finish(
        root,
        "redact",
        options,
        &json_path,
        &report,
        &report.phases,
        regressed,
    )
}
