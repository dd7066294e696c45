//! DICOM RLE Lossless (PS3.5 Annex G), transfer syntax 1.2.840.10008.1.2.5.
//!
//! A compressed frame is a 64-byte header — the number of segments and the
//! offsets of up to 15 segments, little-endian `u32`s, unused offsets zero —
//! followed by one segment per byte plane: for each sample in order, its
//! most significant byte plane first (G.2). Each segment is the PackBits
//! encoding of its plane, row by row, padded with a zero byte to an even
//! length (G.3).

use crate::encapsulated::{decapsulate, encapsulate};
use crate::error::{CodecError, Result};
use crate::layout::{FrameLayout, Geometry};

/// Length of the RLE header (G.5).
const HEADER_LEN: usize = 64;
/// Most segments the header can describe (G.5).
const MAX_SEGMENTS: usize = 15;
/// Longest replicate or literal run (G.3.1).
const MAX_RUN: usize = 128;

/// Compresses one native frame with DICOM RLE Lossless.
///
/// `frame` is the frame's native pixel bytes in `layout` (little-endian,
/// either planar configuration); the result is the value of the frame's
/// single fragment: the RLE header and one segment per byte plane. Runs
/// never cross a row; runs of three or more equal bytes are always
/// replicate runs; a two-byte repeat joins the literal run before it when
/// what follows it is not itself a run of three or more (the note in
/// G.3.1), and is a replicate run otherwise.
///
/// # Errors
///
/// [`CodecError::UnsupportedLayout`] for a layout other than 1 or 3
/// samples of 8, 16 or 32 bits, [`CodecError::FrameLength`] when `frame`
/// does not hold exactly one frame, [`CodecError::TooLarge`] when the
/// output would not fit 32-bit offsets.
pub fn encode_rle_frame(frame: &[u8], layout: FrameLayout) -> Result<Vec<u8>> {
    let geometry = layout.geometry()?;
    if frame.len() != geometry.frame_len {
        return Err(CodecError::FrameLength {
            layout,
            expected: geometry.frame_len as u64,
            actual: frame.len() as u64,
        });
    }
    let segments = geometry.segments();
    // PackBits grows incompressible data by one byte in 128, plus padding.
    let mut out = Vec::with_capacity(HEADER_LEN + frame.len() + frame.len() / 64 + 2 * segments);
    out.resize(HEADER_LEN, 0);
    let mut offsets = [0u32; MAX_SEGMENTS];
    let mut row = vec![0u8; geometry.columns];
    for (segment, offset) in offsets.iter_mut().enumerate().take(segments) {
        *offset = u32::try_from(out.len()).map_err(|_| CodecError::TooLarge {
            what: "RLE-compressed frame",
            len: out.len() as u64,
        })?;
        let (first, step) = geometry.plane(segment);
        let mut plane = frame.iter().skip(first).step_by(step);
        for _ in 0..geometry.rows {
            for (dst, src) in row.iter_mut().zip(&mut plane) {
                *dst = *src;
            }
            pack_row(&row, &mut out);
        }
        if out.len() % 2 == 1 {
            out.push(0);
        }
    }
    if u32::try_from(out.len()).is_err() {
        return Err(CodecError::TooLarge {
            what: "RLE-compressed frame",
            len: out.len() as u64,
        });
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    // At most 12 segments (3 samples of 4 bytes): the cast cannot truncate.
    header.extend_from_slice(&(segments as u32).to_le_bytes());
    for offset in offsets {
        header.extend_from_slice(&offset.to_le_bytes());
    }
    out[..HEADER_LEN].copy_from_slice(&header);
    Ok(out)
}

/// Appends the PackBits encoding of one row to `out`.
fn pack_row(row: &[u8], out: &mut Vec<u8>) {
    let mut literal = Literal::default();
    let mut at = 0;
    while at < row.len() {
        let run = run_len(row, at);
        let replicate =
            run >= 3 || (run == 2 && (literal.len == 0 || !starts_literal(row, at + run)));
        if replicate {
            literal.flush(row, out);
            // 2..=128 becomes -1..=-127 as a two's-complement byte.
            out.push((257 - run) as u8);
            out.push(row[at]);
            at += run;
        } else {
            for _ in 0..run {
                literal.push(at, row, out);
                at += 1;
            }
        }
    }
    literal.flush(row, out);
}

/// Length of the run of equal bytes starting at `at`, at most [`MAX_RUN`].
fn run_len(row: &[u8], at: usize) -> usize {
    match row.get(at..) {
        Some([first, rest @ ..]) => {
            1 + rest
                .iter()
                .take(MAX_RUN - 1)
                .take_while(|b| *b == first)
                .count()
        }
        _ => 0,
    }
}

/// Whether the bytes from `at` start a literal run (not the row's end, not
/// a run of three or more).
fn starts_literal(row: &[u8], at: usize) -> bool {
    matches!(run_len(row, at), 1 | 2)
}

/// A pending literal run: `len` bytes of the row ending just before the
/// current position.
#[derive(Default)]
struct Literal {
    start: usize,
    len: usize,
}

impl Literal {
    fn push(&mut self, at: usize, row: &[u8], out: &mut Vec<u8>) {
        if self.len == 0 {
            self.start = at;
        }
        self.len += 1;
        if self.len == MAX_RUN {
            self.flush(row, out);
        }
    }

    fn flush(&mut self, row: &[u8], out: &mut Vec<u8>) {
        if self.len == 0 {
            return;
        }
        // 1..=128 becomes 0..=127.
        out.push((self.len - 1) as u8);
        out.extend_from_slice(&row[self.start..self.start + self.len]);
        self.len = 0;
    }
}

/// Decompresses one DICOM RLE Lossless frame into native pixel bytes.
///
/// `data` is the frame's fragment (RLE header and segments). The result is
/// the native frame in `layout`: little-endian samples, interleaved for
/// planar configuration 0 and plane by plane for 1.
///
/// The decoder follows G.3.2: it reads each segment until its plane is
/// full, ignoring what follows (padding); a run that overflows the plane is
/// cut at the plane's end; the no-op code -128 is skipped. It never panics
/// and allocates at most 64 bytes of output per input byte.
///
/// # Errors
///
/// [`CodecError::UnsupportedLayout`] for a layout the codec does not
/// handle, [`CodecError::RleHeader`] for a header that is short, declares
/// a segment count other than the layout's or has offsets outside the
/// data or out of order, [`CodecError::RleSegment`] for a segment that
/// ends before its plane is full.
pub fn decode_rle_frame(data: &[u8], layout: FrameLayout) -> Result<Vec<u8>> {
    let geometry = layout.geometry()?;
    let segments = parse_header(data, layout, &geometry)?;
    let pixels = geometry.pixels();
    let mut out = vec![0u8; geometry.frame_len];
    let mut plane = Vec::with_capacity(pixels);
    for (index, segment) in segments.into_iter().enumerate() {
        unpack_segment(segment, pixels, &mut plane).map_err(|detail| CodecError::RleSegment {
            layout,
            segment: index + 1,
            detail,
        })?;
        let (first, step) = geometry.plane(index);
        for (dst, src) in out.iter_mut().skip(first).step_by(step).zip(&plane) {
            *dst = *src;
        }
    }
    Ok(out)
}

/// Reads the RLE header and returns the bytes of each segment.
fn parse_header<'a>(
    data: &'a [u8],
    layout: FrameLayout,
    geometry: &Geometry,
) -> Result<Vec<&'a [u8]>> {
    let malformed = |detail: String| CodecError::RleHeader { layout, detail };
    let Some(header) = data.get(..HEADER_LEN) else {
        return Err(malformed(format!(
            "fragment is {} bytes, shorter than the {HEADER_LEN}-byte header",
            data.len()
        )));
    };
    let word = |i: usize| {
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(&header[4 * i..4 * i + 4]);
        u32::from_le_bytes(bytes)
    };
    let expected = geometry.segments();
    let declared = word(0);
    if usize::try_from(declared).ok() != Some(expected) {
        return Err(malformed(format!(
            "header declares {declared} segments, the layout needs {expected}"
        )));
    }
    let starts: Vec<usize> = (1..=expected)
        .map(|i| usize::try_from(word(i)).unwrap_or(usize::MAX))
        .collect();
    let mut segments = Vec::with_capacity(expected);
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(data.len());
        if start < HEADER_LEN || start > end || end > data.len() {
            return Err(malformed(format!(
                "segment {} spans bytes {start}..{end} of a {}-byte fragment",
                i + 1,
                data.len()
            )));
        }
        let segment = &data[start..end];
        // Each two-byte code yields at most 128 bytes: refuse before
        // allocating a plane the data cannot fill.
        if segment.len().saturating_mul(MAX_RUN / 2) < geometry.pixels() {
            return Err(CodecError::RleSegment {
                layout,
                segment: i + 1,
                detail: format!(
                    "{} bytes cannot decode to the {} bytes of a plane",
                    segment.len(),
                    geometry.pixels()
                ),
            });
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// Decodes one PackBits segment into exactly `len` bytes of `plane`.
fn unpack_segment(segment: &[u8], len: usize, plane: &mut Vec<u8>) -> Result<(), String> {
    plane.clear();
    let mut bytes = segment.iter();
    while plane.len() < len {
        let room = len - plane.len();
        match bytes.next().copied() {
            None => {
                return Err(format!(
                    "ends after {} of the plane's {len} bytes",
                    plane.len()
                ));
            }
            Some(code @ 0..=127) => {
                let count = usize::from(code) + 1;
                let literal = bytes.as_slice();
                let take = count.min(room).min(literal.len());
                plane.extend_from_slice(&literal[..take]);
                // Skip the whole literal, even the part beyond the plane.
                bytes = literal.get(count..).unwrap_or_default().iter();
            }
            Some(128) => {}
            Some(code) => {
                let count = 257 - usize::from(code);
                let Some(&value) = bytes.next() else {
                    return Err(format!(
                        "ends inside a replicate run after {} of the plane's {len} bytes",
                        plane.len()
                    ));
                };
                plane.resize(plane.len() + count.min(room), value);
            }
        }
    }
    Ok(())
}

/// Compresses native Pixel Data into the value of an RLE Lossless Pixel
/// Data element: [`encode_rle_frame`] on each of `number_of_frames` frames,
/// then [`encapsulate`] (one fragment per frame, with a Basic Offset Table).
///
/// `native` is the native Pixel Data value; one trailing pad byte (odd
/// total length made even) is allowed.
///
/// # Errors
///
/// [`CodecError::FrameCount`] when `native` does not hold that many frames
/// (or no frames are declared), otherwise the errors of
/// [`encode_rle_frame`] wrapped in [`CodecError::Frame`], and
/// [`CodecError::TooLarge`] from [`encapsulate`].
pub fn encode_rle_pixel_data(
    native: &[u8],
    layout: FrameLayout,
    number_of_frames: u32,
) -> Result<Vec<u8>> {
    let geometry = layout.geometry()?;
    let frames = usize::try_from(number_of_frames).unwrap_or(usize::MAX);
    let needed = geometry.frame_len.checked_mul(frames);
    let fits = needed.is_some_and(|n| native.len() == n || (native.len() == n + 1 && n % 2 == 1));
    if frames == 0 || !fits {
        return Err(CodecError::FrameCount {
            expected: number_of_frames,
            detail: format!(
                "native pixel data is {} bytes, frames of layout ({layout}) are {} bytes each",
                native.len(),
                geometry.frame_len
            ),
        });
    }
    let fragments = native
        .chunks_exact(geometry.frame_len)
        .enumerate()
        .map(|(i, frame)| encode_rle_frame(frame, layout).map_err(|e| e.in_frame(i)))
        .collect::<Result<Vec<_>>>()?;
    encapsulate(&fragments)
}

/// Decompresses the value of an RLE Lossless Pixel Data element into
/// native pixel bytes: [`decapsulate`], then [`decode_rle_frame`] on each
/// fragment, frames concatenated (no pad byte is added for an odd total).
///
/// # Errors
///
/// The errors of [`decapsulate`], [`CodecError::FrameCount`] when the
/// number of fragments is not `number_of_frames` (RLE has one fragment per
/// frame), and the errors of [`decode_rle_frame`] wrapped in
/// [`CodecError::Frame`].
pub fn decode_rle_pixel_data(
    value: &[u8],
    layout: FrameLayout,
    number_of_frames: u32,
) -> Result<Vec<u8>> {
    layout.geometry()?;
    let encapsulated = decapsulate(value)?;
    if usize::try_from(number_of_frames).ok() != Some(encapsulated.fragments.len()) {
        return Err(CodecError::FrameCount {
            expected: number_of_frames,
            detail: format!(
                "{} fragments found (RLE needs one per frame)",
                encapsulated.fragments.len()
            ),
        });
    }
    // No capacity from the layout: it comes from the (untrusted) header;
    // each frame's decoder bounds its own allocation by its input.
    let mut out = Vec::new();
    for (i, fragment) in encapsulated.fragments.iter().enumerate() {
        out.extend_from_slice(&decode_rle_frame(fragment, layout).map_err(|e| e.in_frame(i))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
