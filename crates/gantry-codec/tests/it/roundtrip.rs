//! encode → decode is the identity; the structure of what we write; errors;
//! hostile input to the decoder never panics.

use gantry_codec::{
    CodecError, FrameLayout, decode_rle_frame, decode_rle_pixel_data, encode_rle_frame,
    encode_rle_pixel_data,
};
use proptest::prelude::*;

use crate::images::{all_formats, layout, patterns};

/// The segment offsets of an encoded frame, checked against G.4/G.5: the
/// count matches the layout, the first is 64, they increase, each segment
/// is even and the last ends at the fragment's end, unused offsets are 0.
fn check_structure(encoded: &[u8], layout: FrameLayout) {
    let word = |i: usize| u32::from_le_bytes(encoded[4 * i..4 * i + 4].try_into().unwrap());
    let segments = usize::from(layout.samples_per_pixel) * usize::from(layout.bits_allocated / 8);
    assert_eq!(word(0) as usize, segments);
    assert_eq!(word(1), 64);
    let mut ends: Vec<usize> = (1..=segments).map(|i| word(i) as usize).collect();
    ends.push(encoded.len());
    for pair in ends.windows(2) {
        assert!(pair[0] < pair[1], "segment offsets must increase: {ends:?}");
        assert_eq!((pair[1] - pair[0]) % 2, 0, "odd segment: {ends:?}");
    }
    for i in segments + 1..16 {
        assert_eq!(word(i), 0, "unused offset {i} must be zero");
    }
}

#[test]
fn every_format_and_pattern_round_trips() {
    // Odd and even widths, a single pixel, rows longer than 128 and 256.
    for (rows, columns) in [(1, 1), (3, 5), (4, 4), (2, 129), (3, 300), (5, 257)] {
        for layout in all_formats(rows, columns) {
            for (name, native) in patterns(layout) {
                let encoded = encode_rle_frame(&native, layout).unwrap();
                check_structure(&encoded, layout);
                let decoded = decode_rle_frame(&encoded, layout).unwrap();
                assert!(decoded == native, "{name} in {layout} does not round-trip");
            }
        }
    }
}

#[test]
fn runs_compress() {
    let layout = layout(64, 300, 3, 16, 1);
    let native = crate::images::frame(layout, |p, s| ((p / 200) + s) as u32);
    let encoded = encode_rle_frame(&native, layout).unwrap();
    assert!(encoded.len() * 20 < native.len(), "{} bytes", encoded.len());
}

#[test]
fn multi_frame_pixel_data_round_trips() {
    for layout in all_formats(3, 5) {
        let frames: Vec<Vec<u8>> = patterns(layout).into_iter().map(|(_, f)| f).collect();
        let mut native: Vec<u8> = frames.concat();
        let count = frames.len() as u32;
        let value = encode_rle_pixel_data(&native, layout, count).unwrap();
        assert_eq!(
            decode_rle_pixel_data(&value, layout, count).unwrap(),
            native
        );
        // An odd native value carries one pad byte, which is allowed.
        if native.len() % 2 == 1 {
            native.push(0);
            let padded = encode_rle_pixel_data(&native, layout, count).unwrap();
            assert_eq!(padded, value);
        }
    }
}

