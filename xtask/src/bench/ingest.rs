//! `cargo xtask bench ingest`: `gantry ingest` (cold session, then re-run)
//! against the header-read floor and `cp -r`; `target/bench/ingest-N.json`.

use std::path::Path;
use std::process::Command;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{
    Bench, Options, Phase, available_threads, count, finish, measure, median_run, previous_phases,
    print_table, remove_session, sync,
};

#[derive(Debug, Serialize, Deserialize)]
struct Report {
    files: usize,
    /// Frames (images) of the generated files, multi-frame ones included.
    #[serde(default)]
    frames: u64,
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

pub(crate) fn ingest(root: &Path, options: &Options) -> Result<()> {
    let baseline = options.load_baseline(root, "ingest")?;
    let bench = Bench::prepare(root, options)?;
    let tmp = bench.temp_dir("ingest")?;
    let n_files = bench.files.len();
    let mut phases = Vec::new();

    // (a) header-only read floor, dicom-rs, in a child process.
    phases.push(bench.header_floor(options.runs, options.threads)?);

    // (b) and (c): gantry ingest, cold session then re-run.
    let (mut cold, mut rerun) = (None, None);
    match &bench.gantry {
        Ok(bin) => {
            let session = tmp.path().join("s.db");
            let ingest = || {
                let mut cmd = Command::new(bin);
                cmd.arg("--session")
                    .arg(&session)
                    .arg("--quiet")
                    .arg("ingest")
                    .arg(&bench.dir)
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
                let json = run.json();
                let note = json.as_ref().map_or_else(
                    || "no JSON summary on stdout".to_owned(),
                    |json| {
                        let mut note = format!(
                            "indexed {} skipped {} failed {}",
                            count(json, "/files/indexed"),
                            count(json, "/files/skipped"),
                            count(json, "/files/failed"),
                        );
                        if json.pointer("/run/unchanged").is_some() {
                            note.push_str(&format!(
                                " (this run: {} unchanged)",
                                count(json, "/run/unchanged")
                            ));
                        }
                        note
                    },
                );
                phases.push(bench.phase(&run, name, format!("{note}; {times}")));
                *slot = json;
            }
        }
        Err(e) => eprintln!("skipping gantry phases: {e:#}"),
    }
    // (d) cp -r floor, last. Skipped with --no-cp (a 50k-file corpus would
    // need its size again in free disk).
    if options.cp {
        phases.push(bench.cp_floor(tmp.path(), options.runs)?);
    }
    drop(tmp);

    let json_path = bench
        .out_dir
        .join(format!("ingest-{}.json", options.corpus_label()));
    let previous = previous_phases(&json_path);
    let report = Report {
        files: n_files,
        frames: bench.frames,
        bytes: bench.bytes,
        cpus: available_threads(),
        threads: options.threads,
        corpus: bench.dir.display().to_string(),
        cache: bench.cache.clone(),
        phases,
        gantry_cold: cold,
        gantry_rerun: rerun,
    };
    let regressed = print_table(&bench, &report.phases, &previous, baseline.as_ref());
    finish(
        root,
        "ingest",
        options,
        &json_path,
        &report,
        &report.phases,
        regressed,
    )
}
