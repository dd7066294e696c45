use std::fs;
use std::os::unix::fs::PermissionsExt;

use super::*;

/// The known-answer key: bytes 0, 1, …, 31.
fn kat_key() -> ProjectKey {
    let mut bytes = [0u8; KEY_LEN];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = i as u8;
    }
    ProjectKey::from_bytes(bytes)
}

fn other_key() -> ProjectKey {
    ProjectKey::from_bytes([7u8; KEY_LEN])
}

// Known answers, computed independently (Python hmac/hashlib) from the
// derivation documented in the module docs. If one of these changes, every
// project's pseudonyms change: bump the label version instead.

#[test]
fn known_answer_fingerprint() {
    assert_eq!(kat_key().fingerprint(), "d3375c600d7bed71");
}

#[test]
fn known_answer_uid() {
    let ring = kat_key().keyring();
    assert_eq!(
        ring.remap_uid("1.2.826.0.1.3680043.8.498.12345"),
        "2.25.248591759745787016484510604088922773369"
    );
    // DICOM padding does not change the result.
    assert_eq!(
        ring.remap_uid("1.2.826.0.1.3680043.8.498.12345\0"),
        ring.remap_uid("1.2.826.0.1.3680043.8.498.12345")
    );
}

#[test]
fn known_answer_date_offset() {
    let ring = kat_key().keyring();
    assert_eq!(ring.date_offset_days("PAT001", -365, -1), -362);
    assert_eq!(ring.date_offset_days("PAT001 ", -365, -1), -362);
    assert_eq!(ring.date_offset_days("PAT001", -1, -365), -362);
    assert_eq!(ring.date_offset_days("PAT001", 0, 0), 0);
    assert_eq!(
        ring.date_offset_days("PAT001", i32::MIN, i32::MAX),
        -2025805905
    );
}

#[test]
fn known_answer_pseudonym() {
    let ring = kat_key().keyring();
    assert_eq!(
        ring.pseudonym("PatientID", "PAT001", "ANON", 10),
        "ANON44JC44ER8A"
    );
    // Longer than one HMAC block (51 characters) continues the stream.
    assert_eq!(
        ring.pseudonym("PatientName", "Doe^John", "", 70),
        "MN9DHP180319MXGRPX8Y7ND2EAH0DQHF2B06WVPVW9VQMA9A888PFK750GSGY3H7VPBSBX"
    );
}

#[test]
fn known_answer_hash_and_seal() {
    let ring = kat_key().keyring();
    assert_eq!(ring.hash("PAT001", 16), "00AC01C746E4DBF6");
    assert_eq!(ring.hash("PAT001", 1000).len(), 64);
    assert_eq!(ring.hash("PAT001", 0), "");
    assert_eq!(
        hex_lower(&ring.seal_key()),
        "1e5b35939f2d79ae1bb7de4dab12962de1a69686fe6203a27096b7ff9a4bf8ea\
         9f98b99c6554658c9816350dcd5c716b6db9b45acfd057ae66a0f308001fe58a"
    );
}

#[test]
fn deterministic_and_key_dependent() {
    let a = kat_key().keyring();
    let a2 = kat_key().keyring();
    let b = other_key().keyring();
    let uid = "1.3.6.1.4.1.5962.99.1.1";
    assert_eq!(a.remap_uid(uid), a2.remap_uid(uid));
    assert_ne!(a.remap_uid(uid), b.remap_uid(uid));
    assert_eq!(
        a.pseudonym("id", "x", "P", 12),
        a2.pseudonym("id", "x", "P", 12)
    );
    assert_ne!(
        a.pseudonym("id", "x", "P", 12),
        b.pseudonym("id", "x", "P", 12)
    );
    assert_ne!(a.hash("x", 64), b.hash("x", 64));
    assert_ne!(a.seal_key(), b.seal_key());
    assert_ne!(
        a.date_offset_days("x", -100_000, 100_000),
        b.date_offset_days("x", -100_000, 100_000)
    );
    assert_ne!(kat_key().fingerprint(), other_key().fingerprint());
}

