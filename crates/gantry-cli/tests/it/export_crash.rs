//! Export crash safety (SPEC §4, §10): SIGKILL during export at several
//! moments, then resume: every instance written exactly once, no partial or
//! temporary file left, and the mapping agrees with the tree.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use gantry::synth::{CorpusSpec, generate_corpus};

use crate::support::{gantry, json, run};

const FILES: usize = 600;

fn files_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn sigkill_during_export_then_resume_writes_each_instance_once() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let spec = CorpusSpec {
        rows: 64,
        columns: 64,
        ..CorpusSpec::with_files(FILES)
    };
    generate_corpus(&input, &spec).unwrap();
    let session = tmp.path().join("s.db");
    let key = tmp.path().join("k.key");
    assert!(
        run(gantry(&session).args(["key", "new"]).arg(&key))
            .status
            .success()
    );
    assert!(
        run(gantry(&session).args(["--quiet", "ingest"]).arg(&input))
            .status
            .success()
    );

    let out = tmp.path().join("out");
    let export = || {
        let mut command = gantry(&session);
        command
            .args(["--quiet", "export"])
            .arg(&out)
            .arg("--key")
            .arg(&key);
        command
    };
    // How long a full export takes, on a scratch copy of the session.
    let started = Instant::now();
    let scratch = tmp.path().join("scratch");
    let mut timing = gantry(&session);
    timing
        .args(["--quiet", "export"])
        .arg(&scratch)
        .arg("--key")
        .arg(&key);
    run(&mut timing);
    let full = started.elapsed();
    std::fs::remove_dir_all(&scratch).unwrap();

    let mut kills = 0;
    for fraction in [0.1, 0.3, 0.5, 0.7, 0.9] {
        let mut child = export()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(fraction).max(Duration::from_millis(20)));
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        child.kill().ok();
        child.wait().unwrap();
    }
    assert!(
        kills >= 2,
        "only {kills} exports were killed before finishing"
    );

    let output = run(export().arg("--json"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(
        report["written"].as_u64().unwrap() + report["skipped_existing"].as_u64().unwrap(),
        FILES as u64
    );
    assert_eq!(report["failed"], 0);

    let on_disk = files_under(&out);
    assert!(
        on_disk
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".gantry-tmp")),
        "temporary files left"
    );
    let dicom: Vec<_> = on_disk
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .collect();
    assert_eq!(dicom.len(), FILES, "each instance exactly once");
    for path in &dicom {
        dicom_object::open_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    assert_eq!(mapping.len(), FILES);
    for row in &mapping {
        assert_eq!(row["status"], "written");
        assert!(out.join(row["output"].as_str().unwrap()).is_file());
    }
}
