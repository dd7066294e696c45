//! Integration tests for gantry-ctp.
// Helpers outside #[test] functions unwrap too: a panic here is a failed test.
#![allow(clippy::unwrap_used)]

mod data;
mod eval;
mod lint;
mod malformed;
mod props;
mod stock;

use std::path::PathBuf;

/// The repository's root (`/work/main` in the lead's layout).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A stock CTP script from `../shared/ctp/` (relative to the repository root).
fn shared_ctp(name: &str) -> String {
    let path = repo_root().join("../shared/ctp").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