#[test]
fn layout_errors_name_the_layout() {
    for (bad, reason) in [
        (layout(0, 4, 1, 8, 0), "rows and columns"),
        (layout(4, 4, 2, 8, 0), "samples per pixel"),
        (layout(4, 4, 1, 12, 0), "bits allocated"),
        (layout(4, 4, 1, 1, 0), "bits allocated"),
        (layout(4, 4, 3, 8, 2), "planar configuration"),
    ] {
        let err = encode_rle_frame(&[0; 16], bad).unwrap_err();
        assert!(
            matches!(err, CodecError::UnsupportedLayout { .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(reason), "{message}");
        assert!(message.contains(&bad.to_string()), "{message}");
        assert!(decode_rle_frame(&[0; 80], bad).is_err());
    }
}

#[test]
fn length_errors_give_lengths_not_values() {
    let layout = layout(2, 3, 1, 16, 0);
    let err = encode_rle_frame(&[0xAB; 11], layout).unwrap_err();
    assert_eq!(
        err.to_string(),
        "native pixel data is 11 bytes but layout (2 rows x 3 columns, 1 samples/pixel, \
         16 bits allocated, planar configuration 0) needs 12"
    );
    let err = encode_rle_pixel_data(&[0xAB; 13], layout, 2).unwrap_err();
    assert!(
        matches!(err, CodecError::FrameCount { expected: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn decode_errors_name_frame_and_segment() {
    let layout = layout(2, 3, 3, 8, 0);
    let native = vec![0x42; 18];
    let good = encode_rle_frame(&native, layout).unwrap();

    let err = decode_rle_frame(&good[..40], layout).unwrap_err();
    assert!(matches!(err, CodecError::RleHeader { .. }), "{err:?}");

    let err = decode_rle_frame(&good, layout_with(layout, 16)).unwrap_err();
    assert!(
        err.to_string()
            .contains("header declares 3 segments, the layout needs 6"),
        "{err}"
    );

    let mut broken = good.clone();
    broken.truncate(broken.len() - 1);
    let frames = [native.clone(), native].concat();
    let mut value = encode_rle_pixel_data(&frames, layout, 2).unwrap();
    let second = value.len() - 8 - good.len();
    // Segment 2 of frame 2 (FE 42 FE 42: two replicate runs of 3) gets a
    // literal code of 1 first (00 42 FE 42), so its plane comes up short.
    value[second + 64 + 4] = 0x00;
    let err = decode_rle_pixel_data(&value, layout, 2).unwrap_err();
    assert!(
        matches!(&err, CodecError::Frame { frame: 2, inner } if matches!(**inner, CodecError::RleSegment { segment: 2, .. })),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("frame 2: malformed RLE segment 2"),
        "{err}"
    );
    assert!(decode_rle_frame(&broken, layout).is_err());
}

fn layout_with(layout: FrameLayout, bits_allocated: u16) -> FrameLayout {
    FrameLayout {
        bits_allocated,
        ..layout
    }
}

#[test]
fn decoder_refuses_impossible_expansion_without_allocating() {
    // A 65535 x 65535 x 3 x 32-bit layout with a 64-byte header and tiny
    // segments: rejected before allocating the 51 GB frame.
    let layout = layout(u16::MAX, u16::MAX, 3, 32, 0);
    let mut data = 12u32.to_le_bytes().to_vec();
    for i in 0..15u32 {
        data.extend_from_slice(&(if i < 12 { 64 + 2 * i } else { 0 }).to_le_bytes());
    }
    data.extend([0x81u8, 0x00].repeat(12));
    let err = decode_rle_frame(&data, layout).unwrap_err();
    assert!(
        matches!(err, CodecError::RleSegment { segment: 1, .. }),
        "{err:?}"
    );
}

fn arb_layout() -> impl Strategy<Value = FrameLayout> {
    (
        1u16..6,
        1u16..300,
        prop::sample::select(vec![1u16, 3]),
        prop::sample::select(vec![8u16, 16, 32]),
        0u16..2,
    )
        .prop_map(|(r, c, s, b, p)| layout(r, c, s, b, p))
}

/// A frame of random bytes with runs: a byte repeated 1..=200 times.
fn arb_frame() -> impl Strategy<Value = (FrameLayout, Vec<u8>)> {
    arb_layout().prop_flat_map(|layout| {
        let len = layout.frame_len().unwrap();
        (
            Just(layout),
            prop::collection::vec((any::<u8>(), 1usize..200), 1..64).prop_map(move |runs| {
                let mut bytes: Vec<u8> = runs
                    .into_iter()
                    .flat_map(|(b, n)| std::iter::repeat_n(b, n))
                    .cycle()
                    .take(len)
                    .collect();
                bytes.resize(len, 0);
                bytes
            }),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_frames_round_trip((layout, native) in arb_frame()) {
        let encoded = encode_rle_frame(&native, layout).unwrap();
        check_structure(&encoded, layout);
        prop_assert_eq!(decode_rle_frame(&encoded, layout).unwrap(), native);
    }

    #[test]
    fn random_bytes_never_panic(layout in arb_layout(), data in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode_rle_frame(&data, layout);
        let _ = decode_rle_pixel_data(&data, layout, 1);
        let _ = gantry_codec::decapsulate(&data);
    }

    #[test]
    fn corrupted_frames_never_panic(
        (layout, native) in arb_frame(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut encoded = encode_rle_frame(&native, layout).unwrap();
        for (at, byte) in edits {
            let i = at.index(encoded.len());
            encoded[i] = byte;
        }
        let _ = decode_rle_frame(&encoded, layout);
        let keep = cut.index(encoded.len() + 1);
        let _ = decode_rle_frame(&encoded[..keep], layout);
    }
}
