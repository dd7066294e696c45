//! PHI inspection and de-identification planning for Gantry.
//!
//! This crate *decides*; it does not write files. Given an instance's
//! decoded header it says what identifies a person and what to do about
//! it:
//!
//! - [`profile`]: the PS3.15 Annex E Basic Profile (Table E.1-1, generated
//!   at build time from the standard's table, wildcard rows included) with
//!   every option column, and the `research` preset;
//! - [`iod`]: attribute types (1, 1C, 2, 2C, 3) per SOP class, which
//!   resolve the conditional actions `X/Z`, `X/D`, `Z/D`, `X/Z/D`, `X/Z/U*`
//!   so that output stays conformant;
//! - [`keys`]: the project key and everything derived from it — keyed UID
//!   remapping, per-patient date offsets, pseudonyms and hashes;
//! - [`dates`]: shifting DA/DT values (time zones kept, invalid values
//!   reported);
//! - [`private`]: private attribute policies (`remove`, `keep-safe` per
//!   Table E.3.10-1, creator lists);
//! - [`clean`]: scrubbing known identifiers out of free text;
//! - [`plan()`] / [`apply()`]: the per-instance plan of attribute operations
//!   (SPEC §6.2–6.5), shown in a dry run or applied;
//! - [`inspect()`]: audit findings with masked previews (SPEC §5).
//!
//! Architecture invariant: no file I/O except reading and writing key
//! files; no element value in any error or log.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod clean;
pub mod dates;
mod inspect;
pub mod iod;
pub mod keys;
mod normalize;
mod plan;
pub mod private;
pub mod profile;
pub mod seal;

pub use inspect::{Finding, InspectContext, inspect, likely_burned_in};
pub use normalize::normalize_un;
pub use plan::{
    CtpRule, MissingPseudonym, Plan, PlanError, PlannedOp, Policy, Rule, Subject, UserAction,
    apply, plan,
};
