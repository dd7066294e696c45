//! JPEG (Processes 1, 2 & 4 at 8 bits, and 14) decoding with jpeg-decoder.
//!
//! jpeg-decoder is the decoder dicom-rs's JPEG adapter uses; it is called
//! directly because the adapter cannot be told the colour transform. A
//! three-component JPEG stream says whether it holds YCbCr or RGB through
//! a JFIF or Adobe segment or its component identifiers; when it says
//! nothing, jpeg-decoder assumes YCbCr, which turns RGB frames (for
//! example pydicom's `SC_jpeg_no_color_transform`) into garbage. Then the
//! Photometric Interpretation decides, as pydicom and GDCM do: RGB means
//! no transform, YBR_* means YCbCr.

use std::panic::{AssertUnwindSafe, catch_unwind};

use jpeg_decoder::{ColorTransform, Decoder, PixelFormat as JpegPixels};

use crate::codestream::JpegHeader;
use crate::error::{CodecError, Result};
use crate::frame::{Frame, Photometric, PixelFormat, Samples};

const LIBRARY: &str = "jpeg-decoder";

/// Decodes one JPEG frame into `out` (RGB interleaved for three
/// components), after the header was checked against the attributes.
pub(crate) fn decode(
    data: &[u8],
    header: &JpegHeader,
    declared: Photometric,
    out: PixelFormat,
) -> Result<Frame> {
    let colour = header.components == 3;
    if colour && header.precision > 8 {
        return Err(CodecError::Backend {
            library: LIBRARY,
            detail: format!(
                "{}-bit colour JPEG is not supported (jpeg-decoder would cut it to 8 bits)",
                header.precision
            ),
        });
    }
    let stream_says = header.jfif
        || header.adobe_transform.is_some()
        || matches!(
            header.component_ids,
            [1, 2, 3] | [b'R', b'G', b'B'] | [1, 34, 35] | [b'r', b'g', b'b']
        );
    let transform = (colour && !stream_says).then_some(if declared == Photometric::Rgb {
        ColorTransform::RGB
    } else {
        ColorTransform::YCbCr
    });
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        let mut decoder = Decoder::new(data);
        if let Some(transform) = transform {
            decoder.set_color_transform(transform);
        }
        let pixels = decoder.decode()?;
        Ok::<_, jpeg_decoder::Error>((pixels, decoder.info()))
    }));
    let (pixels, info) = match decoded {
        Ok(Ok(decoded)) => decoded,
        Ok(Err(error)) => {
            return Err(CodecError::Backend {
                library: LIBRARY,
                detail: error.to_string(),
            });
        }
        Err(_) => return Err(CodecError::Panicked { library: LIBRARY }),
    };
    let Some(info) = info else {
        return Err(CodecError::Backend {
            library: LIBRARY,
            detail: "no image information after decoding".to_owned(),
        });
    };
    if (u32::from(info.height), u32::from(info.width))
        != (u32::from(out.rows), u32::from(out.columns))
    {
        return Err(CodecError::Mismatch {
            detail: format!(
                "the JPEG frame decodes to {}x{} but the attributes say {}x{}",
                info.height, info.width, out.rows, out.columns
            ),
        });
    }
    let samples = match (info.pixel_format, out.bits_allocated, out.signed) {
        (JpegPixels::L8 | JpegPixels::RGB24, 8, false) => Samples::U8(pixels),
        (JpegPixels::L8 | JpegPixels::RGB24, 8, true) => {
            Samples::I8(pixels.into_iter().map(|b| b as i8).collect())
        }
        (JpegPixels::L8, 16, false) => Samples::U16(pixels.into_iter().map(u16::from).collect()),
        (JpegPixels::L8, 16, true) => Samples::I16(pixels.into_iter().map(i16::from).collect()),
        (JpegPixels::L16, 16, false) => Samples::U16(
            pixels
                .chunks_exact(2)
                .map(|c| u16::from_ne_bytes([c[0], c[1]]))
                .collect(),
        ),
        (JpegPixels::L16, 16, true) => Samples::I16(
            pixels
                .chunks_exact(2)
                .map(|c| i16::from_ne_bytes([c[0], c[1]]))
                .collect(),
        ),
        (pixels, bits, _) => {
            return Err(CodecError::Mismatch {
                detail: format!(
                    "jpeg-decoder produced {pixels:?} samples for Bits Allocated {bits}"
                ),
            });
        }
    };
    let frame = Frame {
        format: out,
        samples,
    };
    frame.check()?;
    Ok(frame)
}
