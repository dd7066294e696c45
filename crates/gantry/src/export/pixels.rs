//! What export does with an instance's pixels: splice them unchanged, or
//! decode, redact and re-encode them — and the header changes that go with
//! a rewrite (SPEC §7, §9, §10).
//!
//! # Which transfer syntax is written
//!
//! - Nothing to redact and no `--transfer-syntax`: the source's own syntax,
//!   pixel bytes copied unchanged (a deflated source is written as Explicit
//!   VR Little Endian — its pixel bytes are those of that syntax).
//! - `--transfer-syntax T`: every instance in `T`. Native little-endian
//!   sources going to Explicit VR Little Endian or Deflated keep their pixel
//!   bytes (no decode); anything else is decoded frame by frame and encoded.
//! - Redaction without `--transfer-syntax`: the source's syntax when this
//!   build can encode it losslessly (native, RLE, JPEG-LS lossless, JPEG
//!   2000 lossless); Explicit VR Big Endian (retired) and deflated sources
//!   become Explicit VR Little Endian; every other source (JPEG baseline,
//!   extended and lossless, JPEG-LS near-lossless, JPEG 2000 that may be
//!   lossy) is re-encoded losslessly: JPEG-LS lossless for grey images, RLE
//!   for colour (RLE for both when the `charls` codec is not built in).
//!   A lossy image is never compressed lossily a second time.
//!
//! JPEG Baseline inputs are decoded, redacted and re-encoded losslessly;
//! blanking in the DCT domain (no generational loss outside the region) is
//! not implemented. Their lossy history is kept: LossyImageCompression
//! stays `01` and the method is recorded.
//!
//! # Header changes
//!
//! After a rewrite: Photometric Interpretation and Planar Configuration say
//! what was written (a JPEG YBR_FULL_422 frame decodes to RGB). After a
//! redaction: Burned In Annotation = NO; Deidentification Method Code
//! Sequence gets 113101 "Clean Pixel Data Option"; Image Type value 1
//! becomes DERIVED and Derivation Description says the pixels were
//! redacted (PS3.3 C.7.6.1.1.2: pixel values derived from another image).

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry_codec::{Photometric, PixelFormat};

pub(crate) const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
pub(crate) const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
pub(crate) const DEFLATED: &str = "1.2.840.10008.1.2.1.99";
pub(crate) const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
pub(crate) const RLE: &str = "1.2.840.10008.1.2.5";
pub(crate) const JPEG_LS_LOSSLESS: &str = "1.2.840.10008.1.2.4.80";
pub(crate) const JPEG_LS_NEAR_LOSSLESS: &str = "1.2.840.10008.1.2.4.81";
pub(crate) const J2K_LOSSLESS: &str = "1.2.840.10008.1.2.4.90";
pub(crate) const J2K: &str = "1.2.840.10008.1.2.4.91";
pub(crate) const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
pub(crate) const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// How the pixels of one instance are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PixelPlan<'a> {
    /// Copy the source's Pixel Data value unchanged, in `transfer_syntax`
    /// (the source's own, or another with the same pixel bytes).
    Splice {
        /// Transfer syntax of the output file.
        transfer_syntax: &'a str,
    },
    /// Decode every frame, redact, encode in `transfer_syntax`.
    Rewrite {
        /// Transfer syntax of the output file.
        transfer_syntax: &'a str,
    },
}

#[cfg(test)]
impl PixelPlan<'_> {
    pub(crate) fn transfer_syntax(&self) -> &str {
        match self {
            PixelPlan::Splice { transfer_syntax } | PixelPlan::Rewrite { transfer_syntax } => {
                transfer_syntax
            }
        }
    }
}

/// Native little-endian pixel bytes: what Implicit/Explicit VR Little
/// Endian and Deflated share.
fn native_le(ts: &str) -> bool {
    matches!(ts, IMPLICIT_VR_LE | EXPLICIT_VR_LE | DEFLATED)
}

