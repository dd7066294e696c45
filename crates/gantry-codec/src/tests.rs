//! The support table and its documentation.

use crate::{Operation, Support, require, transfer_syntax, transfer_syntaxes};

#[test]
fn every_uid_in_the_table_is_in_the_crate_docs() {
    let docs = include_str!("lib.rs");
    for row in transfer_syntaxes() {
        assert!(
            docs.contains(&format!("| {} |", row.uid)),
            "{} ({}) is missing from the table in the crate docs",
            row.uid,
            row.name
        );
    }
}

#[test]
fn rle_and_native_are_available() {
    for uid in [
        "1.2.840.10008.1.2",
        "1.2.840.10008.1.2.1",
        "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.2",
        "1.2.840.10008.1.2.5",
        "1.2.840.10008.1.2.5\0",
    ] {
        require(uid, Operation::Decode).unwrap();
        require(uid, Operation::Encode).unwrap();
    }
    let rle = transfer_syntax(crate::RLE_LOSSLESS).unwrap();
    assert_eq!(
        (rle.decode, rle.encode),
        (Support::Builtin, Support::Builtin)
    );
}

#[test]
fn features_of_this_build_decide_availability() {
    for (uid, operation, feature) in [
        (
            "1.2.840.10008.1.2.4.50",
            Operation::Decode,
            cfg!(feature = "jpeg"),
        ),
        (
            "1.2.840.10008.1.2.4.70",
            Operation::Decode,
            cfg!(feature = "jpeg"),
        ),
        (
            "1.2.840.10008.1.2.4.80",
            Operation::Decode,
            cfg!(feature = "charls"),
        ),
        (
            "1.2.840.10008.1.2.4.80",
            Operation::Encode,
            cfg!(feature = "charls"),
        ),
        (
            "1.2.840.10008.1.2.4.81",
            Operation::Decode,
            cfg!(feature = "charls"),
        ),
        (
            "1.2.840.10008.1.2.4.90",
            Operation::Decode,
            cfg!(feature = "openjpeg"),
        ),
        (
            "1.2.840.10008.1.2.4.90",
            Operation::Encode,
            cfg!(feature = "openjpeg"),
        ),
        (
            "1.2.840.10008.1.2.4.201",
            Operation::Decode,
            cfg!(feature = "openjpeg"),
        ),
    ] {
        assert_eq!(
            require(uid, operation).is_ok(),
            feature,
            "{uid} {operation}"
        );
    }
}

/// The exact message a build without `charls` gives (and the one every
/// build gives for a feature that is only planned).
#[test]
fn missing_codecs_name_their_feature_and_language() {
    if !cfg!(feature = "charls") {
        let message = require("1.2.840.10008.1.2.4.80", Operation::Encode)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "encoding transfer syntax 1.2.840.10008.1.2.4.80 is not available: JPEG-LS Lossless Image Compression needs gantry-codec's cargo feature `charls` (links C++: CharLS, lossless, interleaved colour (needs cmake)), which this build does not have"
        );
    }
    if !cfg!(feature = "openjpeg") {
        let message = require("1.2.840.10008.1.2.4.90", Operation::Decode)
            .unwrap_err()
            .to_string();
        assert!(message.contains("`openjpeg` (links C"), "{message}");
    }
    let message = require("1.2.840.10008.1.2.4.110", Operation::Decode)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "decoding transfer syntax 1.2.840.10008.1.2.4.110 is not available: JPEG XL Lossless needs gantry-codec's cargo feature `jpegxl` (pure Rust: jxl-oxide) (planned, not implemented yet)"
    );

    let message = require("1.2.840.10008.1.2.4.50", Operation::Encode)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("encoding is not offered: lossy"),
        "{message}"
    );

    let message = require("1.2.840.10008.1.2.4.57", Operation::Encode)
        .unwrap_err()
        .to_string();
    assert!(message.contains("no backend"), "{message}");

    let message = require("1.2.3.4", Operation::Decode)
        .unwrap_err()
        .to_string();
    assert!(message.contains("unknown"), "{message}");
}

#[test]
fn uids_are_unique() {
    let mut uids: Vec<_> = transfer_syntaxes().iter().map(|r| r.uid).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), transfer_syntaxes().len());
}
