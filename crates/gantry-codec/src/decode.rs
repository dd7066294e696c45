//! Frame-by-frame decoding of a Pixel Data value into [`Frame`]s.

use crate::codestream;
use crate::convert::check_format;
use crate::error::{CodecError, Result};
use crate::fragments::{FrameStart, frame_fragments};
use crate::frame::{Frame, Photometric, PixelFormat, Samples};
use crate::rle::decode_rle_frame;
use crate::support::{Operation, require};

/// Explicit VR Big Endian (retired), whose native samples are big-endian.
pub(crate) const EXPLICIT_VR_BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";

/// One instance's Pixel Data, as the caller found it: the value's bytes
/// (typically sliced out of a memory-mapped file) and the attributes that
/// explain them.
#[derive(Clone, Copy, Debug)]
pub struct PixelData<'a> {
    /// Transfer syntax UID of the value (trailing padding ignored).
    pub transfer_syntax: &'a str,
    /// The instance's Image Pixel attributes (Rows, Columns, Samples per
    /// Pixel, Bits Allocated/Stored, Pixel Representation, Planar
    /// Configuration, Photometric Interpretation).
    pub format: PixelFormat,
    /// Number of Frames (1 when absent).
    pub frames: u32,
    /// The value itself.
    pub value: PixelValue<'a>,
}

