//! Which transfer syntaxes this build can decode and encode, and what
//! would add the others (the table in the crate docs, as data).

use std::fmt;

use crate::error::{CodecError, Result};

/// Decoding or encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Compressed (or native) pixel data to native frames.
    Decode,
    /// Native frames to the transfer syntax's pixel data.
    Encode,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Decode => "decoding",
            Operation::Encode => "encoding",
        })
    }
}

/// The language a codec backend is written in: C and C++ need a C
/// toolchain (and CharLS needs `cmake`) at build time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// Pure Rust.
    Rust,
    /// Links C code.
    C,
    /// Links C++ code.
    Cpp,
}

/// A backend that a cargo feature of this crate would bring in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backend {
    /// The gantry-codec cargo feature.
    pub feature: &'static str,
    /// The library doing the work.
    pub library: &'static str,
    /// What it is written in.
    pub language: Language,
}

/// How one direction of one transfer syntax is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Support {
    /// Native (uncompressed) pixel data: no codec is involved.
    Native,
    /// Implemented in this crate, in pure Rust, in every build.
    Builtin,
    /// Would come from one of these backends, behind a cargo feature of
    /// this crate that is planned but not implemented yet.
    Planned(&'static [Backend]),
    /// No backend: neither dicom-rs 0.10 nor Gantry can do it.
    Unavailable,
}

impl Support {
    /// Whether this build can do it.
    pub fn is_available(&self) -> bool {
        matches!(self, Support::Native | Support::Builtin)
    }
}

/// One row of the support table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransferSyntaxSupport {
    /// Transfer syntax UID.
    pub uid: &'static str,
    /// Its name in PS3.6.
    pub name: &'static str,
    /// Decoding to native frames.
    pub decode: Support,
    /// Encoding native frames.
    pub encode: Support,
}

const JPEG_DECODER: &[Backend] = &[Backend {
    feature: "jpeg",
    library: "jpeg-decoder (through dicom-pixeldata)",
    language: Language::Rust,
}];
const JPEG_ENCODER: &[Backend] = &[Backend {
    feature: "jpeg",
    library: "jpeg-encoder (through dicom-pixeldata; 8-bit input only)",
    language: Language::Rust,
}];
const CHARLS: &[Backend] = &[Backend {
    feature: "charls",
    library: "CharLS (needs cmake)",
    language: Language::Cpp,
}];
const J2K_DECODERS: &[Backend] = &[
    Backend {
        feature: "openjp2",
        library: "openjp2 (Rust port of OpenJPEG)",
        language: Language::Rust,
    },
    Backend {
        feature: "openjpeg",
        library: "OpenJPEG (openjpeg-sys)",
        language: Language::C,
    },
];
const J2K_ENCODER: &[Backend] = &[Backend {
    feature: "openjpeg",
    library: "OpenJPEG (openjpeg-sys), lossless",
    language: Language::C,
}];
const JXL_DECODER: &[Backend] = &[Backend {
    feature: "jpegxl",
    library: "jxl-oxide",
    language: Language::Rust,
}];
const JXL_ENCODER: &[Backend] = &[Backend {
    feature: "jpegxl",
    library: "zune-jpegxl, lossless",
    language: Language::Rust,
}];

const fn row(
    uid: &'static str,
    name: &'static str,
    decode: Support,
    encode: Support,
) -> TransferSyntaxSupport {
    TransferSyntaxSupport {
        uid,
        name,
        decode,
        encode,
    }
}

use Support::{Builtin, Native, Planned, Unavailable};

