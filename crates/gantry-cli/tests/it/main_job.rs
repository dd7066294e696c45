//! The main job (`gantry run`) on the real dev corpus, checked by
//! independent oracles (SPEC §10–11, issue "The main job").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gantry::privacy::profile::{ActionCode, Profile};

use crate::oracle;
use crate::ranges::value_ranges;
use crate::support::{corpus, gantry, json, run};

struct Job {
    _tmp: tempfile::TempDir,
    session: PathBuf,
    out: PathBuf,
    report: serde_json::Value,
    /// (source, output) of every written instance.
    written: Vec<(PathBuf, PathBuf)>,
    mapping: Vec<serde_json::Value>,
}

fn run_dev() -> Job {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(corpus("dev"))
        .arg(&out)
        .args(["--profile", "basic", "--json"]));
    // 1: the job ran, but duplicates were quarantined for a person to see.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    let written = mapping
        .iter()
        .filter(|r| r["status"] == "written")
        .map(|r| {
            (
                PathBuf::from(r["source"].as_str().unwrap()),
                out.join(r["output"].as_str().unwrap()),
            )
        })
        .collect();
    Job {
        _tmp: tmp,
        session,
        out,
        report,
        written,
        mapping,
    }
}

#[test]
fn every_readable_input_is_written_or_quarantined_with_a_reason_and_verify_is_clean() {
    let job = run_dev();
    let export = &job.report["export"];
    let indexed = job.report["examine"]["files"]["indexed"].as_u64().unwrap();
    assert_eq!(indexed, 129);
    assert_eq!(
        export["written"].as_u64().unwrap() + export["quarantined"].as_u64().unwrap(),
        indexed
    );
    assert_eq!(export["failed"], 0);
    for row in &job.mapping {
        match row["status"].as_str().unwrap() {
            "written" => assert!(job.out.join(row["output"].as_str().unwrap()).is_file()),
            "quarantined" => {
                let reason = row["reason"].as_str().unwrap();
                assert!(
                    reason.starts_with("duplicate SOPInstanceUID: another source of the same instance was written as "),
                    "{reason}"
                );
                let kept = reason.rsplit(' ').next().unwrap();
                assert!(job.out.join(kept).is_file(), "{kept}");
            }
            "skipped" => assert!(row["reason"].is_string()),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        job.report["verify"]["leaks"], 0,
        "{:#}",
        job.report["verify"]
    );
    assert_eq!(job.report["verify"]["findings"], 0);
    // The manifest lists every written file with its checksum.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(job.out.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len() as u64, indexed);
    for f in files.iter().filter(|f| f["status"] == "written") {
        let bytes = std::fs::read(job.out.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(f["size"].as_u64().unwrap(), bytes.len() as u64);
        let expected = format!("blake3:{}", blake3::hash(&bytes).to_hex());
        assert_eq!(f["checksum"].as_str(), Some(expected.as_str()));
    }
    // No source path in the manifest (it may hold PHI).
    let text = std::fs::read_to_string(job.out.join("manifest.csv")).unwrap();
    assert!(!text.contains("corpus/dev"));
    let _ = &job.session;
}

#[test]
fn outputs_are_read_by_dcmdump_and_pydicom() {
    let job = run_dev();
    if oracle::available("dcmdump", &["--version"]) {
        for (source, output) in &job.written {
            let status = std::process::Command::new("dcmdump")
                .arg("-q")
                .arg(output)
                .output()
                .unwrap();
            assert!(
                status.status.success(),
                "dcmdump cannot read the output of {}: {}",
                source.display(),
                String::from_utf8_lossy(&status.stderr)
            );
        }
    }
    if oracle::pydicom_available() {
        let outputs: Vec<PathBuf> = job.written.iter().map(|(_, o)| o.clone()).collect();
        let unreadable = oracle::pydicom_unreadable(&outputs);
        assert!(unreadable.is_empty(), "{unreadable:#?}");
    }
}

#[test]
fn dciodvfy_reports_no_new_errors() {
    if !oracle::available("dciodvfy", &[]) {
        return;
    }
    let job = run_dev();
    let baselines: BTreeMap<String, usize> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/dciodvfy_dev.tsv"),
    )
    .unwrap()
    .lines()
    .skip(1)
    .filter_map(|line| {
        let cols: Vec<&str> = line.split('\t').collect();
        let name = cols.first()?.strip_prefix("dev/")?.to_string();
        Some((name, cols.get(3)?.parse().ok()?))
    })
    .collect();
    let mut checked = 0;
    for (source, output) in &job.written {
        let name = source
            .strip_prefix(corpus("dev"))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Some(&baseline) = baselines.get(&name) else {
            continue;
        };
        // Deflated outputs are written as explicit VR LE, which dciodvfy reads.
        let Some(errors) = oracle::dciodvfy_errors(output) else {
            continue;
        };
        assert!(
            errors <= baseline,
            "{name}: dciodvfy reports {errors} errors on the output, {baseline} on the input"
        );
        checked += 1;
    }
    assert!(
        checked > 80,
        "only {checked} outputs compared with a baseline"
    );
}

/// Values the leak checker finds are leaks unless they sit in an attribute
/// the basic profile keeps (not in Table E.1-1, or K) — a kept value that
/// happens to equal an identifying one elsewhere, like a CodeMeaning — or
/// inside a value Gantry generated itself (its pseudonyms start `ANON`),
/// or in the encoding itself (an original private value `ÿÿÿÿ` matches
/// every undefined length).
#[test]
fn phi_leak_check_finds_nothing_the_basic_profile_removes_or_replaces() {
    if !oracle::pydicom_available() {
        return;
    }
    let job = run_dev();
    let profile = Profile::basic();
    let mut real = Vec::new();
    let mut allowed = 0;
    for (source, output) in &job.written {
        let report = oracle::phi_leaks(source, output);
        let leaks = report["leaks"].as_array().cloned().unwrap_or_default();
        if leaks.is_empty() {
            continue;
        }
        let bytes = std::fs::read(output).unwrap();
        let (dataset_start, ranges) = value_ranges(output);
        for leak in leaks {
            let offset = leak["offset"].as_u64().unwrap();
            let value = leak["value"].as_str().unwrap_or_default().to_string();
            let own_token = bytes
                .get(offset as usize..offset as usize + 4)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"ANON"));
            let within = ranges
                .iter()
                .filter(|r| r.start <= offset && offset < r.end)
                .max_by_key(|r| r.path.len());
            let kept = within.is_some_and(|r| {
                r.path.iter().all(|t| t.group() % 2 == 0)
                    && r.path.last().is_some_and(|leaf| {
                        matches!(profile.action(*leaf), None | Some(ActionCode::K))
                    })
            });
            // Outside every value: element and item headers (tags,
            // lengths such as FFFFFFFF) — structure, not a value.
            let structure = within.is_none();
            if offset >= dataset_start && (kept || own_token || structure) {
                allowed += 1;
            } else {
                real.push(format!(
                    "{}: {} ({}) found at {:?}",
                    source.file_name().unwrap().to_string_lossy(),
                    leak["path"],
                    leak["keyword"],
                    within.map(|r| r.path.clone())
                ));
                let _ = value;
            }
        }
    }
    assert!(
        real.is_empty(),
        "{} real leaks:\n{}",
        real.len(),
        real.join("\n")
    );
    assert!(allowed > 0, "the check must see the kept values it allows");
}