/// The bytes of a Pixel Data value.
#[derive(Clone, Copy, Debug)]
pub enum PixelValue<'a> {
    /// A native value in the transfer syntax's byte order (big endian for
    /// Explicit VR Big Endian), for a value of VR OB — or of any VR in a
    /// little-endian syntax, where OB and OW bytes are the same.
    Native(&'a [u8]),
    /// A native value of VR OW. Only differs from [`PixelValue::Native`]
    /// in Explicit VR Big Endian with Bits Allocated 1 or 8: the samples
    /// are packed into 16-bit words written big-endian, so each pair of
    /// bytes is swapped (pydicom's "be_swap_ow").
    NativeOw(&'a [u8]),
    /// The whole encapsulated value: Basic Offset Table item, fragment
    /// items, Sequence Delimitation Item (PS3.5 A.4).
    Encapsulated(&'a [u8]),
}

/// How the transfer syntax stores pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    NativeLittle,
    NativeBig,
    Rle,
    Jpeg,
    JpegLs,
    Jpeg2000,
    Other,
}

fn kind(uid: &str) -> Kind {
    match uid {
        "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.1.99" => {
            Kind::NativeLittle
        }
        EXPLICIT_VR_BIG_ENDIAN => Kind::NativeBig,
        crate::RLE_LOSSLESS => Kind::Rle,
        "1.2.840.10008.1.2.4.50"
        | "1.2.840.10008.1.2.4.51"
        | "1.2.840.10008.1.2.4.57"
        | "1.2.840.10008.1.2.4.70" => Kind::Jpeg,
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => Kind::JpegLs,
        "1.2.840.10008.1.2.4.90"
        | "1.2.840.10008.1.2.4.91"
        | "1.2.840.10008.1.2.4.92"
        | "1.2.840.10008.1.2.4.93"
        | "1.2.840.10008.1.2.4.201"
        | "1.2.840.10008.1.2.4.202"
        | "1.2.840.10008.1.2.4.203" => Kind::Jpeg2000,
        _ => Kind::Other,
    }
}

/// Decodes frame `index` (0-based) of `pixel_data` into typed samples.
///
/// Only that frame's bytes are read: a slice of a native value, or the
/// frame's fragments of an encapsulated one (found through the Basic
/// Offset Table, else by walking item headers; see the crate docs).
///
/// The returned frame's [`Frame::format`] describes the samples as they
/// are after decoding, which can differ from `pixel_data.format`:
///
/// - native and RLE Lossless frames keep the instance's format (also
///   YBR_FULL_422, two samples per pixel, and planar configuration 1);
/// - JPEG frames with three components come back as RGB, interleaved
///   (the decoder converts YCbCr and upsamples chrominance);
/// - JPEG-LS and JPEG 2000 frames come back interleaved; JPEG 2000 frames
///   coded with a multiple component transform (YBR_RCT, YBR_ICT) as RGB;
///   any compressed YBR_FULL_422 frame as YBR_FULL (full resolution);
/// - signed JPEG-LS frames with Bits Stored below Bits Allocated are
///   sign-extended.
///
/// PALETTE COLOR frames stay indices: the lookup tables are applied
/// elsewhere.
///
/// # Errors
///
/// [`CodecError::Unsupported`] (naming the cargo feature) when this build
/// cannot decode the transfer syntax; [`CodecError::FrameIndex`] for an
/// index past the last frame; otherwise a [`CodecError::InFrame`] naming
/// the transfer syntax, the frame number and what failed — never a pixel
/// value. A panic inside a codec backend is caught and reported as
/// [`CodecError::Panicked`].
pub fn decode_frame(pixel_data: &PixelData<'_>, index: u32) -> Result<Frame> {
    let uid = pixel_data.transfer_syntax.trim_end_matches(['\0', ' ']);
    require(uid, Operation::Decode)?;
    if index >= pixel_data.frames {
        return Err(CodecError::FrameIndex {
            index,
            frames: pixel_data.frames,
        });
    }
    decode(uid, pixel_data, index).map_err(|e| e.in_transfer_syntax(Operation::Decode, uid, index))
}

fn decode(uid: &str, pixel_data: &PixelData<'_>, index: u32) -> Result<Frame> {
    let format = pixel_data.format;
    check_format(&format)?;
    let kind = kind(uid);
    let (native, ow) = match pixel_data.value {
        PixelValue::Native(bytes) => (Some(bytes), false),
        PixelValue::NativeOw(bytes) => (Some(bytes), true),
        PixelValue::Encapsulated(_) => (None, false),
    };
    match (kind, native, pixel_data.value) {
        (Kind::NativeLittle, Some(bytes), _) => native_frame(format, bytes, index, false, false),
        (Kind::NativeBig, Some(bytes), _) => native_frame(format, bytes, index, true, ow),
        (Kind::NativeLittle | Kind::NativeBig, None, _) => Err(CodecError::Mismatch {
            detail: "the transfer syntax is native but the value is encapsulated".to_owned(),
        }),
        (_, _, PixelValue::Encapsulated(value)) => {
            let start = match kind {
                Kind::Jpeg | Kind::JpegLs => FrameStart::Jpeg,
                Kind::Jpeg2000 => FrameStart::Jpeg2000,
                _ => FrameStart::Unknown,
            };
            let fragments = frame_fragments(value, pixel_data.frames, index, start)?;
            let data: std::borrow::Cow<'_, [u8]> = match fragments.as_slice() {
                [one] => (*one).into(),
                many => many.concat().into(),
            };
            decode_compressed(uid, kind, format, &data)
        }
        _ => Err(CodecError::Mismatch {
            detail: "the transfer syntax is encapsulated but the value is native".to_owned(),
        }),
    }
}

/// Frame `index` of a native value.
fn native_frame(
    format: PixelFormat,
    value: &[u8],
    index: u32,
    big_endian: bool,
    ow: bool,
) -> Result<Frame> {
    let count = format.sample_count();
    let index = index as usize;
    // Bytes of the value as a byte stream: OW in big endian swaps pairs.
    let swap_pairs = big_endian && ow && format.bits_allocated <= 8;
    let byte = |i: usize| -> u8 {
        let j = if swap_pairs { i ^ 1 } else { i };
        value.get(j).copied().unwrap_or(0)
    };
    let short = |needed: usize| CodecError::FrameLength {
        layout: format.layout(),
        expected: needed as u64,
        actual: value.len() as u64,
    };
    if format.bits_allocated == 1 {
        let first_bit = index.checked_mul(count).ok_or_else(|| short(usize::MAX))?;
        let end_byte = (first_bit + count).div_ceil(8);
        if end_byte > value.len() {
            return Err(short(end_byte));
        }
        let bits = (first_bit..first_bit + count)
            .map(|bit| (byte(bit / 8) >> (bit % 8)) & 1)
            .collect();
        return Ok(Frame {
            format,
            samples: Samples::Bits(bits),
        });
    }
    let len = format.native_frame_len();
    let start = index.checked_mul(len).ok_or_else(|| short(usize::MAX))?;
    let end = start + len;
    if end > value.len() {
        return Err(short(end));
    }
    if !big_endian {
        return Frame::from_native_le(format, &value[start..end]);
    }
    let bytes = &value[start..end];
    let samples = match (format.bits_allocated, format.signed) {
        (8, false) => Samples::U8((start..end).map(byte).collect()),
        (8, true) => Samples::I8((start..end).map(|i| byte(i) as i8).collect()),
        (16, false) => Samples::U16(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect(),
        ),
        (16, true) => Samples::I16(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]]))
                .collect(),
        ),
        (32, false) => Samples::U32(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        _ => Samples::I32(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
    };
    Ok(Frame { format, samples })
}

