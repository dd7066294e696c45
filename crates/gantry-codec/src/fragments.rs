//! Finding one frame's fragments in an encapsulated Pixel Data value
//! (PS3.5 A.4) without reading the other frames' data.
//!
//! With a Basic Offset Table the frame's items are found directly. Without
//! one, only the 8-byte item headers are walked: one fragment per frame is
//! taken as is, a single frame takes every fragment, and otherwise a
//! fragment starts a new frame when it starts with the codestream's own
//! signature (JPEG SOI, JPEG 2000 SOC+SIZ or JP2 signature box), as
//! pydicom and dicom-rs do.

use crate::codestream::{J2K_SOC_SIZ, JP2_SIGNATURE};
use crate::error::{CodecError, Result};

/// Item tag (FFFE,E000), little endian.
const ITEM: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];
/// Sequence Delimitation Item tag (FFFE,E0DD), little endian.
const SEQUENCE_DELIMITER: [u8; 4] = [0xFE, 0xFF, 0xDD, 0xE0];

/// How the first fragment of a frame is recognised when frames span
/// several fragments and there is no offset table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameStart {
    /// JPEG and JPEG-LS: SOI (FF D8).
    Jpeg,
    /// JPEG 2000 and HTJ2K: SOC and SIZ, or the JP2 signature box.
    Jpeg2000,
    /// No signature (RLE: one fragment per frame is required).
    Unknown,
}

impl FrameStart {
    fn starts_frame(self, fragment: &[u8]) -> bool {
        match self {
            FrameStart::Jpeg => fragment.starts_with(&[0xFF, 0xD8]),
            FrameStart::Jpeg2000 => {
                fragment.starts_with(&J2K_SOC_SIZ) || fragment.starts_with(&JP2_SIGNATURE)
            }
            FrameStart::Unknown => false,
        }
    }
}

fn malformed(offset: usize, detail: impl Into<String>) -> CodecError {
    CodecError::Encapsulation {
        offset: offset as u64,
        detail: detail.into(),
    }
}

/// Reads the item starting at `at`: `None` at the Sequence Delimitation
/// Item or at the very end of the value, else the item's value.
fn item(value: &[u8], at: usize) -> Result<Option<&[u8]>> {
    if at == value.len() {
        // Tolerated: a value handed over without its delimiter.
        return Ok(None);
    }
    let header = value
        .get(at..at + 8)
        .ok_or_else(|| malformed(at, "truncated item header"))?;
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if header[..4] == SEQUENCE_DELIMITER {
        return Ok(None);
    }
    if header[..4] != ITEM {
        return Err(malformed(
            at,
            format!(
                "expected an item or sequence delimitation tag, found ({:02X}{:02X},{:02X}{:02X})",
                header[1], header[0], header[3], header[2]
            ),
        ));
    }
    if len == u32::MAX {
        return Err(malformed(at, "item of undefined length"));
    }
    value
        .get(at + 8..)
        .and_then(|rest| rest.get(..len as usize))
        .map(Some)
        .ok_or_else(|| {
            malformed(
                at,
                format!(
                    "item of {len} bytes overruns the {}-byte value",
                    value.len()
                ),
            )
        })
}