/// Whether `ts` is lossy by definition (whatever the attributes say).
pub(crate) fn always_lossy(ts: &str) -> bool {
    matches!(ts, JPEG_BASELINE | JPEG_EXTENDED | JPEG_LS_NEAR_LOSSLESS)
}

/// Decide how to write an instance's pixels.
///
/// `source` is the source file's transfer syntax, `target` the one the user
/// asked for (a UID), `redact` whether regions must be blanked,
/// `monochrome` whether the image is grey (for the lossless fallback).
pub(crate) fn plan<'a>(
    source: &'a str,
    target: Option<&'a str>,
    redact: bool,
    monochrome: bool,
) -> PixelPlan<'a> {
    if let Some(target) = target {
        let same_bytes = native_le(source) && matches!(target, EXPLICIT_VR_LE | DEFLATED)
            || source == target && !native_le(source);
        return if same_bytes && !redact {
            PixelPlan::Splice {
                transfer_syntax: target,
            }
        } else {
            PixelPlan::Rewrite {
                transfer_syntax: target,
            }
        };
    }
    let spliced = if source == DEFLATED {
        EXPLICIT_VR_LE
    } else {
        source
    };
    if !redact {
        return PixelPlan::Splice {
            transfer_syntax: spliced,
        };
    }
    let encodable = |ts: &str| gantry_codec::require(ts, gantry_codec::Operation::Encode).is_ok();
    let transfer_syntax = match source {
        IMPLICIT_VR_LE | EXPLICIT_VR_LE => source,
        DEFLATED | EXPLICIT_VR_BE => EXPLICIT_VR_LE,
        RLE | JPEG_LS_LOSSLESS | J2K_LOSSLESS if encodable(source) => source,
        _ if monochrome && encodable(JPEG_LS_LOSSLESS) => JPEG_LS_LOSSLESS,
        _ => RLE,
    };
    PixelPlan::Rewrite { transfer_syntax }
}

/// The Image Pixel attributes of a header, as the codec wants them.
/// `None` names the attribute that is missing or unusable.
pub(crate) fn pixel_format(header: &InMemDicomObject) -> Result<PixelFormat, String> {
    let number = |tag: Tag, name: &str| -> Result<u16, String> {
        header
            .get(tag)
            .and_then(|e| e.to_int::<u16>().ok())
            .ok_or_else(|| format!("{name} {tag} is missing or not a number"))
    };
    let photometric_text = header
        .get(tags::PHOTOMETRIC_INTERPRETATION)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.into_owned())
        .unwrap_or_default();
    let photometric = Photometric::parse(&photometric_text).ok_or_else(|| {
        format!(
            "PhotometricInterpretation {} is missing or not one Gantry decodes",
            tags::PHOTOMETRIC_INTERPRETATION
        )
    })?;
    let bits_allocated = number(tags::BITS_ALLOCATED, "BitsAllocated")?;
    Ok(PixelFormat {
        rows: number(tags::ROWS, "Rows")?,
        columns: number(tags::COLUMNS, "Columns")?,
        samples_per_pixel: number(tags::SAMPLES_PER_PIXEL, "SamplesPerPixel")?,
        bits_allocated,
        bits_stored: number(tags::BITS_STORED, "BitsStored").unwrap_or(bits_allocated),
        signed: number(tags::PIXEL_REPRESENTATION, "PixelRepresentation").unwrap_or(0) == 1,
        planar_configuration: number(tags::PLANAR_CONFIGURATION, "PlanarConfiguration")
            .unwrap_or(0),
        photometric,
    })
}

