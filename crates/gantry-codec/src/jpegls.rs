//! JPEG-LS Lossless encoding through CharLS (the `charls` crate).
//!
//! dicom-rs's JPEG-LS writer hands CharLS interleaved colour samples
//! while leaving CharLS's interleave mode at its default, "none", in which
//! CharLS reads the buffer as three planes: the stream it writes decodes
//! to garbage elsewhere. Here colour frames (always interleaved by the
//! caller) are coded with sample interleave (ILV = 2), the mode whose
//! native buffer is interleaved R G B R G B …; monochrome frames need no
//! mode.
//!
//! CharLS codes P = Bits Stored bits per sample from buffers of one byte
//! per sample when P ≤ 8 and two bytes otherwise, whatever Bits Allocated
//! is. Signed samples are coded as their low P bits (two's complement),
//! as DICOM does for JPEG-LS; decoders sign-extend them again.

use std::panic::{AssertUnwindSafe, catch_unwind};

use charls::{CharLS, FrameInfo, InterleaveMode};

use crate::encode::check_8_or_16;
use crate::error::{CodecError, Result};
use crate::frame::{Frame, Samples};

const LIBRARY: &str = "CharLS";

/// One interleaved frame to a JPEG-LS codestream, losslessly.
pub(crate) fn encode(frame: &Frame) -> Result<Vec<u8>> {
    check_8_or_16(frame, "JPEG-LS", 2)?;
    let format = frame.format;
    let bits = format.bits_stored;
    let mask = u16::MAX >> (16 - bits);
    let narrow = bits <= 8;
    let mut buffer = Vec::with_capacity(frame.samples.len() * if narrow { 1 } else { 2 });
    let mut put = |pattern: u16| {
        let pattern = pattern & mask;
        if narrow {
            buffer.push(pattern as u8);
        } else {
            buffer.extend_from_slice(&pattern.to_le_bytes());
        }
    };
    match &frame.samples {
        Samples::U8(v) => v.iter().for_each(|&s| put(u16::from(s))),
        Samples::I8(v) => v.iter().for_each(|&s| put(u16::from(s as u8))),
        Samples::U16(v) => v.iter().for_each(|&s| put(s)),
        Samples::I16(v) => v.iter().for_each(|&s| put(s as u16)),
        // check_8_or_16 refused every other type.
        _ => {
            return Err(CodecError::Mismatch {
                detail: "JPEG-LS codes 8 or 16 bits allocated".to_owned(),
            });
        }
    }
    let info = FrameInfo {
        width: u32::from(format.columns),
        height: u32::from(format.rows),
        bits_per_sample: i32::from(bits),
        component_count: i32::from(format.samples_per_pixel),
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut codec = CharLS::default();
        if format.samples_per_pixel > 1 {
            codec.set_interleave_mode(InterleaveMode::Sample)?;
        }
        codec.encode(info, 0, &buffer)
    }));
    match result {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(CodecError::Backend {
            library: LIBRARY,
            detail: error.to_string(),
        }),
        Err(_) => Err(CodecError::Panicked { library: LIBRARY }),
    }
}
