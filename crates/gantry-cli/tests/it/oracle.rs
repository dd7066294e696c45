//! Independent oracles: dcmtk's dcmdump, dicom3tools' dciodvfy, pydicom and
//! the shared PHI leak checker. Each is optional locally — a test that
//! needs a missing one says so loudly and skips — but `.ci/run` installs
//! them and sets `GANTRY_REQUIRE_ORACLES=1`, which turns a missing oracle
//! into a failure.

use std::path::Path;
use std::process::Command;

/// Whether `program` runs; skips (or fails under CI) when it does not.
pub(crate) fn available(program: &str, probe: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty());
    if !ok {
        if std::env::var_os("GANTRY_REQUIRE_ORACLES").is_some() {
            panic!("oracle {program} is required (GANTRY_REQUIRE_ORACLES) but not installed");
        }
        eprintln!(
            "\n!!! SKIPPING checks with {program}: not installed (apt-get install dcmtk dicom3tools; pip install pydicom) !!!\n"
        );
    }
    ok
}

pub(crate) fn pydicom_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pydicom"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var_os("GANTRY_REQUIRE_ORACLES").is_some() {
            panic!("pydicom is required (GANTRY_REQUIRE_ORACLES) but not installed");
        }
        eprintln!("\n!!! SKIPPING pydicom checks: python3 -m pip install pydicom !!!\n");
    }
    ok
}

/// Read every file with pydicom (all elements, recursively); returns the
/// files it could not read, with the error.
pub(crate) fn pydicom_unreadable(files: &[std::path::PathBuf]) -> Vec<String> {
    let script = "import sys, pydicom\nfor f in sys.argv[1:]:\n    try:\n        ds = pydicom.dcmread(f)\n        list(ds.iterall())\n    except Exception as e:\n        print(f + ': ' + type(e).__name__ + ': ' + str(e)[:200])\n";
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// dciodvfy error count (the exit status is unreliable; count `Error`
/// lines), None if dciodvfy could not check the file at all.
pub(crate) fn dciodvfy_errors(file: &Path) -> Option<usize> {
    let output = Command::new("dciodvfy").arg(file).output().ok()?;
    if output.status.code().is_none() || output.status.code() == Some(134) {
        return None; // aborted (e.g. BitsAllocated 32)
    }
    let text = String::from_utf8_lossy(&output.stderr);
    Some(
        text.lines()
            .filter(|l| l.starts_with("Error") || l.contains(" - Error"))
            .count(),
    )
}

/// The shared leak checker's JSON for one (original, de-identified) pair.
pub(crate) fn phi_leaks(original: &Path, deidentified: &Path) -> serde_json::Value {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/phi_leak_check.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(original)
        .arg(deidentified)
        .args(["--include-uids", "--json"])
        .output()
        .expect("python3 runs");
    assert_ne!(
        output.status.code(),
        Some(2),
        "phi_leak_check could not read {}: {}",
        original.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("phi_leak_check prints JSON")
}
