//! PHI inspection and de-identification planning for Gantry.
//!
//! This crate will own everything that *decides* what happens to an
//! identifying attribute, without writing anything itself:
//!
//! - **Inspection**: walking every element of an instance (sequences, SR
//!   content trees, private blocks) and producing findings with masked
//!   previews only (SPEC §5).
//! - **Profiles**: the PS3.15 Annex E Basic Profile generated from
//!   `standard/ps315_table_e1_1_2024b.json` with every option column, and
//!   the `research` preset (SPEC §6.1).
//! - **Remediation plans**: per-instance lists of attribute operations
//!   (remove, empty, dummy, keyed UID remap, date shift, hash, replace) that
//!   can be shown in a dry run and then applied (SPEC §6.2–§6.5).
//! - **Reversible pseudonymisation**: sealing original values into the
//!   Encrypted Attributes Sequence with AES-SIV or CMS (SPEC §6.6).
//!
//! It is not implemented yet: the foundation issue only builds the layers
//! below it. It depends on `gantry-model` alone.
#![forbid(unsafe_code)]
