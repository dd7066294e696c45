//! Decoded frames: typed sample buffers and the pixel format that explains
//! them.
//!
//! Everything above the codec (redaction, previews, transcoding) works on a
//! [`Frame`]: one frame of pixels, already decompressed, with its samples
//! in a buffer of their own type (so a signed 16-bit CT frame is a
//! `Vec<i16>`, not bytes to reinterpret) and a [`PixelFormat`] saying how
//! to read them. Samples keep the order of a native Pixel Data value:
//! row by row, interleaved (R G B R G B …) or planar (R R … G G … B B …)
//! as the format's planar configuration says.

use std::fmt;

use crate::error::{CodecError, Result};
use crate::layout::FrameLayout;

/// Photometric Interpretation (0028,0004) of a frame's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Photometric {
    /// Grey, minimum sample displayed white.
    Monochrome1,
    /// Grey, minimum sample displayed black.
    Monochrome2,
    /// One sample per pixel, an index into the palette colour lookup tables.
    PaletteColor,
    /// Red, green, blue.
    Rgb,
    /// Luminance and two full-resolution chrominance samples.
    YbrFull,
    /// YBR with chrominance halved horizontally. In a native frame the
    /// samples of two pixels are stored as Y1 Y2 Cb Cr.
    YbrFull422,
    /// YBR_PARTIAL_420 (MPEG-2 only, retired for other syntaxes).
    YbrPartial420,
    /// Irreversible colour transform of JPEG 2000 (YBR_ICT).
    YbrIct,
    /// Reversible colour transform of JPEG 2000 (YBR_RCT).
    YbrRct,
}

impl Photometric {
    /// Parses the value of Photometric Interpretation (padding ignored).
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value.trim_end_matches(['\0', ' ']).trim_start() {
            "MONOCHROME1" => Photometric::Monochrome1,
            "MONOCHROME2" => Photometric::Monochrome2,
            "PALETTE COLOR" => Photometric::PaletteColor,
            "RGB" => Photometric::Rgb,
            "YBR_FULL" => Photometric::YbrFull,
            "YBR_FULL_422" => Photometric::YbrFull422,
            "YBR_PARTIAL_420" => Photometric::YbrPartial420,
            "YBR_ICT" => Photometric::YbrIct,
            "YBR_RCT" => Photometric::YbrRct,
            _ => return None,
        })
    }

    /// The defined term, as written in Photometric Interpretation.
    pub fn as_str(&self) -> &'static str {
        match self {
            Photometric::Monochrome1 => "MONOCHROME1",
            Photometric::Monochrome2 => "MONOCHROME2",
            Photometric::PaletteColor => "PALETTE COLOR",
            Photometric::Rgb => "RGB",
            Photometric::YbrFull => "YBR_FULL",
            Photometric::YbrFull422 => "YBR_FULL_422",
            Photometric::YbrPartial420 => "YBR_PARTIAL_420",
            Photometric::YbrIct => "YBR_ICT",
            Photometric::YbrRct => "YBR_RCT",
        }
    }

    /// Whether pixels are grey (one sample, displayed through a window).
    pub fn is_monochrome(&self) -> bool {
        matches!(self, Photometric::Monochrome1 | Photometric::Monochrome2)
    }
}

impl fmt::Display for Photometric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Image Pixel attributes that explain a frame's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PixelFormat {
    /// Rows (0028,0010).
    pub rows: u16,
    /// Columns (0028,0011).
    pub columns: u16,
    /// Samples per Pixel (0028,0002): 1 or 3.
    pub samples_per_pixel: u16,
    /// Bits Allocated (0028,0100): 1, 8, 16 or 32.
    pub bits_allocated: u16,
    /// Bits Stored (0028,0101).
    pub bits_stored: u16,
    /// Pixel Representation (0028,0103) is 1: two's complement samples.
    pub signed: bool,
    /// Planar Configuration (0028,0006): 0 interleaved, 1 planar; 0 for one
    /// sample per pixel.
    pub planar_configuration: u16,
    /// Photometric Interpretation (0028,0004).
    pub photometric: Photometric,
}

impl PixelFormat {
    /// The byte layout of one native frame of this format (what the RLE
    /// codec needs).
    pub fn layout(&self) -> FrameLayout {
        FrameLayout {
            rows: self.rows,
            columns: self.columns,
            samples_per_pixel: self.samples_per_pixel,
            bits_allocated: self.bits_allocated,
            planar_configuration: self.planar_configuration,
        }
    }

    /// Pixels in one frame.
    pub fn pixels(&self) -> usize {
        usize::from(self.rows) * usize::from(self.columns)
    }