/// Number of Frames (0028,0008), 1 when absent.
pub(crate) fn number_of_frames(header: &InMemDicomObject) -> u32 {
    header
        .get(tags::NUMBER_OF_FRAMES)
        .and_then(|e| e.to_int::<u32>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

/// Header changes after the pixels were rewritten as `written` in
/// `transfer_syntax` from a source in `source_ts`.
pub(crate) fn note_rewrite(
    header: &mut InMemDicomObject,
    written: &PixelFormat,
    source_ts: &str,
    transfer_syntax: &str,
) {
    header.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(written.photometric.as_str()),
    ));
    if written.samples_per_pixel > 1 {
        header.put(DataElement::new(
            tags::PLANAR_CONFIGURATION,
            VR::US,
            PrimitiveValue::from(written.planar_configuration),
        ));
    } else {
        header.remove_element(tags::PLANAR_CONFIGURATION);
    }
    let was_lossy = always_lossy(source_ts)
        || header
            .get(tags::LOSSY_IMAGE_COMPRESSION)
            .and_then(|e| e.to_str().ok())
            .is_some_and(|v| v.trim() == "01");
    if was_lossy {
        header.put(DataElement::new(
            tags::LOSSY_IMAGE_COMPRESSION,
            VR::CS,
            PrimitiveValue::from("01"),
        ));
        let method = match source_ts {
            JPEG_BASELINE | JPEG_EXTENDED => Some("ISO_10918_1"),
            JPEG_LS_NEAR_LOSSLESS => Some("ISO_14495_1"),
            J2K => Some("ISO_15444_1"),
            _ => None,
        };
        if let Some(method) = method
            && header.get(tags::LOSSY_IMAGE_COMPRESSION_METHOD).is_none()
        {
            header.put(DataElement::new(
                tags::LOSSY_IMAGE_COMPRESSION_METHOD,
                VR::CS,
                PrimitiveValue::from(method),
            ));
        }
    }
    let _ = transfer_syntax;
}

/// Header changes after burned-in text was redacted.
pub(crate) fn note_redaction(header: &mut InMemDicomObject) {
    header.put(DataElement::new(
        tags::BURNED_IN_ANNOTATION,
        VR::CS,
        PrimitiveValue::from("NO"),
    ));
    add_method_code(header, "113101", "Clean Pixel Data Option");
    if let Some(values) = header
        .get(tags::IMAGE_TYPE)
        .and_then(|e| e.to_multi_str().ok())
        .map(|v| v.iter().map(|s| s.trim().to_string()).collect::<Vec<_>>())
        && values.first().is_some_and(|v| v != "DERIVED")
    {
        let mut values = values;
        values[0] = "DERIVED".into();
        header.put(DataElement::new(
            tags::IMAGE_TYPE,
            VR::CS,
            PrimitiveValue::Strs(values.into()),
        ));
    }
    const NOTE: &str = "Burned-in annotation removed by pixel redaction";
    let description = match header
        .get(tags::DERIVATION_DESCRIPTION)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim().to_string())
    {
        Some(existing) if existing.contains(NOTE) => existing,
        Some(existing) if !existing.is_empty() => format!("{existing}; {NOTE}"),
        _ => NOTE.to_string(),
    };
    header.put(DataElement::new(
        tags::DERIVATION_DESCRIPTION,
        VR::ST,
        PrimitiveValue::from(description),
    ));
}

/// Append a DCM code to Deidentification Method Code Sequence unless an
/// item with that code value is there already.
fn add_method_code(header: &mut InMemDicomObject, value: &str, meaning: &str) {
    let mut items: Vec<InMemDicomObject> = header
        .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .and_then(|e| e.items().map(|items| items.to_vec()))
        .unwrap_or_default();
    let present = items.iter().any(|item| {
        item.get(tags::CODE_VALUE)
            .and_then(|e| e.to_str().ok())
            .is_some_and(|v| v.trim() == value)
    });
    if present {
        return;
    }
    items.push(InMemDicomObject::from_element_iter([
        DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(value)),
        DataElement::new(
            tags::CODING_SCHEME_DESIGNATOR,
            VR::SH,
            PrimitiveValue::from("DCM"),
        ),
        DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(meaning)),
    ]));
    header.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        Value::Sequence(DataSetSequence::from(items)),
    ));
}

