//! Sealing and opening, both ways: project key (AES-SIV) and recipient
//! certificates (CMS). The certificates and keys in `testdata/` are test
//! fixtures only (self-signed, generated with `openssl req -x509 -newkey
//! rsa:2048 -nodes`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use cms::content_info::ContentInfo;
use cms::enveloped_data::{EnvelopedData, RecipientIdentifier, RecipientInfo};
use der::Decode;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::*;
use crate::keys::{KeyError, ProjectKey};

const ALICE_CERT: &[u8] = include_bytes!("testdata/alice.cert.pem");
const ALICE_KEY: &[u8] = include_bytes!("testdata/alice.key.pem");
const BOB_CERT: &[u8] = include_bytes!("testdata/bob.cert.pem");
const BOB_KEY: &[u8] = include_bytes!("testdata/bob.key.pem");

const SOP: &str = "2.25.1234";

fn originals() -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SPECIFIC_CHARACTER_SET,
            VR::CS,
            PrimitiveValue::from("ISO_IR 192"),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5"),
        ),
        DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            PrimitiveValue::from("Müller^Jürgen"),
        ),
        DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("PID-77")),
    ])
}

fn deidentified(sealed: DataElement<InMemDicomObject>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SPECIFIC_CHARACTER_SET,
            VR::CS,
            PrimitiveValue::from("ISO_IR 192"),
        ),
        DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from(SOP)),
        DataElement::new(tags::PATIENT_NAME, VR::PN, PrimitiveValue::from("ANON")),
        sealed,
    ])
}

