//! PackBits details: which runs become which codes.

use super::{pack_row, unpack_segment};

fn packed(row: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_row(row, &mut out);
    out
}

#[test]
fn empty_and_single_bytes() {
    assert_eq!(packed(&[]), [] as [u8; 0]);
    assert_eq!(packed(&[5]), [0x00, 5]);
    assert_eq!(packed(&[1, 2, 3]), [0x02, 1, 2, 3]);
}

#[test]
fn three_byte_repeats_are_replicate_runs() {
    // G.3.1: "Three-byte repeats shall be encoded as Replicate Runs".
    assert_eq!(packed(&[7, 7, 7]), [0xFE, 7]);
    assert_eq!(packed(&[1, 7, 7, 7, 2]), [0x00, 1, 0xFE, 7, 0x00, 2]);
}

#[test]
fn two_byte_repeats_follow_the_note_in_g31() {
    // Alone or at the start: a replicate run.
    assert_eq!(packed(&[5, 5]), [0xFF, 5]);
    assert_eq!(packed(&[5, 5, 6]), [0xFF, 5, 0x00, 6]);
    // Between two literal runs: merged into one literal run.
    assert_eq!(packed(&[1, 2, 2, 3]), [0x03, 1, 2, 2, 3]);
    // After a literal, before the row's end or a longer repeat: replicate.
    assert_eq!(packed(&[1, 2, 2]), [0x00, 1, 0xFF, 2]);
    assert_eq!(packed(&[1, 2, 2, 3, 3, 3]), [0x00, 1, 0xFF, 2, 0xFE, 3]);
}

#[test]
fn long_runs_split_at_128() {
    let run = |n: usize| packed(&vec![0x55; n]);
    assert_eq!(run(128), [0x81, 0x55]);
    assert_eq!(run(129), [0x81, 0x55, 0x00, 0x55]);
    assert_eq!(run(130), [0x81, 0x55, 0xFF, 0x55]);
    // 300 = 128 + 128 + 44, and -(44 - 1) = -43 = 0xD5.
    assert_eq!(run(300), [0x81, 0x55, 0x81, 0x55, 0xD5, 0x55]);
}

#[test]
fn long_literals_split_at_128() {
    let row: Vec<u8> = (0..130u8).collect();
    let out = packed(&row);
    assert_eq!(out[0], 0x7F);
    assert_eq!(&out[1..129], &row[..128]);
    assert_eq!(&out[129..], &[0x01, 128, 129]);
}

fn unpacked(segment: &[u8], len: usize) -> Result<Vec<u8>, String> {
    let mut plane = Vec::new();
    unpack_segment(segment, len, &mut plane).map(|()| plane)
}

#[test]
fn decoder_follows_g32() {
    // -128 is a no-op; trailing padding is ignored once the plane is full.
    assert_eq!(unpacked(&[0x80, 0xFE, 9, 0x00], 3).unwrap(), [9, 9, 9]);
    // A run that overflows the plane is cut at the plane's end.
    assert_eq!(unpacked(&[0x81, 9], 4).unwrap(), [9; 4]);
    assert_eq!(unpacked(&[0x03, 1, 2, 3, 4], 2).unwrap(), [1, 2]);
}

#[test]
fn decoder_reports_short_segments() {
    assert!(
        unpacked(&[], 1)
            .unwrap_err()
            .contains("after 0 of the plane's 1 bytes")
    );
    assert!(unpacked(&[0x03, 1, 2], 4).is_err());
    assert!(unpacked(&[0xFE], 3).unwrap_err().contains("replicate"));
}