/// The support table; keep it in step with the table in the crate docs
/// (a unit test checks that every UID appears there).
static TABLE: &[TransferSyntaxSupport] = &[
    row(
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        Native,
        Native,
    ),
    row(
        "1.2.840.10008.1.2.1",
        "Explicit VR Little Endian",
        Native,
        Native,
    ),
    row(
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
        Native,
        Native,
    ),
    row(
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        Native,
        Native,
    ),
    row("1.2.840.10008.1.2.5", "RLE Lossless", Builtin, Builtin),
    row(
        "1.2.840.10008.1.2.4.50",
        "JPEG Baseline (Process 1)",
        Planned(JPEG_DECODER),
        Planned(JPEG_ENCODER),
    ),
    row(
        "1.2.840.10008.1.2.4.51",
        "JPEG Extended (Process 2 & 4)",
        Unavailable,
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
        Planned(JPEG_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
        Planned(JPEG_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless Image Compression",
        Planned(CHARLS),
        Planned(CHARLS),
    ),
    row(
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Lossy (Near-Lossless) Image Compression",
        Planned(CHARLS),
        Planned(CHARLS),
    ),
    row(
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 Image Compression (Lossless Only)",
        Planned(J2K_DECODERS),
        Planned(J2K_ENCODER),
    ),
    row(
        "1.2.840.10008.1.2.4.91",
        "JPEG 2000 Image Compression",
        Planned(J2K_DECODERS),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.92",
        "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
        Planned(J2K_DECODERS),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.93",
        "JPEG 2000 Part 2 Multi-component Image Compression",
        Planned(J2K_DECODERS),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        Planned(J2K_DECODERS),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
        Planned(J2K_DECODERS),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.203",
        "High-Throughput JPEG 2000 Image Compression",
        Planned(J2K_DECODERS),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.110",
        "JPEG XL Lossless",
        Planned(JXL_DECODER),
        Planned(JXL_ENCODER),
    ),
    row(
        "1.2.840.10008.1.2.4.111",
        "JPEG XL JPEG Recompression",
        Planned(JXL_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.112",
        "JPEG XL",
        Planned(JXL_DECODER),
        Unavailable,
    ),
];

/// Every transfer syntax this crate knows, with how each direction is (or
/// would be) handled: the table in the crate docs, as data.
pub fn transfer_syntaxes() -> &'static [TransferSyntaxSupport] {
    TABLE
}

/// The support table's row for `transfer_syntax_uid` (trailing NUL or
/// space padding ignored), if this crate knows it.
pub fn transfer_syntax(transfer_syntax_uid: &str) -> Option<&'static TransferSyntaxSupport> {
    let uid = transfer_syntax_uid.trim_end_matches(['\0', ' ']);
    TABLE.iter().find(|row| row.uid == uid)
}

/// Checks that this build can `operation` pixel data in the transfer
/// syntax, before any work is done.
///
/// # Errors
///
/// [`CodecError::Unsupported`], whose message names the cargo feature
/// (and the backend and its language) that would add the transfer syntax,
/// or says that no backend can, or that the UID is unknown.
///
/// ```
/// use gantry_codec::{require, Operation};
///
/// assert!(require("1.2.840.10008.1.2.5", Operation::Encode).is_ok());
/// let err = require("1.2.840.10008.1.2.4.90", Operation::Decode).unwrap_err();
/// assert!(err.to_string().contains("`openjp2`"));
/// ```
pub fn require(transfer_syntax_uid: &str, operation: Operation) -> Result<()> {
    let unsupported = |remedy: String| CodecError::Unsupported {
        transfer_syntax: transfer_syntax_uid.trim_end_matches(['\0', ' ']).to_owned(),
        operation,
        remedy,
    };
    let Some(row) = transfer_syntax(transfer_syntax_uid) else {
        return Err(unsupported(
            "unknown to gantry-codec; no backend is known for it".to_owned(),
        ));
    };
    let support = match operation {
        Operation::Decode => row.decode,
        Operation::Encode => row.encode,
    };
    match support {
        Native | Builtin => Ok(()),
        Planned(backends) => {
            let options: Vec<String> = backends
                .iter()
                .map(|b| {
                    let language = match b.language {
                        Language::Rust => "pure Rust",
                        Language::C => "links C",
                        Language::Cpp => "links C++",
                    };
                    format!("`{}` ({}: {})", b.feature, language, b.library)
                })
                .collect();
            Err(unsupported(format!(
                "{} needs gantry-codec's cargo feature {} (planned, not implemented yet)",
                row.name,
                options.join(" or ")
            )))
        }
        Unavailable => Err(unsupported(format!(
            "no backend for {} {}: neither dicom-rs 0.10 nor Gantry implements it",
            row.name,
            match operation {
                Operation::Decode => "decoding",
                Operation::Encode => "encoding",
            }
        ))),
    }
}
