//! Burned-in text: pixel redaction across formats (issue "Burned-in text:
//! pixel redaction"), checked by independent oracles.
//!
//! `tests/oracle/redact_formats.py generate` writes images with text-like
//! blocks inside the zones and control blocks outside them — 8/12/16-bit,
//! signed and unsigned, MONOCHROME1/2, RGB planar 0 and 1, YBR_FULL, single
//! and multi-frame — with pydicom, and compresses copies with dcmtk
//! (dcmcrle, dcmcjpls, dcmcjpeg: JPEG lossless SV1, baseline, extended) and
//! GDCM (gdcmconv --j2k, lossless and lossy). Gantry ingests, redacts with
//! a config machine (a Gantry zone and a CTP region counted from the
//! bottom-right corner) and exports; `redact_formats.py check` then reads
//! every output with pydicom and dcmtk/GDCM and checks that in every frame
//! the zones hold the fill and every other pixel equals the source as
//! pydicom decodes it (exactly for lossless sources; within a tolerance
//! for lossy ones, whose decoders differ), and the header marks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::oracle;
use crate::support::{gantry, json, run, tree};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/redact_formats.py")
}

/// python3 with pydicom, numpy and the pylibjpeg decoders; skips (or
/// fails under `GANTRY_REQUIRE_ORACLES`) when one is missing.
fn python_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pydicom, numpy, pylibjpeg, openjpeg, libjpeg"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var_os("GANTRY_REQUIRE_ORACLES").is_some() {
            panic!(
                "python3 with pydicom, numpy, pylibjpeg, pylibjpeg-openjpeg and pylibjpeg-libjpeg is required (GANTRY_REQUIRE_ORACLES) but not installed"
            );
        }
        eprintln!(
            "\n!!! SKIPPING redaction format checks: python3 -m pip install pydicom numpy pylibjpeg pylibjpeg-openjpeg pylibjpeg-libjpeg !!!\n"
        );
    }
    ok
}

fn oracles_available() -> bool {
    let mut ok = python_available();
    for tool in [
        "dcmdump", "dcmcrle", "dcmdrle", "dcmcjpls", "dcmdjpls", "dcmcjpeg", "dcmdjpeg",
    ] {
        ok &= oracle::available(tool, &["--version"]);
    }
    ok &= oracle::available("gdcmconv", &["--version"]);
    ok
}

fn python(args: &[&std::ffi::OsStr]) -> (bool, serde_json::Value, String) {
    let output = Command::new("python3")
        .arg(script())
        .args(args)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "redact_formats.py printed no JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.success(), value, stderr)
}

fn export(session: &Path, out: &Path, config: &Path, extra: &[&str]) -> serde_json::Value {
    let output = run(gantry(session)
        .args(["--quiet", "export"])
        .arg(out)
        .arg("--config")
        .arg(config)
        .args(extra)
        .arg("--json"));
    assert!(
        output.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    json(&output)
}

fn mapping(session: &Path, to: &Path) {
    let output = run(gantry(session).args(["mapping", "--json"]));
    assert!(output.status.success());
    std::fs::write(to, &output.stdout).unwrap();
}

fn check(work: &Path, mapping: &Path, out: &Path, native: bool) -> serde_json::Value {
    let manifest = work.join("manifest.json");
    let mut args = vec![
        std::ffi::OsStr::new("check"),
        manifest.as_os_str(),
        mapping.as_os_str(),
        out.as_os_str(),
    ];
    if native {
        args.push(std::ffi::OsStr::new("--native"));
    }
    let (ok, report, stderr) = python(&args);
    assert!(
        ok,
        "redact_formats.py check of {} failed:\n{}\nstderr: {stderr}",
        out.display(),
        report["failures"]
            .as_array()
            .map(|f| f
                .iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("\n"))
            .unwrap_or_else(|| report.to_string()),
    );
    report
}

#[test]
fn redaction_blanks_every_frame_of_every_format_and_keeps_the_rest() {
    if !oracles_available() {
        return;
    }
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let (ok, generated, stderr) = python(&[std::ffi::OsStr::new("generate"), work.as_os_str()]);
    assert!(ok, "generate failed: {generated}\n{stderr}");
    let sources = generated["sources"].as_u64().unwrap();
    assert!(sources >= 60, "{generated}");
    let config = work.join("config.yaml");
    let session = work.join("s.db");

    let output = run(gantry(&session)
        .args(["--quiet", "ingest"])
        .arg(work.join("sources")));
    assert!(
        output.status.success(),
        "ingest: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(gantry(&session)
        .args(["--quiet", "redact", "--config"])
        .arg(&config)
        .arg("--json"));
    let redacted = json(&output);
    assert!(output.status.success(), "{redacted:#}");
    assert_eq!(redacted["instances"], sources, "{redacted:#}");
    assert_eq!(redacted["redacted"], sources, "{redacted:#}");
    assert_eq!(redacted["uncovered"], 0, "{redacted:#}");
    assert_eq!(
        redacted["by_rule"]["config machine #1 (ACME Redactor 1)"], sources,
        "{redacted:#}"
    );

    // Default export: each source's own syntax when Gantry encodes it
    // losslessly, JPEG-LS (grey) or RLE (colour) otherwise.
    let out1 = work.join("out1");
    let report = export(&session, &out1, &config, &[]);
    assert_eq!(report["written"], sources, "{report:#}");
    assert_eq!(report["redacted"], sources, "{report:#}");
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(report["quarantined"], 0, "{report:#}");
    let mapping1 = work.join("mapping1.json");
    mapping(&session, &mapping1);
    let checked = check(work, &mapping1, &out1, false);
    assert_eq!(checked["checked"], sources);
    eprintln!(
        "redact_formats: largest difference outside the zones for lossy sources: {}",
        checked["lossy_max_abs_diff"]
    );

    // Exporting the same session again gives the same bytes.
    let out2 = work.join("out2");
    let report = export(&session, &out2, &config, &[]);
    assert_eq!(report["written"], sources, "{report:#}");
    let (first, second) = (tree(&out1), tree(&out2));
    assert_eq!(first.len() as u64, sources);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(second[path] == *bytes, "{path} differs between two exports");
    }

    // Everything native.
    let out3 = work.join("out3");
    let report = export(
        &session,
        &out3,
        &config,
        &["--transfer-syntax", "explicit-le"],
    );
    assert_eq!(report["written"], sources, "{report:#}");
    assert_eq!(report["redacted"], sources, "{report:#}");
    assert_eq!(report["failed"], 0, "{report:#}");
    let mapping3 = work.join("mapping3.json");
    mapping(&session, &mapping3);
    check(work, &mapping3, &out3, true);
    eprintln!(
        "redact_formats: {sources} sources, three exports checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