    /// Samples in one frame as a [`Samples`] buffer holds them: pixels ×
    /// samples per pixel, except YBR_FULL_422 (two samples per pixel:
    /// Y1 Y2 Cb Cr) and 1-bit data (one entry per pixel, 0 or 1).
    pub fn sample_count(&self) -> usize {
        if self.photometric == Photometric::YbrFull422 && self.samples_per_pixel == 3 {
            self.pixels() * 2
        } else {
            self.pixels() * usize::from(self.samples_per_pixel)
        }
    }

    /// Length in bytes of one native (uncompressed, little-endian) frame;
    /// for 1-bit data the number of whole bytes the frame's bits span when
    /// it starts on a byte boundary.
    pub fn native_frame_len(&self) -> usize {
        match self.bits_allocated {
            1 => self.sample_count().div_ceil(8),
            bits => self.sample_count() * usize::from(bits / 8),
        }
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{} {} {} sample(s), {}/{} bits {}, planar {}",
            self.rows,
            self.columns,
            self.photometric,
            self.samples_per_pixel,
            self.bits_stored,
            self.bits_allocated,
            if self.signed { "signed" } else { "unsigned" },
            self.planar_configuration
        )
    }
}

/// The samples of one frame, in their own type. 1-bit data is unpacked to
/// one `u8` (0 or 1) per pixel in [`Samples::Bits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Samples {
    /// BitsAllocated 1, one entry (0 or 1) per pixel.
    Bits(Vec<u8>),
    /// BitsAllocated 8, unsigned.
    U8(Vec<u8>),
    /// BitsAllocated 8, signed.
    I8(Vec<i8>),
    /// BitsAllocated 16, unsigned.
    U16(Vec<u16>),
    /// BitsAllocated 16, signed.
    I16(Vec<i16>),
    /// BitsAllocated 32, unsigned.
    U32(Vec<u32>),
    /// BitsAllocated 32, signed.
    I32(Vec<i32>),
}

impl Samples {
    /// Number of samples held.
    pub fn len(&self) -> usize {
        match self {
            Samples::Bits(v) | Samples::U8(v) => v.len(),
            Samples::I8(v) => v.len(),
            Samples::U16(v) => v.len(),
            Samples::I16(v) => v.len(),
            Samples::U32(v) => v.len(),
            Samples::I32(v) => v.len(),
        }
    }

    /// Whether no sample is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One decoded frame: samples and the format that explains them.
///
/// The format is that of the samples as they are, which can differ from
/// the instance's attributes: a JPEG Baseline YBR_FULL_422 frame decodes to
/// RGB, so whoever writes the frame back must write the format's
/// Photometric Interpretation and Planar Configuration too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// How to read the samples.
    pub format: PixelFormat,
    /// The samples, `format.sample_count()` of them.
    pub samples: Samples,
}

impl Frame {
    /// Reads a native little-endian frame (the bytes of one frame of an
    /// Explicit VR Little Endian Pixel Data value; for 1-bit data the
    /// frame's bits starting at bit `0` of `bytes[0]`).
    ///
    /// # Errors
    ///
    /// [`CodecError::FrameLength`] when `bytes` is shorter than the format
    /// needs (longer is accepted: the extra bytes are ignored), or
    /// [`CodecError::UnsupportedLayout`] for a BitsAllocated other than
    /// 1, 8, 16 or 32.
    pub fn from_native_le(format: PixelFormat, bytes: &[u8]) -> Result<Frame> {
        let count = format.sample_count();
        let needed = format.native_frame_len();
        if bytes.len() < needed {
            return Err(CodecError::FrameLength {
                layout: format.layout(),
                expected: needed as u64,
                actual: bytes.len() as u64,
            });
        }
        let bytes = &bytes[..needed];
        let samples = match (format.bits_allocated, format.signed) {
            (1, _) => Samples::Bits((0..count).map(|i| (bytes[i / 8] >> (i % 8)) & 1).collect()),
            (8, false) => Samples::U8(bytes.to_vec()),
            (8, true) => Samples::I8(bytes.iter().map(|&b| b as i8).collect()),
            (16, false) => Samples::U16(take(bytes, u16::from_le_bytes)),
            (16, true) => Samples::I16(take(bytes, i16::from_le_bytes)),
            (32, false) => Samples::U32(take(bytes, u32::from_le_bytes)),
            (32, true) => Samples::I32(take(bytes, i32::from_le_bytes)),
            _ => {
                return Err(CodecError::UnsupportedLayout {
                    layout: format.layout(),
                    reason: "bits allocated must be 1, 8, 16 or 32",
                });
            }
        };
        Ok(Frame { format, samples })
    }