/// Where the source's Pixel Data value is.
pub(crate) enum SourceValue<'a> {
    /// In the source file at `offset`, `length` bytes.
    File {
        path: &'a std::path::Path,
        offset: u64,
        length: u64,
    },
    /// Already in memory (a sidecar record).
    Memory(Vec<u8>),
}

/// Blank these regions of every frame with this fill.
pub(crate) struct Blanking<'a> {
    pub(crate) regions: &'a [gantry_redact::Region],
    pub(crate) fill: &'a gantry_redact::Fill,
}

/// Reads frames of one instance's Pixel Data, one at a time.
///
/// Native sources with whole-byte samples are read one frame at a time
/// (one positioned read per frame), so a large multi-frame file is never
/// in memory at once; encapsulated values (compressed) and 1-bit data are
/// read whole and decoded frame by frame.
pub(crate) struct FrameReader<'a> {
    loaded: Loaded,
    transfer_syntax: &'a str,
    encapsulated: bool,
    ow: bool,
    format: PixelFormat,
    frames: u32,
}

enum Loaded {
    PerFrame {
        file: std::fs::File,
        offset: u64,
        length: u64,
        buffer: Vec<u8>,
    },
    Whole(Vec<u8>),
}

impl<'a> FrameReader<'a> {
    /// Errors are reasons fit for a person (file, what failed).
    pub(crate) fn open(
        source: SourceValue<'a>,
        transfer_syntax: &'a str,
        encapsulated: bool,
        ow: bool,
        format: PixelFormat,
        frames: u32,
    ) -> Result<FrameReader<'a>, String> {
        use std::os::unix::fs::FileExt;
        let frame_len = format.native_frame_len();
        let per_frame = !encapsulated && format.bits_allocated.is_multiple_of(8) && frame_len > 0;
        let loaded = match source {
            SourceValue::Memory(bytes) => Loaded::Whole(bytes),
            SourceValue::File {
                path,
                offset,
                length,
            } => {
                let file = std::fs::File::open(path).map_err(|e| format!("source file: {e}"))?;
                if per_frame {
                    Loaded::PerFrame {
                        file,
                        offset,
                        length,
                        buffer: vec![0u8; frame_len],
                    }
                } else {
                    let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(usize::MAX)];
                    file.read_exact_at(&mut bytes, offset)
                        .map_err(|e| format!("source file: Pixel Data: {e}"))?;
                    Loaded::Whole(bytes)
                }
            }
        };
        Ok(FrameReader {
            loaded,
            transfer_syntax,
            encapsulated,
            ow,
            format,
            frames,
        })
    }

    /// The fast path of [`rewrite`]: native little-endian in and out,
    /// whole-byte samples. `None` when it does not apply.
    fn rewrite_native(
        &mut self,
        transfer_syntax: &str,
        blanking: Option<&Blanking<'_>>,
    ) -> Result<Option<gantry_codec::Encoded>, String> {
        use std::os::unix::fs::FileExt;
        let applies = !self.encapsulated
            && matches!(self.transfer_syntax, IMPLICIT_VR_LE | EXPLICIT_VR_LE)
            && native_le(transfer_syntax)
            && matches!(self.format.bits_allocated, 8 | 16 | 32)
            && gantry_redact::redacts_native(&self.format);
        if !applies {
            return Ok(None);
        }
        let frame_len = self.format.native_frame_len();
        let total = frame_len * self.frames as usize;
        let mut value = vec![0u8; total + total % 2];
        match &self.loaded {
            Loaded::PerFrame {
                file,
                offset,
                length,
                ..
            } => {
                if (total as u64) > *length {
                    return Err(format!(
                        "Pixel Data holds {length} bytes, too few for {} frames",
                        self.frames
                    ));
                }
                file.read_exact_at(&mut value[..total], *offset)
                    .map_err(|e| format!("source file: Pixel Data: {e}"))?;
            }
            Loaded::Whole(bytes) => {
                let source = bytes.get(..total).ok_or_else(|| {
                    format!(
                        "Pixel Data holds {} bytes, too few for {} frames",
                        bytes.len(),
                        self.frames
                    )
                })?;
                value[..total].copy_from_slice(source);
            }
        }
        if let Some(b) = blanking {
            for (index, frame) in value[..total].chunks_exact_mut(frame_len).enumerate() {
                gantry_redact::redact_native_le(frame, &self.format, b.regions, b.fill)
                    .map_err(|e| format!("redaction of frame {}: {e}", index + 1))?;
            }
        }
        Ok(Some(gantry_codec::Encoded {
            transfer_syntax: transfer_syntax.to_string(),
            value,
            format: self.format,
            frames: self.frames,
            lossy: false,
            vr: if self.format.bits_allocated > 8 {
                gantry_codec::PixelVr::Ow
            } else {
                gantry_codec::PixelVr::Ob
            },
        }))
    }

    /// Frame `index` (0-based), decoded.
    pub(crate) fn frame(&mut self, index: u32) -> Result<gantry_codec::Frame, String> {
        use gantry_codec::{PixelData, PixelValue, decode_frame};
        use std::os::unix::fs::FileExt;
        fn value(bytes: &[u8], encapsulated: bool, ow: bool) -> PixelValue<'_> {
            if encapsulated {
                PixelValue::Encapsulated(bytes)
            } else if ow {
                PixelValue::NativeOw(bytes)
            } else {
                PixelValue::Native(bytes)
            }
        }
        let (encapsulated, ow) = (self.encapsulated, self.ow);
        match &mut self.loaded {
            Loaded::PerFrame {
                file,
                offset,
                length,
                buffer,
            } => {
                let frame_len = buffer.len() as u64;
                let at = u64::from(index) * frame_len;
                if at + frame_len > *length {
                    return Err(format!(
                        "Pixel Data holds {length} bytes, too few for frame {} of {}",
                        index + 1,
                        self.frames
                    ));
                }
                file.read_exact_at(buffer, *offset + at)
                    .map_err(|e| format!("source file: Pixel Data: {e}"))?;
                let one = PixelData {
                    transfer_syntax: self.transfer_syntax,
                    format: self.format,
                    frames: 1,
                    value: value(buffer, encapsulated, ow),
                };
                decode_frame(&one, 0).map_err(|e| format!("frame {}: {e}", index + 1))
            }
            Loaded::Whole(bytes) => {
                let all = PixelData {
                    transfer_syntax: self.transfer_syntax,
                    format: self.format,
                    frames: self.frames,
                    value: value(bytes, encapsulated, ow),
                };
                decode_frame(&all, index).map_err(|e| e.to_string())
            }
        }
    }
}

