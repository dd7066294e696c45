//! Shared helpers for Gantry's criterion benches: inputs generated once
//! per run with `gantry::synth`, so benches need no data on disk.

use std::path::{Path, PathBuf};

use gantry::synth::{CorpusSpec, generate_corpus};

/// Generate `files` realistic 512×512 CT files under `dir` and return their paths.
pub fn ct_files(dir: &Path, files: usize) -> Vec<PathBuf> {
    let spec = CorpusSpec::with_files(files);
    generate_corpus(dir, &spec).expect("generate the bench corpus");
    (0..files)
        .filter_map(|i| spec.relative_path(i))
        .map(|p| dir.join(p))
        .collect()
}
