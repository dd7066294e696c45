//! Pixel codecs for Gantry: the encoders dicom-rs lacks, and the table of
//! what this build can decode and encode.
//!
//! Redaction decodes a frame, blanks regions and re-encodes it (SPEC §7,
//! §9); dicom-rs 0.10 decodes RLE Lossless but cannot encode it. This crate
//! implements DICOM RLE Lossless (PS3.5 Annex G) both ways in pure Rust:
//!
//! - [`encode_rle_frame`] / [`decode_rle_frame`]: one native frame, in the
//!   shape given by a [`FrameLayout`], to and from the value of its single
//!   RLE fragment;
//! - [`encapsulate`] / [`decapsulate`]: fragments to and from the value of
//!   an encapsulated Pixel Data element (Basic Offset Table, one item per
//!   frame, Sequence Delimitation Item);
//! - [`encode_rle_pixel_data`] / [`decode_rle_pixel_data`]: both steps for
//!   all frames of a Pixel Data value;
//! - [`require`]: whether this build can decode or encode a transfer
//!   syntax, with an error naming the cargo feature that would add it.
//!
//! Errors ([`CodecError`]) name the frame, segment, byte offset and layout,
//! never a pixel value.
//!
//! ```
//! use gantry_codec::{decode_rle_frame, encode_rle_frame, encapsulate, FrameLayout};
//!
//! // Two rows of three 8-bit RGB pixels, interleaved (planar configuration 0).
//! let layout = FrameLayout {
//!     rows: 2,
//!     columns: 3,
//!     samples_per_pixel: 3,
//!     bits_allocated: 8,
//!     planar_configuration: 0,
//! };
//! let native: Vec<u8> = (0..18).map(|i| (i / 3) as u8).collect();
//! let fragment = encode_rle_frame(&native, layout)?;
//! assert_eq!(&fragment[..4], &3u32.to_le_bytes()); // one segment per sample
//! assert_eq!(decode_rle_frame(&fragment, layout)?, native);
//!
//! // The Pixel Data value of a one-frame RLE Lossless instance.
//! let value = encapsulate(&[fragment])?;
//! assert_eq!(&value[value.len() - 8..], &[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
//! # Ok::<(), gantry_codec::CodecError>(())
//! ```
//!
//! # Transfer syntaxes, backends and cargo features
//!
//! What [`require`] answers (also as data: [`transfer_syntaxes`]). Today
//! this crate has **no cargo features**: native pixel data needs no codec,
//! and RLE Lossless is built in, in pure Rust. Every other row names the
//! feature planned for it and whether its backend is pure Rust or links C;
//! C and C++ backends will stay opt-in, so a pure-Rust build remains
//! possible.
//!
//! | transfer syntax | UID | decode | encode | backend (language) |
//! |---|---|---|---|---|
//! | Implicit VR Little Endian | 1.2.840.10008.1.2 | native | native | none needed |
//! | Explicit VR Little Endian | 1.2.840.10008.1.2.1 | native | native | none needed |
//! | Deflated Explicit VR Little Endian | 1.2.840.10008.1.2.1.99 | native | native | data set deflate by dicom-object (Rust) |
//! | Explicit VR Big Endian | 1.2.840.10008.1.2.2 | native | native | none needed (samples are big-endian) |
//! | **RLE Lossless** | 1.2.840.10008.1.2.5 | **yes, this crate** | **yes, this crate** | built in (Rust) |
//! | JPEG Baseline (Process 1) | 1.2.840.10008.1.2.4.50 | planned: `jpeg` | planned: `jpeg`, 8-bit only | jpeg-decoder / jpeg-encoder via dicom-pixeldata (Rust) |
//! | JPEG Extended (Process 2 & 4) | 1.2.840.10008.1.2.4.51 | no backend | no backend | dicom-rs 0.10 cannot decode 12-bit JPEG |
//! | JPEG Lossless (Process 14) | 1.2.840.10008.1.2.4.57 | planned: `jpeg` | no backend | jpeg-decoder via dicom-pixeldata (Rust) |
//! | JPEG Lossless SV1 (Process 14, Selection Value 1) | 1.2.840.10008.1.2.4.70 | planned: `jpeg` | no backend | jpeg-decoder via dicom-pixeldata (Rust) |
//! | JPEG-LS Lossless | 1.2.840.10008.1.2.4.80 | planned: `charls` | planned: `charls` (correct colour path) | CharLS (C++, needs cmake) |
//! | JPEG-LS Near-Lossless | 1.2.840.10008.1.2.4.81 | planned: `charls` | planned: `charls` | CharLS (C++, needs cmake) |
//! | JPEG 2000 Lossless | 1.2.840.10008.1.2.4.90 | planned: `openjp2` or `openjpeg` | planned: `openjpeg` | openjp2 (Rust port) / OpenJPEG via openjpeg-sys (C) |
//! | JPEG 2000 | 1.2.840.10008.1.2.4.91 | planned: `openjp2` or `openjpeg` | no backend | as above |
//! | JPEG 2000 Part 2 Lossless | 1.2.840.10008.1.2.4.92 | planned: `openjp2` or `openjpeg` | no backend | as above |
//! | JPEG 2000 Part 2 | 1.2.840.10008.1.2.4.93 | planned: `openjp2` or `openjpeg` | no backend | as above |
//! | HTJ2K Lossless | 1.2.840.10008.1.2.4.201 | planned: `openjp2` or `openjpeg` | no backend | as above |
//! | HTJ2K RPCL Lossless | 1.2.840.10008.1.2.4.202 | planned: `openjp2` or `openjpeg` | no backend | as above |
//! | HTJ2K | 1.2.840.10008.1.2.4.203 | planned: `openjp2` or `openjpeg` | no backend | as above |
//! | JPEG XL Lossless | 1.2.840.10008.1.2.4.110 | planned: `jpegxl` | planned: `jpegxl` | jxl-oxide / zune-jpegxl (Rust) |
//! | JPEG XL JPEG Recompression | 1.2.840.10008.1.2.4.111 | planned: `jpegxl` | no backend | jxl-oxide (Rust) |
//! | JPEG XL | 1.2.840.10008.1.2.4.112 | planned: `jpegxl` | no backend | jxl-oxide (Rust) |
//!
//! Any other UID is reported as unknown.
//!
//! Architecture invariant: this crate is the only Gantry code that touches
//! codec backends and C. It is part of the bottom layer and depends on no
//! other Gantry crate.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod codestream;
mod convert;
mod decode;
#[cfg(any(feature = "charls", feature = "openjpeg"))]
mod dicom_rs;
mod encapsulated;
mod encode;
mod error;
mod fragments;
mod frame;
#[cfg(feature = "openjpeg")]
mod j2k;
#[cfg(feature = "jpeg")]
mod jpeg;
#[cfg(feature = "charls")]
mod jpegls;
mod layout;
mod rle;
mod support;

pub use decode::{PixelData, PixelValue, decode_frame};
pub use encapsulated::{Encapsulated, decapsulate, encapsulate};
pub use encode::{Encoded, Encoder, PixelVr, encode};
pub use error::{CodecError, Result};
pub use frame::{Frame, Photometric, PixelFormat, Samples};
pub use layout::FrameLayout;
pub use rle::{decode_rle_frame, decode_rle_pixel_data, encode_rle_frame, encode_rle_pixel_data};
pub use support::{
    Backend, Language, Operation, Support, TransferSyntaxSupport, require, transfer_syntax,
    transfer_syntaxes,
};

/// The RLE Lossless transfer syntax UID, the one [`encode_rle_frame`]
/// produces.
pub const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

#[cfg(test)]
mod tests;
