//! Encapsulated Pixel Data values (PS3.5 A.4).

use gantry_codec::{CodecError, decapsulate, encapsulate};

#[test]
fn exact_bytes_for_two_frames() {
    // Basic Offset Table item (FFFE,E000) of 8 bytes: offsets 0 and 14
    // (the first item is 8 + 6 bytes); items padded to even; delimiter.
    let value = encapsulate(&[vec![1u8, 2, 3, 4, 5, 6], vec![7, 8, 9]]).unwrap();
    let expected: Vec<u8> = [
        &[0xFE, 0xFF, 0x00, 0xE0, 8, 0, 0, 0][..],
        &[0, 0, 0, 0, 14, 0, 0, 0],
        &[0xFE, 0xFF, 0x00, 0xE0, 6, 0, 0, 0, 1, 2, 3, 4, 5, 6],
        &[0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 7, 8, 9, 0],
        &[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0],
    ]
    .concat();
    assert_eq!(value, expected);

    let parts = decapsulate(&value).unwrap();
    assert_eq!(parts.offset_table, [0, 14]);
    assert_eq!(parts.fragments, [&[1u8, 2, 3, 4, 5, 6][..], &[7, 8, 9, 0]]);
}

#[test]
fn no_frames_is_an_empty_table() {
    let value = encapsulate::<Vec<u8>>(&[]).unwrap();
    assert_eq!(
        value,
        [
            0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0
        ]
    );
    let parts = decapsulate(&value).unwrap();
    assert!(parts.offset_table.is_empty() && parts.fragments.is_empty());
}

#[test]
fn malformed_values_are_located() {
    let value = encapsulate(&[vec![1u8; 10]]).unwrap();
    let offset_of = |bytes: &[u8]| match decapsulate(bytes).unwrap_err() {
        CodecError::Encapsulation { offset, .. } => offset,
        other => panic!("{other:?}"),
    };
    // Missing delimiter.
    assert_eq!(offset_of(&value[..value.len() - 8]), 30);
    // Item overrunning the value.
    assert_eq!(offset_of(&value[..20]), 12);
    // Wrong tag where the first fragment should be.
    let mut wrong = value.clone();
    wrong[15] = 0x00;
    assert!(
        decapsulate(&wrong)
            .unwrap_err()
            .to_string()
            .contains("found (FFFE,0000)")
    );
    // Undefined length item.
    let mut undefined = value.clone();
    undefined[16..20].copy_from_slice(&[0xFF; 4]);
    assert!(
        decapsulate(&undefined)
            .unwrap_err()
            .to_string()
            .contains("undefined length")
    );
    // Basic Offset Table not a multiple of 4.
    let odd_table = [
        0xFE, 0xFF, 0x00, 0xE0, 2, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0,
    ];
    assert!(
        decapsulate(&odd_table)
            .unwrap_err()
            .to_string()
            .contains("multiple of 4")
    );
}
