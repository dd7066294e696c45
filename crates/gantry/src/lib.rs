//! Gantry turns raw DICOM collections into safe, research-ready datasets.
//!
//! This is the facade: it re-exports the layers under short names and
//! orchestrates them in [`Session`]:
//!
//! - [`model`]: the Patient → Study → Series → Instance graph, tags, the
//!   lossless header and the pixel reference;
//! - [`store`]: the SQLite session and the pixel sidecar;
//! - [`privacy`], [`redact`], [`codec`], [`ctp`]: de-identification,
//!   pixel redaction, codecs and CTP scripts (later issues).
//!
//! Long operations report through a [`Progress`] callback; nothing here
//! prints. Problems with single input files never fail an operation: they
//! are recorded as file states with reasons.
//!
//! ```no_run
//! let mut session = gantry::Session::open("gantry.db")?;
//! let report = session.ingest(
//!     &["incoming/".into()],
//!     &gantry::IngestOptions::default(),
//!     &gantry::NoProgress,
//! )?;
//! println!("{} files read, {} unchanged", report.scanned, report.unchanged);
//! # Ok::<(), gantry::Error>(())
//! ```
#![deny(missing_docs)]
// One exception, `ingest::release_free_memory` (malloc_trim), allows it locally.
#![deny(unsafe_code)]

pub mod config;
pub mod ctp_import;
mod deid;
mod error;
pub mod export;
pub mod ingest;
mod policy;
mod progress;
pub mod recover;
pub mod redaction;
pub mod report;
mod session;
#[cfg(feature = "synth")]
pub mod synth;
mod verify;

pub use deid::{Deidentifier, KeySource, identifiers_of};
pub use error::{Error, Result};
pub use export::{Checksum, ExportOptions, ExportReport};
pub use ingest::{IngestOptions, IngestReport};
pub use policy::policy_from_config;
pub use progress::{NoProgress, Progress};
pub use report::Report;
pub use session::Session;
pub use session::{AnonymizeReport, AuditReport, RunReport};
pub use verify::{VerifyDetail, VerifyReport};

pub use gantry_codec as codec;
pub use gantry_ctp as ctp;
pub use gantry_model as model;
pub use gantry_privacy as privacy;
pub use gantry_redact as redact;
pub use gantry_store as store;
