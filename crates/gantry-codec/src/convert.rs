//! Lossless rearrangements of a [`Frame`]'s samples: planar ↔ interleaved,
//! YBR_FULL_422 → YBR_FULL, sign extension, and the checks encoders run
//! before handing samples to a backend.

use crate::error::{CodecError, Result};
use crate::frame::{Frame, Photometric, PixelFormat, Samples};

/// Applies `f` to the typed buffer inside `samples`, whatever its type.
macro_rules! map_samples {
    ($samples:expr, |$v:ident| $body:expr) => {
        match $samples {
            Samples::Bits($v) => Samples::Bits($body),
            Samples::U8($v) => Samples::U8($body),
            Samples::I8($v) => Samples::I8($body),
            Samples::U16($v) => Samples::U16($body),
            Samples::I16($v) => Samples::I16($body),
            Samples::U32($v) => Samples::U32($body),
            Samples::I32($v) => Samples::I32($body),
        }
    };
}

/// Planar (R… G… B…) to interleaved (R G B …), `channels` planes.
fn planar_to_interleaved<T: Copy>(v: &[T], channels: usize) -> Vec<T> {
    let plane = v.len() / channels;
    (0..plane)
        .flat_map(|i| (0..channels).map(move |c| v[c * plane + i]))
        .collect()
}

/// Interleaved (R G B …) to planar (R… G… B…), `channels` samples a pixel.
fn interleaved_to_planar<T: Copy>(v: &[T], channels: usize) -> Vec<T> {
    (0..channels)
        .flat_map(|c| v.iter().skip(c).step_by(channels).copied())
        .collect()
}

/// YBR_FULL_422 (Y1 Y2 Cb Cr per pair of pixels) to YBR_FULL (Y Cb Cr per
/// pixel): each pair's chrominance is repeated for both pixels, so no
/// sample is lost or altered.
fn ybr_422_to_full<T: Copy>(v: &[T], columns: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len() / 2 * 3);
    // Each row holds columns.div_ceil(2) groups; an odd last pixel still
    // has a whole group (PS3.3 C.7.6.3.1.2 requires even Columns).
    let groups_per_row = columns.div_ceil(2);
    for row in v.chunks(groups_per_row * 4) {
        let mut left = columns;
        for group in row.chunks_exact(4) {
            let (y1, y2, cb, cr) = (group[0], group[1], group[2], group[3]);
            out.extend_from_slice(&[y1, cb, cr]);
            if left >= 2 {
                out.extend_from_slice(&[y2, cb, cr]);
            }
            left = left.saturating_sub(2);
        }
    }
    out
}

impl Frame {
    /// The frame with its samples in planar configuration `planar`
    /// (0 interleaved, 1 planar), reordered if needed. Frames with one
    /// sample per pixel, and YBR_FULL_422 frames (whose layout has no
    /// planar form), are returned as they are.
    pub fn with_planar_configuration(&self, planar: u16) -> Frame {
        let format = self.format;
        if format.samples_per_pixel < 2
            || format.photometric == Photometric::YbrFull422
            || format.planar_configuration == planar
        {
            return self.clone();
        }
        let channels = usize::from(format.samples_per_pixel);
        let samples = if planar == 0 {
            map_samples!(&self.samples, |v| planar_to_interleaved(v, channels))
        } else {
            map_samples!(&self.samples, |v| interleaved_to_planar(v, channels))
        };
        Frame {
            format: PixelFormat {
                planar_configuration: planar,
                ..format
            },
            samples,
        }
    }

    /// A YBR_FULL_422 frame as YBR_FULL (chrominance repeated, nothing
    /// lost); any other frame as it is.
    pub(crate) fn without_subsampling(self) -> Frame {
        if self.format.photometric != Photometric::YbrFull422 || self.format.samples_per_pixel != 3
        {
            return self;
        }
        let columns = usize::from(self.format.columns);
        let samples = map_samples!(&self.samples, |v| ybr_422_to_full(v, columns));
        Frame {
            format: PixelFormat {
                photometric: Photometric::YbrFull,
                planar_configuration: 0,
                ..self.format
            },
            samples,
        }
    }

    /// Sign-extends signed samples from `bits` bits (what JPEG-LS decoders
    /// hand back for signed data: the low `bits` bits as unsigned).
    pub(crate) fn sign_extend_from(&mut self, bits: u16) {
        let shift16 = 16u32.saturating_sub(u32::from(bits));
        let shift8 = 8u32.saturating_sub(u32::from(bits));
        match &mut self.samples {
            Samples::I16(v) if shift16 > 0 && shift16 < 16 => {
                v.iter_mut().for_each(|s| *s = (*s << shift16) >> shift16);
            }
            Samples::I8(v) if shift8 > 0 && shift8 < 8 => {
                v.iter_mut().for_each(|s| *s = (*s << shift8) >> shift8);
            }
            _ => {}
        }
    }

