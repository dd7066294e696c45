//! Just enough of the JPEG, JPEG-LS and JPEG 2000 headers to check a
//! compressed frame against the instance's attributes before a backend
//! decodes it, and to know what the backend will hand back: sample
//! precision, size, component count, JPEG-LS interleave mode, JPEG 2000
//! multiple component transform.
//!
//! Pure parsing of marker segments; never reads entropy-coded data.

use crate::error::{CodecError, Result};

fn malformed(what: &str, detail: impl Into<String>) -> CodecError {
    CodecError::Mismatch {
        detail: format!("malformed {what} header: {}", detail.into()),
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *data.get(at)?,
        *data.get(at + 1)?,
        *data.get(at + 2)?,
        *data.get(at + 3)?,
    ]))
}

/// The frame header (SOFn) and first scan header (SOS) of a JPEG or
/// JPEG-LS codestream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JpegHeader {
    /// The SOF marker's second byte: 0xC0–0xCF for JPEG, 0xF7 for JPEG-LS.
    pub(crate) sof: u8,
    /// Sample precision P.
    pub(crate) precision: u8,
    /// Lines Y (0 when a DNL marker defines it later).
    pub(crate) rows: u16,
    /// Samples per line X.
    pub(crate) columns: u16,
    /// Components Nf.
    pub(crate) components: u8,
    /// Components in the first scan (Ns).
    pub(crate) scan_components: u8,
    /// JPEG-LS only: the first scan's interleave mode (0 none, 1 line,
    /// 2 sample).
    pub(crate) interleave: u8,
    /// The first three component identifiers (1 2 3 suggests YCbCr,
    /// 'R' 'G' 'B' RGB).
    pub(crate) component_ids: [u8; 3],
    /// A JFIF APP0 segment is present (YCbCr).
    pub(crate) jfif: bool,
    /// The transform flag of an Adobe APP14 segment (0 none, 1 YCbCr).
    pub(crate) adobe_transform: Option<u8>,
}

impl JpegHeader {
    /// Whether the frame is DCT-based (baseline, extended, progressive).
    pub(crate) fn is_dct(&self) -> bool {
        matches!(
            self.sof,
            0xC0..=0xC2 | 0xC5 | 0xC6 | 0xC9 | 0xCA | 0xCD | 0xCE
        )
    }
}

/// Reads the markers of a JPEG or JPEG-LS codestream up to its first scan.
pub(crate) fn jpeg_header(data: &[u8]) -> Result<JpegHeader> {
    const WHAT: &str = "JPEG";
    if data.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(malformed(
            WHAT,
            "the frame does not start with an SOI marker",
        ));
    }
    let mut at = 2;
    let mut header: Option<JpegHeader> = None;
    let mut jfif = false;
    let mut adobe_transform = None;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while data.get(at) == Some(&0xFF) && data.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (data.get(at), data.get(at + 1)) else {
            return Err(malformed(
                WHAT,
                format!("no marker at byte {at} before the first scan"),
            ));
        };
        at += 2;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue; // standalone markers: TEM, RSTn
        }
        if marker == 0xD9 {
            return Err(malformed(WHAT, "EOI before any scan"));
        }
        let len =
            usize::from(be16(data, at).ok_or_else(|| malformed(WHAT, "truncated marker segment"))?);
        let segment = data
            .get(at + 2..at + len)
            .filter(|_| len >= 2)
            .ok_or_else(|| {
                malformed(
                    WHAT,
                    format!("marker segment of {len} bytes at byte {at} overruns the frame"),
                )
            })?;
        match marker {
            // SOF0–SOF15 except DHT (C4), JPG (C8), DAC (CC); SOF55 (JPEG-LS).
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xF7 => {
                if segment.len() < 6 {
                    return Err(malformed(WHAT, "frame header shorter than 6 bytes"));
                }
                let id = |c: usize| segment.get(6 + 3 * c).copied().unwrap_or(0);
                header = Some(JpegHeader {
                    sof: marker,
                    precision: segment[0],
                    rows: u16::from_be_bytes([segment[1], segment[2]]),
                    columns: u16::from_be_bytes([segment[3], segment[4]]),
                    components: segment[5],
                    scan_components: 0,
                    interleave: 0,
                    component_ids: [id(0), id(1), id(2)],
                    jfif: false,
                    adobe_transform: None,
                });
            }
            0xE0 if segment.starts_with(b"JFIF\0") => jfif = true,
            0xEE if segment.starts_with(b"Adobe") => {
                adobe_transform = segment.get(11).copied();
            }
            0xDA => {
                let mut header =
                    header.ok_or_else(|| malformed(WHAT, "scan header before the frame header"))?;
                let ns = *segment
                    .first()
                    .ok_or_else(|| malformed(WHAT, "empty scan header"))?;
                header.scan_components = ns;
                header.jfif = jfif;
                header.adobe_transform = adobe_transform;
                // Ns, Ns × (Cs, Tm/Td-Ta), then NEAR (Ss), ILV (Se), …
                header.interleave = segment
                    .get(1 + 2 * usize::from(ns) + 1)
                    .copied()
                    .unwrap_or(0);
                return Ok(header);
            }
            _ => {}
        }
        at += len;
    }
}

/// What a JPEG 2000 codestream's SIZ and COD marker segments say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct J2kHeader {
    /// Image width (Xsiz − XOsiz).
    pub(crate) columns: u32,
    /// Image height (Ysiz − YOsiz).
    pub(crate) rows: u32,
    /// Per component: precision in bits, signedness, and whether it is
    /// subsampled.
    pub(crate) components: Vec<J2kComponent>,
    /// The multiple component transform (RCT or ICT) is used: three
    /// components decode to RGB.
    pub(crate) mct: bool,
}

