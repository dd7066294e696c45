//! Native frame extraction: byte orders, OW swapping, 1-bit frames that
//! do not start on a byte boundary, and errors.

use super::*;

fn format(bits: u16, signed: bool, rows: u16, columns: u16) -> PixelFormat {
    PixelFormat {
        rows,
        columns,
        samples_per_pixel: 1,
        bits_allocated: bits,
        bits_stored: bits,
        signed,
        planar_configuration: 0,
        photometric: Photometric::Monochrome2,
    }
}

fn pixel_data<'a>(
    uid: &'a str,
    format: PixelFormat,
    frames: u32,
    value: PixelValue<'a>,
) -> PixelData<'a> {
    PixelData {
        transfer_syntax: uid,
        format,
        frames,
        value,
    }
}

#[test]
fn big_endian_samples_are_swapped() {
    let value = [0x01, 0x02, 0xFF, 0xFE, 0x00, 0x10, 0x80, 0x00];
    let data = pixel_data(
        EXPLICIT_VR_BIG_ENDIAN,
        format(16, true, 1, 2),
        2,
        PixelValue::Native(&value),
    );
    assert_eq!(
        decode_frame(&data, 0).unwrap().samples,
        Samples::I16(vec![0x0102, -2])
    );
    assert_eq!(
        decode_frame(&data, 1).unwrap().samples,
        Samples::I16(vec![0x0010, i16::MIN])
    );
    let data = pixel_data(
        EXPLICIT_VR_BIG_ENDIAN,
        format(32, false, 1, 1),
        2,
        PixelValue::Native(&value),
    );
    assert_eq!(
        decode_frame(&data, 1).unwrap().samples,
        Samples::U32(vec![0x0010_8000])
    );
}

#[test]
fn big_endian_ow_swaps_byte_pairs_of_8_bit_data() {
    // Samples 1 2 3 (one frame of 1x3) as OW: words 0x0102, 0x0300.
    let value = [2, 1, 0, 3];
    let f = format(8, false, 1, 3);
    let ow = pixel_data(EXPLICIT_VR_BIG_ENDIAN, f, 1, PixelValue::NativeOw(&value));
    assert_eq!(
        decode_frame(&ow, 0).unwrap().samples,
        Samples::U8(vec![1, 2, 3])
    );
    let ob = pixel_data(EXPLICIT_VR_BIG_ENDIAN, f, 1, PixelValue::Native(&value));
    assert_eq!(
        decode_frame(&ob, 0).unwrap().samples,
        Samples::U8(vec![2, 1, 0])
    );
    // Little endian ignores the VR.
    let le = pixel_data("1.2.840.10008.1.2.1", f, 1, PixelValue::NativeOw(&value));
    assert_eq!(
        decode_frame(&le, 0).unwrap().samples,
        Samples::U8(vec![2, 1, 0])
    );
}

#[test]
fn one_bit_frames_need_not_start_on_a_byte() {
    // Three frames of 1x3 bits: 101, 110, 011 → bits 101 110 011 from bit 0.
    let bits = [1u8, 0, 1, 1, 1, 0, 0, 1, 1];
    let mut value = vec![0u8; 2];
    for (i, b) in bits.iter().enumerate() {
        value[i / 8] |= b << (i % 8);
    }
    let data = pixel_data(
        "1.2.840.10008.1.2.1",
        format(1, false, 1, 3),
        3,
        PixelValue::Native(&value),
    );
    for frame in 0..3 {
        assert_eq!(
            decode_frame(&data, frame).unwrap().samples,
            Samples::Bits(bits[frame as usize * 3..][..3].to_vec())
        );
    }
}

#[test]
fn errors_name_syntax_frame_and_cause() {
    let value = [0u8; 6];
    let data = pixel_data(
        "1.2.840.10008.1.2.1",
        format(16, false, 1, 2),
        2,
        PixelValue::Native(&value),
    );
    let message = decode_frame(&data, 1).unwrap_err().to_string();
    assert_eq!(
        message,
        "decoding frame 2 of transfer syntax 1.2.840.10008.1.2.1: native pixel data is 6 bytes but layout (1 rows x 2 columns, 1 samples/pixel, 16 bits allocated, planar configuration 0) needs 8"
    );
    let message = decode_frame(&data, 2).unwrap_err().to_string();
    assert_eq!(
        message,
        "frame index 2 is out of range: the pixel data has 2 frame(s)"
    );
    let encapsulated = pixel_data(
        "1.2.840.10008.1.2.1",
        format(16, false, 1, 2),
        1,
        PixelValue::Encapsulated(&value),
    );
    assert!(
        decode_frame(&encapsulated, 0)
            .unwrap_err()
            .to_string()
            .contains("native but the value is encapsulated")
    );
}

#[test]
fn rle_frames_decode_through_our_decoder() {
    let f = format(16, true, 2, 3);
    let frames: Vec<Vec<u8>> = (0..3i16)
        .map(|k| {
            (0..6i16)
                .flat_map(|i| (i * 1000 - k).to_le_bytes())
                .collect()
        })
        .collect();
    let fragments: Vec<Vec<u8>> = frames
        .iter()
        .map(|f0| crate::encode_rle_frame(f0, f.layout()).unwrap())
        .collect();
    let value = crate::encapsulate(&fragments).unwrap();
    let data = pixel_data(crate::RLE_LOSSLESS, f, 3, PixelValue::Encapsulated(&value));
    for (i, native) in frames.iter().enumerate() {
        let frame = decode_frame(&data, i as u32).unwrap();
        assert_eq!(frame.format, f);
        assert_eq!(&frame.to_native_le(), native);
    }
}
