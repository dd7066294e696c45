//! Gantry's session store: SQLite metadata plus the pixel sidecar.
//!
//! A session is one SQLite database (default `gantry.db`) holding the
//! source files and their states, the Patient → Study → Series → Instance
//! graph with equipment, and per instance the indexed key attributes, the
//! lossless header and the pixel reference; and beside it an append-only
//! sidecar (`gantry.db.pixels`) for pixel data that was copied or modified.
//!
//! - [`Store`] opens a session, migrates it, records ingest batches
//!   ([`Store::write_batch`]) and answers queries ([`Store::inventory`]).
//! - [`Sidecar`] is the pixel record file: checksummed records, optional
//!   zlib, read through a memory map; damaged records are reported, never
//!   returned.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let store = gantry_store::Store::open(dir.path().join("gantry.db")).unwrap();
//! assert_eq!(store.inventory().unwrap().instances, 0);
//! ```
//!
//! Architecture invariant: this crate is the only code that knows SQL or
//! the sidecar layout. It depends on `gantry-model` alone.
#![deny(missing_docs)]

mod deid;
mod error;
mod findings;
mod inventory;
mod purge;
mod redaction;
mod report;
mod schema;
mod sidecar;
mod store;

pub use deid::{
    Candidate, ExportRecord, ExportStatus, FindingRow, FindingsSummary, KnownIdentifiers,
    MappingRow, Selection, hex, utc_now, utc_rfc3339,
};
pub use error::{Error, Result};
pub use inventory::{DuplicateGroup, EquipmentCount, FileCounts, FileProblem, Inventory};
pub use purge::PurgeStats;
pub use redaction::{RedactionRow, RedactionSummary};
pub use report::{AuditEvent, CoverageRow, ExportOutcomes, ProblemCount, ReasonCount};
pub use sidecar::{CompactStats, Compression, Sidecar};
pub use store::{FileOutcome, FileStat, FileState, KnownFile, NewInstance, Store, StoredInstance};

/// Re-export of the model crate, whose types appear in this API.
pub use gantry_model as model;
