//! Crash safety (SPEC §4): SIGKILL at several moments of an ingest of a
//! few thousand generated files, then a re-run, leaves a complete and
//! consistent session — no lost, duplicated or half-written rows, and a
//! readable sidecar.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use gantry::synth::{CorpusSpec, generate_corpus};

use crate::support::{gantry, json, run};

const FILES: usize = 3000;

fn corpus(dir: &Path) -> CorpusSpec {
    let spec = CorpusSpec {
        rows: 32,
        columns: 32,
        ..CorpusSpec::with_files(FILES)
    };
    generate_corpus(dir, &spec).unwrap();
    spec
}

/// Start an ingest and SIGKILL it after `after`; true when it was killed
/// before finishing on its own.
fn ingest_killed_after(session: &Path, input: &Path, offload: bool, after: Duration) -> bool {
    let mut command = gantry(session);
    command.args(["--quiet", "ingest"]);
    if offload {
        command.arg("--offload-pixels");
    }
    let mut child = command
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok(); // SIGKILL on Unix
    child.wait().unwrap();
    !finished
}

fn full_run_time(input: &Path, offload: bool) -> Duration {
    let tmp = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut command = gantry(&tmp.path().join("timing.db"));
    command.args(["--quiet", "ingest"]);
    if offload {
        command.arg("--offload-pixels");
    }
    run(command.arg(input));
    start.elapsed()
}

fn kill_resume_and_check(offload: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let spec = corpus(&input);
    let session = tmp.path().join("s.db");
    let full = full_run_time(&input, offload);

    let mut kills = 0;
    for fraction in [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95] {
        if ingest_killed_after(&session, &input, offload, full.mul_f64(fraction)) {
            kills += 1;
        }
    }
    assert!(kills >= 3, "only {kills} runs were killed before finishing");

    let mut command = gantry(&session);
    command.args(["--quiet", "ingest", "--json"]);
    if offload {
        command.arg("--offload-pixels");
    }
    let output = run(command.arg(&input));
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["files"]["indexed"], FILES);
    assert_eq!(report["files"]["skipped"], 0);
    assert_eq!(report["files"]["failed"], 0);
    assert_eq!(report["instances"], FILES);
    assert_eq!(report["series"], spec.series_count());
    assert!(
        report["duplicate_sop_instance_uids"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let mut session = gantry::Session::open(&session).unwrap();
    let store = session.store_mut().unwrap();
    assert_eq!(store.check_integrity().unwrap(), Vec::<String>::new());
    let mut instances = Vec::new();
    store
        .for_each_instance(|i| {
            instances.push(i);
            Ok(())
        })
        .unwrap();
    assert_eq!(instances.len(), FILES);
    for instance in &instances {
        instance.header.decode().unwrap();
        if offload {
            let pixels = instance.pixels.as_ref().unwrap();
            let gantry::model::PixelLocation::Sidecar(id) = pixels.location else {
                panic!("{}: pixels not offloaded", instance.path);
            };
            let bytes = store.read_sidecar(id).unwrap();
            assert_eq!(bytes.len(), 32 * 32 * 2, "{}", instance.path);
        }
    }
}

#[test]
fn sigkill_during_ingest_then_resume_leaves_a_complete_session() {
    kill_resume_and_check(false);
}

#[test]
fn sigkill_during_offloading_ingest_keeps_the_sidecar_readable() {
    kill_resume_and_check(true);
}