#[test]
fn purposes_are_independent() {
    let ring = kat_key().keyring();
    assert_ne!(ring.uid, ring.date);
    assert_ne!(ring.pseudonym, ring.hash);
    assert_ne!(ring.seal[..32], ring.uid[..]);
    // Purpose strings separate pseudonym namespaces.
    assert_ne!(
        ring.pseudonym("PatientID", "X", "", 16),
        ring.pseudonym("PatientName", "X", "", 16)
    );
    // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
    assert_ne!(
        ring.pseudonym("ab", "c", "", 16),
        ring.pseudonym("a", "bc", "", 16)
    );
}

fn is_valid_uid(uid: &str) -> bool {
    uid.len() <= 64
        && uid.split('.').all(|component| {
            !component.is_empty()
                && component.bytes().all(|b| b.is_ascii_digit())
                && (component == "0" || !component.starts_with('0'))
        })
}

#[test]
fn remapped_uids_are_valid() {
    let ring = kat_key().keyring();
    for i in 0..2000 {
        let uid = ring.remap_uid(&format!("1.2.3.{i}"));
        assert!(is_valid_uid(&uid), "{uid}");
        assert!(uid.starts_with("2.25."));
        assert!(uid.len() <= 44);
    }
}

#[test]
fn date_offsets_cover_the_range() {
    let ring = kat_key().keyring();
    let mut seen = [false; 11];
    for i in 0..500 {
        let offset = ring.date_offset_days(&format!("P{i}"), -5, 5);
        assert!((-5..=5).contains(&offset));
        seen[(offset + 5) as usize] = true;
    }
    assert!(seen.iter().all(|s| *s));
}

#[test]
fn pseudonym_alphabet() {
    let ring = kat_key().keyring();
    let p = ring.pseudonym("PatientID", "12345", "", 200);
    assert_eq!(p.len(), 200);
    assert!(
        p.bytes()
            .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
    );
    assert_eq!(ring.pseudonym("PatientID", "12345", "SUBJ-", 0), "SUBJ-");
}

#[test]
fn debug_shows_only_the_fingerprint() {
    let key = kat_key();
    let debug = format!("{key:?}");
    assert_eq!(debug, "ProjectKey { fingerprint: \"d3375c600d7bed71\" }");
    let ring = format!("{:?}", key.keyring());
    assert!(ring.contains("d3375c600d7bed71"));
    assert!(!ring.contains("uid:"));
    assert!(!ring.contains("000102"));
}

#[test]
fn well_known_uids() {
    use dicom_dictionary_std::uids;
    for uid in [
        uids::CT_IMAGE_STORAGE,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        uids::IMPLICIT_VR_LITTLE_ENDIAN,
        uids::JPEG_BASELINE8_BIT,
        uids::VERIFICATION,
        uids::ENHANCED_SR_STORAGE,
        uids::DICOM_CONTENT_MAPPING_RESOURCE,
        "1.2.840.10008.1.2.1\0",
        "1.2.840.10008.2.16.4",  // DCM coding scheme
        "1.2.840.10008.1.4.1.1", // Talairach frame of reference
        "1.2.840.10008",
        "2.16.840.1.113883.6.96",     // SNOMED CT
        "2.16.840.1.113883.6.1",      // LOINC
        "2.16.840.1.113883.6.8",      // UCUM
        "2.16.840.1.113883.6.256",    // RadLex
        "2.16.840.1.113883.3.26.1.1", // NCI Thesaurus
    ] {
        assert!(is_well_known_uid(uid), "{uid}");
    }
    for uid in [
        "1.2.840.113619.2.55.3.604688119.969.1268071029.320",
        "1.3.6.1.4.1.5962.99.1.1",
        "2.25.248591759745787016484510604088922773369",
        "1.2.840.100081",
        "1.2.840.10008.",
        "2.16.840.1.113883.3.1234.5",
        "",
    ] {
        assert!(!is_well_known_uid(uid), "{uid}");
    }
}

