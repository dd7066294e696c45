//! The codec crate's error type.
//!
//! Errors name locations — frame number, RLE segment number, byte offset,
//! the frame layout, the transfer syntax — and never a pixel value: this is
//! a de-identification tool, and pixels can show a face or burned-in text.

use crate::layout::FrameLayout;
use crate::support::Operation;

/// What went wrong while encoding, decoding or (de)encapsulating pixels.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The frame layout is outside what the codec handles.
    #[error("unsupported frame layout ({layout}): {reason}")]
    UnsupportedLayout {
        /// The layout as given.
        layout: FrameLayout,
        /// Which part of it is unsupported.
        reason: &'static str,
    },
    /// The native pixel bytes do not have the length the layout implies.
    #[error("native pixel data is {actual} bytes but layout ({layout}) needs {expected}")]
    FrameLength {
        /// The layout as given.
        layout: FrameLayout,
        /// Bytes the layout needs.
        expected: u64,
        /// Bytes given.
        actual: u64,
    },
    /// The 64-byte RLE header of a compressed frame is malformed or does
    /// not fit the layout (PS3.5 G.5).
    #[error("malformed RLE header ({layout}): {detail}")]
    RleHeader {
        /// The layout the frame was decoded with.
        layout: FrameLayout,
        /// What is wrong (counts and offsets only).
        detail: String,
    },
    /// An RLE segment does not decode to a whole byte plane (PS3.5 G.3).
    #[error("malformed RLE segment {segment} ({layout}): {detail}")]
    RleSegment {
        /// The layout the frame was decoded with.
        layout: FrameLayout,
        /// Segment number, 1-based as in PS3.5 G.5.
        segment: usize,
        /// What is wrong (counts and offsets only).
        detail: String,
    },
    /// Encapsulated Pixel Data value bytes are malformed (PS3.5 A.4).
    #[error("malformed encapsulated pixel data at byte {offset}: {detail}")]
    Encapsulation {
        /// Offset in the value where the problem was found.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// The number of frames does not match the data.
    #[error("{expected} frames declared but {detail}")]
    FrameCount {
        /// Frames declared (NumberOfFrames).
        expected: u32,
        /// What was found instead.
        detail: String,
    },
    /// An output would need a length or offset beyond DICOM's 32 bits.
    #[error("{what} would be {len} bytes, beyond what 32-bit DICOM lengths and offsets address")]
    TooLarge {
        /// What grew too large.
        what: &'static str,
        /// Its size in bytes.
        len: u64,
    },
    /// This build cannot decode or encode the transfer syntax.
    #[error("{operation} transfer syntax {transfer_syntax} is not available: {remedy}")]
    Unsupported {
        /// Transfer syntax UID (a public constant, not identifying).
        transfer_syntax: String,
        /// Decoding or encoding.
        operation: Operation,
        /// What would add it: the cargo feature and its backend, or why
        /// nothing can.
        remedy: String,
    },
    /// A frame index past the last frame.
    #[error("frame index {index} is out of range: the pixel data has {frames} frame(s)")]
    FrameIndex {
        /// The 0-based index asked for.
        index: u32,
        /// Frames the pixel data has (NumberOfFrames).
        frames: u32,
    },
    /// The pixel value or a frame does not fit what the transfer syntax or
    /// the pixel format says (native value for an encapsulated syntax, a
    /// compressed frame whose size differs from Rows/Columns, samples of
    /// the wrong type, …).
    #[error("{detail}")]
    Mismatch {
        /// What does not fit (sizes, counts, attribute names only).
        detail: String,
    },
    /// A codec backend reported an error.
    #[error("{library} failed: {detail}")]
    Backend {
        /// The backend library.
        library: &'static str,
        /// Its message (about the stream's structure, never sample values).
        detail: String,
    },
    /// A codec backend panicked; the panic was caught.
    #[error("{library} panicked on this input (malformed or hostile data); the panic was caught")]
    Panicked {
        /// The backend library.
        library: &'static str,
    },
    /// An error while decoding or encoding one frame in a transfer syntax.
    #[error("{operation} frame {frame} of transfer syntax {transfer_syntax}: {inner}")]
    InFrame {
        /// Decoding or encoding.
        operation: Operation,
        /// Transfer syntax UID (a public constant, not identifying).
        transfer_syntax: String,
        /// Frame number, 1-based as DICOM numbers frames.
        frame: u32,
        /// What failed.
        inner: Box<CodecError>,
    },
    /// An error in one frame of a multi-frame operation.
    #[error("frame {frame}: {inner}")]
    Frame {
        /// Frame number, 1-based as DICOM numbers frames.
        frame: u32,
        /// The frame's error.
        inner: Box<CodecError>,
    },
}

impl CodecError {
    /// Wraps `self` with the (0-based) frame `index` it happened in.
    pub(crate) fn in_frame(self, index: usize) -> Self {
        CodecError::Frame {
            frame: u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1),
            inner: Box::new(self),
        }
    }
}

impl CodecError {
    /// Wraps `self` with the operation, transfer syntax and (0-based) frame
    /// `index` it happened in; [`CodecError::Unsupported`] and errors
    /// already wrapped are returned as they are.
    pub(crate) fn in_transfer_syntax(
        self,
        operation: Operation,
        transfer_syntax: &str,
        index: u32,
    ) -> Self {
        match self {
            CodecError::Unsupported { .. } | CodecError::InFrame { .. } => self,
            inner => CodecError::InFrame {
                operation,
                transfer_syntax: transfer_syntax.trim_end_matches(['\0', ' ']).to_owned(),
                frame: index.saturating_add(1),
                inner: Box::new(inner),
            },
        }
    }
}

/// `Result` with this crate's [`CodecError`].
pub type Result<T, E = CodecError> = std::result::Result<T, E>;
