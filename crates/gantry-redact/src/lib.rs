//! Pixel redaction of burned-in text for Gantry.
//!
//! This crate will own the redaction engine of SPEC §7: rules made of a
//! machine signature (conditions over any attribute) and regions, from the
//! user's config (Gantry `[r1, r2, c1, c2]` zones or CTP `(x, y, w, h)`
//! regions) and from the built-in CTP knowledge base; their application to
//! every frame of every supported pixel format with a configurable fill;
//! and the record of which rule blanked which regions of which frames.
//!
//! It is not implemented yet. It sits in the middle layer and will depend
//! on `gantry-model`, `gantry-codec` (to decode and re-encode frames) and
//! `gantry-ctp` (for the knowledge base).
#![forbid(unsafe_code)]
