//! Encoding [`Frame`]s into the value of a Pixel Data element.

use std::fmt;

#[cfg(any(feature = "charls", feature = "openjpeg"))]
use crate::convert::check_format;
use crate::decode::EXPLICIT_VR_BIG_ENDIAN;
use crate::encapsulated::encapsulate;
use crate::error::{CodecError, Result};
use crate::frame::{Frame, PixelFormat, Samples};
use crate::rle::encode_rle_frame;
use crate::support::{Operation, require};

/// The Value Representation to write the Pixel Data element with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PixelVr {
    /// Other Byte: encapsulated values, and native values of 1 or 8 bits.
    Ob,
    /// Other Word: native values of 16 or 32 bits.
    Ow,
}

impl PixelVr {
    /// "OB" or "OW".
    pub fn as_str(&self) -> &'static str {
        match self {
            PixelVr::Ob => "OB",
            PixelVr::Ow => "OW",
        }
    }
}

impl fmt::Display for PixelVr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of a Pixel Data element, ready to write, and what the header
/// must say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// Transfer syntax UID the value is in.
    pub transfer_syntax: String,
    /// The element's value: native samples (padded to even length), or an
    /// encapsulated value with a Basic Offset Table, one fragment per
    /// frame and the Sequence Delimitation Item (write it with undefined
    /// length).
    pub value: Vec<u8>,
    /// The format actually written: Photometric Interpretation and Planar
    /// Configuration can differ from the frames' (see [`Encoder`]); write
    /// these attributes into the header.
    pub format: PixelFormat,
    /// Number of frames written.
    pub frames: u32,
    /// Whether the encoding lost information. Every encoder here is
    /// lossless, so this is `false`; it is part of the result so callers
    /// set Lossy Image Compression from it, not from assumptions.
    pub lossy: bool,
    /// The VR to write Pixel Data with.
    pub vr: PixelVr,
}

/// Where the frames go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    NativeLittle,
    NativeBig,
    Rle,
    #[cfg(feature = "charls")]
    JpegLs,
    #[cfg(feature = "openjpeg")]
    Jpeg2000,
}

/// Encodes frames one at a time into one transfer syntax.
///
/// Every frame must have the format of the first. What is written:
///
/// - native syntaxes (Implicit/Explicit VR Little Endian, Deflated — the
///   data set is deflated by the writer, not here — and Explicit VR Big
///   Endian): the samples as they are, 1-bit frames packed back to back;
/// - RLE Lossless (built in): 8, 16 or 32 bits, planar configuration kept;
/// - JPEG-LS Lossless (`charls`): 8 or 16 bits allocated, Bits Stored
///   2–16 coded, interleaved (sample-interleaved scan), Planar
///   Configuration 0 as PS3.5 8.2.3 requires;
/// - JPEG 2000 Lossless (`openjpeg`): 8 or 16 bits allocated, reversible
///   5/3 wavelet without a colour transform, so RGB stays RGB; Planar
///   Configuration 0.
///
/// Compressed outputs turn YBR_FULL_422 frames into YBR_FULL (chrominance
/// repeated: nothing is lost). JPEG-LS and JPEG 2000 code Bits Stored bits
/// per sample and refuse frames with samples outside that range instead of
/// dropping bits. JPEG Baseline and other lossy encoders are not offered.
///
/// ```
/// use gantry_codec::{Encoder, Frame, Photometric, PixelFormat, Samples, PixelVr};
///
/// let format = PixelFormat {
///     rows: 2,
///     columns: 2,
///     samples_per_pixel: 1,
///     bits_allocated: 16,
///     bits_stored: 12,
///     signed: false,
///     planar_configuration: 0,
///     photometric: Photometric::Monochrome2,
/// };
/// let frame = Frame { format, samples: Samples::U16(vec![0, 1, 4094, 4095]) };
/// let mut encoder = Encoder::new("1.2.840.10008.1.2.5")?; // RLE Lossless
/// encoder.push(&frame)?;
/// encoder.push(&frame)?;
/// let encoded = encoder.finish()?;
/// assert_eq!((encoded.frames, encoded.vr, encoded.lossy), (2, PixelVr::Ob, false));
/// # Ok::<(), gantry_codec::CodecError>(())
/// ```
#[derive(Debug)]
pub struct Encoder {
    transfer_syntax: String,
    target: Target,
    /// The first frame's format: every frame must have it.
    format: Option<PixelFormat>,
    /// The format written.
    written: Option<PixelFormat>,
    frames: u32,
    native: Vec<u8>,
    /// Bits written so far, for 1-bit native data.
    bits: usize,
    fragments: Vec<Vec<u8>>,
}

