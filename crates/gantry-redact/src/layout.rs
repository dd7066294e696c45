//! Which pixel formats redaction handles, and how their samples are laid
//! out.

use gantry_codec::{Frame, Photometric, PixelFormat, Samples};

use crate::error::{Error, Result};

/// How the samples of one pixel are arranged in a frame's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrangement {
    /// One sample per pixel (grey, palette, 1-bit).
    Single,
    /// Three samples per pixel, interleaved: `R G B R G B …`.
    Interleaved,
    /// Three planes: `R R … G G … B B …`.
    Planar,
    /// YBR_FULL_422: `Y1 Y2 Cb Cr` per pair of pixels in a row.
    Ybr422,
}

/// A frame's checked geometry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) rows: usize,
    pub(crate) columns: usize,
    pub(crate) arrangement: Arrangement,
}

/// The arrangement of a format's samples, if redaction handles it.
pub(crate) fn arrangement(format: &PixelFormat) -> Result<Arrangement> {
    let unsupported = |reason| {
        Err(Error::UnsupportedFormat {
            format: *format,
            reason,
        })
    };
    if !matches!(format.bits_allocated, 1 | 8 | 16 | 32) {
        return unsupported("bits allocated must be 1, 8, 16 or 32");
    }
    if format.bits_stored == 0 || format.bits_stored > format.bits_allocated {
        return unsupported("bits stored must be between 1 and bits allocated");
    }
    let single = match format.photometric {
        Photometric::Monochrome1 | Photometric::Monochrome2 | Photometric::PaletteColor => true,
        Photometric::Rgb | Photometric::YbrFull | Photometric::YbrFull422 => false,
        _ => {
            return unsupported(
                "YBR_PARTIAL_420, YBR_ICT and YBR_RCT exist only inside compressed data: \
                 redact the decoded (RGB) frame",
            );
        }
    };
    match (single, format.samples_per_pixel) {
        (true, 1) => return Ok(Arrangement::Single),
        (true, _) => return unsupported("grey and palette images have one sample per pixel"),
        (false, 3) => {}
        (false, _) => return unsupported("colour images have three samples per pixel"),
    }
    if format.bits_allocated == 1 {
        return unsupported("1-bit data has one sample per pixel");
    }
    match (format.photometric, format.planar_configuration) {
        (Photometric::YbrFull422, 0) if format.columns.is_multiple_of(2) => Ok(Arrangement::Ybr422),
        (Photometric::YbrFull422, 0) => {
            unsupported("YBR_FULL_422 needs an even number of columns (pixels come in pairs)")
        }
        (Photometric::YbrFull422, _) => unsupported("YBR_FULL_422 is always interleaved"),
        (_, 0) => Ok(Arrangement::Interleaved),
        (_, 1) => Ok(Arrangement::Planar),
        _ => unsupported("planar configuration must be 0 or 1"),
    }
}

/// Checks that a frame's samples are what its format says.
pub(crate) fn check(frame: &Frame) -> Result<Layout> {
    let format = &frame.format;
    let arrangement = arrangement(format)?;
    let (expected, actual) = (sample_type(format), type_name(&frame.samples));
    if expected != actual {
        return Err(Error::SampleType {
            format: *format,
            expected,
            actual,
        });
    }
    let expected = format.sample_count();
    let actual = frame.samples.len();
    if expected != actual {
        return Err(Error::SampleCount {
            format: *format,
            expected,
            actual,
        });
    }
    Ok(Layout {
        rows: usize::from(format.rows),
        columns: usize::from(format.columns),
        arrangement,
    })
}

/// Smallest and largest values a sample of the format stores: the range
/// of Bits Stored bits, two's complement when signed.
pub(crate) fn stored_range(format: &PixelFormat) -> (i64, i64) {
    let bits = u32::from(format.bits_stored.clamp(1, 32));
    if format.signed && format.bits_allocated > 1 {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    } else {
        (0, (1i64 << bits) - 1)
    }
}

fn sample_type(format: &PixelFormat) -> &'static str {
    match (format.bits_allocated, format.signed) {
        (1, _) => "Bits",
        (8, false) => "U8",
        (8, true) => "I8",
        (16, false) => "U16",
        (16, true) => "I16",
        (32, false) => "U32",
        _ => "I32",
    }
}

fn type_name(samples: &Samples) -> &'static str {
    match samples {
        Samples::Bits(_) => "Bits",
        Samples::U8(_) => "U8",
        Samples::I8(_) => "I8",
        Samples::U16(_) => "U16",
        Samples::I16(_) => "I16",
        Samples::U32(_) => "U32",
        Samples::I32(_) => "I32",
    }
}
