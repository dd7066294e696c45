//! The shape of one frame of pixel data.

use std::fmt;

use crate::error::{CodecError, Result};

/// The attributes that fix how one frame's pixels are laid out in bytes:
/// Rows, Columns, SamplesPerPixel, BitsAllocated and PlanarConfiguration.
///
/// Native (uncompressed) frames are in little-endian byte order, as in an
/// Explicit or Implicit VR Little Endian Pixel Data value. With three
/// samples per pixel, `planar_configuration` 0 means interleaved
/// (R1 G1 B1 R2 G2 B2 …) and 1 means one plane per sample
/// (R1 R2 … G1 G2 … B1 B2 …); it is ignored for one sample per pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameLayout {
    /// Rows (0028,0010).
    pub rows: u16,
    /// Columns (0028,0011).
    pub columns: u16,
    /// Samples per Pixel (0028,0002): 1 or 3.
    pub samples_per_pixel: u16,
    /// Bits Allocated (0028,0100): 8, 16 or 32.
    pub bits_allocated: u16,
    /// Planar Configuration (0028,0006): 0 (interleaved) or 1 (planar).
    pub planar_configuration: u16,
}

impl FrameLayout {
    /// Length in bytes of one native frame in this layout, or `None` when
    /// it does not fit in `usize` or BitsAllocated is not a whole number
    /// of bytes.
    pub fn frame_len(&self) -> Option<usize> {
        if !self.bits_allocated.is_multiple_of(8) {
            return None;
        }
        usize::from(self.rows)
            .checked_mul(usize::from(self.columns))?
            .checked_mul(usize::from(self.samples_per_pixel))?
            .checked_mul(usize::from(self.bits_allocated / 8))
    }

    /// Checks the layout against what the RLE codec supports and derives
    /// the numbers the codec works with.
    pub(crate) fn geometry(&self) -> Result<Geometry> {
        let unsupported = |reason| CodecError::UnsupportedLayout {
            layout: *self,
            reason,
        };
        if self.rows == 0 || self.columns == 0 {
            return Err(unsupported("rows and columns must be at least 1"));
        }
        if !matches!(self.samples_per_pixel, 1 | 3) {
            return Err(unsupported("samples per pixel must be 1 or 3"));
        }
        if !matches!(self.bits_allocated, 8 | 16 | 32) {
            return Err(unsupported("bits allocated must be 8, 16 or 32"));
        }
        if self.planar_configuration > 1 {
            return Err(unsupported("planar configuration must be 0 or 1"));
        }
        let frame_len = self
            .frame_len()
            .ok_or(unsupported("frame size overflows this platform's usize"))?;
        Ok(Geometry {
            rows: usize::from(self.rows),
            columns: usize::from(self.columns),
            samples: usize::from(self.samples_per_pixel),
            bytes_per_sample: usize::from(self.bits_allocated / 8),
            planar: self.planar_configuration == 1,
            frame_len,
        })
    }
}

impl fmt::Display for FrameLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows x {} columns, {} samples/pixel, {} bits allocated, planar configuration {}",
            self.rows,
            self.columns,
            self.samples_per_pixel,
            self.bits_allocated,
            self.planar_configuration
        )
    }
}

/// A validated [`FrameLayout`] in the units the codec works with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    pub(crate) rows: usize,
    pub(crate) columns: usize,
    pub(crate) samples: usize,
    pub(crate) bytes_per_sample: usize,
    pub(crate) planar: bool,
    pub(crate) frame_len: usize,
}

impl Geometry {
    /// Pixels in one frame (one byte per pixel in every RLE segment).
    pub(crate) fn pixels(&self) -> usize {
        // Cannot overflow: frame_len, a multiple of it, did not.
        self.rows * self.columns
    }

    /// Number of RLE segments: one per byte of each sample.
    pub(crate) fn segments(&self) -> usize {
        self.samples * self.bytes_per_sample
    }

    /// Where the bytes of RLE segment `segment` (0-based) sit in a native
    /// frame: the index of the first pixel's byte and the step between
    /// pixels.
    ///
    /// Segments come sample by sample, and within a sample from the most
    /// significant byte to the least (PS3.5 G.2); native samples are
    /// little-endian, so the most significant byte is the last one.
    pub(crate) fn plane(&self, segment: usize) -> (usize, usize) {
        let sample = segment / self.bytes_per_sample;
        let byte = self.bytes_per_sample - 1 - segment % self.bytes_per_sample;
        if self.planar {
            (
                sample * self.pixels() * self.bytes_per_sample + byte,
                self.bytes_per_sample,
            )
        } else {
            (
                sample * self.bytes_per_sample + byte,
                self.samples * self.bytes_per_sample,
            )
        }
    }
}