impl Encoder {
    /// An encoder into `transfer_syntax`.
    ///
    /// # Errors
    ///
    /// [`CodecError::Unsupported`], naming the cargo feature that would add
    /// the encoder (or why it is not offered), when this build cannot
    /// encode the transfer syntax.
    pub fn new(transfer_syntax: &str) -> Result<Encoder> {
        let uid = transfer_syntax.trim_end_matches(['\0', ' ']);
        require(uid, Operation::Encode)?;
        let target = match uid {
            "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.1.99" => {
                Target::NativeLittle
            }
            EXPLICIT_VR_BIG_ENDIAN => Target::NativeBig,
            crate::RLE_LOSSLESS => Target::Rle,
            #[cfg(feature = "charls")]
            "1.2.840.10008.1.2.4.80" => Target::JpegLs,
            #[cfg(feature = "openjpeg")]
            "1.2.840.10008.1.2.4.90" => Target::Jpeg2000,
            _ => {
                // `require` agreed but no encoder is wired: a bug here.
                return Err(CodecError::Unsupported {
                    transfer_syntax: uid.to_owned(),
                    operation: Operation::Encode,
                    remedy: "no encoder is wired for it in this build".to_owned(),
                });
            }
        };
        Ok(Encoder {
            transfer_syntax: uid.to_owned(),
            target,
            format: None,
            written: None,
            frames: 0,
            native: Vec::new(),
            bits: 0,
            fragments: Vec::new(),
        })
    }

    /// Encodes the next frame.
    ///
    /// # Errors
    ///
    /// A [`CodecError::InFrame`] naming the transfer syntax and the frame
    /// number: the frame's samples do not match its format, its format
    /// differs from the first frame's, the codec cannot code it (bit
    /// depth, samples outside Bits Stored), or the backend failed.
    pub fn push(&mut self, frame: &Frame) -> Result<()> {
        let index = self.frames;
        self.push_inner(frame)
            .map_err(|e| e.in_transfer_syntax(Operation::Encode, &self.transfer_syntax, index))?;
        self.frames += 1;
        Ok(())
    }

    fn push_inner(&mut self, frame: &Frame) -> Result<()> {
        frame.check()?;
        match self.format {
            None => self.format = Some(frame.format),
            Some(first) if first != frame.format => {
                return Err(CodecError::Mismatch {
                    detail: format!(
                        "the frame's format ({}) differs from the first frame's ({first})",
                        frame.format
                    ),
                });
            }
            Some(_) => {}
        }
        let written = match self.target {
            Target::NativeLittle | Target::NativeBig => {
                self.push_native(frame);
                frame.format
            }
            Target::Rle => {
                let frame = frame.clone().without_subsampling();
                if frame.format.bits_allocated == 1 {
                    return Err(CodecError::Mismatch {
                        detail: "RLE Lossless cannot code 1-bit data (Bits Allocated 1)".to_owned(),
                    });
                }
                let layout = frame.format.layout();
                self.fragments
                    .push(encode_rle_frame(&frame.to_native_le(), layout)?);
                frame.format
            }
            #[cfg(feature = "charls")]
            Target::JpegLs => {
                let frame = frame
                    .clone()
                    .without_subsampling()
                    .with_planar_configuration(0);
                self.fragments.push(crate::jpegls::encode(&frame)?);
                frame.format
            }
            #[cfg(feature = "openjpeg")]
            Target::Jpeg2000 => {
                let frame = frame
                    .clone()
                    .without_subsampling()
                    .with_planar_configuration(0);
                self.fragments.push(crate::j2k::encode(&frame)?);
                frame.format
            }
        };
        self.written = Some(written);
        Ok(())
    }