/// One compressed frame (its fragments joined).
fn decode_compressed(uid: &str, kind: Kind, format: PixelFormat, data: &[u8]) -> Result<Frame> {
    match kind {
        Kind::Rle => {
            let native = decode_rle_frame(data, format.layout())?;
            Frame::from_native_le(format, &native)
        }
        Kind::Jpeg => {
            let header = codestream::jpeg_header(data)?;
            if header.is_dct() && header.precision != 8 {
                return Err(CodecError::Backend {
                    library: "jpeg-decoder",
                    detail: format!(
                        "{}-bit DCT JPEG (Process 2 & 4) is not supported: jpeg-decoder decodes 8-bit DCT frames only",
                        header.precision
                    ),
                });
            }
            check_size(
                "JPEG",
                format,
                header.rows.into(),
                header.columns.into(),
                header.components.into(),
            )?;
            check_precision("JPEG", format, header.precision)?;
            let out = PixelFormat {
                photometric: if format.samples_per_pixel == 3 {
                    Photometric::Rgb
                } else {
                    format.photometric
                },
                planar_configuration: 0,
                ..format
            };
            jpeg_decode(data, &header, format.photometric, out)
        }
        Kind::JpegLs => {
            let header = codestream::jpeg_header(data)?;
            // CharLS spends minutes (debug build) to seconds on a
            // truncated stream before failing: refuse it up front.
            let end = data.len() - data.iter().rev().take_while(|&&b| b == 0).count();
            if !data[..end].ends_with(&[0xFF, 0xD9]) {
                return Err(CodecError::Mismatch {
                    detail: "the JPEG-LS frame ends without an EOI marker: it is truncated"
                        .to_owned(),
                });
            }
            check_size(
                "JPEG-LS",
                format,
                header.rows.into(),
                header.columns.into(),
                header.components.into(),
            )?;
            check_precision("JPEG-LS", format, header.precision)?;
            let planar = header.components > 1 && header.scan_components == 1;
            let out = PixelFormat {
                photometric: full_resolution(format.photometric),
                planar_configuration: u16::from(planar),
                ..format
            };
            let mut frame = backend_decode(uid, out, data, header.precision, "CharLS")?;
            if planar {
                frame = frame.with_planar_configuration(0);
            }
            if format.signed && format.bits_stored < format.bits_allocated {
                frame.sign_extend_from(format.bits_stored);
            }
            Ok(frame)
        }
        Kind::Jpeg2000 => {
            let header = codestream::j2k_header(data)?;
            check_size(
                "JPEG 2000",
                format,
                header.rows,
                header.columns,
                header.components.len(),
            )?;
            if header.components.iter().any(|c| c.subsampled) {
                return Err(CodecError::Mismatch {
                    detail: "JPEG 2000 frame has subsampled components, which DICOM does not allow"
                        .to_owned(),
                });
            }
            let precision = header
                .components
                .iter()
                .map(|c| c.precision)
                .max()
                .unwrap_or(0);
            check_precision("JPEG 2000", format, precision)?;
            let out = PixelFormat {
                photometric: if header.mct && format.samples_per_pixel == 3 {
                    Photometric::Rgb
                } else {
                    full_resolution(format.photometric)
                },
                planar_configuration: 0,
                ..format
            };
            // OpenJPEG's adapter writes Bits Allocated bytes per sample
            // whatever the precision.
            backend_decode(uid, out, data, 9, "OpenJPEG")
        }
        Kind::Other | Kind::NativeLittle | Kind::NativeBig => Err(CodecError::Mismatch {
            detail: "no decoder path for this transfer syntax".to_owned(),
        }),
    }
}

