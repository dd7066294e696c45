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

/// A backend that a cargo feature of this crate brings in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backend {
    /// The gantry-codec cargo feature.
    pub feature: &'static str,
    /// The library doing the work.
    pub library: &'static str,
    /// What it is written in.
    pub language: Language,
}

impl Backend {
    /// Whether this build has the backend's cargo feature on.
    pub fn is_enabled(&self) -> bool {
        feature_enabled(self.feature)
    }
}

/// The backend features this build of gantry-codec has.
const ENABLED_FEATURES: &[&str] = &[
    #[cfg(feature = "jpeg")]
    "jpeg",
    #[cfg(feature = "charls")]
    "charls",
    #[cfg(feature = "openjpeg")]
    "openjpeg",
];

/// Whether gantry-codec was built with cargo feature `feature`.
fn feature_enabled(feature: &str) -> bool {
    ENABLED_FEATURES.contains(&feature)
}

/// How one direction of one transfer syntax is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Support {
    /// Native (uncompressed) pixel data: no codec is involved.
    Native,
    /// Implemented in this crate, in pure Rust, in every build.
    Builtin,
    /// Implemented behind a cargo feature of this crate: available when
    /// one of these backends' features is on (see [`Backend::is_enabled`]).
    Feature(&'static [Backend]),
    /// Would come from one of these backends, behind a cargo feature of
    /// this crate that is planned but not implemented yet.
    Planned(&'static [Backend]),
    /// Deliberately not offered, for the reason given (for example a
    /// lossy encoder: Gantry re-encodes losslessly).
    NotOffered(&'static str),
    /// No backend: neither dicom-rs 0.10 nor Gantry can do it.
    Unavailable,
}

impl Support {
    /// Whether this build can do it.
    pub fn is_available(&self) -> bool {
        match self {
            Support::Native | Support::Builtin => true,
            Support::Feature(backends) => backends.iter().any(Backend::is_enabled),
            Support::Planned(_) | Support::NotOffered(_) | Support::Unavailable => false,
        }
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
    library: "jpeg-decoder, as in dicom-rs",
    language: Language::Rust,
}];
const JPEG_8BIT_DECODER: &[Backend] = &[Backend {
    feature: "jpeg",
    library: "jpeg-decoder, as in dicom-rs; 8-bit frames only, 12-bit DCT is not supported",
    language: Language::Rust,
}];
const CHARLS_DECODER: &[Backend] = &[Backend {
    feature: "charls",
    library: "CharLS through dicom-transfer-syntax-registry (needs cmake)",
    language: Language::Cpp,
}];
const CHARLS_ENCODER: &[Backend] = &[Backend {
    feature: "charls",
    library: "CharLS, lossless, interleaved colour (needs cmake)",
    language: Language::Cpp,
}];
const J2K_DECODER: &[Backend] = &[Backend {
    feature: "openjpeg",
    library: "OpenJPEG (openjpeg-sys) through dicom-transfer-syntax-registry",
    language: Language::C,
}];
const J2K_ENCODER: &[Backend] = &[Backend {
    feature: "openjpeg",
    library: "OpenJPEG (openjpeg-sys), reversible 5/3 wavelet, no colour transform",
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

/// Why lossy encoders are not offered.
const LOSSY: &str = "lossy; Gantry re-encodes losslessly (SPEC 9)";

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

use Support::{Builtin, Feature, Native, NotOffered, Planned, Unavailable};

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
        Feature(JPEG_DECODER),
        NotOffered(
            "lossy, and dicom-rs's encoder silently cuts 12/16-bit input to 8 bits; Gantry re-encodes losslessly (SPEC 9)",
        ),
    ),
    row(
        "1.2.840.10008.1.2.4.51",
        "JPEG Extended (Process 2 & 4)",
        Feature(JPEG_8BIT_DECODER),
        NotOffered(LOSSY),
    ),
    row(
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
        Feature(JPEG_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
        Feature(JPEG_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless Image Compression",
        Feature(CHARLS_DECODER),
        Feature(CHARLS_ENCODER),
    ),
    row(
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Lossy (Near-Lossless) Image Compression",
        Feature(CHARLS_DECODER),
        NotOffered(LOSSY),
    ),
    row(
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 Image Compression (Lossless Only)",
        Feature(J2K_DECODER),
        Feature(J2K_ENCODER),
    ),
    row(
        "1.2.840.10008.1.2.4.91",
        "JPEG 2000 Image Compression",
        Feature(J2K_DECODER),
        NotOffered(LOSSY),
    ),
    row(
        "1.2.840.10008.1.2.4.92",
        "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
        Feature(J2K_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.93",
        "JPEG 2000 Part 2 Multi-component Image Compression",
        Feature(J2K_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        Feature(J2K_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
        Feature(J2K_DECODER),
        Unavailable,
    ),
    row(
        "1.2.840.10008.1.2.4.203",
        "High-Throughput JPEG 2000 Image Compression",
        Feature(J2K_DECODER),
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
/// let err = require("1.2.840.10008.1.2.4.50", Operation::Encode).unwrap_err();
/// assert!(err.to_string().contains("not offered"));
/// let err = require("1.2.840.10008.1.2.4.110", Operation::Decode).unwrap_err();
/// assert!(err.to_string().contains("`jpegxl`"));
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
    let describe = |backends: &[Backend]| -> String {
        backends
            .iter()
            .map(|b| {
                let language = match b.language {
                    Language::Rust => "pure Rust",
                    Language::C => "links C",
                    Language::Cpp => "links C++",
                };
                format!("`{}` ({}: {})", b.feature, language, b.library)
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    match support {
        Native | Builtin => Ok(()),
        Feature(backends) if support.is_available() => {
            debug_assert!(backends.iter().any(Backend::is_enabled));
            Ok(())
        }
        Feature(backends) => Err(unsupported(format!(
            "{} needs gantry-codec's cargo feature {}, which this build does not have",
            row.name,
            describe(backends)
        ))),
        Planned(backends) => Err(unsupported(format!(
            "{} needs gantry-codec's cargo feature {} (planned, not implemented yet)",
            row.name,
            describe(backends)
        ))),
        NotOffered(reason) => Err(unsupported(format!(
            "{} {operation} is not offered: {reason}",
            row.name
        ))),
        Unavailable => Err(unsupported(format!(
            "no backend for {} {operation}: neither dicom-rs 0.10 nor Gantry implements it",
            row.name
        ))),
    }
}