/// Writes a fixture into `dir` with `mode` and returns its path.
fn fixture(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

struct Keys {
    _dir: tempfile::TempDir,
    alice_cert: PathBuf,
    alice_key: PathBuf,
    bob_cert: PathBuf,
    bob_key: PathBuf,
}

fn keys() -> Keys {
    let dir = tempfile::tempdir().unwrap();
    Keys {
        alice_cert: fixture(dir.path(), "alice.cert.pem", ALICE_CERT, 0o644),
        alice_key: fixture(dir.path(), "alice.key.pem", ALICE_KEY, 0o600),
        bob_cert: fixture(dir.path(), "bob.cert.pem", BOB_CERT, 0o644),
        bob_key: fixture(dir.path(), "bob.key.pem", BOB_KEY, 0o600),
        _dir: dir,
    }
}

fn text(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.get(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end()
        .to_string()
}

/// Same tags, same text (padding aside).
fn assert_same(a: &InMemDicomObject, b: &InMemDicomObject) {
    let tags_of = |o: &InMemDicomObject| o.iter().map(|e| e.header().tag).collect::<Vec<_>>();
    assert_eq!(tags_of(a), tags_of(b));
    for tag in tags_of(a) {
        assert_eq!(
            text(a, tag).trim_end_matches('\0'),
            text(b, tag).trim_end_matches('\0')
        );
    }
}

fn contents(obj: &InMemDicomObject) -> Vec<Vec<u8>> {
    obj.get(ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .iter()
        .map(|item| {
            item.get(ENCRYPTED_CONTENT)
                .unwrap()
                .to_bytes()
                .unwrap()
                .into_owned()
        })
        .collect()
}

fn with_content(obj: &InMemDicomObject, index: usize, content: Vec<u8>) -> InMemDicomObject {
    let mut items = obj
        .get(ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .to_vec();
    items[index].put(DataElement::new(
        ENCRYPTED_CONTENT,
        VR::OB,
        PrimitiveValue::from(content),
    ));
    let mut out = obj.clone();
    out.put(DataElement::new(
        ENCRYPTED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(items),
    ));
    out
}

#[test]
fn recipients_come_first_and_each_opens_its_own_item() {
    let k = keys();
    let alice = Recipient::read_file(&k.alice_cert).unwrap();
    let bob = Recipient::read_file(&k.bob_cert).unwrap();
    let project = ProjectKey::from_bytes([7; 32]).keyring();
    let sealed = seal_for(originals(), Some(&project), &[alice, bob], SOP).unwrap();
    let obj = deidentified(sealed);
    let items = contents(&obj);
    assert_eq!(items.len(), 3);
    assert!(!items[0].starts_with(MAGIC) && !items[1].starts_with(MAGIC));
    assert!(items[2].starts_with(MAGIC));

    for (key, cert) in [(&k.alice_key, &k.alice_cert), (&k.bob_key, &k.bob_cert)] {
        for certificate in [Some(cert.as_path()), None] {
            let key = RecipientKey::read_files(key, certificate).unwrap();
            let opened = open_with_private_key(&obj, &key).unwrap();
            assert_eq!(text(&opened, tags::PATIENT_NAME), "Müller^Jürgen");
            assert_eq!(text(&opened, tags::SOP_INSTANCE_UID), "1.2.3.4.5");
            assert_same(&opened, &originals());
        }
    }
    assert_same(&open(&obj, &project).unwrap(), &originals());
}

#[test]
fn the_cms_is_what_gdcm_writes() {
    let k = keys();
    let alice = Recipient::read_file(&k.alice_cert).unwrap();
    let sealed = seal_for(originals(), None, std::slice::from_ref(&alice), SOP).unwrap();
    let obj = deidentified(sealed);
    let items = obj
        .get(ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        text(&items[0], ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID),
        "1.2.840.10008.1.2.1"
    );
    let content = &contents(&obj)[0];
    let der = match content.split_last() {
        Some((0, rest)) if ContentInfo::from_der(content).is_err() => rest,
        _ => content.as_slice(),
    };
    let info = ContentInfo::from_der(der).unwrap();
    assert_eq!(info.content_type.to_string(), "1.2.840.113549.1.7.3");
    let enveloped: EnvelopedData = info.content.decode_as().unwrap();
    assert_eq!(enveloped.version, cms::content_info::CmsVersion::V0);
    assert!(enveloped.originator_info.is_none() && enveloped.unprotected_attrs.is_none());
    assert_eq!(enveloped.recip_infos.0.len(), 1);
    let Some(RecipientInfo::Ktri(ktri)) = enveloped.recip_infos.0.iter().next() else {
        panic!("not key transport");
    };
    assert_eq!(ktri.version, cms::content_info::CmsVersion::V0);
    assert!(matches!(
        ktri.rid,
        RecipientIdentifier::IssuerAndSerialNumber(_)
    ));
    assert_eq!(ktri.key_enc_alg.oid.to_string(), "1.2.840.113549.1.1.1");
    let eci = &enveloped.encrypted_content;
    assert_eq!(eci.content_type.to_string(), "1.2.840.113549.1.7.1");
    assert_eq!(
        eci.content_enc_alg.oid.to_string(),
        "2.16.840.1.101.3.4.1.42"
    );
    // The plaintext is (0400,0550) SQ alone, explicit VR little endian.
    let key = RecipientKey::read_files(&k.alice_key, Some(&k.alice_cert)).unwrap();
    let recipient::ItemOutcome::Opened(plaintext) = recipient::open_item(content, &key) else {
        panic!("does not open");
    };
    assert_eq!(&plaintext[..6], b"\x00\x04\x50\x05SQ");
    // Fresh content key and IV each time.
    let again = seal_for(originals(), None, &[alice], SOP).unwrap();
    assert_ne!(contents(&deidentified(again))[0], *content);
}

#[test]
fn another_certificate_is_no_recipient_and_another_key_is_the_wrong_key() {
    let k = keys();
    let alice = Recipient::read_file(&k.alice_cert).unwrap();
    let obj = deidentified(seal_for(originals(), None, &[alice], SOP).unwrap());

    let bob = RecipientKey::read_files(&k.bob_key, Some(&k.bob_cert)).unwrap();
    let err = open_with_private_key(&obj, &bob).unwrap_err();
    assert!(
        matches!(&err, SealError::NoRecipient { certificate } if certificate.len() == 64),
        "{err:?}"
    );
    assert!(err.to_string().contains("no recipient"), "{err}");

    // Without a certificate: implicit rejection makes a wrong key look like
    // a key of random length; rarely it has the right length and the
    // content then fails to decrypt. Either way it says "wrong private key".
    let bob = RecipientKey::read_files(&k.bob_key, None).unwrap();
    let err = open_with_private_key(&obj, &bob).unwrap_err();
    assert!(
        matches!(err, SealError::WrongPrivateKey | SealError::CmsAltered(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("wrong private key"), "{err}");

    // A project-key-only instance has no CMS to open.
    let project = ProjectKey::from_bytes([7; 32]).keyring();
    let obj = deidentified(seal(originals(), &project, SOP).unwrap());
    let alice = RecipientKey::read_files(&k.alice_key, Some(&k.alice_cert)).unwrap();
    assert_eq!(
        open_with_private_key(&obj, &alice).unwrap_err(),
        SealError::NotCms
    );
    // And a CMS-only instance none for the project key.
    let alice_cert = Recipient::read_file(&k.alice_cert).unwrap();
    let obj = deidentified(seal_for(originals(), None, &[alice_cert], SOP).unwrap());
    assert_eq!(open(&obj, &project).unwrap_err(), SealError::NotProjectKey);
}

#[test]
fn altered_content_does_not_open() {
    let k = keys();
    let alice = Recipient::read_file(&k.alice_cert).unwrap();
    let obj = deidentified(seal_for(originals(), None, &[alice], SOP).unwrap());
    let key = RecipientKey::read_files(&k.alice_key, Some(&k.alice_cert)).unwrap();
    let content = contents(&obj).remove(0);
    // The DER ends with the encrypted content; the OB value may carry one
    // padding zero after it.
    let end = if ContentInfo::from_der(&content).is_ok() {
        content.len()
    } else {
        content.len() - 1
    };
    // Flipping bit 4 of the last byte of the next-to-last block flips the
    // same bit of the padding length: always invalid padding.
    let mut flipped = content.clone();
    flipped[end - 17] ^= 0x10;
    let err = open_with_private_key(&with_content(&obj, 0, flipped), &key).unwrap_err();
    assert!(matches!(err, SealError::CmsAltered(_)), "{err:?}");
    assert!(err.to_string().contains("altered"), "{err}");
    // Any bit of the last block: its plaintext is garbled.
    for at in [end - 1, end - 5, end - 16] {
        let mut flipped = content.clone();
        flipped[at] ^= 0x01;
        let err = open_with_private_key(&with_content(&obj, 0, flipped), &key).unwrap_err();
        assert!(matches!(err, SealError::CmsAltered(_)), "{err:?}");
    }
    // The encrypted content-encryption key.
    let enveloped: EnvelopedData = ContentInfo::from_der(&content[..end])
        .unwrap()
        .content
        .decode_as()
        .unwrap();
    let Some(RecipientInfo::Ktri(ktri)) = enveloped.recip_infos.0.iter().next() else {
        panic!("not key transport");
    };
    let encrypted_key = ktri.enc_key.as_bytes();
    let at = content
        .windows(encrypted_key.len())
        .position(|w| w == encrypted_key)
        .unwrap()
        + encrypted_key.len() / 2;
    let mut flipped = content.clone();
    flipped[at] ^= 0x01;
    let err = open_with_private_key(&with_content(&obj, 0, flipped), &key).unwrap_err();
    assert!(matches!(err, SealError::CmsAltered(_)), "{err:?}");
    // Truncated: not CMS at all.
    let err =
        open_with_private_key(&with_content(&obj, 0, content[..100].to_vec()), &key).unwrap_err();
    assert_eq!(err, SealError::NotCms);
}

#[test]
fn key_files_must_be_private_and_match_their_certificate() {
    let k = keys();
    let dir = tempfile::tempdir().unwrap();
    let open_key = fixture(dir.path(), "open.key.pem", ALICE_KEY, 0o644);
    let err = RecipientKey::read_files(&open_key, None).unwrap_err();
    assert!(
        matches!(
            err,
            RecipientError::KeyFile(KeyError::NotPrivate { mode: 0o644, .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("chmod 600"), "{err}");

    let err = RecipientKey::read_files(&k.bob_key, Some(&k.alice_cert)).unwrap_err();
    assert!(matches!(err, RecipientError::Mismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("does not belong"), "{err}");

    // Certificates are not private keys and vice versa; errors quote no
    // content.
    let cert_as_key = fixture(dir.path(), "cert-as-key.pem", ALICE_CERT, 0o600);
    let err = RecipientKey::read_files(&cert_as_key, None).unwrap_err();
    assert!(matches!(err, RecipientError::PrivateKey { .. }), "{err:?}");
    let err = Recipient::read_file(&k.alice_key).unwrap_err();
    assert!(matches!(err, RecipientError::Certificate { .. }), "{err:?}");
    assert!(!err.to_string().contains("MII"), "{err}");
    let debug = format!(
        "{:?}",
        RecipientKey::read_files(&k.alice_key, None).unwrap()
    );
    assert!(debug.contains("withheld"), "{debug}");

    // PKCS#1 ("RSA PRIVATE KEY") reads too.
    let pkcs1 = std::process::Command::new("openssl")
        .args(["rsa", "-traditional", "-in"])
        .arg(&k.alice_key)
        .output();
    if let Ok(out) = pkcs1
        && out.status.success()
    {
        let path = fixture(dir.path(), "pkcs1.pem", &out.stdout, 0o600);
        assert!(String::from_utf8_lossy(&out.stdout).contains("BEGIN RSA PRIVATE KEY"));
        RecipientKey::read_files(&path, Some(&k.alice_cert)).unwrap();
    }
}

#[test]
fn fingerprints_are_sha256_of_the_certificate() {
    let k = keys();
    let alice = Recipient::read_file(&k.alice_cert).unwrap();
    let pem = std::str::from_utf8(ALICE_CERT).unwrap();
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    use sha2::Digest as _;
    let expected: String = sha2::Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(alice.fingerprint(), expected);
    // DER certificates read too.
    let dir = tempfile::tempdir().unwrap();
    let der_path = fixture(dir.path(), "alice.der", &der, 0o644);
    assert_eq!(
        Recipient::read_file(&der_path).unwrap().fingerprint(),
        expected
    );
}

/// What GDCM seals from an implicit-VR source: every element `UN`, a
/// sequence as `UN` of undefined length with implicit-VR items inside.
fn gdcm_implicit_style_plaintext() -> Vec<u8> {
    fn tag(out: &mut Vec<u8>, group: u16, element: u16) {
        out.extend_from_slice(&group.to_le_bytes());
        out.extend_from_slice(&element.to_le_bytes());
    }
    fn un(out: &mut Vec<u8>, group: u16, element: u16, value: &[u8]) {
        tag(out, group, element);
        out.extend_from_slice(b"UN\0\0");
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }
    let mut p = Vec::new();
    tag(&mut p, 0x0400, 0x0550);
    p.extend_from_slice(b"SQ\0\0\xff\xff\xff\xff");
    tag(&mut p, 0xFFFE, 0xE000);
    p.extend_from_slice(b"\xff\xff\xff\xff");
    un(&mut p, 0x0008, 0x0005, b"ISO_IR 100");
    un(&mut p, 0x0008, 0x0018, b"1.2.3.4\0");
    tag(&mut p, 0x0008, 0x1140);
    p.extend_from_slice(b"UN\0\0\xff\xff\xff\xff");
    // implicit VR inside
    tag(&mut p, 0xFFFE, 0xE000);
    p.extend_from_slice(b"\xff\xff\xff\xff");
    tag(&mut p, 0x0008, 0x1155);
    p.extend_from_slice(&6u32.to_le_bytes());
    p.extend_from_slice(b"1.2.5\0");
    tag(&mut p, 0xFFFE, 0xE00D);
    p.extend_from_slice(&0u32.to_le_bytes());
    tag(&mut p, 0xFFFE, 0xE0DD);
    p.extend_from_slice(&0u32.to_le_bytes());
    un(&mut p, 0x0010, 0x0010, b"M\xfcller^J\xfcrgen ");
    un(&mut p, 0x0010, 0x1010, b"042Y");
    tag(&mut p, 0xFFFE, 0xE00D);
    p.extend_from_slice(&0u32.to_le_bytes());
    tag(&mut p, 0xFFFE, 0xE0DD);
    p.extend_from_slice(&0u32.to_le_bytes());
    p
}

#[test]
fn gdcm_plaintexts_of_implicit_vr_sources_read_with_their_real_vrs() {
    let plaintext = gdcm_implicit_style_plaintext();
    assert_eq!(
        implicit::shape(&plaintext),
        Some(implicit::Shape {
            all_un: true,
            undefined_un: true
        })
    );
    let item = modified_item(&plaintext, None).unwrap();
    assert_eq!(item.get(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
    assert_eq!(text(&item, tags::PATIENT_NAME), "Müller^Jürgen");
    assert_eq!(text(&item, tags::PATIENT_AGE), "042Y");
    let referenced = item
        .get(tags::REFERENCED_IMAGE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(
        text(&referenced[0], tags::REFERENCED_SOP_INSTANCE_UID).trim_end_matches('\0'),
        "1.2.5"
    );
    // Damaged: never panics, says so.
    for cut in [10, 30, plaintext.len() - 9, plaintext.len() - 1] {
        assert!(modified_item(&plaintext[..cut], None).is_err(), "{cut}");
    }
}

#[test]
fn our_own_plaintexts_keep_their_explicit_vrs() {
    let ts = TransferSyntaxRegistry.get(EXPLICIT_VR_LE).unwrap();
    let mut with_private = originals();
    with_private.put(DataElement::new(
        dicom_core::Tag(0x0009, 0x0010),
        VR::LO,
        PrimitiveValue::from("ACME"),
    ));
    with_private.put(DataElement::new(
        dicom_core::Tag(0x0009, 0x1001),
        VR::UN,
        PrimitiveValue::from(vec![1u8, 2, 3, 4]),
    ));
    let dataset = InMemDicomObject::from_element_iter([DataElement::new(
        MODIFIED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![with_private]),
    )]);
    let mut plaintext = Vec::new();
    dataset.write_dataset_with_ts(&mut plaintext, ts).unwrap();
    assert!(!implicit::shape(&plaintext).unwrap().implicit());
    let item = modified_item(&plaintext, None).unwrap();
    assert_eq!(
        item.get(dicom_core::Tag(0x0009, 0x0010)).unwrap().vr(),
        VR::LO
    );
    // The converter itself is faithful on explicit input too.
    let converted = implicit::to_implicit(&plaintext).unwrap();
    let implicit_ts = TransferSyntaxRegistry.get(IMPLICIT_VR_LE).unwrap();
    let again =
        InMemDicomObject::read_dataset_with_ts(std::io::Cursor::new(converted), implicit_ts)
            .unwrap();
    let item = &again
        .get(MODIFIED_ATTRIBUTES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0];
    assert_eq!(text(item, tags::PATIENT_ID), "PID-77");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Damaged plaintexts (after a lucky padding check) never panic and
    /// never make a parser trust a length past the end.
    #[test]
    fn damaged_plaintexts_are_refused_quickly(
        flips in proptest::collection::vec((0usize..400, 0u8..8), 1..4),
        cut in 0usize..400,
    ) {
        let mut plaintext = gdcm_implicit_style_plaintext();
        for (at, bit) in flips {
            let at = at % plaintext.len();
            plaintext[at] ^= 1 << bit;
        }
        plaintext.truncate(cut.max(1));
        let started = std::time::Instant::now();
        let _ = modified_item(&plaintext, None);
        proptest::prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}

#[test]
fn project_key_items_of_the_earlier_layout_still_open() {
    // Earlier versions put the Specific Character Set at the top level too.
    let keys = ProjectKey::from_bytes([9; 32]).keyring();
    let ts = TransferSyntaxRegistry.get(EXPLICIT_VR_LE).unwrap();
    let charset = originals()
        .get(tags::SPECIFIC_CHARACTER_SET)
        .cloned()
        .unwrap();
    let dataset = InMemDicomObject::from_element_iter([
        charset,
        DataElement::new(
            MODIFIED_ATTRIBUTES_SEQUENCE,
            VR::SQ,
            dicom_core::value::DataSetSequence::from(vec![originals()]),
        ),
    ]);
    let mut plaintext = Vec::new();
    dataset.write_dataset_with_ts(&mut plaintext, ts).unwrap();
    let sealed = cipher(&keys)
        .encrypt([MAGIC.as_slice(), SOP.as_bytes()], &plaintext)
        .unwrap();
    let mut content = MAGIC.to_vec();
    content.extend_from_slice(&fingerprint_bytes(&keys));
    content.extend_from_slice(&sealed);
    let obj = deidentified(DataElement::new(
        ENCRYPTED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![encrypted_item(content)]),
    ));
    assert_same(&open(&obj, &keys).unwrap(), &originals());
}

/// The project-key item's Encrypted Content of a sealed element.
fn project_content(sealed: &DataElement<InMemDicomObject>) -> Vec<u8> {
    sealed
        .items()
        .unwrap()
        .last()
        .unwrap()
        .get(ENCRYPTED_CONTENT)
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned()
}

#[test]
fn sealing_is_deterministic_whichever_way_the_originals_and_key_come() {
    let keys = ProjectKey::from_bytes([9; 32]).keyring();
    let sealed = project_content(&seal(originals(), &keys, SOP).unwrap());
    assert_eq!(
        project_content(&seal(originals(), &keys, SOP).unwrap()),
        sealed
    );
    let sealer = ProjectSealer::new(&keys);
    assert_eq!(
        project_content(&sealer.seal(originals(), SOP).unwrap()),
        sealed
    );
    let borrowed = originals();
    assert_eq!(
        project_content(&sealer.seal(Originals::from(&borrowed), SOP).unwrap()),
        sealed
    );
    // Selected from a larger data set: the same originals, the same bytes.
    let mut larger = originals();
    larger.put(DataElement::new(
        tags::STUDY_DATE,
        VR::DA,
        PrimitiveValue::from("20240101"),
    ));
    larger.put(DataElement::new(
        tags::MODALITY,
        VR::CS,
        PrimitiveValue::from("CT"),
    ));
    for tags in [
        vec![tags::SOP_INSTANCE_UID, tags::PATIENT_NAME, tags::PATIENT_ID],
        // Many tags (found in one walk rather than looked up), some absent.
        (0..40u16)
            .map(|e| dicom_core::Tag(0x0010, e))
            .chain([tags::SOP_INSTANCE_UID, tags::PATIENT_ID])
            .collect(),
    ] {
        let selected = Originals::of(&larger, tags);
        assert_eq!(selected.len(), 4, "{selected:?}");
        assert_eq!(
            project_content(&seal(selected, &keys, SOP).unwrap()),
            sealed
        );
    }
    // With recipients, the project-key item is the same.
    let alice = Recipient::from_certificate(ALICE_CERT).unwrap();
    let with_recipient =
        seal_for(originals(), Some(&keys), std::slice::from_ref(&alice), SOP).unwrap();
    assert_eq!(project_content(&with_recipient), sealed);
    let with_recipient = sealer.seal_for(originals(), &[alice], SOP).unwrap();
    assert_eq!(project_content(&with_recipient), sealed);
    // Another instance, other bytes.
    assert_ne!(
        project_content(&seal(originals(), &keys, "2.25.1235").unwrap()),
        sealed
    );
    // Debug output names no value.
    let shown = format!("{:?} {sealer:?}", Originals::from(&originals()));
    assert!(
        !shown.contains("Müller") && !shown.contains("PID-77"),
        "{shown}"
    );
}

#[test]
fn sealed_bytes_are_what_the_writer_and_the_aes_siv_crate_give() {
    // Sealed content is part of the format (exports are byte-identical
    // across runs and versions): what dicom-object's writer and the aes-siv
    // crate made before the direct encoder and the prepared key.
    let keys = ProjectKey::from_bytes([9; 32]).keyring();
    let ts = TransferSyntaxRegistry.get(EXPLICIT_VR_LE).unwrap();
    let dataset = InMemDicomObject::from_element_iter([DataElement::new(
        MODIFIED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![originals()]),
    )]);
    let mut plaintext = Vec::new();
    dataset.write_dataset_with_ts(&mut plaintext, ts).unwrap();
    let mut expected = MAGIC.to_vec();
    expected.extend_from_slice(&fingerprint_bytes(&keys));
    expected.extend_from_slice(
        &cipher(&keys)
            .encrypt([MAGIC.as_slice(), SOP.as_bytes()], &plaintext)
            .unwrap(),
    );
    if expected.len() % 2 == 1 {
        expected.push(0);
    }
    let content = project_content(&seal(originals(), &keys, SOP).unwrap());
    assert_eq!(content, expected);
    // And pinned, should either of them change.
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!((content.len(), hex.as_str()), (PINNED_LEN, PINNED_SHA256));
}

const PINNED_LEN: usize = 154;
const PINNED_SHA256: &str = "64ce1bd956777df4f6cadbc054fc222344fac772b8d54e448338e28b25fcafca";
