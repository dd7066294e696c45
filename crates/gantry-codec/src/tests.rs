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
fn missing_codecs_name_their_feature_and_language() {
    let err = require("1.2.840.10008.1.2.4.90", Operation::Decode).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("decoding transfer syntax 1.2.840.10008.1.2.4.90"),
        "{message}"
    );
    assert!(message.contains("`openjp2` (pure Rust"), "{message}");
    assert!(message.contains("`openjpeg` (links C"), "{message}");

    let message = require("1.2.840.10008.1.2.4.80", Operation::Encode)
        .unwrap_err()
        .to_string();
    assert!(message.contains("`charls` (links C++"), "{message}");

    let message = require("1.2.840.10008.1.2.4.51", Operation::Decode)
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