    /// Appends the frame as native little-endian bytes (1-bit data packed
    /// from bit 0, the last byte zero-padded) to `out`.
    pub fn write_native_le(&self, out: &mut Vec<u8>) {
        out.reserve(self.format.native_frame_len());
        match &self.samples {
            Samples::Bits(bits) => {
                for chunk in bits.chunks(8) {
                    let byte = chunk
                        .iter()
                        .enumerate()
                        .fold(0u8, |acc, (i, &b)| acc | ((b & 1) << i));
                    out.push(byte);
                }
            }
            Samples::U8(v) => out.extend_from_slice(v),
            Samples::I8(v) => out.extend(v.iter().map(|&s| s as u8)),
            Samples::U16(v) => put(out, v, u16::to_le_bytes),
            Samples::I16(v) => put(out, v, i16::to_le_bytes),
            Samples::U32(v) => put(out, v, u32::to_le_bytes),
            Samples::I32(v) => put(out, v, i32::to_le_bytes),
        }
    }

    /// The frame as native little-endian bytes.
    pub fn to_native_le(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_native_le(&mut out);
        out
    }
}

/// The samples of little-endian `bytes`, `N` bytes each: the buffer is
/// allocated once and filled in place (on every redacted frame's path).
fn take<T: Copy + Default, const N: usize>(bytes: &[u8], from: fn([u8; N]) -> T) -> Vec<T> {
    let mut out = vec![T::default(); bytes.len() / N];
    for (dst, src) in out.iter_mut().zip(bytes.chunks_exact(N)) {
        let mut array = [0u8; N];
        array.copy_from_slice(src);
        *dst = from(array);
    }
    out
}

/// Appends each sample's bytes to `out`: the buffer is grown once and
/// filled in place, which the compiler turns into a plain copy loop (this
/// is on every redacted frame's path).
fn put<T: Copy, const N: usize>(out: &mut Vec<u8>, samples: &[T], bytes: fn(T) -> [u8; N]) {
    let start = out.len();
    out.resize(start + samples.len() * N, 0);
    for (dst, &sample) in out[start..].chunks_exact_mut(N).zip(samples) {
        dst.copy_from_slice(&bytes(sample));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(bits: u16, signed: bool, samples: u16, photometric: Photometric) -> PixelFormat {
        PixelFormat {
            rows: 3,
            columns: 5,
            samples_per_pixel: samples,
            bits_allocated: bits,
            bits_stored: bits,
            signed,
            planar_configuration: 0,
            photometric,
        }
    }

    #[test]
    fn native_round_trip_every_sample_type() {
        for (bits, signed) in [
            (1, false),
            (8, false),
            (8, true),
            (16, false),
            (16, true),
            (32, false),
            (32, true),
        ] {
            let format = format(bits, signed, 1, Photometric::Monochrome2);
            let len = format.native_frame_len();
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let frame = Frame::from_native_le(format, &bytes).expect("decodes");
            assert_eq!(frame.samples.len(), 15, "{bits} bits");
            let mut again = frame.to_native_le();
            if bits == 1 {
                // 15 bits used of 16: the pad bit comes back as zero.
                let mut expected = bytes.clone();
                expected[1] &= 0x7F;
                assert_eq!(again, expected);
                again.clear();
            } else {
                assert_eq!(again, bytes, "{bits} bits signed {signed}");
            }
        }
    }

    #[test]
    fn signed_samples_are_twos_complement() {
        let frame = Frame::from_native_le(
            format(16, true, 1, Photometric::Monochrome2),
            &[0x18, 0xFC].repeat(15),
        )
        .expect("decodes");
        assert_eq!(frame.samples, Samples::I16(vec![-1000; 15]));
    }

    #[test]
    fn ybr_full_422_holds_two_samples_per_pixel() {
        let mut format = format(8, false, 3, Photometric::YbrFull422);
        format.columns = 4;
        assert_eq!(format.sample_count(), 24);
        assert_eq!(format.native_frame_len(), 24);
    }

    #[test]
    fn short_input_is_an_error_naming_lengths() {
        let err = Frame::from_native_le(format(16, false, 3, Photometric::Rgb), &[0; 10])
            .expect_err("too short");
        assert!(err.to_string().contains("needs 90"), "{err}");
    }

    #[test]
    fn photometric_parses_padded_values() {
        assert_eq!(
            Photometric::parse("YBR_FULL_422 "),
            Some(Photometric::YbrFull422)
        );
        assert_eq!(
            Photometric::parse("PALETTE COLOR"),
            Some(Photometric::PaletteColor)
        );
        assert_eq!(Photometric::parse("HSV"), None);
    }
}
