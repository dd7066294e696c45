//! Keyed determinism (SPEC §6.3): the same key gives byte-identical
//! outputs across sessions and runs; a different key shares no UID,
//! pseudonym or date offset; repeating anonymize/export changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use dicom_core::header::Header as _;
use dicom_core::value::Value;

use crate::support::{corpus, gantry, run, tree};

/// A small mixed input: CT, MR variants, SR, private sequences, charsets.
fn inputs(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for name in [
        "pydicom_CT_small.dcm",
        "pydicom_MR_small.dcm",
        "pydicom_reportsi.dcm",
        "pydicom_priv_SQ.dcm",
        "pydicom_chrX1.dcm",
        "pydicom_rtdose.dcm",
        "deid-data_dicom-cookies__image1.dcm",
        "pydicom_image_dfl.dcm",
    ] {
        std::fs::copy(corpus("dev").join(name), input.join(name)).unwrap();
    }
    input
}

fn new_key(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let output = run(gantry(&dir.join("unused.db"))
        .args(["key", "new"])
        .arg(&key));
    assert!(output.status.success());
    key
}

fn export(dir: &Path, session: &str, input: &Path, key: &Path, out: &str) -> PathBuf {
    let out = dir.join(out);
    let output = run(gantry(&dir.join(session))
        .args(["--quiet", "run"])
        .arg(input)
        .arg(&out)
        .args(["--profile", "basic", "--key"])
        .arg(key));
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Attributes naming a class, syntax or scheme (never remapped).
fn is_class_uid(tag: dicom_core::Tag) -> bool {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
    dicom_dictionary_std::StandardDataDictionary
        .by_tag(tag)
        .is_some_and(|e| {
            let alias = e.alias();
            alias.ends_with("ClassUID")
                || alias.ends_with("TransferSyntaxUID")
                || alias.ends_with("CodingSchemeUID")
        })
}

/// Every instance UID value (VR UI) in every output, except registry UIDs
/// and class UIDs.
fn uids(files: &BTreeMap<String, Vec<u8>>, root: &Path) -> BTreeSet<String> {
    fn walk(obj: &dicom_object::InMemDicomObject, out: &mut BTreeSet<String>) {
        for e in obj.iter() {
            match e.value() {
                Value::Sequence(seq) => seq.items().iter().for_each(|i| walk(i, out)),
                Value::Primitive(_) if e.vr() == dicom_core::VR::UI && !is_class_uid(e.tag()) => {
                    for uid in e.to_str().unwrap().split('\\') {
                        let uid = uid.trim_end_matches(['\0', ' ']);
                        if !uid.starts_with("1.2.840.10008.") && !uid.is_empty() {
                            out.insert(uid.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    for rel in files.keys() {
        let obj = dicom_object::open_file(root.join(rel)).unwrap();
        walk(&obj, &mut out);
    }
    out
}

fn values(
    root: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    tag: dicom_core::Tag,
) -> BTreeSet<String> {
    files
        .keys()
        .filter_map(|rel| {
            let obj = dicom_object::open_file(root.join(rel)).ok()?;
            obj.get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim().to_string())
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn same_key_same_bytes_different_key_nothing_shared() {
    let tmp = tempfile::tempdir().unwrap();
    let input = inputs(tmp.path());
    let key_a = new_key(tmp.path(), "a.key");
    let key_b = new_key(tmp.path(), "b.key");

    // Two independent sessions with the same key.
    let out1 = export(tmp.path(), "one.db", &input, &key_a, "out1");
    let out2 = export(tmp.path(), "two.db", &input, &key_a, "out2");
    let (t1, t2) = (tree(&out1), tree(&out2));
    assert_eq!(t1.len(), 8);
    assert_eq!(t1.keys().collect::<Vec<_>>(), t2.keys().collect::<Vec<_>>());
    for (rel, bytes) in &t1 {
        assert!(
            t2[rel] == *bytes,
            "{rel} differs between two runs with the same key"
        );
    }

    // A different key: no UID, pseudonym or date in common.
    let out3 = export(tmp.path(), "three.db", &input, &key_b, "out3");
    let t3 = tree(&out3);
    let shared: Vec<_> = uids(&t1, &out1)
        .intersection(&uids(&t3, &out3))
        .cloned()
        .collect();
    assert!(shared.is_empty(), "UIDs shared across keys: {shared:?}");
    use dicom_dictionary_std::tags;
    let ids1 = values(&out1, &t1, tags::PATIENT_ID);
    let ids3 = values(&out3, &t3, tags::PATIENT_ID);
    assert!(!ids1.is_empty());
    assert!(ids1.is_disjoint(&ids3), "pseudonyms shared across keys");
}

#[test]
fn exporting_again_from_the_same_session_is_identical_no_double_shift() {
    let tmp = tempfile::tempdir().unwrap();
    let input = inputs(tmp.path());
    let key = new_key(tmp.path(), "k.key");
    let session = tmp.path().join("s.db");
    let out1 = export(tmp.path(), "s.db", &input, &key, "out1");
    // anonymize twice, then export to a second root
    for _ in 0..2 {
        let output = run(gantry(&session)
            .args(["--quiet", "anonymize", "--key"])
            .arg(&key));
        assert!(output.status.code().is_some_and(|c| c <= 1));
    }
    let out2 = tmp.path().join("out2");
    let output = run(gantry(&session)
        .args(["--quiet", "export"])
        .arg(&out2)
        .args(["--key"])
        .arg(&key));
    assert!(output.status.code().is_some_and(|c| c <= 1));
    let (t1, t2) = (tree(&out1), tree(&out2));
    assert_eq!(
        t1, t2,
        "a second export must equal the first (dates shifted once)"
    );
}

#[test]
fn key_files_are_private_never_overwritten_and_checked() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("project.key");
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["key", "new"])
        .arg(&key));
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("fingerprint"), "{stdout}");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let before = std::fs::read(&key).unwrap();
    // Never overwritten.
    let again = run(gantry(&tmp.path().join("s.db"))
        .args(["key", "new"])
        .arg(&key));
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read(&key).unwrap(), before);
    // The key material never reaches the output.
    let text = std::str::from_utf8(&before).unwrap();
    let hex = text.split_whitespace().last().unwrap();
    assert!(!stdout.contains(hex));
    assert!(!String::from_utf8_lossy(&again.stderr).contains(hex));
    // A key readable by others is refused, naming the file.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let input = inputs(tmp.path());
    let refused = run(gantry(&tmp.path().join("s.db"))
        .args(["--quiet", "run"])
        .arg(&input)
        .arg(tmp.path().join("out"))
        .arg("--key")
        .arg(&key));
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("project.key"), "{stderr}");
    assert!(!stderr.contains(hex));
    assert!(!tmp.path().join("out").join("manifest.json").exists());
}

/// `--shard i/N` (SPEC §13): N sessions of the same files with the same
/// key write disjoint parts whose union is, byte for byte, what one
/// unsharded run writes; and a study is never split across parts.
#[test]
fn shards_write_disjoint_parts_of_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let input = inputs(dir);
    let key = new_key(dir, "project.key");
    let whole = tree(&export(dir, "whole.db", &input, &key, "whole"));
    let mut parts = Vec::new();
    for shard in ["1/2", "2/2"] {
        let session = dir.join(format!("shard-{}.db", &shard[..1]));
        let out = dir.join(format!("part-{}", &shard[..1]));
        let output = run(gantry(&session)
            .args(["--quiet", "run"])
            .arg(&input)
            .arg(&out)
            .args(["--profile", "basic", "--shard", shard, "--key"])
            .arg(&key));
        assert!(
            output.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        parts.push(tree(&out));
    }
    assert!(
        parts.iter().all(|p| !p.is_empty()),
        "both parts hold studies"
    );
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<BTreeSet<_>>();
    assert!(names(&parts[0]).is_disjoint(&names(&parts[1])));
    let mut union = parts[0].clone();
    union.extend(parts[1].clone());
    assert_eq!(names(&union), names(&whole));
    for (path, bytes) in &union {
        assert!(
            whole[path] == *bytes,
            "{path} differs from the single run's"
        );
    }
    // The default layout starts with PatientID/StudyInstanceUID: no
    // study directory appears in both parts.
    let studies = |part: &BTreeMap<String, Vec<u8>>| -> BTreeSet<String> {
        part.keys()
            .map(|p| p.split('/').take(2).collect::<Vec<_>>().join("/"))
            .collect()
    };
    assert!(studies(&parts[0]).is_disjoint(&studies(&parts[1])));

    // The report says which part an export was.
    let output = run(gantry(&dir.join("shard-1.db")).args(["report", "--json"]));
    assert!(output.status.success());
    let report = crate::support::json(&output);
    assert_eq!(report["deidentification"]["shard"], "1/2", "{report}");

    // Without a project key, sharding is refused before anything runs.
    let output = run(gantry(&dir.join("nokey.db"))
        .args(["--quiet", "run"])
        .arg(&input)
        .arg(dir.join("nokey"))
        .args(["--shard", "1/2"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--shard 1/2 needs a project key"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!dir.join("nokey").exists());
}
