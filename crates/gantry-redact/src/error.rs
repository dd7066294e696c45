//! The redaction crate's error type.
//!
//! Errors name locations — the frame number, the rule's origin, the pixel
//! format, a region as configured — and never a pixel value: pixels can
//! show a face or burned-in text.

use gantry_codec::PixelFormat;

use crate::rule::Origin;

/// What went wrong while resolving a fill, redacting or rendering a frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The frame's format is outside what redaction handles, or is
    /// inconsistent (e.g. RGB with one sample per pixel).
    #[error("unsupported pixel format ({format}): {reason}")]
    UnsupportedFormat {
        /// The format as given.
        format: PixelFormat,
        /// Which part of it is unsupported, and the fix where there is one.
        reason: &'static str,
    },
    /// The frame holds a different number of samples than its format
    /// needs.
    #[error("the frame holds {actual} samples but its format ({format}) needs {expected}")]
    SampleCount {
        /// The format as given.
        format: PixelFormat,
        /// Samples the format needs.
        expected: usize,
        /// Samples held.
        actual: usize,
    },
    /// The frame's sample buffer has another type than its format says.
    #[error("the frame holds {actual} samples but its format ({format}) needs {expected}")]
    SampleType {
        /// The format as given.
        format: PixelFormat,
        /// The buffer type the format needs, e.g. `"I16"`.
        expected: &'static str,
        /// The buffer type held.
        actual: &'static str,
    },
    /// An explicit fill has the wrong number of values for the format.
    #[error("the fill has {given} values but {format} needs 1 or {samples_per_pixel}")]
    FillArity {
        /// The format filled.
        format: PixelFormat,
        /// Values given.
        given: usize,
        /// Samples per pixel of the format.
        samples_per_pixel: u16,
    },
    /// A fill value (configured, or the darkest palette entry's index)
    /// does not fit the samples' stored range.
    #[error(
        "fill value {value} of sample {sample} is outside {min}..={max}, the range of {format}"
    )]
    FillRange {
        /// The format filled.
        format: PixelFormat,
        /// 0-based sample of the pixel (0 for grey, 0..3 for colour).
        sample: usize,
        /// The configured value.
        value: i64,
        /// Smallest value the format stores.
        min: i64,
        /// Largest value the format stores.
        max: i64,
    },
    /// A region as configured is empty or malformed.
    #[error("invalid region {region}: {reason}")]
    InvalidRegion {
        /// The region as written (`[r1, r2, c1, c2]` or `(x, y, w, h)`).
        region: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An error while redacting one frame of an instance.
    #[error("{origin}, frame {frame}: {error}")]
    Frame {
        /// The rule whose regions were applied.
        origin: Origin,
        /// 0-based frame number.
        frame: u32,
        /// What went wrong.
        error: Box<Error>,
    },
    /// The PNG encoder failed (for a preview).
    #[error("encoding the preview PNG: {0}")]
    Png(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
