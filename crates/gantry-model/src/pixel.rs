//! Where an instance's pixels are, without loading them.
//!
//! SPEC §2: pixel data is a reference — a byte range of the source file
//! with its transfer syntax, frame count and, for encapsulated data, the
//! fragment table — or a record in the session's sidecar once the pixels
//! were copied or modified. Nothing loads pixels until a step needs them.

/// Id of a record in the session's pixel sidecar: its byte offset there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SidecarRecordId(pub u64);

/// Where the bytes of the Pixel Data value live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PixelLocation {
    /// In the source file, `length` bytes from `offset` (the start of the
    /// Pixel Data value, after the element header).
    Source {
        /// Byte offset of the value in the source file.
        offset: u64,
        /// Length of the value; for encapsulated data the length up to and
        /// including the sequence delimitation item.
        length: u64,
    },
    /// In the session's sidecar (offloaded at ingest, or modified).
    Sidecar(SidecarRecordId),
}

/// One item of encapsulated pixel data (the Basic Offset Table is item 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Offset of the item's value, relative to the start of the Pixel Data
    /// value (so it holds for a sidecar copy too).
    pub offset: u64,
    /// Length of the item's value.
    pub length: u32,
}

/// A reference to an instance's Pixel Data (7FE0,0010).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PixelDataRef {
    /// Where the value bytes are.
    pub location: PixelLocation,
    /// Transfer syntax of the pixel data (the file's transfer syntax).
    pub transfer_syntax: String,
    /// VR of the element as written (OB or OW).
    pub vr: dicom_core::VR,
    /// Number of frames (NumberOfFrames, 1 when absent).
    pub frames: u32,
    /// Items of encapsulated data: the Basic Offset Table first, then the
    /// fragments. Empty for native (uncompressed) pixel data.
    pub fragments: Vec<Fragment>,
}

impl PixelDataRef {
    /// Whether the pixel data is encapsulated (compressed, in fragments).
    pub fn is_encapsulated(&self) -> bool {
        !self.fragments.is_empty()
    }
}
