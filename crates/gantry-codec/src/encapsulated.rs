//! Encapsulated Pixel Data values (PS3.5 A.4): a Basic Offset Table item,
//! one item per fragment, a Sequence Delimitation Item. Little endian, as
//! every encapsulated transfer syntax is.

use crate::error::{CodecError, Result};

/// Item tag (FFFE,E000), little endian.
const ITEM: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];
/// Sequence Delimitation Item tag (FFFE,E0DD), little endian.
const SEQUENCE_DELIMITER: [u8; 4] = [0xFE, 0xFF, 0xDD, 0xE0];
/// Length of an item header: tag and 32-bit length.
const ITEM_HEADER_LEN: usize = 8;

/// Builds the value of an encapsulated Pixel Data element with one fragment
/// per frame, as RLE Lossless requires (PS3.5 A.4, G.6).
///
/// The value is what follows the element header `(7FE0,0010) OB 00 00
/// FFFFFFFF`: a Basic Offset Table item holding, for each frame, the
/// offset of its item from the first byte after the table; one item per
/// frame, padded with a zero byte to an even length; and the Sequence
/// Delimitation Item.
///
/// # Errors
///
/// [`CodecError::TooLarge`] when a fragment or an offset would not fit in
/// 32 bits (such data needs an Extended Offset Table, not written here).
pub fn encapsulate<F: AsRef<[u8]>>(frames: &[F]) -> Result<Vec<u8>> {
    let too_large = |what, len: usize| CodecError::TooLarge {
        what,
        len: len as u64,
    };
    let mut offsets = Vec::with_capacity(frames.len());
    let mut items_len: usize = 0;
    for frame in frames {
        let len = frame.as_ref().len();
        let padded = len + len % 2;
        // An item length of FFFFFFFF would mean "undefined".
        if u32::try_from(padded).map_or(true, |n| n == u32::MAX) {
            return Err(too_large("pixel data fragment", padded));
        }
        offsets.push(
            u32::try_from(items_len)
                .map_err(|_| too_large("basic offset table offset", items_len))?,
        );
        items_len = items_len
            .checked_add(ITEM_HEADER_LEN + padded)
            .ok_or(too_large("encapsulated pixel data", usize::MAX))?;
    }
    let table_len = 4 * frames.len();
    let table_len32 =
        u32::try_from(table_len).map_err(|_| too_large("basic offset table", table_len))?;
    let total = (2 * ITEM_HEADER_LEN + table_len)
        .checked_add(items_len)
        .ok_or(too_large("encapsulated pixel data", usize::MAX))?;

    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&ITEM);
    out.extend_from_slice(&table_len32.to_le_bytes());
    for offset in offsets {
        out.extend_from_slice(&offset.to_le_bytes());
    }
    for frame in frames {
        let frame = frame.as_ref();
        let padded = frame.len() + frame.len() % 2;
        out.extend_from_slice(&ITEM);
        // Checked above.
        out.extend_from_slice(&(padded as u32).to_le_bytes());
        out.extend_from_slice(frame);
        if frame.len() % 2 == 1 {
            out.push(0);
        }
    }
    out.extend_from_slice(&SEQUENCE_DELIMITER);
    out.extend_from_slice(&[0; 4]);
    Ok(out)
}

/// The parts of an encapsulated Pixel Data value, borrowed from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encapsulated<'a> {
    /// The Basic Offset Table (may be empty).
    pub offset_table: Vec<u32>,
    /// The fragments' values, in order, padding included.
    pub fragments: Vec<&'a [u8]>,
}

/// Splits the value of an encapsulated Pixel Data element (what follows its
/// undefined-length element header) into Basic Offset Table and fragments.
///
/// Bytes after the Sequence Delimitation Item are ignored.
///
/// # Errors
///
/// [`CodecError::Encapsulation`] when an item is truncated, has an
/// undefined length, the Basic Offset Table's length is not a multiple of
/// 4, a tag other than Item or Sequence Delimitation Item appears, or the
/// value ends without a Sequence Delimitation Item.
pub fn decapsulate(value: &[u8]) -> Result<Encapsulated<'_>> {
    let malformed = |offset: usize, detail: String| CodecError::Encapsulation {
        offset: offset as u64,
        detail,
    };
    let mut at = 0;
    let mut offset_table = None;
    let mut fragments = Vec::new();
    loop {
        let Some(header) = value.get(at..at + ITEM_HEADER_LEN) else {
            return Err(malformed(
                at,
                format!(
                    "the value ends ({} bytes) without a sequence delimitation item",
                    value.len()
                ),
            ));
        };
        let (tag, len) = header.split_at(4);
        let mut len_bytes = [0u8; 4];
        len_bytes.copy_from_slice(len);
        let len = u32::from_le_bytes(len_bytes);
        if tag == SEQUENCE_DELIMITER {
            break;
        }
        if tag != ITEM {
            return Err(malformed(
                at,
                format!(
                    "expected an item or sequence delimitation tag, found ({:02X}{:02X},{:02X}{:02X})",
                    tag[1], tag[0], tag[3], tag[2]
                ),
            ));
        }
        if len == u32::MAX {
            return Err(malformed(
                at,
                "item of undefined length in encapsulated pixel data".to_owned(),
            ));
        }
        let start = at + ITEM_HEADER_LEN;
        let Some(item) = usize::try_from(len)
            .ok()
            .and_then(|len| value.get(start..start.checked_add(len)?))
        else {
            return Err(malformed(
                at,
                format!(
                    "item of {len} bytes overruns the {}-byte value",
                    value.len()
                ),
            ));
        };
        if offset_table.is_none() {
            if item.len() % 4 != 0 {
                return Err(malformed(
                    at,
                    format!("basic offset table of {len} bytes is not a multiple of 4"),
                ));
            }
            offset_table = Some(
                item.chunks_exact(4)
                    .map(|word| u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
                    .collect(),
            );
        } else {
            fragments.push(item);
        }
        at = start + item.len();
    }
    Ok(Encapsulated {
        offset_table: offset_table.unwrap_or_default(),
        fragments,
    })
}
