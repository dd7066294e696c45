//! Repository invariants, checked as tests (`cargo test -p xtask`).
//!
//! - Crate layering: a gantry crate may depend (normal or build dependency)
//!   only on the gantry crates its layer allows (ARCHITECTURE.md, STYLE.md).
//! - Only binaries may use `anyhow`, `clap` or `indicatif`.
//! - Every crate under `crates/` has a README.md and a `//!` crate doc.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    crate::project_root()
}

/// Allowed internal dependencies per gantry crate. A crate missing from this
/// table fails the check until someone decides its layer.
const LAYERS: &[(&str, &[&str])] = &[
    ("gantry-model", &[]),
    ("gantry-ctp", &[]),
    ("gantry-codec", &[]),
    ("gantry-store", &["gantry-model"]),
    // CTP rules in configs (`CTP` actions) are evaluated by the planner.
    ("gantry-privacy", &["gantry-model", "gantry-ctp"]),
    (
        "gantry-redact",
        &["gantry-model", "gantry-codec", "gantry-ctp"],
    ),
    (
        "gantry",
        &[
            "gantry-model",
            "gantry-ctp",
            "gantry-codec",
            "gantry-store",
            "gantry-privacy",
            "gantry-redact",
        ],
    ),
    ("gantry-cli", &["gantry"]),
];

/// Workspace members that are not checked against the layer table (tools).
const TOOLS: &[&str] = &["xtask", "gantry-bench"];
/// Packages allowed to depend on binary-only crates.
const BINARIES: &[&str] = &["gantry-cli", "xtask", "gantry-bench"];
const BINARY_ONLY_DEPS: &[&str] = &["anyhow", "clap", "indicatif"];

/// `cargo metadata --no-deps` for the workspace.
fn metadata() -> Value {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .expect("running cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata JSON")
}

/// Package name → names of its normal and build dependencies.
fn dependencies(metadata: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages array") {
        let name = package["name"].as_str().expect("package name").to_owned();
        let deps = package["dependencies"]
            .as_array()
            .expect("dependencies array")
            .iter()
            // kind: null = normal, "build", "dev"; dev-dependencies do not
            // shape the layering of shipped code.
            .filter(|d| matches!(d["kind"].as_str(), None | Some("build")))
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect();
        out.insert(name, deps);
    }
    out
}

/// Internal dependency edges not allowed by [`LAYERS`].
fn layering_violations(deps: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    for (package, package_deps) in deps {
        if TOOLS.contains(&package.as_str()) {
            continue;
        }
        let Some(allowed_deps) = allowed.get(package.as_str()) else {
            if package.starts_with("gantry") {
                problems.push(format!(
                    "{package}: not in the layer table in xtask/src/tidy.rs"
                ));
            }
            continue;
        };
        for dep in package_deps.iter().filter(|d| d.starts_with("gantry")) {
            if !allowed_deps.contains(&dep.as_str()) {
                problems.push(format!(
                    "{package} -> {dep}: not allowed (allowed: {allowed_deps:?})"
                ));
            }
        }
    }
    problems
}

/// Library packages depending on binary-only crates.
fn binary_only_violations(deps: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    deps.iter()
        .filter(|(package, _)| !BINARIES.contains(&package.as_str()))
        .flat_map(|(package, package_deps)| {
            package_deps
                .iter()
                .filter(|d| BINARY_ONLY_DEPS.contains(&d.as_str()))
                .map(move |d| format!("{package} -> {d}"))
        })
        .collect()
}

#[test]
fn crate_layering_follows_the_table() {
    let problems = layering_violations(&dependencies(&metadata()));
    assert!(
        problems.is_empty(),
        "layering violations:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn libraries_do_not_use_binary_only_crates() {
    let problems = binary_only_violations(&dependencies(&metadata()));
    assert!(
        problems.is_empty(),
        "library crates must not depend on {BINARY_ONLY_DEPS:?} (only gantry-cli prints and parses arguments):\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_checks_catch_violations() {
    let metadata = serde_json::json!({"packages": [
        {"name": "gantry-model", "dependencies": [
            {"name": "gantry-store", "kind": null},
            {"name": "gantry-ctp", "kind": "dev"},
        ]},
        {"name": "gantry-privacy", "dependencies": [
            {"name": "gantry-model", "kind": null},
            {"name": "anyhow", "kind": "build"},
        ]},
        {"name": "gantry-new", "dependencies": []},
        {"name": "gantry-cli", "dependencies": [
            {"name": "gantry", "kind": null},
            {"name": "clap", "kind": null},
        ]},
    ]});
    let deps = dependencies(&metadata);
    assert_eq!(
        layering_violations(&deps),
        [
            "gantry-model -> gantry-store: not allowed (allowed: [])",
            "gantry-new: not in the layer table in xtask/src/tidy.rs",
        ]
    );
    assert_eq!(binary_only_violations(&deps), ["gantry-privacy -> anyhow"]);
}

#[test]
fn every_crate_has_a_readme_and_a_crate_doc() {
    let crates = root().join("crates");
    let mut problems = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("listing crates/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no crates under {}", crates.display());
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !dir.join("README.md").is_file() {
            problems.push(format!("crates/{name}: no README.md"));
        }
        let root_file = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file());
        match root_file {
            None => problems.push(format!("crates/{name}: no src/lib.rs or src/main.rs")),
            Some(file) if !has_crate_doc(&file) => {
                problems.push(format!(
                    "crates/{name}: {} has no `//!` crate doc",
                    rel(&file)
                ));
            }
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "crate hygiene:\n  {}",
        problems.join("\n  ")
    );
}

/// The first non-blank line of the file is a `//!` doc comment.
fn has_crate_doc(file: &Path) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("//!") && l.trim_start_matches("//!").trim().len() > 1)
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}
