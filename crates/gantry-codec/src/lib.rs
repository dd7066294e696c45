//! Pixel codecs for Gantry: frame-by-frame decoding into typed samples,
//! lossless encoders (including those dicom-rs lacks), and the table of
//! what this build can decode and encode.
//!
//! Redaction decodes a frame, blanks regions and re-encodes it (SPEC §7,
//! §9). The core types:
//!
//! - [`decode_frame`]: one frame of a [`PixelData`] value (native bytes or
//!   an encapsulated value, typically sliced out of a memory-mapped file)
//!   into a [`Frame`]: a [`PixelFormat`] and typed [`Samples`]. Only that
//!   frame's bytes are touched.
//! - [`Encoder`] / [`encode`]: frames into the value of a Pixel Data
//!   element ([`Encoded`]): native, RLE Lossless, JPEG-LS Lossless or
//!   JPEG 2000 Lossless, with the format, VR and lossiness to write.
//! - [`require`]: whether this build can decode or encode a transfer
//!   syntax, with an error naming the cargo feature that would add it.
//! - Lower level: [`encode_rle_frame`] / [`decode_rle_frame`] (DICOM RLE,
//!   PS3.5 Annex G, in pure Rust) and [`encapsulate`] / [`decapsulate`]
//!   (PS3.5 A.4).
//!
//! Errors ([`CodecError`]) name the transfer syntax, the frame, segment,
//! byte offset or sample index and what failed, never a pixel value.
//!
//! ```
//! use gantry_codec::{
//!     decode_frame, encode, Frame, Photometric, PixelData, PixelFormat, PixelValue, Samples,
//! };
//!
//! // Two frames of 2 x 3 signed 16-bit CT samples, RLE-compressed.
//! let format = PixelFormat {
//!     rows: 2,
//!     columns: 3,
//!     samples_per_pixel: 1,
//!     bits_allocated: 16,
//!     bits_stored: 16,
//!     signed: true,
//!     planar_configuration: 0,
//!     photometric: Photometric::Monochrome2,
//! };
//! let frames = [
//!     Frame { format, samples: Samples::I16(vec![-1000, -1000, 0, 40, 40, 3000]) },
//!     Frame { format, samples: Samples::I16(vec![-1024; 6]) },
//! ];
//! let encoded = encode("1.2.840.10008.1.2.5", frames.iter().cloned().map(Ok))?;
//! assert_eq!((encoded.frames, encoded.format, encoded.lossy), (2, format, false));
//!
//! // Decode the second frame only, as the redaction engine would.
//! let pixel_data = PixelData {
//!     transfer_syntax: "1.2.840.10008.1.2.5",
//!     format,
//!     frames: 2,
//!     value: PixelValue::Encapsulated(&encoded.value),
//! };
//! assert_eq!(decode_frame(&pixel_data, 1)?, frames[1]);
//! # Ok::<(), gantry_codec::CodecError>(())
//! ```
//!
//! # What decoding returns
//!
//! [`Frame::format`] describes the samples as decoded: native and RLE
//! frames keep the instance's format word for word (YBR_FULL_422 stays two
//! samples per pixel, planar configuration 1 stays planar, bits above Bits
//! Stored are kept and signed samples are not sign-extended, so
//! re-encoding is byte-exact); compressed frames come back interleaved,
//! JPEG colour as RGB, JPEG 2000 with a colour transform (YBR_RCT/ICT) as
//! RGB, compressed YBR_FULL_422 as YBR_FULL; PALETTE COLOR stays indices.
//!
//! Encapsulated frames are found through the Basic Offset Table; without
//! one, one fragment per frame is assumed when the counts match, and
//! otherwise a frame starts at each fragment that starts a codestream
//! (JPEG SOI, JPEG 2000 SOC+SIZ or JP2 signature), as pydicom does.
//! Extended Offset Tables are not read (the Basic Offset Table is then
//! empty and the signature search applies).
//!
//! # Cargo features and backends
//!
//! | feature | default | backend | language | adds |
//! |---|---|---|---|---|
//! | (none) | — | this crate | Rust | native and RLE Lossless, both ways |
//! | `jpeg` | yes | jpeg-decoder, the decoder dicom-rs uses, called directly so the colour transform follows the attributes when the stream is silent | Rust | JPEG Baseline, Extended (8-bit), Lossless, Lossless SV1 decoding |
//! | `charls` | no (the `gantry` CLI: yes) | CharLS: decoding through dicom-transfer-syntax-registry, encoding directly with sample interleave (dicom-rs's colour JPEG-LS output is broken) | C++, needs `cmake` | JPEG-LS decoding, JPEG-LS Lossless encoding |
//! | `openjpeg` | no (the `gantry` CLI: yes) | OpenJPEG (openjpeg-sys): decoding through dicom-transfer-syntax-registry and jpeg2k, encoding through this crate's only `unsafe` module | C | JPEG 2000 and HTJ2K decoding, JPEG 2000 Lossless encoding |
//!
//! The default build is pure Rust (`jpeg`); `--no-default-features` is
//! native and RLE only. The C and C++ backends are opt-in here and in the
//! `gantry` library (features `charls`, `openjpeg`); the `gantry` CLI turns
//! them on by default. With all three this crate decodes every transfer
//! syntax in the shared dev corpus that any dicom-rs backend decodes, and
//! encodes RLE, JPEG-LS and JPEG 2000 losslessly. dicom-rs's pure-Rust JPEG 2000 decoder (`openjp2`) is not
//! offered: it exports OpenJPEG's C symbols, so it cannot be linked beside
//! the encoder (and `--all-features` could not build).
//!
//! # Transfer syntaxes
//!
//! What [`require`] answers (also as data: [`transfer_syntaxes`]). "yes,
//! `feature`" is available when this crate is built with that feature.
//! Every encoder here is lossless; lossy encoders are not offered.
//!
//! | transfer syntax | UID | decode | encode | backend (language) |
//! |---|---|---|---|---|
//! | Implicit VR Little Endian | 1.2.840.10008.1.2 | native | native | none needed |
//! | Explicit VR Little Endian | 1.2.840.10008.1.2.1 | native | native | none needed |
//! | Deflated Explicit VR Little Endian | 1.2.840.10008.1.2.1.99 | native | native | the data set is deflated by the reader/writer, not here |
//! | Explicit VR Big Endian | 1.2.840.10008.1.2.2 | native | native | none needed (samples are big-endian; OW 8-bit values byte-swapped) |
//! | **RLE Lossless** | 1.2.840.10008.1.2.5 | **yes, built in** | **yes, built in** | this crate (Rust) |
//! | JPEG Baseline (Process 1) | 1.2.840.10008.1.2.4.50 | yes, `jpeg` | not offered (lossy; dicom-rs's encoder cuts 12/16-bit input to 8 bits) | jpeg-decoder (Rust) |
//! | JPEG Extended (Process 2 & 4) | 1.2.840.10008.1.2.4.51 | yes, `jpeg`, 8-bit frames only (12-bit DCT: a clear error) | not offered (lossy) | jpeg-decoder (Rust) |
//! | JPEG Lossless (Process 14) | 1.2.840.10008.1.2.4.57 | yes, `jpeg` | no backend | jpeg-decoder (Rust) |
//! | JPEG Lossless SV1 (Process 14, Selection Value 1) | 1.2.840.10008.1.2.4.70 | yes, `jpeg` | no backend | jpeg-decoder (Rust) |
//! | JPEG-LS Lossless | 1.2.840.10008.1.2.4.80 | yes, `charls` | **yes, `charls`** (8/16 bits allocated, 2–16 stored; colour sample-interleaved) | CharLS (C++, needs cmake) |
//! | JPEG-LS Near-Lossless | 1.2.840.10008.1.2.4.81 | yes, `charls` | not offered (lossy) | CharLS (C++, needs cmake) |
//! | JPEG 2000 Lossless | 1.2.840.10008.1.2.4.90 | yes, `openjpeg` | **yes, `openjpeg`** (8/16 bits allocated; reversible 5/3, no colour transform: RGB stays RGB) | OpenJPEG (C) |
//! | JPEG 2000 | 1.2.840.10008.1.2.4.91 | yes, `openjpeg` | not offered (lossy) | OpenJPEG (C) |
//! | JPEG 2000 Part 2 Lossless | 1.2.840.10008.1.2.4.92 | yes, `openjpeg` | no backend | OpenJPEG (C) |
//! | JPEG 2000 Part 2 | 1.2.840.10008.1.2.4.93 | yes, `openjpeg` | no backend | OpenJPEG (C) |
//! | HTJ2K Lossless | 1.2.840.10008.1.2.4.201 | yes, `openjpeg` | no backend | OpenJPEG (C) |
//! | HTJ2K RPCL Lossless | 1.2.840.10008.1.2.4.202 | yes, `openjpeg` | no backend | OpenJPEG (C) |
//! | HTJ2K | 1.2.840.10008.1.2.4.203 | yes, `openjpeg` | no backend | OpenJPEG (C) |
//! | JPEG XL Lossless | 1.2.840.10008.1.2.4.110 | planned: `jpegxl` | planned: `jpegxl` | jxl-oxide / zune-jpegxl (Rust) |
//! | JPEG XL JPEG Recompression | 1.2.840.10008.1.2.4.111 | planned: `jpegxl` | no backend | jxl-oxide (Rust) |
//! | JPEG XL | 1.2.840.10008.1.2.4.112 | planned: `jpegxl` | no backend | jxl-oxide (Rust) |
//!
//! Any other UID is reported as unknown.
//!
//! Encoders refuse, rather than silently change, what they cannot code
//! losslessly: JPEG-LS and JPEG 2000 code Bits Stored bits per sample, so
//! a frame with samples outside that range is an error (RLE and native
//! keep every bit). Compressed encoders write YBR_FULL_422 frames as
//! YBR_FULL (chrominance repeated) and planar configuration 0 for JPEG-LS
//! and JPEG 2000; [`Encoded::format`] says what was written.
//!
//! Architecture invariant: this crate is the only Gantry code that touches
//! codec backends and C. It is part of the bottom layer and depends on no
//! other Gantry crate. Panics inside backends are caught and reported as
//! [`CodecError::Panicked`]; `unsafe` is denied except in the OpenJPEG
//! encoder module.
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
