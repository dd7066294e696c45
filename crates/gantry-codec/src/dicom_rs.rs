//! The bridge to dicom-rs's pixel data adapters
//! (dicom-transfer-syntax-registry): one compressed frame in, native
//! little-endian samples out.
//!
//! The adapters read a [`PixelDataObject`]; ours, [`OneFrame`], exposes
//! the attributes and the one frame's bytes as a single-frame,
//! single-fragment object, so an adapter never sees (or searches) the
//! other frames. Adapters can panic on hostile input (jpeg-decoder has
//! `panic!()` paths, the JPEG 2000 adapter indexes past its buffer when a
//! codestream has more components than expected): every call runs under
//! [`std::panic::catch_unwind`].

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use dicom_encoding::TransferSyntaxIndex;
use dicom_encoding::adapters::{PixelDataObject, RawPixelData};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::error::{CodecError, Result};
use crate::frame::PixelFormat;

/// One frame of compressed pixel data, as dicom-rs's adapters read it.
struct OneFrame<'a> {
    transfer_syntax: &'a str,
    format: PixelFormat,
    data: &'a [u8],
}

impl PixelDataObject for OneFrame<'_> {
    fn transfer_syntax_uid(&self) -> &str {
        self.transfer_syntax
    }

    fn rows(&self) -> Option<u16> {
        Some(self.format.rows)
    }

    fn cols(&self) -> Option<u16> {
        Some(self.format.columns)
    }

    fn samples_per_pixel(&self) -> Option<u16> {
        Some(self.format.samples_per_pixel)
    }

    fn bits_allocated(&self) -> Option<u16> {
        Some(self.format.bits_allocated)
    }

    fn bits_stored(&self) -> Option<u16> {
        Some(self.format.bits_stored)
    }

    fn photometric_interpretation(&self) -> Option<&str> {
        Some(self.format.photometric.as_str())
    }

    fn number_of_frames(&self) -> Option<u32> {
        Some(1)
    }

    fn number_of_fragments(&self) -> Option<u32> {
        Some(1)
    }

    fn fragment(&self, fragment: usize) -> Option<Cow<'_, [u8]>> {
        (fragment == 0).then_some(Cow::Borrowed(self.data))
    }

    fn offset_table(&self) -> Option<Cow<'_, [u32]>> {
        Some(Cow::Borrowed(&[0]))
    }

    fn raw_pixel_data(&self) -> Option<RawPixelData> {
        Some(RawPixelData {
            fragments: std::iter::once(self.data.to_vec()).collect(),
            offset_table: std::iter::once(0).collect(),
        })
    }
}

/// Decodes one compressed frame with the adapter dicom-rs registers for
/// `transfer_syntax`, into native little-endian bytes in `format`
/// (interleaved, as every adapter writes them).
pub(crate) fn decode(
    transfer_syntax: &str,
    format: PixelFormat,
    data: &[u8],
    library: &'static str,
) -> Result<Vec<u8>> {
    let reader = TransferSyntaxRegistry
        .get(transfer_syntax)
        .and_then(|ts| ts.pixel_data_reader())
        .ok_or_else(|| CodecError::Backend {
            library,
            detail: "dicom-transfer-syntax-registry has no decoder for the transfer syntax"
                .to_owned(),
        })?;
    let object = OneFrame {
        transfer_syntax,
        format,
        data,
    };
    let mut out = Vec::new();
    match catch_unwind(AssertUnwindSafe(|| {
        reader.decode_frame(&object, 0, &mut out)
    })) {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            // The message and its sources: about the stream, never values.
            let mut detail = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(inner) = source {
                detail.push_str(": ");
                detail.push_str(&inner.to_string());
                source = inner.source();
            }
            return Err(CodecError::Backend { library, detail });
        }
        Err(_) => return Err(CodecError::Panicked { library }),
    }
    let expected = format.native_frame_len();
    if out.len() != expected {
        return Err(CodecError::Mismatch {
            detail: format!(
                "{library} produced {} bytes for a frame of {expected} ({format})",
                out.len()
            ),
        });
    }
    Ok(out)
}
