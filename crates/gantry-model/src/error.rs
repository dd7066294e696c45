//! The model crate's error type.
//!
//! Errors carry locations (tag, byte offset, transfer syntax), never
//! element values: this is a de-identification tool.

/// What went wrong while decoding model data held in memory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The header names a transfer syntax this build does not know.
    #[error("unknown transfer syntax {uid}")]
    UnknownTransferSyntax {
        /// The transfer syntax UID (a public, non-identifying constant).
        uid: String,
    },
    /// The header bytes could not be decoded as a data set.
    #[error(
        "header bytes do not decode as a data set in transfer syntax {transfer_syntax}: {message}"
    )]
    HeaderDecode {
        /// Transfer syntax the bytes are in.
        transfer_syntax: String,
        /// The parser's explanation, which names positions and tags only.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
