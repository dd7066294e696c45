//! The lossless header: for every indexed file of the dev corpus, the
//! stored header, decoded and re-encoded, equals the source's data set
//! (minus the top-level Pixel Data) element for element — tags, VRs,
//! values, sequence structure and private data.
//!
//! The oracle is dicom-object's own full-file reader, which shares no code
//! with Gantry's header scan.

use std::io::Cursor;

use dicom_core::header::Header as _;
use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::support::{corpus, ingest};

const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";

#[test]
fn every_dev_header_round_trips_element_for_element() {
    let dev = corpus("dev");
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, _, inventory) = ingest(tmp.path(), &[dev]);
    let mut checked = 0;
    session
        .store_mut()
        .unwrap()
        .for_each_instance(|instance| {
            let stored = instance.header.decode().unwrap_or_else(|e| {
                panic!("{}: stored header does not decode: {e}", instance.path)
            });
            // Re-encode (Explicit VR Little Endian) and decode again.
            let ts = TransferSyntaxRegistry.get(EXPLICIT_VR_LE).unwrap();
            let mut bytes = Vec::new();
            stored.write_dataset_with_ts(&mut bytes, ts).unwrap();
            let reencoded = InMemDicomObject::read_dataset_with_ts(Cursor::new(bytes), ts).unwrap();

            let mut source = read_source(&instance.path, instance.header.transfer_syntax());
            if instance.pixels.is_some() {
                assert!(source.remove_element(tags::PIXEL_DATA), "{}", instance.path);
            }
            compare(&instance.path, "", &source, &stored, true);
            compare(&instance.path, "", &source, &reencoded, false);
            checked += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(checked, inventory.instances);
    assert_eq!(checked, 129);
}

fn read_source(path: &str, header_ts: &str) -> InMemDicomObject {
    match OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Auto)
        .open_file(path)
    {
        Ok(file) => file.into_inner(),
        // dicom-object refuses files without a meta group, or whose meta
        // group lacks its group length: read the data set that follows
        // (if any) in the encoding ingest found.
        Err(e) => {
            eprintln!("{path}: dicom-object: {e}");
            let ts = TransferSyntaxRegistry.get(header_ts).unwrap();
            let bytes = std::fs::read(path).unwrap();
            let start = dataset_start(&bytes);
            InMemDicomObject::read_dataset_with_ts(Cursor::new(&bytes[start..]), ts).unwrap()
        }
    }
}

/// Where the data set starts: after preamble and group 0002, if present.
fn dataset_start(bytes: &[u8]) -> usize {
    use dicom_encoding::decode::Decode;
    let mut at = if bytes.get(128..132) == Some(b"DICM") {
        132
    } else {
        0
    };
    let decoder = dicom_encoding::decode::explicit_le::ExplicitVRLittleEndianDecoder::default();
    while bytes.get(at..at + 2) == Some(&[0x02, 0x00]) {
        let (header, len) = decoder.decode_header(&mut &bytes[at..]).unwrap();
        at += len + header.len.0 as usize;
    }
    at
}

/// Compare two objects element by element. `same_vr`: VRs must match
/// exactly (a re-encoding to explicit VR may legitimately turn an
/// implicit-VR private element into UN, which we then allow).
fn compare(
    file: &str,
    at: &str,
    expected: &InMemDicomObject,
    actual: &InMemDicomObject,
    same_vr: bool,
) {
    let e: Vec<_> = expected.iter().collect();
    let a: Vec<_> = actual.iter().collect();
    let e_tags: Vec<_> = e.iter().map(|el| el.tag()).collect();
    let a_tags: Vec<_> = a.iter().map(|el| el.tag()).collect();
    assert_eq!(a_tags, e_tags, "{file}: element list differs at '{at}'");
    for (x, y) in e.iter().zip(&a) {
        let here = format!("{at}/{}", x.tag());
        if same_vr || y.vr() != dicom_core::VR::UN {
            assert_eq!(x.vr(), y.vr(), "{file}: VR differs at {here}");
        }
        match (x.value(), y.value()) {
            (Value::Sequence(xs), Value::Sequence(ys)) => {
                assert_eq!(
                    xs.items().len(),
                    ys.items().len(),
                    "{file}: item count at {here}"
                );
                for (i, (xi, yi)) in xs.items().iter().zip(ys.items()).enumerate() {
                    compare(file, &format!("{here}[{i}]"), xi, yi, same_vr);
                }
            }
            (Value::PixelSequence(xs), Value::PixelSequence(ys)) => {
                assert_eq!(
                    xs.fragments(),
                    ys.fragments(),
                    "{file}: fragments at {here}"
                );
                assert_eq!(
                    xs.offset_table(),
                    ys.offset_table(),
                    "{file}: offset table at {here}"
                );
            }
            (Value::Primitive(xv), Value::Primitive(yv)) => {
                if x.vr() == y.vr() {
                    assert!(xv == yv, "{file}: value differs at {here}");
                } else {
                    // VR changed to UN by the re-encoding: compare bytes.
                    assert_eq!(
                        xv.to_bytes(),
                        yv.to_bytes(),
                        "{file}: bytes differ at {here}"
                    );
                }
            }
            _ => panic!("{file}: value kind differs at {here}"),
        }
    }
}
