//! The store's error type.
//!
//! Every variant names where the problem is (session file, sidecar offset,
//! table) and never an element value.

use std::path::PathBuf;

/// What went wrong in the session store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite reported an error on the session database.
    #[error("session database {path}: {source}")]
    Sqlite {
        /// The session file.
        path: PathBuf,
        /// SQLite's error (messages name tables and constraints, not values).
        #[source]
        source: rusqlite::Error,
    },
    /// File I/O failed (the error names the file via fs-err).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The session was written by a newer Gantry with a schema we do not know.
    #[error(
        "session database {path} has schema version {found}, newer than this build's {supported}"
    )]
    SchemaTooNew {
        /// The session file.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Newest version this build can read.
        supported: i64,
    },
    /// A sidecar record failed its integrity checks; it is never returned.
    #[error("sidecar {path}: damaged record at offset {offset}: {problem}")]
    DamagedRecord {
        /// The sidecar file.
        path: PathBuf,
        /// Offset of the record.
        offset: u64,
        /// What check failed (bad magic, length past end, checksum, zlib).
        problem: String,
    },
    /// A stored row could not be turned back into model data.
    #[error("session database {path}: corrupt {what} in row {row}")]
    CorruptRow {
        /// The session file.
        path: PathBuf,
        /// Which column or blob.
        what: &'static str,
        /// Row id.
        row: i64,
    },
}

/// `Result` with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