/// Compressed YBR_FULL_422 decodes to full-resolution YBR_FULL.
fn full_resolution(photometric: Photometric) -> Photometric {
    match photometric {
        Photometric::YbrFull422 => Photometric::YbrFull,
        other => other,
    }
}

fn check_size(
    what: &str,
    format: PixelFormat,
    rows: u32,
    columns: u32,
    components: usize,
) -> Result<()> {
    if rows != u32::from(format.rows)
        || columns != u32::from(format.columns)
        || components != usize::from(format.samples_per_pixel)
    {
        return Err(CodecError::Mismatch {
            detail: format!(
                "the {what} frame is {rows}x{columns} with {components} component(s) but the attributes say {}x{} with {} sample(s) per pixel",
                format.rows, format.columns, format.samples_per_pixel
            ),
        });
    }
    Ok(())
}

fn check_precision(what: &str, format: PixelFormat, precision: u8) -> Result<()> {
    if !matches!(format.bits_allocated, 8 | 16) || u16::from(precision) > format.bits_allocated {
        return Err(CodecError::Mismatch {
            detail: format!(
                "the {what} frame has {precision}-bit samples but Bits Allocated is {} (8 or 16 at least as large are needed)",
                format.bits_allocated
            ),
        });
    }
    Ok(())
}

#[cfg(feature = "jpeg")]
fn jpeg_decode(
    data: &[u8],
    header: &codestream::JpegHeader,
    declared: Photometric,
    out: PixelFormat,
) -> Result<Frame> {
    crate::jpeg::decode(data, header, declared, out)
}

#[cfg(not(feature = "jpeg"))]
fn jpeg_decode(
    _data: &[u8],
    _header: &codestream::JpegHeader,
    _declared: Photometric,
    _out: PixelFormat,
) -> Result<Frame> {
    // `require` has already refused: no backend is built in.
    Err(CodecError::Backend {
        library: "jpeg-decoder",
        detail: "not built into this gantry-codec".to_owned(),
    })
}

/// Decodes with the dicom-rs adapter into `out`. JPEG and JPEG-LS
/// decoders hand back one byte per sample when the codestream's
/// `precision` is 8 bits or less, whatever Bits Allocated is: such samples
/// are widened to `out`'s 16 bits.
#[cfg(any(feature = "charls", feature = "openjpeg"))]
fn backend_decode(
    uid: &str,
    out: PixelFormat,
    data: &[u8],
    precision: u8,
    library: &'static str,
) -> Result<Frame> {
    if precision > 8 || out.bits_allocated == 8 {
        let native = crate::dicom_rs::decode(uid, out, data, library)?;
        return Frame::from_native_le(out, &native);
    }
    let narrow = PixelFormat {
        bits_allocated: 8,
        bits_stored: u16::from(precision),
        signed: false,
        ..out
    };
    let native = crate::dicom_rs::decode(uid, narrow, data, library)?;
    let samples = if out.signed {
        Samples::I16(native.iter().map(|&b| i16::from(b)).collect())
    } else {
        Samples::U16(native.iter().map(|&b| u16::from(b)).collect())
    };
    Ok(Frame {
        format: out,
        samples,
    })
}

#[cfg(not(any(feature = "charls", feature = "openjpeg")))]
fn backend_decode(
    _uid: &str,
    _out: PixelFormat,
    _data: &[u8],
    _precision: u8,
    library: &'static str,
) -> Result<Frame> {
    // `require` has already refused: no backend is built in.
    Err(CodecError::Backend {
        library,
        detail: "not built into this gantry-codec".to_owned(),
    })
}

#[cfg(test)]
mod tests;
