//! Pixel codecs for Gantry: the bridge to `dicom-pixeldata`.
//!
//! This crate will own every contact with codec backends and C code
//! (SPEC §9): decoding frames into typed buffers one frame at a time,
//! the encoders dicom-rs lacks (DICOM RLE, JPEG 2000 lossless through
//! OpenJPEG, colour JPEG-LS through CharLS), transcoding on export, and a
//! transfer-syntax → cargo feature → backend table in these docs. A
//! missing codec will be reported as an error naming the transfer syntax
//! and the feature that would add it.
//!
//! It is not implemented yet and has no dependencies: it is part of the
//! bottom layer, next to `gantry-model` and `gantry-ctp`.
#![forbid(unsafe_code)]
