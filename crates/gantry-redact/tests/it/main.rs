//! Integration tests for gantry-redact.
// Helpers outside #[test] functions unwrap too: a panic here is a failed test.
#![allow(clippy::unwrap_used)]

mod fill;
mod formats;
mod knowledge;
mod preview;
mod props;
mod region;
mod rules;

use gantry_codec::{Frame, Photometric, PixelFormat, Samples};

/// A format with `bits` allocated and stored.
pub(crate) fn format(
    rows: u16,
    columns: u16,
    photometric: Photometric,
    bits: u16,
    signed: bool,
    planar: u16,
) -> PixelFormat {
    let samples_per_pixel = match photometric {
        Photometric::Rgb | Photometric::YbrFull | Photometric::YbrFull422 => 3,
        _ => 1,
    };
    PixelFormat {
        rows,
        columns,
        samples_per_pixel,
        bits_allocated: bits,
        bits_stored: bits,
        signed,
        planar_configuration: planar,
        photometric,
    }
}

/// A frame of `format` whose samples are `f(index)`, cast to the buffer
/// type (wrapping).
pub(crate) fn frame_with(format: PixelFormat, f: impl Fn(usize) -> i64) -> Frame {
    let n = format.sample_count();
    let values = (0..n).map(f);
    let samples = match (format.bits_allocated, format.signed) {
        (1, _) => Samples::Bits(values.map(|v| (v & 1) as u8).collect()),
        (8, false) => Samples::U8(values.map(|v| v as u8).collect()),
        (8, true) => Samples::I8(values.map(|v| v as i8).collect()),
        (16, false) => Samples::U16(values.map(|v| v as u16).collect()),
        (16, true) => Samples::I16(values.map(|v| v as i16).collect()),
        (32, false) => Samples::U32(values.map(|v| v as u32).collect()),
        _ => Samples::I32(values.map(|v| v as i32).collect()),
    };
    Frame { format, samples }
}

/// The samples as i64, whatever their type.
pub(crate) fn values(samples: &Samples) -> Vec<i64> {
    match samples {
        Samples::Bits(v) | Samples::U8(v) => v.iter().map(|&s| s.into()).collect(),
        Samples::I8(v) => v.iter().map(|&s| s.into()).collect(),
        Samples::U16(v) => v.iter().map(|&s| s.into()).collect(),
        Samples::I16(v) => v.iter().map(|&s| s.into()).collect(),
        Samples::U32(v) => v.iter().map(|&s| s.into()).collect(),
        Samples::I32(v) => v.iter().map(|&s| s.into()).collect(),
    }
}

/// Index in the sample buffer of sample `k` (0..samples per pixel) of
/// pixel (`row`, `column`), computed from the PS3.5 layouts directly.
pub(crate) fn sample_index(format: &PixelFormat, row: usize, column: usize, k: usize) -> usize {
    let columns = usize::from(format.columns);
    let pixel = row * columns + column;
    if format.samples_per_pixel == 1 {
        return pixel;
    }
    if format.photometric == Photometric::YbrFull422 {
        // Y1 Y2 Cb Cr per pair.
        let pair = row * (columns / 2) + column / 2;
        return 4 * pair + if k == 0 { column % 2 } else { 1 + k };
    }
    if format.planar_configuration == 1 {
        k * format.pixels() + pixel
    } else {
        3 * pixel + k
    }
}