/// The fragments of frame `index` (0-based) of `frames`, borrowed from
/// the encapsulated Pixel Data `value`.
pub(crate) fn frame_fragments(
    value: &[u8],
    frames: u32,
    index: u32,
    start: FrameStart,
) -> Result<Vec<&[u8]>> {
    let table_bytes = item(value, 0)?.ok_or_else(|| malformed(0, "no basic offset table item"))?;
    if table_bytes.len() % 4 != 0 {
        return Err(malformed(
            0,
            format!(
                "basic offset table of {} bytes is not a multiple of 4",
                table_bytes.len()
            ),
        ));
    }
    let first = 8 + table_bytes.len();
    let table: Vec<usize> = table_bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
        .collect();
    let usable_table = table.len() == frames as usize
        && table.first() == Some(&0)
        && table.windows(2).all(|w| w[0] < w[1]);
    let i = index as usize;
    if usable_table {
        let begin = first + table[i];
        let end = table.get(i + 1).map(|&offset| first + offset);
        let mut at = begin;
        let mut fragments = Vec::new();
        while end.is_none_or(|end| at < end) {
            match item(value, at)? {
                Some(fragment) => {
                    fragments.push(fragment);
                    at += 8 + fragment.len();
                }
                None => break,
            }
        }
        if end.is_some_and(|end| at != end) || fragments.is_empty() {
            return Err(malformed(
                begin,
                format!(
                    "basic offset table entry {} does not delimit whole items",
                    i + 1
                ),
            ));
        }
        return Ok(fragments);
    }

    // No usable offset table: walk the item headers.
    let mut all = Vec::new();
    let mut at = first;
    while let Some(fragment) = item(value, at)? {
        all.push(fragment);
        at += 8 + fragment.len();
    }
    if all.len() == frames as usize {
        return Ok(vec![all[i]]);
    }
    if frames == 1 && !all.is_empty() {
        return Ok(all);
    }
    if all.len() < frames as usize {
        return Err(CodecError::FrameCount {
            expected: frames,
            detail: format!("the pixel data has only {} fragments", all.len()),
        });
    }
    let starts: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, f)| start.starts_frame(f))
        .map(|(n, _)| n)
        .collect();
    if starts.len() != frames as usize || starts.first() != Some(&0) {
        return Err(CodecError::FrameCount {
            expected: frames,
            detail: format!(
                "{} fragments without a basic offset table, {} of them starting a codestream",
                all.len(),
                starts.len()
            ),
        });
    }
    let end = starts.get(i + 1).copied().unwrap_or(all.len());
    Ok(all[starts[i]..end].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encapsulate;

    fn items(table: &[u32], fragments: &[&[u8]]) -> Vec<u8> {
        let mut out = ITEM.to_vec();
        out.extend_from_slice(&(4 * table.len() as u32).to_le_bytes());
        for t in table {
            out.extend_from_slice(&t.to_le_bytes());
        }
        for f in fragments {
            out.extend_from_slice(&ITEM);
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(f);
        }
        out.extend_from_slice(&SEQUENCE_DELIMITER);
        out.extend_from_slice(&[0; 4]);
        out
    }

    #[test]
    fn offset_table_selects_the_frames_items() {
        let value = encapsulate(&[b"ab".as_slice(), b"cdef", b"gh"]).unwrap();
        for (i, want) in [b"ab".as_slice(), b"cdef", b"gh"].into_iter().enumerate() {
            assert_eq!(
                frame_fragments(&value, 3, i as u32, FrameStart::Unknown).unwrap(),
                vec![want]
            );
        }
        // Two fragments for the first frame, one for the second.
        let value = items(&[0, 24], &[b"\xFF\xD8ab", b"cdef", b"\xFF\xD8gh"]);
        assert_eq!(
            frame_fragments(&value, 2, 0, FrameStart::Unknown).unwrap(),
            vec![b"\xFF\xD8ab".as_slice(), b"cdef"]
        );
        assert_eq!(
            frame_fragments(&value, 2, 1, FrameStart::Unknown).unwrap(),
            vec![b"\xFF\xD8gh".as_slice()]
        );
    }

    #[test]
    fn without_offset_table_frames_start_at_signatures() {
        let value = items(&[], &[b"\xFF\xD8ab", b"cdef", b"\xFF\xD8gh", b"ij"]);
        assert_eq!(
            frame_fragments(&value, 2, 1, FrameStart::Jpeg).unwrap(),
            vec![b"\xFF\xD8gh".as_slice(), b"ij"]
        );
        assert_eq!(
            frame_fragments(&value, 1, 0, FrameStart::Unknown)
                .unwrap()
                .len(),
            4
        );
        assert!(frame_fragments(&value, 2, 0, FrameStart::Unknown).is_err());
        assert!(frame_fragments(&value, 5, 0, FrameStart::Jpeg).is_err());
    }

    #[test]
    fn truncated_values_are_errors() {
        let value = items(&[0, 12], &[b"\xFF\xD8ab", b"\xFF\xD8gh"]);
        for len in 0..value.len() - 8 {
            let _ = frame_fragments(&value[..len], 2, 1, FrameStart::Jpeg);
        }
        assert!(frame_fragments(&value[..value.len() - 12], 2, 1, FrameStart::Jpeg).is_err());
    }
}