    fn push_native(&mut self, frame: &Frame) {
        let big = self.target == Target::NativeBig;
        match &frame.samples {
            Samples::Bits(bits) => {
                for &bit in bits {
                    if self.bits.is_multiple_of(8) {
                        self.native.push(0);
                    }
                    if let Some(last) = self.native.last_mut() {
                        *last |= (bit & 1) << (self.bits % 8);
                    }
                    self.bits += 1;
                }
            }
            Samples::U16(v) if big => v
                .iter()
                .for_each(|s| self.native.extend_from_slice(&s.to_be_bytes())),
            Samples::I16(v) if big => v
                .iter()
                .for_each(|s| self.native.extend_from_slice(&s.to_be_bytes())),
            Samples::U32(v) if big => v
                .iter()
                .for_each(|s| self.native.extend_from_slice(&s.to_be_bytes())),
            Samples::I32(v) if big => v
                .iter()
                .for_each(|s| self.native.extend_from_slice(&s.to_be_bytes())),
            _ => frame.write_native_le(&mut self.native),
        }
    }

    /// The Pixel Data value and what to write in the header.
    ///
    /// # Errors
    ///
    /// [`CodecError::FrameCount`] when no frame was pushed;
    /// [`CodecError::TooLarge`] when the value outgrows 32-bit lengths.
    pub fn finish(self) -> Result<Encoded> {
        let (Some(format), true) = (self.written, self.frames > 0) else {
            return Err(CodecError::FrameCount {
                expected: 1,
                detail: "no frame was given to encode".to_owned(),
            });
        };
        let (value, vr) = match self.target {
            Target::NativeLittle | Target::NativeBig => {
                let mut value = self.native;
                if value.len() % 2 == 1 {
                    value.push(0);
                }
                if u32::try_from(value.len()).map_or(true, |n| n == u32::MAX) {
                    return Err(CodecError::TooLarge {
                        what: "native pixel data",
                        len: value.len() as u64,
                    });
                }
                let vr = if format.bits_allocated > 8 {
                    PixelVr::Ow
                } else {
                    PixelVr::Ob
                };
                (value, vr)
            }
            _ => (encapsulate(&self.fragments)?, PixelVr::Ob),
        };
        Ok(Encoded {
            transfer_syntax: self.transfer_syntax,
            value,
            format,
            frames: self.frames,
            lossy: false,
            vr,
        })
    }
}

/// Encodes every frame into `transfer_syntax`: [`Encoder::new`], then
/// [`Encoder::push`] for each frame, then [`Encoder::finish`]. The frames
/// come as results so a decoder can feed them directly; the first error
/// stops the encoding and is returned.
///
/// # Errors
///
/// Those of [`Encoder`], and the first error among `frames`.
pub fn encode<I>(transfer_syntax: &str, frames: I) -> Result<Encoded>
where
    I: IntoIterator<Item = Result<Frame>>,
{
    let mut encoder = Encoder::new(transfer_syntax)?;
    for frame in frames {
        encoder.push(&frame?)?;
    }
    encoder.finish()
}

/// Checks the format of a frame a compressed encoder codes, for codecs of
/// 8 or 16 bits allocated.
#[cfg(any(feature = "charls", feature = "openjpeg"))]
pub(crate) fn check_8_or_16(frame: &Frame, codec: &str, min_bits_stored: u16) -> Result<()> {
    check_format(&frame.format)?;
    if !matches!(frame.format.bits_allocated, 8 | 16) {
        return Err(CodecError::Mismatch {
            detail: format!(
                "{codec} codes 8 or 16 bits allocated, not {}",
                frame.format.bits_allocated
            ),
        });
    }
    if frame.format.bits_stored < min_bits_stored {
        return Err(CodecError::Mismatch {
            detail: format!(
                "{codec} codes at least {min_bits_stored} bits stored, not {}",
                frame.format.bits_stored
            ),
        });
    }
    frame.check_fits_bits_stored()
}
