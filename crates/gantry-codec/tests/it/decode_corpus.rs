//! Every frame of every file of the shared dev corpus whose transfer
//! syntax this build decodes, decoded by [`decode_frame`] and compared
//! with pydicom's `pixel_array` (tests/oracle/pydicom_frames.py).
//!
//! Lossless syntaxes must match exactly; lossy ones within a stated
//! maximum absolute difference per sample. Native and RLE data are
//! compared as stored (pydicom `as_rgb=False`), compressed data after
//! pydicom's YCbCr → RGB conversion (`as_rgb=True`), because the JPEG
//! decoder converts too. Where Bits Stored is below Bits Allocated only
//! the stored bits are compared: our native frames keep the words as
//! stored, pydicom sign-extends them.

use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use gantry_codec::{
    Frame, Operation, Photometric, PixelData, PixelFormat, PixelValue, Samples, decode_frame,
    require,
};

use crate::oracles::{self, PydicomFrames};

/// A corpus file's Pixel Data, as the facade would hand it over.
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) transfer_syntax: String,
    pub(crate) format: PixelFormat,
    pub(crate) frames: u32,
    pub(crate) value: Vec<u8>,
    pub(crate) encapsulated: bool,
    pub(crate) ow: bool,
}

impl Source {
    pub(crate) fn pixel_data(&self) -> PixelData<'_> {
        PixelData {
            transfer_syntax: &self.transfer_syntax,
            format: self.format,
            frames: self.frames,
            value: if self.encapsulated {
                PixelValue::Encapsulated(&self.value)
            } else if self.ow {
                PixelValue::NativeOw(&self.value)
            } else {
                PixelValue::Native(&self.value)
            },
        }
    }
}

pub(crate) fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("GANTRY_REQUIRE_ORACLES").is_some() {
        panic!("the shared dev corpus is missing at {}", dir.display());
    }
    eprintln!(
        "\n!!! SKIPPING gantry-codec corpus decoding: no corpus at {} !!!\n",
        dir.display()
    );
    None
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("csv" | "md" | "txt")
        ) {
            out.push(path);
        }
    }
}

fn int(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Option<u32> {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_int::<u32>().ok())
}

/// The encapsulated value, rebuilt byte for byte from dicom-object's
/// offset table and fragments (as stored, padding included).
fn encapsulated_value(offset_table: &[u32], fragments: &[Vec<u8>]) -> Vec<u8> {
    let item = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    let mut out = Vec::new();
    let table: Vec<u8> = offset_table.iter().flat_map(|o| o.to_le_bytes()).collect();
    item(&mut out, &table);
    for fragment in fragments {
        item(&mut out, fragment);
    }
    out.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    out
}

/// Reads a corpus file: `Err(reason)` when it has no usable pixel data.
pub(crate) fn load(path: &Path, name: &str) -> Result<Source, String> {
    let obj = dicom_object::open_file(path).map_err(|e| format!("dicom-object: {e}"))?;
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_owned();
    let element = obj
        .element_opt(tags::PIXEL_DATA)
        .ok()
        .flatten()
        .ok_or("no Pixel Data")?;
    let photometric = obj
        .element_opt(tags::PHOTOMETRIC_INTERPRETATION)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok().map(|s| s.into_owned()))
        .ok_or("no Photometric Interpretation")?;
    let photometric =
        Photometric::parse(&photometric).ok_or(format!("photometric {photometric}"))?;
    let us = |tag| int(&obj, tag).map(|v| v as u16);
    let format = PixelFormat {
        rows: us(tags::ROWS).ok_or("no Rows")?,
        columns: us(tags::COLUMNS).ok_or("no Columns")?,
        samples_per_pixel: us(tags::SAMPLES_PER_PIXEL).unwrap_or(1),
        bits_allocated: us(tags::BITS_ALLOCATED).ok_or("no Bits Allocated")?,
        bits_stored: us(tags::BITS_STORED).ok_or("no Bits Stored")?,
        signed: us(tags::PIXEL_REPRESENTATION) == Some(1),
        planar_configuration: us(tags::PLANAR_CONFIGURATION).unwrap_or(0),
        photometric,
    };
    let frames = int(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
    let big_endian = ts == "1.2.840.10008.1.2.2";
    let (value, encapsulated) = match element.value() {
        Value::PixelSequence(seq) => (
            encapsulated_value(seq.offset_table(), seq.fragments()),
            true,
        ),
        Value::Primitive(p) => {
            let bytes = match p {
                // dicom-object decodes OW words of big-endian files into
                // numbers: write them back as they were in the file.
                dicom_core::PrimitiveValue::U16(words) if big_endian => {
                    words.iter().flat_map(|w| w.to_be_bytes()).collect()
                }
                other => other.to_bytes().into_owned(),
            };
            (bytes, false)
        }
        Value::Sequence(_) => return Err("Pixel Data is a sequence".to_owned()),
    };
    Ok(Source {
        name: name.to_owned(),
        transfer_syntax: ts,
        format,
        frames,
        value,
        encapsulated,
        ow: element.vr() == dicom_core::VR::OW,
    })
}

