//! Reversible pseudonymisation for recipient certificates (SPEC §6.6): CMS
//! EnvelopedData items that `gantry recover --private-key` opens, and so do
//! GDCM (`gdcmanon -d`) and `openssl cms -decrypt`; files GDCM seals
//! (`gdcmanon -e`) are recovered by Gantry. Wrong keys, wrong certificates
//! and altered content fail distinctly and write nothing.
//!
//! Keys and certificates are made with the openssl CLI in a temporary
//! folder. Each outside tool is optional locally (a loud skip) and required
//! under `GANTRY_REQUIRE_ORACLES=1`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use dicom_core::Tag;
use dicom_dictionary_std::tags;

use crate::oracle::available;
use crate::reversible::{Sealed, assert_same_datasets, recovered_pairs, seal_with, was_redacted};
use crate::support::{corpus, gantry, json, run};

const ENCRYPTED_ATTRIBUTES: Tag = Tag(0x0400, 0x0500);
const ENCRYPTED_CONTENT: Tag = Tag(0x0400, 0x0520);

/// An RSA key (mode 0600) and a self-signed certificate.
struct Pair {
    key: PathBuf,
    cert: PathBuf,
}

fn openssl() -> bool {
    available("openssl", &["version"])
}

fn pair(dir: &Path, name: &str) -> Pair {
    let key = dir.join(format!("{name}.key.pem"));
    let cert = dir.join(format!("{name}.cert.pem"));
    let output = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .arg("-subj")
        .arg(format!("/CN=Gantry test {name}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    chmod(&key, 0o600);
    Pair { key, cert }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `gantry recover PATH --out OUT` with `args`.
fn recover(sealed: &Sealed, path: &Path, out: &Path, args: &[&Path]) -> std::process::Output {
    let mut command = gantry(&sealed.session());
    command.arg("recover").arg(path).arg("--out").arg(out);
    let mut flags = ["--private-key", "--certificate"].into_iter();
    for arg in args {
        command.arg(flags.next().unwrap()).arg(arg);
    }
    run(command.arg("--json"))
}

fn recover_ok(sealed: &Sealed, out: &Path, args: &[&Path]) {
    let output = recover(sealed, &sealed.out, out, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        json(&output)["recovered"].as_u64().unwrap() as usize,
        sealed.written.len()
    );
}

fn recover_fails(sealed: &Sealed, path: &Path, args: &[&Path], expected: &str) {
    let out = sealed.tmp.path().join("must-not-exist");
    let output = recover(sealed, path, &out, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(!stderr.contains("MII"), "key material in: {stderr}");
    assert!(!out.exists(), "something was written");
}

fn items(file: &Path) -> Vec<dicom_object::InMemDicomObject> {
    dicom_object::open_file(file)
        .unwrap()
        .get(ENCRYPTED_ATTRIBUTES)
        .and_then(|e| e.items())
        .unwrap()
        .to_vec()
}

fn content(item: &dicom_object::InMemDicomObject) -> Vec<u8> {
    item.get(ENCRYPTED_CONTENT)
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned()
}

/// The export events of a session's audit log (python3's sqlite3).
fn export_events(session: &Path) -> Vec<serde_json::Value> {
    let output = Command::new("python3")
        .arg("-c")
        .arg("import sqlite3, sys\nfor (d,) in sqlite3.connect(sys.argv[1]).execute(\"SELECT details FROM audit_log WHERE event = 'export' ORDER BY id\"): print(d)")
        .arg(session)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `openssl x509 -fingerprint -sha256`, as lowercase hex without colons.
fn openssl_fingerprint(cert: &Path) -> String {
    let output = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase()
}

#[test]
fn recipient_round_trip_over_the_dev_corpus() {
    if !openssl() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let mut args = vec![OsString::from("--recipient"), alice.cert.clone().into()];
    let sealed = seal_with(tmp, &corpus("dev"), None, &mut args);
    assert!(sealed.written.len() > 90, "{}", sealed.written.len());
    // One CMS item per file, no project-key item (no --key).
    for (_, output) in &sealed.written {
        let items = items(output);
        assert_eq!(items.len(), 1);
        assert!(!content(&items[0]).starts_with(b"GANTRY-SIV1"));
    }
    // The session records which certificate sealed the export.
    let events = export_events(&sealed.session());
    assert_eq!(
        events.last().unwrap()["sealed"],
        serde_json::json!({"key": null, "recipients": [openssl_fingerprint(&alice.cert)]})
    );

    let rec = sealed.tmp.path().join("recovered");
    recover_ok(&sealed, &rec, &[&alice.key, &alice.cert]);
    assert_same_datasets(&recovered_pairs(&sealed, &rec));
    // Without the certificate, every recipient is tried with the key.
    let rec2 = sealed.tmp.path().join("recovered-no-cert");
    recover_ok(&sealed, &rec2, &[&alice.key]);
    for (_, output) in &sealed.written {
        let name = output.file_name().unwrap();
        assert_eq!(
            std::fs::read(rec.join(name)).unwrap(),
            std::fs::read(rec2.join(name)).unwrap()
        );
    }
}

#[test]
fn project_key_and_several_recipients_each_recover_everything() {
    if !openssl() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let bob = pair(tmp.path(), "bob");
    let key = tmp.path().join("project.key");
    assert!(
        run(gantry(&tmp.path().join("s.db"))
            .args(["key", "new"])
            .arg(&key))
        .status
        .success()
    );
    let mut args: Vec<OsString> = vec![
        "--key".into(),
        key.clone().into(),
        "--recipient".into(),
        alice.cert.clone().into(),
        "--recipient".into(),
        bob.cert.clone().into(),
    ];
    let sealed = seal_with(tmp, &corpus("dev"), Some(key.clone()), &mut args);
    // Recipients first (GDCM opens only the first item), the key last.
    for (_, output) in &sealed.written {
        let items = items(output);
        assert_eq!(items.len(), 3);
        assert!(content(&items[2]).starts_with(b"GANTRY-SIV1"));
    }
    let events = export_events(&sealed.session());
    let sealed_by = &events.last().unwrap()["sealed"];
    assert_eq!(sealed_by["key"].as_str().unwrap().len(), 16);
    assert_eq!(
        sealed_by["recipients"],
        serde_json::json!([
            openssl_fingerprint(&alice.cert),
            openssl_fingerprint(&bob.cert)
        ])
    );

    let by_key = sealed.tmp.path().join("by-key");
    let output = run(gantry(&sealed.session())
        .arg("recover")
        .arg(&sealed.out)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(&by_key));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_same_datasets(&recovered_pairs(&sealed, &by_key));
    let by_bob = sealed.tmp.path().join("by-bob");
    recover_ok(&sealed, &by_bob, &[&bob.key, &bob.cert]);
    assert_same_datasets(&recovered_pairs(&sealed, &by_bob));
}

/// GDCM refuses some files for reasons of its own, not of the sealing:
/// SOP classes it does not know, and instances without a SOP Instance UID
/// (it insists on restoring one).
fn gdcm_refusal_is_its_own(stderr: &str, source: &Path) -> bool {
    stderr.contains("Media Storage Type of your file is not supported")
        || dicom_object::OpenFileOptions::new()
            .read_until(tags::PIXEL_DATA)
            .open_file(source)
            .is_ok_and(|o| o.get(tags::SOP_INSTANCE_UID).is_none())
}

#[test]
fn gdcm_reidentifies_what_we_seal() {
    if !openssl() || !available("gdcmanon", &["--version"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let mut args = vec![OsString::from("--recipient"), alice.cert.clone().into()];
    let sealed = seal_with(tmp, &corpus("dev"), None, &mut args);
    let gdcm_out = sealed.tmp.path().join("gdcm");
    std::fs::create_dir_all(&gdcm_out).unwrap();
    let mut pairs = Vec::new();
    let mut refused = Vec::new();
    for (i, (source, output)) in sealed.written.iter().enumerate() {
        let dest = gdcm_out.join(format!("{i}.dcm"));
        let result = Command::new("gdcmanon")
            .arg("-d")
            .arg("-k")
            .arg(&alice.key)
            .arg("-c")
            .arg(&alice.cert)
            .arg("-i")
            .arg(output)
            .arg("-o")
            .arg(&dest)
            .output()
            .unwrap();
        if result.status.success() {
            pairs.push((source.clone(), dest, was_redacted(output)));
        } else {
            let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
            assert!(
                gdcm_refusal_is_its_own(&stderr, source),
                "gdcmanon -d refused {}: {stderr}",
                output.display()
            );
            refused.push(source.clone());
        }
    }
    eprintln!(
        "gdcmanon -d re-identified {} of {} files ({} refused for SOP class or a missing SOP Instance UID)",
        pairs.len(),
        sealed.written.len(),
        refused.len()
    );
    assert!(pairs.len() >= sealed.written.len() - 5, "{refused:?}");
    assert_same_datasets(&pairs);
}

#[test]
fn we_recover_what_gdcm_seals() {
    if !openssl() || !available("gdcmanon", &["--version"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    // The corpus files Gantry reads (those a plain run writes).
    let mut args = vec![OsString::from("--recipient"), alice.cert.clone().into()];
    let readable = seal_with(
        tempfile::tempdir().unwrap(),
        &corpus("dev"),
        None,
        &mut args,
    );
    let sealed_dir = tmp.path().join("gdcm-sealed");
    std::fs::create_dir_all(&sealed_dir).unwrap();
    let mut originals = Vec::new();
    for (i, (source, _)) in readable.written.iter().enumerate() {
        let dest = sealed_dir.join(format!("{i}.dcm"));
        let result = Command::new("gdcmanon")
            .arg("-e")
            .arg("-c")
            .arg(&alice.cert)
            .arg("-i")
            .arg(source)
            .arg("-o")
            .arg(&dest)
            .output()
            .unwrap();
        if result.status.success() && dest.exists() {
            originals.push((source.clone(), dest));
        }
    }
    eprintln!(
        "gdcmanon -e sealed {} of {} files",
        originals.len(),
        readable.written.len()
    );
    assert!(originals.len() >= 60, "{}", originals.len());
    // GDCM's own item: CMS, not ours.
    assert_eq!(items(&originals[0].1).len(), 1);

    let rec = tmp.path().join("recovered");
    let output = run(gantry(&tmp.path().join("s.db"))
        .arg("recover")
        .arg(&sealed_dir)
        .arg("--private-key")
        .arg(&alice.key)
        .arg("--certificate")
        .arg(&alice.cert)
        .arg("--out")
        .arg(&rec)
        .arg("--json"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        json(&output)["recovered"].as_u64().unwrap() as usize,
        originals.len()
    );
    let pairs: Vec<_> = originals
        .iter()
        .map(|(source, sealed)| (source.clone(), rec.join(sealed.file_name().unwrap()), false))
        .collect();
    // The key values, read with dicom-rs (where it reads the source's file
    // meta; Gantry's own ingest is more lenient) ...
    for (source, recovered, _) in &pairs {
        let b = dicom_object::open_file(recovered).unwrap();
        let Ok(a) = dicom_object::open_file(source) else {
            continue;
        };
        for tag in [
            tags::PATIENT_NAME,
            tags::PATIENT_ID,
            tags::STUDY_INSTANCE_UID,
            tags::SOP_INSTANCE_UID,
        ] {
            // (Some sources label standard elements UN: compare their bytes.)
            let text = |o: &dicom_object::DefaultDicomObject| {
                o.get(tag).map(|e| {
                    let text = match e.value() {
                        dicom_core::value::Value::Primitive(
                            dicom_core::value::PrimitiveValue::U8(bytes),
                        ) => String::from_utf8_lossy(bytes).into_owned(),
                        _ => e.to_str().unwrap_or_default().into_owned(),
                    };
                    text.trim_end_matches(['\0', ' ']).to_string()
                })
            };
            assert_eq!(
                text(&a),
                text(&b),
                "{tag} of {} recovered from GDCM's sealing",
                source.display()
            );
        }
        assert!(b.get(ENCRYPTED_ATTRIBUTES).is_none());
    }
    // ... and everything, with pydicom.
    assert_same_datasets(&pairs);
}

#[test]
fn we_recover_gdcm_sealing_with_every_cipher_it_offers() {
    if !openssl() || !available("gdcmanon", &["--version"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let sources = [
        corpus("dev").join("deid-data_cat.dcm"),
        corpus("dev").join("nibabel_0.dcm"), // implicit VR: GDCM seals UN
    ];
    // PS3.15 E.1.2: re-identifiers open AES (every key length) and
    // Triple-DES content.
    for cipher in ["--aes128", "--aes192", "--aes256", "--des3"] {
        let sealed = tmp.path().join(&cipher[2..]);
        std::fs::create_dir_all(&sealed).unwrap();
        let mut pairs = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let dest = sealed.join(format!("{i}.dcm"));
            let result = Command::new("gdcmanon")
                .args(["-e", cipher, "-c"])
                .arg(&alice.cert)
                .arg("-i")
                .arg(source)
                .arg("-o")
                .arg(&dest)
                .output()
                .unwrap();
            assert!(
                result.status.success(),
                "gdcmanon -e {cipher}: {}",
                String::from_utf8_lossy(&result.stderr)
            );
            pairs.push((source.clone(), dest, false));
        }
        let rec = tmp.path().join(format!("{}-recovered", &cipher[2..]));
        let output = run(gantry(&tmp.path().join("s.db"))
            .arg("recover")
            .arg(&sealed)
            .arg("--private-key")
            .arg(&alice.key)
            .arg("--out")
            .arg(&rec));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{cipher}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let pairs: Vec<_> = pairs
            .into_iter()
            .map(|(source, sealed, r)| (source, rec.join(sealed.file_name().unwrap()), r))
            .collect();
        assert_same_datasets(&pairs);
    }
}

#[test]
fn openssl_cms_opens_our_encrypted_content() {
    if !openssl() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let mut args = vec![OsString::from("--recipient"), alice.cert.clone().into()];
    let sealed = seal_with(tmp, &corpus("dev"), None, &mut args);
    let der = sealed.tmp.path().join("content.der");
    let plain = sealed.tmp.path().join("content.bin");
    let ts = {
        use dicom_encoding::TransferSyntaxIndex as _;
        dicom_transfer_syntax_registry::TransferSyntaxRegistry
            .get("1.2.840.10008.1.2.1")
            .unwrap()
    };
    for (source, output) in sealed.written.iter().take(25) {
        std::fs::write(&der, content(&items(output)[0])).unwrap();
        let result = Command::new("openssl")
            .args(["cms", "-decrypt", "-binary", "-inform", "DER", "-in"])
            .arg(&der)
            .arg("-recip")
            .arg(&alice.cert)
            .arg("-inkey")
            .arg(&alice.key)
            .arg("-out")
            .arg(&plain)
            .output()
            .unwrap();
        assert!(
            result.status.success(),
            "openssl cms -decrypt {}: {}",
            output.display(),
            String::from_utf8_lossy(&result.stderr)
        );
        // The Modified Attributes Sequence alone, explicit VR little endian,
        // holding the original PatientID.
        let bytes = std::fs::read(&plain).unwrap();
        assert_eq!(&bytes[..6], b"\x00\x04\x50\x05SQ");
        let dataset =
            dicom_object::InMemDicomObject::read_dataset_with_ts(bytes.as_slice(), ts).unwrap();
        let modified = dataset.get(Tag(0x0400, 0x0550)).unwrap().items().unwrap();
        assert_eq!(modified.len(), 1);
        let original = dicom_object::open_file(source).unwrap();
        let id = |o: &dicom_object::InMemDicomObject| {
            o.get(tags::PATIENT_ID)
                .map(|e| e.to_str().unwrap().trim_end().to_string())
        };
        if let Some(original_id) = original.get(tags::PATIENT_ID) {
            assert_eq!(
                id(&modified[0]),
                Some(original_id.to_str().unwrap().trim_end().to_string())
            );
        }
    }
}

#[test]
fn wrong_keys_certificates_and_altered_content_fail_distinctly_and_write_nothing() {
    if !openssl() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let bob = pair(tmp.path(), "bob");
    // A few corpus files are enough.
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for name in [
        "deid-data_cat.dcm",
        "deid-data_dicom-cookies__image1.dcm",
        "debian-dicom3tools_0051.dcm",
    ] {
        std::fs::copy(corpus("dev").join(name), input.join(name)).unwrap();
    }
    // --recipient needs --reversible.
    let output = run(gantry(&tmp.path().join("other.db"))
        .arg("export")
        .arg(tmp.path().join("x"))
        .arg("--recipient")
        .arg(&alice.cert));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("only with --reversible"));

    let mut args = vec![OsString::from("--recipient"), alice.cert.clone().into()];
    let sealed = seal_with(tmp, &input, None, &mut args);
    assert_eq!(sealed.written.len(), 3);
    let out = sealed.out.clone();

    // The right certificate with another key.
    recover_fails(
        &sealed,
        &out,
        &[&bob.key, &alice.cert],
        "does not belong to certificate",
    );
    // Another recipient's certificate (and its key).
    recover_fails(
        &sealed,
        &out,
        &[&bob.key, &bob.cert],
        "no recipient of the Encrypted Attributes matches certificate",
    );
    // Another key, no certificate.
    recover_fails(&sealed, &out, &[&bob.key], "wrong private key");
    // The project-key path on CMS-only files.
    let key = sealed.tmp.path().join("project.key");
    assert!(
        run(gantry(&sealed.session()).args(["key", "new"]).arg(&key))
            .status
            .success()
    );
    let output = run(gantry(&sealed.session())
        .arg("recover")
        .arg(&out)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(sealed.tmp.path().join("must-not-exist")));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not sealed with a Gantry project key")
    );

    // One bit flipped in the encrypted content of one file: bit 4 of the
    // last byte of the next-to-last AES block flips the padding length.
    let (_, victim) = &sealed.written[0];
    let sealed_content = content(&items(victim)[0]);
    // The OB value may end with one padding zero: the DER says where the
    // encrypted content ends.
    let der_end = der_length(&sealed_content);
    let mut bytes = std::fs::read(victim).unwrap();
    let at = bytes
        .windows(sealed_content.len())
        .position(|w| w == sealed_content.as_slice())
        .unwrap();
    bytes[at + der_end - 17] ^= 0x10;
    let tampered_dir = sealed.tmp.path().join("tampered");
    std::fs::create_dir_all(&tampered_dir).unwrap();
    for (_, output) in &sealed.written {
        std::fs::copy(output, tampered_dir.join(output.file_name().unwrap())).unwrap();
    }
    std::fs::write(tampered_dir.join(victim.file_name().unwrap()), &bytes).unwrap();
    recover_fails(
        &sealed,
        &tampered_dir,
        &[&alice.key, &alice.cert],
        "it was altered",
    );

    // A private key others can read is refused.
    chmod(&alice.key, 0o644);
    recover_fails(
        &sealed,
        &out,
        &[&alice.key, &alice.cert],
        "has mode 0644, so group or others can access it",
    );
    chmod(&alice.key, 0o600);
    // And with all that, the right key still works.
    let rec = sealed.tmp.path().join("recovered");
    recover_ok(&sealed, &rec, &[&alice.key, &alice.cert]);
}

#[test]
fn config_recipients_seal_too_and_the_command_line_replaces_them() {
    if !openssl() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let alice = pair(tmp.path(), "alice");
    let bob = pair(tmp.path(), "bob");
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        corpus("dev").join("deid-data_cat.dcm"),
        input.join("cat.dcm"),
    )
    .unwrap();
    // Paths in a config are relative to the config's folder.
    let config = tmp.path().join("gantry.yaml");
    std::fs::write(&config, "reversible: true\nrecipients: [alice.cert.pem]\n").unwrap();
    let mut args = vec![OsString::from("--config"), config.clone().into()];
    let sealed = seal_with(tmp, &input, None, &mut args);
    let (_, output) = &sealed.written[0];
    assert_eq!(items(output).len(), 1);
    recover_ok(
        &sealed,
        &sealed.tmp.path().join("by-alice"),
        &[&alice.key, &alice.cert],
    );

    // --recipient replaces the config's list.
    let out = sealed.tmp.path().join("out-bob");
    let output = run(gantry(&sealed.session())
        .args(["--quiet", "export"])
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .arg("--recipient")
        .arg(&bob.cert)
        .arg("--json"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rec = sealed.tmp.path().join("by-bob");
    let result = run(gantry(&sealed.session())
        .arg("recover")
        .arg(&out)
        .arg("--private-key")
        .arg(&bob.key)
        .arg("--out")
        .arg(&rec));
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let result = run(gantry(&sealed.session())
        .arg("recover")
        .arg(&out)
        .arg("--private-key")
        .arg(&alice.key)
        .arg("--certificate")
        .arg(&alice.cert)
        .arg("--out")
        .arg(sealed.tmp.path().join("must-not-exist")));
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("no recipient"));
}

/// Length of the DER TLV at the start of `bytes`.
fn der_length(bytes: &[u8]) -> usize {
    let first = bytes[1];
    if first < 0x80 {
        2 + first as usize
    } else {
        let n = (first & 0x7f) as usize;
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        2 + n + len
    }
}
