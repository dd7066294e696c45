//! Gantry's object model: the data every other crate talks about.
//!
//! A DICOM collection is a graph Patient → Study → Series → Instance, with
//! [`Equipment`] attached per series. This crate names those things with
//! typed keys ([`PatientKey`], [`StudyKey`], [`SeriesKey`], [`SopInstanceUid`]),
//! says how users write tags ([`TagPath`], [`TagSpec`]), and defines the two
//! halves of an indexed instance:
//!
//! - [`Header`]: the lossless header — every element but Pixel Data,
//!   private elements and sequences included, in the bytes and transfer
//!   syntax of the source — from which export derives what it writes;
//! - [`PixelDataRef`]: where the pixels are (source file range or sidecar
//!   record), their transfer syntax, frame count and fragment table.
//!
//! [`IndexedAttributes`] holds the handful of values the store indexes.
//! Values that may identify a person travel in [`Phi`], whose `Debug` and
//! `Display` never print them.
//!
//! ```
//! use gantry_model::TagPath;
//!
//! let path: TagPath = "ReferencedStudySequence/ReferencedSOPInstanceUID".parse().unwrap();
//! assert_eq!(path.to_string(), "(0008,1110)/(0008,1155)");
//! ```
//!
//! Architecture invariant: this crate is data and identifiers. It does no
//! file or database I/O; decoding a [`Header`] works on bytes in memory.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod attributes;
mod error;
mod header;
mod keys;
mod phi;
mod pixel;
mod shard;
mod tag;

pub use attributes::{IndexedAttributes, YesNo};
pub use error::{Error, Result};
pub use header::Header;
pub use keys::{
    Equipment, FileId, InstanceId, PatientKey, SeriesKey, SopInstanceUid, StudyKey, Uid,
};
pub use phi::Phi;
pub use pixel::{Fragment, PixelDataRef, PixelLocation, SidecarRecordId};
pub use shard::{Shard, ShardParseError, part_of};
pub use tag::{PathStep, TagParseError, TagPath, TagPattern, TagSpec};

/// Re-export of `dicom-core`, whose [`Tag`](dicom_core::Tag) and
/// [`VR`](dicom_core::VR) appear in this crate's API.
pub use dicom_core;
/// Re-export of `dicom-object`, whose in-memory object [`Header::decode`] returns.
pub use dicom_object;
