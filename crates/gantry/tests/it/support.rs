//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gantry::store::Inventory;
use gantry::{IngestOptions, IngestReport, NoProgress, Session};

/// `../shared/corpus/<set>` from the repository root.
pub(crate) fn corpus(set: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let dir = root.join(set);
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {} — tests need ../shared next to the repository",
        dir.display()
    );
    dir.canonicalize().unwrap()
}

/// Ingest `inputs` into a fresh session in `dir`.
pub(crate) fn ingest(dir: &Path, inputs: &[PathBuf]) -> (Session, IngestReport, Inventory) {
    let mut session = Session::open(dir.join("gantry.db")).unwrap();
    let report = session
        .ingest(inputs, &IngestOptions::default(), &NoProgress)
        .unwrap();
    let inventory = session.examine().unwrap();
    (session, report, inventory)
}

/// Rows of a corpus catalog CSV (simple CSV: quoted fields may hold commas).
pub(crate) fn catalog(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap());
    lines
        .filter(|l| !l.is_empty())
        .map(|l| header.iter().cloned().zip(split_csv(l)).collect())
        .collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Path relative to `root`, with `/` separators.
pub(crate) fn relative(root: &Path, path: &str) -> String {
    Path::new(path)
        .strip_prefix(root)
        .unwrap_or(Path::new(path))
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every regular file under `dir`.
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