/// Samples of a frame as comparable numbers.
fn numbers(frame: &Frame) -> Vec<i64> {
    match &frame.with_planar_configuration(0).samples {
        Samples::Bits(v) | Samples::U8(v) => v.iter().map(|&s| i64::from(s)).collect(),
        Samples::I8(v) => v.iter().map(|&s| i64::from(s)).collect(),
        Samples::U16(v) => v.iter().map(|&s| i64::from(s)).collect(),
        Samples::I16(v) => v.iter().map(|&s| i64::from(s)).collect(),
        Samples::U32(v) => v.iter().map(|&s| i64::from(s)).collect(),
        Samples::I32(v) => v.iter().map(|&s| i64::from(s)).collect(),
    }
}

/// pydicom's frame bytes as numbers of its dtype.
fn pydicom_numbers(bytes: &[u8], dtype: &str) -> Vec<i64> {
    match &dtype[1..] {
        "u1" | "b1" => bytes.iter().map(|&b| i64::from(b)).collect(),
        "i1" => bytes.iter().map(|&b| i64::from(b as i8)).collect(),
        "u2" => bytes
            .chunks_exact(2)
            .map(|c| i64::from(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        "i2" => bytes
            .chunks_exact(2)
            .map(|c| i64::from(i16::from_le_bytes([c[0], c[1]])))
            .collect(),
        "u4" => bytes
            .chunks_exact(4)
            .map(|c| i64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        "i4" => bytes
            .chunks_exact(4)
            .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        other => panic!("unexpected pydicom dtype {other}"),
    }
}

/// Largest allowed absolute difference per sample against pydicom.
fn tolerance(transfer_syntax: &str) -> i64 {
    match transfer_syntax {
        // JPEG Baseline / Extended (lossy DCT): jpeg-decoder and libjpeg
        // differ in IDCT rounding and chrominance upsampling; YCbCr → RGB
        // is done by jpeg-decoder (fixed point) on one side and by pydicom
        // (floating point) on the other.
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => JPEG_LOSSY_TOLERANCE,
        // Everything else, lossy JPEG-LS and JPEG 2000 included: decoding
        // is exact (JPEG-LS near-lossless reconstruction is specified to
        // the sample; both sides use OpenJPEG for JPEG 2000).
        _ => 0,
    }
}

/// Observed maximum over the dev corpus: 5 (color3d_jpeg_baseline, YBR_FULL_422).
const JPEG_LOSSY_TOLERANCE: i64 = 5;

/// Files this build decodes, with our frames; and the reasons others
/// were skipped.
#[test]
fn every_corpus_frame_matches_pydicom() {
    let Some(dir) = corpus_dir() else { return };
    if !oracles::pylibjpeg() {
        return;
    }
    let mut paths = Vec::new();
    walk(&dir, &mut paths);
    let mut skipped = Vec::new();
    // (source, our frames, path) for native/RLE and compressed files.
    let mut groups: [Vec<(Source, Vec<Frame>, PathBuf)>; 2] = [Vec::new(), Vec::new()];
    let mut decoded_syntaxes = std::collections::BTreeSet::new();
    for path in paths {
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        let source = match load(&path, &name) {
            Ok(source) => source,
            Err(reason) => {
                skipped.push(format!("{name}: {reason}"));
                continue;
            }
        };
        if let Err(e) = require(&source.transfer_syntax, Operation::Decode) {
            skipped.push(format!("{name}: {e}"));
            continue;
        }
        let frames: Result<Vec<Frame>, _> = (0..source.frames)
            .map(|i| decode_frame(&source.pixel_data(), i))
            .collect();
        let frames = match frames {
            Ok(frames) => frames,
            Err(e) if e.to_string().contains("12-bit DCT JPEG") => {
                // dicom-rs's jpeg-decoder cannot decode 12-bit DCT JPEG:
                // a clear error is the expected outcome.
                skipped.push(format!("{name}: expected error: {e}"));
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        decoded_syntaxes.insert(source.transfer_syntax.clone());
        let compressed =
            source.encapsulated && source.transfer_syntax != gantry_codec::RLE_LOSSLESS;
        groups[usize::from(compressed)].push((source, frames, path));
    }

    let mut compared = 0;
    let mut differences = Vec::new();
    let mut failures = Vec::new();
    for (as_rgb, group) in [(false, &groups[0]), (true, &groups[1])] {
        let paths: Vec<PathBuf> = group.iter().map(|(_, _, p)| p.clone()).collect();
        for ((source, ours, _), theirs) in group.iter().zip(oracles::pydicom_frames(&paths, as_rgb))
        {
            let name = &source.name;
            let (theirs, dtype) = match theirs {
                PydicomFrames::Decoded { frames, dtype } => (frames, dtype),
                PydicomFrames::Failed(reason) => {
                    skipped.push(format!("{name}: pydicom cannot decode it: {reason}"));
                    continue;
                }
            };
            assert_eq!(ours.len(), theirs.len(), "{name}: frame count");
            let tolerance = tolerance(&source.transfer_syntax);
            for (i, (frame, their)) in ours.iter().zip(&theirs).enumerate() {
                let mut a = numbers(frame);
                let mut b = pydicom_numbers(their, &dtype);
                let format = frame.format;
                if format.bits_stored < format.bits_allocated && format.bits_allocated > 1 {
                    // Native and RLE frames keep the stored words as they
                    // are (bits above Bits Stored can hold overlays; signed
                    // samples are not sign-extended), pydicom sign-extends
                    // and may clear them: compare the stored bits.
                    let mask = (1i64 << format.bits_stored) - 1;
                    a.iter_mut().for_each(|x| *x &= mask);
                    b.iter_mut().for_each(|x| *x &= mask);
                }
                assert_eq!(
                    a.len(),
                    b.len(),
                    "{name} frame {}: {} samples ({}) against pydicom's {} ({dtype})",
                    i + 1,
                    a.len(),
                    frame.format,
                    b.len()
                );
                let worst = a
                    .iter()
                    .zip(&b)
                    .map(|(x, y)| (x - y).abs())
                    .max()
                    .unwrap_or(0);
                if worst > 0 {
                    differences.push(format!(
                        "{name} frame {}: max abs difference {worst} ({}, tolerance {tolerance})",
                        i + 1,
                        source.transfer_syntax
                    ));
                }
                if worst > tolerance {
                    failures.push(differences.last().cloned().unwrap_or_default());
                }
                compared += 1;
            }
        }
    }
    eprintln!("compared {compared} frames; decoded syntaxes {decoded_syntaxes:?}");
    for reason in &skipped {
        eprintln!("skipped {reason}");
    }
    for difference in &differences {
        eprintln!("{difference}");
    }
    assert!(failures.is_empty(), "beyond tolerance: {failures:#?}");
    assert!(compared > 100, "only {compared} frames compared");
}
