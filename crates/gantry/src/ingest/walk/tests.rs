use super::*;

fn describe(entry: &WalkEntry, root: &Path) -> String {
    let rel = |p: &str| {
        Path::new(p)
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    match entry {
        WalkEntry::File(stat) => format!("file {}", rel(&stat.path)),
        WalkEntry::Skipped { stat, reason } => format!("skipped {}: {reason}", rel(&stat.path)),
        WalkEntry::Failed { stat, reason } => format!("failed {}: {reason}", rel(&stat.path)),
    }
}

#[test]
fn walks_in_name_order_reports_hidden_entries_and_link_loops() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    fs::create_dir_all(root.join("b/inner")).unwrap();
    fs::create_dir_all(root.join(".git/objects")).unwrap();
    fs::write(root.join(".git/objects/x"), b"x").unwrap();
    fs::write(root.join("a.dcm"), b"1").unwrap();
    fs::write(root.join("b/inner/c.dcm"), b"22").unwrap();
    fs::write(root.join("b/.hidden.dcm"), b"333").unwrap();
    fs::write(root.join("a-b.dcm"), b"4444").unwrap();
    std::os::unix::fs::symlink(&root, root.join("b/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("a.dcm"), root.join("z-link.dcm")).unwrap();

    let walked: Vec<String> = Walk::new(std::slice::from_ref(&root))
        .unwrap()
        .map(|e| describe(&e, &root))
        .collect();
    assert_eq!(
        walked,
        [
            "skipped .git: hidden directory (not descended)",
            "file a-b.dcm",
            "file a.dcm",
            "skipped b/.hidden.dcm: hidden file",
            "file b/inner/c.dcm",
            "skipped b/loop: symbolic link loop (not followed)",
            "file z-link.dcm",
        ]
    );
}

#[test]
fn a_file_input_is_walked_as_itself_with_its_size() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("one.dcm");
    fs::write(&file, b"12345").unwrap();
    let entries: Vec<WalkEntry> = Walk::new(&[file]).unwrap().collect();
    assert_eq!(entries.len(), 1);
    let WalkEntry::File(stat) = &entries[0] else {
        panic!("a regular file");
    };
    assert_eq!(stat.size, 5);
    assert!(stat.mtime_ns > 0);
}

#[test]
fn a_missing_input_is_an_error_naming_it() {
    let error = Walk::new(&[PathBuf::from("/nonexistent/gantry-input")])
        .err()
        .unwrap();
    assert!(error.to_string().contains("/nonexistent/gantry-input"));
}
