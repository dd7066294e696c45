//! The lossless header of an instance.
//!
//! SPEC §2 asks that every element except Pixel Data — private elements,
//! sequences and VRs included — round-trips through the session, because
//! export derives what it writes from it. Gantry keeps the header as the
//! source's own encoded bytes: the data set from its first element up to
//! the Pixel Data element, followed by any elements that came after Pixel
//! Data (trailing padding, signatures), in the source's transfer syntax.
//! Nothing is re-encoded at ingest, so nothing can be lost or altered, and
//! ingest costs a copy. Decoding is done when a step needs the elements.
//!
//! Deflated sources are the one exception: their data set is stored
//! inflated, so the header's transfer syntax is Explicit VR Little Endian.

use std::io::Cursor;

use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::{Error, Result};

/// An instance's data set without Pixel Data, as encoded bytes plus the
/// transfer syntax they are encoded in.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    transfer_syntax: String,
    bytes: Vec<u8>,
}

impl Header {
    /// Wrap encoded data set bytes (no preamble, no file meta group).
    pub fn new(transfer_syntax: impl Into<String>, bytes: Vec<u8>) -> Self {
        Header {
            transfer_syntax: transfer_syntax.into(),
            bytes,
        }
    }

    /// UID of the transfer syntax the bytes are encoded in.
    pub fn transfer_syntax(&self) -> &str {
        &self.transfer_syntax
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Decode the bytes into an in-memory DICOM object.
    pub fn decode(&self) -> Result<InMemDicomObject> {
        let ts = TransferSyntaxRegistry
            .get(&self.transfer_syntax)
            .ok_or_else(|| Error::UnknownTransferSyntax {
                uid: self.transfer_syntax.clone(),
            })?;
        InMemDicomObject::read_dataset_with_ts(Cursor::new(&self.bytes), ts).map_err(|e| {
            Error::HeaderDecode {
                transfer_syntax: self.transfer_syntax.clone(),
                message: e.to_string(),
            }
        })
    }
}

impl std::fmt::Debug for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Header")
            .field("transfer_syntax", &self.transfer_syntax)
            .field("len", &self.bytes.len())
            .finish()
    }
}
