//! The facade's error type: failures that stop a whole operation.
//!
//! Problems with single input files are not errors: they become file
//! states with reasons in the session (SPEC §3). What is left here stops
//! the run — an unusable session, an input path that does not exist.

use std::path::PathBuf;

/// A failure that stops an operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session store failed.
    #[error(transparent)]
    Store(#[from] gantry_store::Error),
    /// An input path given by the user does not exist or cannot be read.
    #[error("input {path}: {source}")]
    Input {
        /// The path as given.
        path: PathBuf,
        /// Why it cannot be used.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is not valid (the message names file, line and
    /// column).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A key could not be created or read (the message names the file,
    /// never key material).
    #[error("key: {0}")]
    Key(String),
    /// The request cannot be carried out as given (bad layout, bad
    /// selection, bad config value).
    #[error("{0}")]
    Usage(String),
    /// A sealed file could not be restored (wrong key, altered content,
    /// unreadable file); nothing was written.
    #[error("{path}: {reason}")]
    Recover {
        /// The file.
        path: PathBuf,
        /// Why (never a value or key material).
        reason: String,
    },
    /// A worker thread of the pipeline stopped unexpectedly.
    #[error("internal error: the {0} thread stopped unexpectedly")]
    Worker(&'static str),
}

/// `Result` with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
