use super::*;

#[test]
fn bare_data_sets_are_recognised_by_their_first_element() {
    // (0008,0005) CS, length 10 — explicit VR little endian
    let explicit_le = [0x08, 0x00, 0x05, 0x00, b'C', b'S', 0x0A, 0x00];
    assert_eq!(guess_bare_encoding(&explicit_le), Some(EXPLICIT_VR_LE));
    // the same element big endian
    let explicit_be = [0x00, 0x08, 0x00, 0x05, b'C', b'S', 0x00, 0x0A];
    assert_eq!(guess_bare_encoding(&explicit_be), Some(EXPLICIT_VR_BE));
    // implicit: tag then a 4-byte length
    let implicit = [0x08, 0x00, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x00];
    assert_eq!(guess_bare_encoding(&implicit), Some(IMPLICIT_VR_LE));
    // an undefined-length sequence first (private group 0001, as in a
    // broken file pydicom reads)
    let sequence = [0x01, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF];
    assert_eq!(guess_bare_encoding(&sequence), Some(IMPLICIT_VR_LE));
    // text, a PNG, too short
    assert_eq!(guess_bare_encoding(b"# README\n"), None);
    assert_eq!(guess_bare_encoding(b"\x89PNG\r\n\x1a\n"), None);
    assert_eq!(guess_bare_encoding(&[0x08]), None);
}

fn meta_element(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&tag.0.to_le_bytes());
    out.extend_from_slice(&tag.1.to_le_bytes());
    out.extend_from_slice(vr);
    if vr == b"OB" {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    out
}

#[test]
fn meta_group_without_group_length_is_read_to_its_end() {
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM");
    bytes.extend(meta_element((0x0002, 0x0001), b"OB", &[0, 1]));
    bytes.extend(meta_element(
        (0x0002, 0x0002),
        b"UI",
        b"1.2.840.10008.5.1.4.1.1.2\0",
    ));
    bytes.extend(meta_element(
        (0x0002, 0x0010),
        b"UI",
        b"1.2.840.10008.1.2.1\0",
    ));
    let end = bytes.len() as u64;
    bytes.extend(meta_element((0x0008, 0x0060), b"CS", b"CT"));
    let Located::Found(layout) = locate_dataset(&bytes).ok().unwrap() else {
        panic!("the meta group fits");
    };
    assert_eq!(layout.dataset_start, end);
    assert_eq!(layout.transfer_syntax.uid(), EXPLICIT_VR_LE);
    assert_eq!(
        layout.meta_sop_class.as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.2")
    );
    // Cut inside the meta group: more bytes are needed.
    assert!(matches!(
        locate_dataset(&bytes[..end as usize - 5]),
        Ok(Located::NeedMore)
    ));
}

#[test]
fn indexed_values_written_as_un_are_read_by_the_dictionary_vr() {
    let mut attributes = IndexedAttributes::default();
    index_value(
        &mut attributes,
        tags::MANUFACTURER,
        &PrimitiveValue::U8(b"ACME \0".as_slice().into()),
    );
    index_value(
        &mut attributes,
        tags::ROWS,
        &PrimitiveValue::U8([0x00, 0x02].as_slice().into()),
    );
    index_value(
        &mut attributes,
        tags::BURNED_IN_ANNOTATION,
        &PrimitiveValue::from("YES "),
    );
    assert_eq!(attributes.manufacturer.as_deref(), Some("ACME"));
    assert_eq!(attributes.rows, Some(512));
    assert_eq!(attributes.burned_in_annotation, Some(YesNo::Yes));
}
