//! Exact bytes, derived by hand from PS3.5 Annex G.
//!
//! How each expected value was derived:
//!
//! 1. Split the native frame into byte planes (G.2): for each sample, the
//!    most significant byte of every pixel first, then the next byte; native
//!    16-bit samples are little-endian, so the MSB is the second byte.
//! 2. PackBits each plane row by row (G.3.1: "Each row of the image shall be
//!    encoded separately"): a replicate run of n (2..=128) equal bytes is
//!    the byte -(n-1) then the value; a literal run of n (1..=128) bytes is
//!    n-1 then the bytes; three-byte repeats are always replicate runs, and
//!    a two-byte repeat between two literal runs joins them (the G.3.1
//!    note).
//! 3. Pad each segment with one zero byte if its length is odd (G.3).
//! 4. Header (G.5): 16 little-endian u32s — the number of segments, the
//!    offset of each segment from the header's start (the first is 64),
//!    zeros for unused ones.

use gantry_codec::{decode_rle_frame, encode_rle_frame};

use crate::images::layout;

/// The RLE header for the given segment offsets.
fn header(offsets: &[u32]) -> Vec<u8> {
    let mut out = (offsets.len() as u32).to_le_bytes().to_vec();
    for i in 0..15 {
        out.extend_from_slice(&offsets.get(i).copied().unwrap_or(0).to_le_bytes());
    }
    assert_eq!(out.len(), 64);
    out
}

#[test]
fn sixteen_bit_two_by_four() {
    // Pixels (2 rows x 4 columns, 16-bit, 1 sample):
    //   row 0: 0x0010 0x0020 0x0030 0x0030
    //   row 1: 0x0140 0x0240 0x0240 0x0341
    let layout = layout(2, 4, 1, 16, 0);
    let native = [
        0x10, 0x00, 0x20, 0x00, 0x30, 0x00, 0x30, 0x00, //
        0x40, 0x01, 0x40, 0x02, 0x40, 0x02, 0x41, 0x03,
    ];
    // Segment 1, the MSB plane:
    //   row 0: 00 00 00 00  -> replicate 4: -(4-1) = -3 = FD, 00
    //   row 1: 01 02 02 03  -> the 02 02 sits between literals: one
    //                          literal of 4: 03, 01 02 02 03
    //   7 bytes, padded to 8.
    let msb = [0xFD, 0x00, 0x03, 0x01, 0x02, 0x02, 0x03, 0x00];
    // Segment 2, the LSB plane:
    //   row 0: 10 20 30 30  -> literal 10 20 (01 10 20), then the 30 30
    //                          ends the row, so no literal follows it:
    //                          replicate 2: -(2-1) = -1 = FF, 30
    //   row 1: 40 40 40 41  -> replicate 3 (FE 40), literal 1 (00 41)
    //   9 bytes, padded to 10.
    let lsb = [0x01, 0x10, 0x20, 0xFF, 0x30, 0xFE, 0x40, 0x00, 0x41, 0x00];
    let mut expected = header(&[64, 64 + msb.len() as u32]);
    expected.extend_from_slice(&msb);
    expected.extend_from_slice(&lsb);
    assert_eq!(expected.len(), 82);

    let encoded = encode_rle_frame(&native, layout).unwrap();
    assert_eq!(encoded, expected);
    assert_eq!(decode_rle_frame(&encoded, layout).unwrap(), native);
}

#[test]
fn runs_do_not_cross_rows() {
    // 2 x 2, 8-bit, all 07: one replicate run per row (FF 07 twice), not a
    // four-byte run FD 07 across the row boundary.
    let layout = layout(2, 2, 1, 8, 0);
    let mut expected = header(&[64]);
    expected.extend_from_slice(&[0xFF, 0x07, 0xFF, 0x07]);
    assert_eq!(encode_rle_frame(&[7; 4], layout).unwrap(), expected);
}

#[test]
fn rgb_segments_are_per_sample_whatever_the_planar_configuration() {
    // 1 x 3 RGB, 8-bit: pixels (1,2,3) (1,5,6) (1,8,9).
    // Segments: R = 01 01 01 -> FE 01; G = 02 05 08 -> 02 02 05 08;
    // B = 03 06 09 -> 02 03 06 09. Offsets 64, 66, 70.
    let mut expected = header(&[64, 66, 70]);
    expected.extend_from_slice(&[0xFE, 0x01, 0x02, 0x02, 0x05, 0x08, 0x02, 0x03, 0x06, 0x09]);

    let interleaved = [1, 2, 3, 1, 5, 6, 1, 8, 9];
    let planar = [1, 1, 1, 2, 5, 8, 3, 6, 9];
    assert_eq!(
        encode_rle_frame(&interleaved, layout(1, 3, 3, 8, 0)).unwrap(),
        expected
    );
    assert_eq!(
        encode_rle_frame(&planar, layout(1, 3, 3, 8, 1)).unwrap(),
        expected
    );
    assert_eq!(
        decode_rle_frame(&expected, layout(1, 3, 3, 8, 0)).unwrap(),
        interleaved
    );
    assert_eq!(
        decode_rle_frame(&expected, layout(1, 3, 3, 8, 1)).unwrap(),
        planar
    );
}

#[test]
fn thirty_two_bit_planes_go_most_significant_first() {
    // One pixel 0x11223344 (native bytes 44 33 22 11): four segments in the
    // order 11, 22, 33, 44, each a one-byte literal (00 xx), two bytes and
    // so unpadded; offsets 64, 66, 68, 70.
    let mut expected = header(&[64, 66, 68, 70]);
    expected.extend_from_slice(&[0x00, 0x11, 0x00, 0x22, 0x00, 0x33, 0x00, 0x44]);
    let layout = layout(1, 1, 1, 32, 0);
    let encoded = encode_rle_frame(&[0x44, 0x33, 0x22, 0x11], layout).unwrap();
    assert_eq!(encoded, expected);
}

#[test]
fn a_300_pixel_run_is_three_replicate_runs() {
    // 128 + 128 + 44: codes -127 (81), -127 (81), -43 (D5).
    let mut expected = header(&[64]);
    expected.extend_from_slice(&[0x81, 0x55, 0x81, 0x55, 0xD5, 0x55]);
    assert_eq!(
        encode_rle_frame(&[0x55; 300], layout(1, 300, 1, 8, 0)).unwrap(),
        expected
    );
}