/// One component in a JPEG 2000 SIZ marker segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct J2kComponent {
    pub(crate) precision: u8,
    pub(crate) signed: bool,
    pub(crate) subsampled: bool,
}

/// The JPEG 2000 codestream signature: SOC then SIZ.
pub(crate) const J2K_SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];
/// The first box of a JP2 file (signature box).
pub(crate) const JP2_SIGNATURE: [u8; 8] = [0, 0, 0, 0x0C, b'j', b'P', b' ', b' '];

/// Reads the main header of a JPEG 2000 codestream (raw, or in a JP2
/// file's contiguous codestream box) up to its COD marker segment.
pub(crate) fn j2k_header(data: &[u8]) -> Result<J2kHeader> {
    const WHAT: &str = "JPEG 2000";
    let data = if data.starts_with(&JP2_SIGNATURE) {
        jp2_codestream(data)?
    } else {
        data
    };
    if !data.starts_with(&J2K_SOC_SIZ) {
        return Err(malformed(
            WHAT,
            "the frame starts with neither an SOC and SIZ marker nor a JP2 signature",
        ));
    }
    let mut at = 2;
    let mut header: Option<J2kHeader> = None;
    loop {
        let marker = be16(data, at).ok_or_else(|| malformed(WHAT, "truncated main header"))?;
        let len = usize::from(
            be16(data, at + 2).ok_or_else(|| malformed(WHAT, "truncated marker segment"))?,
        );
        let segment = data
            .get(at + 4..at + 2 + len)
            .filter(|_| len >= 2)
            .ok_or_else(|| {
                malformed(
                    WHAT,
                    format!("marker segment of {len} bytes at byte {at} overruns the frame"),
                )
            })?;
        match marker {
            0xFF51 => {
                let short = || malformed(WHAT, "SIZ marker segment too short");
                let xsiz = be32(segment, 2).ok_or_else(short)?;
                let ysiz = be32(segment, 6).ok_or_else(short)?;
                let xosiz = be32(segment, 10).ok_or_else(short)?;
                let yosiz = be32(segment, 14).ok_or_else(short)?;
                let csiz = usize::from(be16(segment, 34).ok_or_else(short)?);
                let components = (0..csiz)
                    .map(|c| {
                        let at = 36 + 3 * c;
                        let ssiz = *segment.get(at).ok_or_else(short)?;
                        let dx = *segment.get(at + 1).ok_or_else(short)?;
                        let dy = *segment.get(at + 2).ok_or_else(short)?;
                        Ok(J2kComponent {
                            precision: (ssiz & 0x7F) + 1,
                            signed: ssiz & 0x80 != 0,
                            subsampled: dx != 1 || dy != 1,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                header = Some(J2kHeader {
                    columns: xsiz.saturating_sub(xosiz),
                    rows: ysiz.saturating_sub(yosiz),
                    components,
                    mct: false,
                });
            }
            0xFF52 => {
                let mut header =
                    header.ok_or_else(|| malformed(WHAT, "COD marker segment before SIZ"))?;
                // Scod, progression order, layers (2), MCT.
                header.mct = segment.get(4).is_some_and(|&mct| mct != 0);
                return Ok(header);
            }
            0xFF90 | 0xFF93 | 0xFFD9 => {
                return Err(malformed(WHAT, "no COD marker segment in the main header"));
            }
            _ => {}
        }
        at += 2 + len;
    }
}

/// The contents of the contiguous codestream box ('jp2c') of a JP2 file.
fn jp2_codestream(data: &[u8]) -> Result<&[u8]> {
    let mut at = 0usize;
    while at + 8 <= data.len() {
        let len = be32(data, at).unwrap_or(0) as usize;
        let kind = &data[at + 4..at + 8];
        let (body, end) = match len {
            0 => (at + 8, data.len()),
            1 => {
                let high = be32(data, at + 8).unwrap_or(u32::MAX);
                let low = be32(data, at + 12).unwrap_or(u32::MAX);
                let len = (u64::from(high) << 32 | u64::from(low)) as usize;
                (at + 16, at.saturating_add(len))
            }
            len => (at + 8, at.saturating_add(len)),
        };
        if kind == b"jp2c" {
            return data
                .get(body..end.min(data.len()))
                .ok_or_else(|| malformed("JP2", "truncated codestream box"));
        }
        if end <= at {
            break;
        }
        at = end;
    }
    Err(malformed("JP2", "no contiguous codestream box"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_ls_frame_and_scan_headers() {
        let data = [
            0xFF, 0xD8, // SOI
            0xFF, 0xF7, 0, 17, 12, 0, 4, 0, 5, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, // SOF55
            0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 1, 0, // SOS, NEAR 0, ILV 1
        ];
        let header = jpeg_header(&data).unwrap();
        assert_eq!(
            header,
            JpegHeader {
                sof: 0xF7,
                precision: 12,
                rows: 4,
                columns: 5,
                components: 3,
                scan_components: 3,
                interleave: 1,
                component_ids: [1, 2, 3],
                jfif: false,
                adobe_transform: None,
            }
        );
        assert!(!header.is_dct());
    }

    #[test]
    fn truncated_headers_are_errors_not_panics() {
        let data = [
            0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 4, 0, 5, 3, 1, 0x11, 0, 2,
        ];
        for len in 0..data.len() {
            assert!(jpeg_header(&data[..len]).is_err());
            assert!(j2k_header(&data[..len]).is_err());
        }
    }
}