    /// Checks that the samples agree with the format: their type with
    /// BitsAllocated and Pixel Representation, their number with the
    /// frame size.
    pub(crate) fn check(&self) -> Result<()> {
        let format = &self.format;
        check_format(format)?;
        let type_ok = matches!(
            (&self.samples, format.bits_allocated, format.signed),
            (Samples::Bits(_), 1, _)
                | (Samples::U8(_), 8, false)
                | (Samples::I8(_), 8, true)
                | (Samples::U16(_), 16, false)
                | (Samples::I16(_), 16, true)
                | (Samples::U32(_), 32, false)
                | (Samples::I32(_), 32, true)
        );
        if !type_ok {
            return Err(CodecError::Mismatch {
                detail: format!(
                    "the samples' type does not match the format ({format}): BitsAllocated and Pixel Representation decide it"
                ),
            });
        }
        if self.samples.len() != format.sample_count() {
            return Err(CodecError::Mismatch {
                detail: format!(
                    "the frame holds {} samples but its format ({format}) needs {}",
                    self.samples.len(),
                    format.sample_count()
                ),
            });
        }
        Ok(())
    }

    /// Checks that every sample is representable in BitsStored bits (as
    /// unsigned or two's complement), so that a codec coding BitsStored
    /// bits per sample loses nothing. Returns the first offending sample's
    /// index, never its value.
    #[cfg_attr(not(any(feature = "charls", feature = "openjpeg")), allow(dead_code))]
    pub(crate) fn check_fits_bits_stored(&self) -> Result<()> {
        let bits = u32::from(self.format.bits_stored);
        let unsigned_max = |bits: u32| -> u64 { (1u64 << bits.min(63)) - 1 };
        let signed_range = |bits: u32| -> (i64, i64) {
            let half = 1i64 << (bits.clamp(1, 63) - 1);
            (-half, half - 1)
        };
        let fits_u = |x: u64| x <= unsigned_max(bits);
        let fits_i = |x: i64| {
            let (lo, hi) = signed_range(bits);
            (lo..=hi).contains(&x)
        };
        let first_bad = match &self.samples {
            Samples::Bits(_) => None,
            Samples::U8(v) => v.iter().position(|&x| !fits_u(u64::from(x))),
            Samples::U16(v) => v.iter().position(|&x| !fits_u(u64::from(x))),
            Samples::U32(v) => v.iter().position(|&x| !fits_u(u64::from(x))),
            Samples::I8(v) => v.iter().position(|&x| !fits_i(i64::from(x))),
            Samples::I16(v) => v.iter().position(|&x| !fits_i(i64::from(x))),
            Samples::I32(v) => v.iter().position(|&x| !fits_i(i64::from(x))),
        };
        match first_bad {
            None => Ok(()),
            Some(index) => Err(CodecError::Mismatch {
                detail: format!(
                    "sample {index} uses bits above BitsStored ({bits}): coding {bits} bits per sample would lose them (encode to a native syntax or RLE Lossless instead)"
                ),
            }),
        }
    }
}

/// Checks the parts of a format every codec path relies on.
pub(crate) fn check_format(format: &PixelFormat) -> Result<()> {
    let bad = |detail: &str| {
        Err(CodecError::Mismatch {
            detail: format!("unsupported pixel format ({format}): {detail}"),
        })
    };
    if format.rows == 0 || format.columns == 0 {
        return bad("rows and columns must be at least 1");
    }
    if !matches!(format.samples_per_pixel, 1 | 3) {
        return bad("samples per pixel must be 1 or 3");
    }
    if !matches!(format.bits_allocated, 1 | 8 | 16 | 32) {
        return bad("bits allocated must be 1, 8, 16 or 32");
    }
    if format.bits_stored == 0 || format.bits_stored > format.bits_allocated {
        return bad("bits stored must be between 1 and bits allocated");
    }
    if format.bits_allocated == 1 && format.samples_per_pixel != 1 {
        return bad("1-bit data must have one sample per pixel");
    }
    if format.planar_configuration > 1 {
        return bad("planar configuration must be 0 or 1");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(planar: u16, samples: Samples) -> Frame {
        Frame {
            format: PixelFormat {
                rows: 1,
                columns: 2,
                samples_per_pixel: 3,
                bits_allocated: 8,
                bits_stored: 8,
                signed: false,
                planar_configuration: planar,
                photometric: Photometric::Rgb,
            },
            samples,
        }
    }

    #[test]
    fn planar_round_trip() {
        let interleaved = rgb(0, Samples::U8(vec![1, 2, 3, 4, 5, 6]));
        let planar = interleaved.with_planar_configuration(1);
        assert_eq!(planar.samples, Samples::U8(vec![1, 4, 2, 5, 3, 6]));
        assert_eq!(planar.format.planar_configuration, 1);
        assert_eq!(planar.with_planar_configuration(0), interleaved);
    }

    #[test]
    fn ybr_422_repeats_chrominance() {
        let mut frame = rgb(0, Samples::U8(vec![10, 11, 50, 60, 12, 13, 51, 61]));
        frame.format.photometric = Photometric::YbrFull422;
        frame.format.columns = 4;
        let full = frame.without_subsampling();
        assert_eq!(full.format.photometric, Photometric::YbrFull);
        assert_eq!(
            full.samples,
            Samples::U8(vec![10, 50, 60, 11, 50, 60, 12, 51, 61, 13, 51, 61])
        );
        full.check().unwrap();
    }

    #[test]
    fn bits_stored_check_names_the_index_only() {
        let mut frame = rgb(0, Samples::U8(vec![1, 2, 3, 4, 200, 6]));
        frame.format.bits_stored = 7;
        let message = frame.check_fits_bits_stored().unwrap_err().to_string();
        assert!(message.contains("sample 4 "), "{message}");
        assert!(!message.contains("200"), "{message}");
    }
}