#[test]
fn write_then_read_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("project.key");
    let key = ProjectKey::write_new(&path).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let content = fs::read_to_string(&path).unwrap();
    assert!(content.starts_with("gantry-key-v1 "));
    assert!(content.ends_with('\n'));
    assert_eq!(content.len(), "gantry-key-v1 ".len() + 64 + 1);
    let read = ProjectKey::read_file(&path).unwrap();
    assert_eq!(read, key);
    assert_eq!(read.fingerprint(), key.fingerprint());
    // No temporary file left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn known_key_file_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    kat_key().write_to_new_file(&path).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "gantry-key-v1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    );
}

#[test]
fn write_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("project.key");
    fs::write(&path, "precious").unwrap();
    let err = ProjectKey::write_new(&path).unwrap_err();
    assert!(matches!(err, KeyError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "precious");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

    // A dangling symlink counts as existing too.
    let link = dir.path().join("link.key");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
    assert!(matches!(
        ProjectKey::write_new(&link),
        Err(KeyError::AlreadyExists { .. })
    ));
    assert!(!dir.path().join("nowhere").exists());
}

#[test]
fn write_into_missing_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("project.key");
    let err = ProjectKey::write_new(&path).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Io {
                operation: "create",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("project.key"));
}

#[test]
fn read_refuses_group_or_world_access() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("project.key");
    ProjectKey::write_new(&path).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let err = ProjectKey::read_file(&path).unwrap_err();
        match &err {
            KeyError::NotPrivate { mode: found, .. } => assert_eq!(*found, mode),
            other => panic!("unexpected {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains(&format!("{mode:04o}")), "{message}");
        assert!(message.contains("chmod 600"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(ensure_key_file_private(&path).is_err());
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    assert!(ProjectKey::read_file(&path).is_ok());
    assert!(ensure_key_file_private(&path).is_ok());
}

fn write_private(path: &Path, content: &[u8]) {
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn read_refuses_malformed_content_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let good = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let cases: Vec<(String, MalformedKey)> = vec![
        ("SECRETSECRET".into(), MalformedKey::MissingHeader),
        (
            format!("gantry-key-v2 {good}\n"),
            MalformedKey::UnsupportedVersion,
        ),
        (
            format!("gantry-key-v1 {}\n", &good[..62]),
            MalformedKey::BadKey,
        ),
        (
            format!("gantry-key-v1 {}zz\n", &good[..62]),
            MalformedKey::BadKey,
        ),
        (
            format!("gantry-key-v1 {good}\nextra\n"),
            MalformedKey::TrailingData,
        ),
        (format!("gantry-key-v1  {good}\n"), MalformedKey::BadKey),
        ("x".repeat(1000), MalformedKey::TooLarge),
    ];
    for (content, expected) in cases {
        write_private(&path, content.as_bytes());
        let err = ProjectKey::read_file(&path).unwrap_err();
        match &err {
            KeyError::Malformed { problem, .. } => assert_eq!(*problem, expected, "{content}"),
            other => panic!("unexpected {other:?}"),
        }
        let message = format!("{err} {err:?}");
        assert!(!message.contains("SECRET"));
        assert!(!message.contains("0a0b0c"));
    }
    // Accepted variants: no final newline, CRLF, upper-case hex.
    for content in [
        format!("gantry-key-v1 {good}"),
        format!("gantry-key-v1 {good}\r\n"),
        format!("gantry-key-v1 {}\n", good.to_uppercase()),
    ] {
        write_private(&path, content.as_bytes());
        assert_eq!(ProjectKey::read_file(&path).unwrap(), kat_key());
    }
}

#[test]
fn read_reports_missing_files_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.key");
    let err = ProjectKey::read_file(&missing).unwrap_err();
    assert!(matches!(err, KeyError::NotFound { .. }));
    assert!(err.to_string().contains("gantry key new"));
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(
        ProjectKey::read_file(dir.path()),
        Err(KeyError::NotAFile { .. })
    ));
}

#[test]
fn generated_keys_differ() {
    let a = ProjectKey::generate().unwrap();
    let b = ProjectKey::generate().unwrap();
    assert_ne!(a, b);
}
