//! `cargo xtask bench seal`: what reversible sealing (SPEC §6.6) adds to
//! export. One session is ingested once; each measured run exports a fresh
//! copy of it with `gantry export --profile basic --key K`, then the same
//! with `--reversible` (project key, AES-SIV), with `--reversible
//! --recipient CERT` and no key (CMS only, RSA-2048 + AES-256-CBC; the
//! session's own key pseudonymises, the same work), and with both. Variants are
//! interleaved run by run so drift hits them alike; medians are reported,
//! with the overhead over the plain export. `target/bench/seal-N.json`.
//!
//! Target (SPEC §13): sealing adds ≤ 20% to export time. Reported, not
//! enforced.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::measure::{Run, median};
use super::{Bench, Options, Phase, available_threads, count, measure, previous_phases};
use super::{finish, fresh_copy, gantry, print_table, remove_session, sync};

const TARGET_OVERHEAD: f64 = 0.20;

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
    /// Per sealed variant: (name, export seconds / plain export seconds - 1).
    overhead: Vec<(String, f64)>,
}

/// A measured export variant: its row name, whether it gets the project
/// key, and its extra arguments.
struct Variant {
    name: &'static str,
    key: bool,
    args: Vec<std::ffi::OsString>,
}

pub(crate) fn seal(root: &Path, options: &Options) -> Result<()> {
    let baseline = options.load_baseline(root, "seal")?;
    let bench = Bench::prepare(root, options)?;
    let bin = match &bench.gantry {
        Ok(bin) => bin.clone(),
        Err(e) => bail!("cannot build gantry: {e:#}"),
    };
    let tmp = bench.temp_dir("seal")?;
    let key = tmp.path().join("project.key");
    gantry(&bin, &tmp.path().join("k.db"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .context("gantry key new")?
        .status
        .success()
        .then_some(())
        .context("gantry key new failed")?;
    let cert = certificate(tmp.path());

    // The session every run exports from: ingested once, copied per run.
    let base = tmp.path().join("base.db");
    let ingest = measure(
        gantry(&bin, &base)
            .args(["ingest", "--json"])
            .arg(&bench.dir),
        true,
    )?;
    if !ingest.status.success() {
        bail!("gantry ingest failed ({})", ingest.status);
    }

    let reversible = || vec!["--reversible".into()];
    let mut variants = vec![
        Variant {
            name: "export (--key)",
            key: true,
            args: vec![],
        },
        Variant {
            name: "export --reversible --key",
            key: true,
            args: reversible(),
        },
    ];
    match &cert {
        Some(cert) => {
            let mut recipient = reversible();
            recipient.extend(["--recipient".into(), cert.into()]);
            // Without --key the session's own key pseudonymises (the same
            // work) and only the CMS item is sealed.
            variants.push(Variant {
                name: "export --reversible --recipient",
                key: false,
                args: recipient.clone(),
            });
            variants.push(Variant {
                name: "export --reversible --key --recipient",
                key: true,
                args: recipient,
            });
        }
        None => eprintln!("skipping the recipient variants: openssl could not make a certificate"),
    }

    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let mut runs: Vec<Vec<Run>> = variants.iter().map(|_| Vec::new()).collect();
    for _ in 0..options.runs {
        for (variant, runs) in variants.iter().zip(runs.iter_mut()) {
            fresh_copy(&base, &session)?;
            let _ = std::fs::remove_dir_all(&out);
            sync();
            let mut command = gantry(&bin, &session);
            command
                .args(["--quiet", "export"])
                .arg(&out)
                .args(["--profile", "basic", "--json"]);
            if variant.key {
                command.arg("--key").arg(&key);
            }
            command.args(&variant.args);
            runs.push(measure(&mut command, true)?);
        }
    }
    remove_session(&session);
    let _ = std::fs::remove_dir_all(&out);

    let mut phases = Vec::new();
    for (variant, runs) in variants.iter().zip(runs) {
        let (run, times) = median(runs);
        let note = run.json().map_or_else(
            || "no JSON summary on stdout".to_owned(),
            |json| {
                format!(
                    "written {} quarantined {} failed {}",
                    count(&json, "/written"),
                    count(&json, "/quarantined"),
                    count(&json, "/failed"),
                )
            },
        );
        phases.push(bench.phase(&run, variant.name, format!("{note}; {times}")));
    }
    if options.cp {
        phases.push(bench.cp_floor(tmp.path(), options.runs)?);
    }
    drop(tmp);

    let plain = phases
        .iter()
        .find(|p| p.name == "export (--key)" && p.ok)
        .map(|p| p.seconds);
    let overhead: Vec<(String, f64)> = phases
        .iter()
        .filter(|p| p.name.starts_with("export --reversible") && p.ok)
        .filter_map(|p| plain.map(|plain| (p.name.clone(), p.seconds / plain - 1.0)))
        .collect();
    let json_path = bench
        .out_dir
        .join(format!("seal-{}.json", options.corpus_label()));
    let previous = previous_phases(&json_path);
    let regressed = print_table(&bench, &phases, &previous, baseline.as_ref());
    for (name, over) in &overhead {
        println!(
            "{name}: {:+.1}% export time over plain export: target ≤ +{:.0}% {}",
            over * 100.0,
            TARGET_OVERHEAD * 100.0,
            if *over <= TARGET_OVERHEAD {
                "met"
            } else {
                "NOT met"
            }
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
        overhead,
    };
    finish(
        root,
        "seal",
        options,
        &json_path,
        &report,
        &report.phases,
        regressed,
    )
}

/// A self-signed RSA-2048 certificate made with the openssl CLI, or `None`.
fn certificate(dir: &Path) -> Option<PathBuf> {
    let cert = dir.join("recipient.cert.pem");
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=gantry bench recipient"])
        .arg("-keyout")
        .arg(dir.join("recipient.key.pem"))
        .arg("-out")
        .arg(&cert)
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(cert)
}