/// Decode every frame, blank it, encode it in `transfer_syntax`. The
/// encoded output is held in memory until written.
///
/// Native little-endian pixels that stay native (whole-byte samples) are
/// blanked as bytes ([`gantry_redact::redact_native_le`]), never converted
/// to typed samples and back.
pub(crate) fn rewrite(
    mut reader: FrameReader<'_>,
    transfer_syntax: &str,
    blanking: Option<&Blanking<'_>>,
) -> Result<gantry_codec::Encoded, String> {
    if let Some(encoded) = reader.rewrite_native(transfer_syntax, blanking)? {
        return Ok(encoded);
    }
    let mut encoder = gantry_codec::Encoder::new(transfer_syntax).map_err(|e| e.to_string())?;
    for index in 0..reader.frames {
        let mut frame = reader.frame(index)?;
        if let Some(b) = blanking {
            gantry_redact::redact_frame(&mut frame, b.regions, b.fill)
                .map_err(|e| format!("redaction of frame {}: {e}", index + 1))?;
        }
        encoder.push(&frame).map_err(|e| e.to_string())?;
    }
    encoder.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untouched_pixels_are_spliced_in_their_own_syntax() {
        assert_eq!(
            plan(JPEG_BASELINE, None, false, false),
            PixelPlan::Splice {
                transfer_syntax: JPEG_BASELINE
            }
        );
        assert_eq!(
            plan(DEFLATED, None, false, true).transfer_syntax(),
            EXPLICIT_VR_LE
        );
    }

    #[test]
    fn native_little_endian_to_explicit_or_deflate_needs_no_decode() {
        for source in [IMPLICIT_VR_LE, EXPLICIT_VR_LE, DEFLATED] {
            for target in [EXPLICIT_VR_LE, DEFLATED] {
                assert_eq!(
                    plan(source, Some(target), false, true),
                    PixelPlan::Splice {
                        transfer_syntax: target
                    }
                );
            }
        }
        assert_eq!(
            plan(EXPLICIT_VR_BE, Some(EXPLICIT_VR_LE), false, true),
            PixelPlan::Rewrite {
                transfer_syntax: EXPLICIT_VR_LE
            }
        );
    }

    #[test]
    fn redaction_keeps_lossless_syntaxes_and_never_recompresses_lossily() {
        assert_eq!(plan(RLE, None, true, true).transfer_syntax(), RLE);
        assert_eq!(
            plan(EXPLICIT_VR_LE, None, true, true).transfer_syntax(),
            EXPLICIT_VR_LE
        );
        assert_eq!(
            plan(EXPLICIT_VR_BE, None, true, true).transfer_syntax(),
            EXPLICIT_VR_LE
        );
        // Lossy sources: a lossless fallback, RLE for colour.
        assert_eq!(
            plan(JPEG_BASELINE, None, true, false).transfer_syntax(),
            RLE
        );
        let grey = plan(JPEG_BASELINE, None, true, true)
            .transfer_syntax()
            .to_string();
        assert!(grey == JPEG_LS_LOSSLESS || grey == RLE, "{grey}");
    }

    #[test]
    fn redaction_marks_the_header() {
        let mut header = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::BURNED_IN_ANNOTATION,
                VR::CS,
                PrimitiveValue::from("YES"),
            ),
            DataElement::new(
                tags::IMAGE_TYPE,
                VR::CS,
                PrimitiveValue::Strs(["ORIGINAL".to_string(), "PRIMARY".to_string()].into()),
            ),
        ]);
        note_redaction(&mut header);
        note_redaction(&mut header); // idempotent
        let text = |tag| {
            header
                .get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.to_string())
        };
        assert_eq!(text(tags::BURNED_IN_ANNOTATION).as_deref(), Some("NO"));
        assert_eq!(text(tags::IMAGE_TYPE).as_deref(), Some("DERIVED\\PRIMARY"));
        assert_eq!(
            text(tags::DERIVATION_DESCRIPTION).as_deref(),
            Some("Burned-in annotation removed by pixel redaction")
        );
        let items = header
            .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|e| e.items())
            .expect("code sequence");
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn lossy_history_survives_a_lossless_rewrite() {
        let mut header = InMemDicomObject::new_empty();
        let written = PixelFormat {
            rows: 2,
            columns: 2,
            samples_per_pixel: 3,
            bits_allocated: 8,
            bits_stored: 8,
            signed: false,
            planar_configuration: 0,
            photometric: Photometric::Rgb,
        };
        note_rewrite(&mut header, &written, JPEG_BASELINE, RLE);
        let text = |tag| {
            header
                .get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.to_string())
        };
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION).as_deref(), Some("01"));
        assert_eq!(
            text(tags::LOSSY_IMAGE_COMPRESSION_METHOD).as_deref(),
            Some("ISO_10918_1")
        );
        assert_eq!(
            text(tags::PHOTOMETRIC_INTERPRETATION).as_deref(),
            Some("RGB")
        );
    }
}
