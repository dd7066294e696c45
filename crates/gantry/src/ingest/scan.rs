//! Reading one file's header without reading its pixels.
//!
//! [`scan_file`] decides whether a path is a DICOM instance and, if so,
//! produces everything ingest stores: the indexed attributes, the lossless
//! header bytes and the pixel-data reference. It makes one pass over the
//! file with dicom-parser's lazy token reader (values are skipped unless
//! they are indexed), through a reader that *tapes* the bytes it hands out:
//! the tape of everything but Pixel Data is the header that the store
//! keeps, byte for byte as the source had it.
//!
//! - Native Pixel Data at the top level is not read: the scan stops at its
//!   element header, records offset and length, and parses whatever lies
//!   after it (trailing padding, signatures) as part of the header.
//! - Encapsulated Pixel Data is walked item by item to record the fragment
//!   table (offsets relative to the start of the value); fragment bytes
//!   are read but not kept.
//! - Pixel Data inside a sequence (an Icon Image Sequence) is header
//!   content, kept like any other element.
//! - Deflated files are inflated on the fly; their header is stored in
//!   Explicit VR Little Endian and their pixels are copied into the sidecar
//!   (there is no byte range of the source to refer to).
//! - Files without a preamble, or with no file meta group at all, are read
//!   by recognising the encoding of the first element.
//!
//! Reasons for skipped and failed files name byte offsets, tags and
//! transfer syntaxes, never element values.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use dicom_core::header::Header as _;
use dicom_core::{PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::decode::Decode;
use dicom_encoding::decode::explicit_le::ExplicitVRLittleEndianDecoder;
use dicom_encoding::{TransferSyntax, TransferSyntaxIndex};
use dicom_parser::dataset::LazyDataToken;
use dicom_parser::dataset::lazy_read::LazyDataSetReader;
use dicom_parser::stateful::decode::DynStatefulDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use gantry_model::{Fragment, Header, IndexedAttributes, Phi, PixelDataRef, PixelLocation, YesNo};
use gantry_store::NewInstance;

/// SOP Class UID of a DICOMDIR (Media Storage Directory Storage).
const MEDIA_STORAGE_DIRECTORY: &str = "1.2.840.10008.1.3.10";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
const DEFLATED_EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1.99";

/// The longest value of an indexed attribute we are willing to read; a
/// longer one means a corrupt length, not a real name or UID.
const MAX_INDEXED_VALUE: u32 = 1 << 16;
/// Bytes read up front: enough for the preamble, meta group and the
/// first element of almost every file.
const PROBE_LEN: usize = 4096;

/// How to scan.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    /// Copy Pixel Data into the sidecar instead of referencing the source.
    pub offload_pixels: bool,
}

/// What scanning one file found.
#[derive(Debug)]
pub enum Scan {
    /// A DICOM instance.
    Instance(Box<NewInstance>),
    /// Not something to index (not DICOM, a DICOMDIR), and why.
    Skipped(String),
    /// A DICOM file we could not read, and why.
    Failed(String),
}

/// Scan `path`, whose size the caller already knows.
pub fn scan_file(path: &Path, size: u64, options: ScanOptions) -> Scan {
    match scan(path, size, options) {
        Ok(scan) => scan,
        Err(Problem::Skip(reason)) => Scan::Skipped(reason),
        Err(Problem::Fail(reason)) => Scan::Failed(reason),
    }
}

enum Problem {
    Skip(String),
    Fail(String),
}

fn fail(reason: impl Into<String>) -> Problem {
    Problem::Fail(reason.into())
}

impl From<std::io::Error> for Problem {
    fn from(e: std::io::Error) -> Self {
        // io errors from File carry no path and no data: only the kind.
        Problem::Fail(format!("read error: {e}"))
    }
}

/// Where the data set starts and how it is encoded.
struct Layout {
    dataset_start: u64,
    transfer_syntax: &'static TransferSyntax,
    meta_sop_class: Option<String>,
}

fn scan(path: &Path, size: u64, options: ScanOptions) -> Result<Scan, Problem> {
    if size == 0 {
        return Err(Problem::Skip("not a DICOM file: empty".into()));
    }
    let mut file = File::open(path)?;
    let mut probe = vec![0; PROBE_LEN.min(size as usize)];
    file.read_exact(&mut probe)?;
    let layout = locate_dataset(&probe, &mut file, size)?;
    if layout.meta_sop_class.as_deref() == Some(MEDIA_STORAGE_DIRECTORY) {
        return Err(Problem::Skip(
            "DICOMDIR (media storage directory, not an instance)".into(),
        ));
    }
    file.seek(SeekFrom::Start(layout.dataset_start))?;
    let ts = layout.transfer_syntax;
    let deflated = ts.uid() == DEFLATED_EXPLICIT_VR_LE;
    let offload = options.offload_pixels || deflated;

    let tape = Rc::new(RefCell::new(Tape::default()));
    let top = if deflated {
        let inflated = flate2::read::DeflateDecoder::new(BufReader::new(file));
        let reader = TapeReader {
            inner: inflated,
            tape: Rc::clone(&tape),
        };
        let header_ts = explicit_le()?;
        walk(reader, header_ts, &tape, u64::MAX, true)?
    } else {
        let reader = TapeReader {
            inner: BufReader::with_capacity(16 * 1024, file),
            tape: Rc::clone(&tape),
        };
        walk(reader, ts, &tape, size - layout.dataset_start, offload)?
    };
    let attributes = top.attributes;
    let mut tape = tape.take();
    if tape.header.is_empty() && top.pixels.is_none() {
        return Err(fail("no data set: the file ends after its file meta group"));
    }

    if attributes.sop_class_uid.as_deref() == Some(MEDIA_STORAGE_DIRECTORY) {
        return Err(Problem::Skip(
            "DICOMDIR (media storage directory, not an instance)".into(),
        ));
    }

    let pixels = match top.pixels {
        None => None,
        Some(found) => {
            let value_end = found.value_start + found.length;
            if let Stopped::AtNativePixels = top.stopped {
                // The value was not read: check the file holds it, then
                // read what follows it.
                let absolute_end = layout.dataset_start + value_end;
                if absolute_end > size {
                    return Err(fail(format!(
                        "truncated: Pixel Data (7FE0,0010) declares {} bytes but the file ends {} bytes after its start",
                        found.length,
                        size - (layout.dataset_start + found.value_start)
                    )));
                }
                if absolute_end < size {
                    let tail = scan_tail(path, absolute_end, size, ts)?;
                    tape.header.extend_from_slice(&tail);
                }
            }
            let frames = attributes.number_of_frames.unwrap_or(1).max(1);
            Some(PixelDataRef {
                location: PixelLocation::Source {
                    offset: layout.dataset_start + found.value_start,
                    length: value_end - found.value_start,
                },
                transfer_syntax: ts.uid().to_string(),
                vr: found.vr,
                frames,
                fragments: found.fragments,
            })
        }
    };
    let header_ts = if deflated { EXPLICIT_VR_LE } else { ts.uid() };
    Ok(Scan::Instance(Box::new(NewInstance {
        attributes,
        header: Header::new(header_ts, tape.header),
        offload: (offload && pixels.is_some()).then_some(tape.pixels),
        pixels,
    })))
}

fn explicit_le() -> Result<&'static TransferSyntax, Problem> {
    TransferSyntaxRegistry
        .get(EXPLICIT_VR_LE)
        .ok_or_else(|| fail("this build lacks Explicit VR Little Endian"))
}

/// Find the data set: after preamble + meta, after a meta without
/// preamble, or at byte 0 of a bare data set.
fn locate_dataset(probe: &[u8], file: &mut File, size: u64) -> Result<Layout, Problem> {
    let has_magic = probe.get(128..132) == Some(b"DICM");
    let meta_start = if has_magic {
        Some(132)
    } else if probe.get(0..2) == Some(&[0x02, 0x00]) && looks_like_explicit_vr(probe) {
        Some(0)
    } else {
        None
    };
    let Some(meta_start) = meta_start else {
        let Some(uid) = guess_bare_encoding(probe) else {
            return Err(Problem::Skip(
                "not a DICOM file: no DICM magic and no recognisable data set".into(),
            ));
        };
        return Ok(Layout {
            dataset_start: 0,
            transfer_syntax: lookup_ts(uid)?,
            meta_sop_class: None,
        });
    };
    let meta = read_meta(file, meta_start, size)?;
    let transfer_syntax = match meta.transfer_syntax {
        Some(uid) => lookup_ts(&uid)?,
        // The meta group lacks (0002,0010): read the data set by its look.
        None => {
            let mut first = [0u8; 16];
            file.seek(SeekFrom::Start(meta.end))?;
            let n = read_up_to(file, &mut first)?;
            // As pydicom does, fall back to the default transfer syntax.
            lookup_ts(guess_bare_encoding(&first[..n]).unwrap_or(IMPLICIT_VR_LE))?
        }
    };
    Ok(Layout {
        dataset_start: meta.end,
        transfer_syntax,
        meta_sop_class: meta.sop_class,
    })
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn lookup_ts(uid: &str) -> Result<&'static TransferSyntax, Problem> {
    TransferSyntaxRegistry
        .get(uid)
        .ok_or_else(|| fail(format!("unknown transfer syntax {}", printable(uid))))
}

/// Keep a UID-ish string printable and short for a reason text.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}

struct Meta {
    end: u64,
    transfer_syntax: Option<String>,
    sop_class: Option<String>,
}

/// Read the file meta group element by element (it is always Explicit VR
/// Little Endian) until the first element of another group. Tolerates a
/// missing group length and missing elements, as pydicom does.
fn read_meta(file: &mut File, start: u64, size: u64) -> Result<Meta, Problem> {
    file.seek(SeekFrom::Start(start))?;
    let mut reader = BufReader::with_capacity(1024, &mut *file);
    let decoder = ExplicitVRLittleEndianDecoder::default();
    let mut position = start;
    let mut meta = Meta {
        end: start,
        transfer_syntax: None,
        sop_class: None,
    };
    loop {
        let mut group = [0u8; 2];
        if position + 2 > size {
            break;
        }
        reader.read_exact(&mut group)?;
        if u16::from_le_bytes(group) != 0x0002 {
            break;
        }
        let mut rest = Cursor::new(group).chain(&mut reader);
        let (header, header_len) = decoder.decode_header(&mut rest).map_err(|e| {
            fail(format!(
                "malformed file meta element at byte {position}: {e}"
            ))
        })?;
        let len = header.len.get().ok_or_else(|| {
            fail(format!(
                "file meta element {} at byte {position} has undefined length",
                header.tag()
            ))
        })?;
        position += header_len as u64;
        if position + u64::from(len) > size {
            return Err(fail(format!(
                "truncated: file meta element {} at byte {position} runs past the end of the file",
                header.tag()
            )));
        }
        let mut value = vec![0u8; len as usize];
        reader.read_exact(&mut value)?;
        position += u64::from(len);
        let text = || {
            String::from_utf8_lossy(&value)
                .trim_end_matches(['\0', ' '])
                .to_string()
        };
        match header.tag() {
            tags::TRANSFER_SYNTAX_UID => {
                meta.transfer_syntax = Some(text()).filter(|t| !t.is_empty())
            }
            tags::MEDIA_STORAGE_SOP_CLASS_UID => meta.sop_class = Some(text()),
            _ => {}
        }
        meta.end = position;
    }
    Ok(meta)
}

/// Whether bytes 4..6 spell a VR, as in an explicit-VR element header.
fn looks_like_explicit_vr(bytes: &[u8]) -> bool {
    bytes
        .get(4..6)
        .and_then(|vr| VR::from_binary([vr[0], vr[1]]))
        .is_some()
}

/// Recognise the encoding of a data set that starts at byte 0 (no meta):
/// a plausible first group (0001–0010) read little or big endian, with or
/// without a VR after the tag.
fn guess_bare_encoding(bytes: &[u8]) -> Option<&'static str> {
    let group_le = u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]);
    let group_be = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
    // The first group of a data set is small: 0008 usually, 0002 for a
    // meta group, 0004 for a DICOMDIR, 0001/0003/0005 in broken files.
    let plausible = |g: u16| (0x0001..=0x0010).contains(&g);
    let explicit = looks_like_explicit_vr(bytes);
    match (plausible(group_le), plausible(group_be), explicit) {
        (true, _, true) => Some(EXPLICIT_VR_LE),
        (false, true, true) => Some(EXPLICIT_VR_BE),
        (true, _, false) => {
            // Implicit VR: bytes 4..8 are a u32 length that must fit.
            let len = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
            (len < 1 << 24 || len == u32::MAX).then_some(IMPLICIT_VR_LE)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The taped walk over the data set.

#[derive(Default)]
enum Mode {
    #[default]
    Header,
    Pixels,
    Discard,
}

#[derive(Default)]
struct Tape {
    position: u64,
    mode: Mode,
    header: Vec<u8>,
    pixels: Vec<u8>,
}

/// A reader that counts and copies what passes through it.
struct TapeReader<R> {
    inner: R,
    tape: Rc<RefCell<Tape>>,
}

impl<R: Read> Read for TapeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut tape = self.tape.borrow_mut();
        tape.position += n as u64;
        let bytes = &buf[..n];
        match tape.mode {
            Mode::Header => tape.header.extend_from_slice(bytes),
            Mode::Pixels => tape.pixels.extend_from_slice(bytes),
            Mode::Discard => {}
        }
        Ok(n)
    }
}

struct FoundPixels {
    /// Offset of the value from the start of the data set stream.
    value_start: u64,
    /// Value length (encapsulated: up to and including the delimiter).
    length: u64,
    vr: VR,
    fragments: Vec<Fragment>,
}

enum Stopped {
    AtEnd,
    AtNativePixels,
}

struct Walked {
    attributes: IndexedAttributes,
    pixels: Option<FoundPixels>,
    stopped: Stopped,
}

/// Turn a parser error into a reason: the chain of messages (they name
/// tags, lengths and positions, never values), flagged as truncation when
/// the file simply ended.
fn parse_error(position: u64, e: &(dyn std::error::Error + 'static)) -> Problem {
    let mut message = e.to_string();
    let mut truncated = false;
    let mut source = e.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            truncated |= io.kind() == std::io::ErrorKind::UnexpectedEof;
        }
        source = inner.source();
    }
    if truncated {
        fail(format!(
            "truncated: the file ends inside an element near byte {position} ({message})"
        ))
    } else {
        fail(format!(
            "malformed data set near byte {position}: {message}"
        ))
    }
}

/// Walk the data set from the reader's start. `available` bounds the bytes
/// the stream can hold (for sanity checks of declared lengths).
fn walk<R: Read>(
    reader: TapeReader<R>,
    ts: &TransferSyntax,
    tape: &Rc<RefCell<Tape>>,
    available: u64,
    offload: bool,
) -> Result<Walked, Problem> {
    let decoder = DynStatefulDecoder::new_with_ts(reader, ts, 0)
        .map_err(|e| fail(format!("cannot decode transfer syntax {}: {e}", ts.uid())))?;
    let mut lazy = LazyDataSetReader::new(decoder);
    let mut walked = Walked {
        attributes: IndexedAttributes::default(),
        pixels: None,
        stopped: Stopped::AtEnd,
    };
    let position = || tape.borrow().position;
    // Open sequences; `true` marks the top-level encapsulated Pixel Data.
    let mut open: Vec<bool> = Vec::new();
    loop {
        let mark = tape.borrow().header.len();
        let Some(token) = lazy.advance() else { break };
        let token = token.map_err(|e| parse_error(position(), &e))?;
        match token {
            LazyDataToken::ElementHeader(header) => {
                if open.is_empty() && header.tag == tags::PIXEL_DATA {
                    tape.borrow_mut().header.truncate(mark);
                    let value_start = position();
                    let length = u64::from(header.len.0);
                    if value_start + length > available {
                        return Err(fail(format!(
                            "truncated: Pixel Data (7FE0,0010) declares {length} bytes but the file ends {} bytes after its start",
                            available.saturating_sub(value_start)
                        )));
                    }
                    walked.pixels = Some(FoundPixels {
                        value_start,
                        length,
                        vr: header.vr(),
                        fragments: Vec::new(),
                    });
                    if !offload {
                        walked.stopped = Stopped::AtNativePixels;
                        return Ok(walked);
                    }
                    tape.borrow_mut().mode = Mode::Pixels;
                }
            }
            LazyDataToken::LazyValue { header, decoder } => {
                let at_top = open.is_empty();
                if at_top && header.tag == tags::PIXEL_DATA {
                    LazyDataToken::LazyValue { header, decoder }
                        .skip()
                        .map_err(|e| parse_error(position(), &e))?;
                    tape.borrow_mut().mode = Mode::Header;
                } else if at_top && is_indexed(header.tag) {
                    if header.len.0 > MAX_INDEXED_VALUE {
                        return Err(fail(format!(
                            "element {} declares an implausible length of {} bytes",
                            header.tag, header.len.0
                        )));
                    }
                    let tag = header.tag;
                    let value = LazyDataToken::LazyValue { header, decoder }
                        .into_value()
                        .map_err(|e| parse_error(position(), &e))?;
                    index_value(&mut walked.attributes, tag, &value);
                } else {
                    LazyDataToken::LazyValue { header, decoder }
                        .skip()
                        .map_err(|e| parse_error(position(), &e))?;
                }
            }
            LazyDataToken::SequenceStart { .. } => open.push(false),
            LazyDataToken::PixelSequenceStart => {
                let top_level = open.is_empty();
                open.push(top_level);
                if top_level {
                    let mut t = tape.borrow_mut();
                    t.header.truncate(mark);
                    t.mode = if offload { Mode::Pixels } else { Mode::Discard };
                    walked.pixels = Some(FoundPixels {
                        value_start: t.position,
                        length: 0,
                        vr: VR::OB,
                        fragments: Vec::new(),
                    });
                }
            }
            LazyDataToken::LazyItemValue { len, decoder } => {
                if open.last() == Some(&true) {
                    if let Some(found) = walked.pixels.as_mut() {
                        found.fragments.push(Fragment {
                            offset: position() - found.value_start,
                            length: len,
                        });
                    }
                }
                LazyDataToken::<_>::LazyItemValue { len, decoder }
                    .skip()
                    .map_err(|e| parse_error(position(), &e))?;
            }
            LazyDataToken::SequenceEnd => {
                if open.pop() == Some(true) {
                    let mut t = tape.borrow_mut();
                    t.mode = Mode::Header;
                    if let Some(found) = walked.pixels.as_mut() {
                        found.length = t.position - found.value_start;
                    }
                }
            }
            LazyDataToken::ItemStart { .. } | LazyDataToken::ItemEnd => {}
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(fail(format!(
            "truncated: the file ends inside a sequence at byte {}",
            position()
        )));
    }
    Ok(walked)
}

/// Parse the elements after native Pixel Data and return their bytes.
fn scan_tail(path: &Path, start: u64, size: u64, ts: &TransferSyntax) -> Result<Vec<u8>, Problem> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let tape = Rc::new(RefCell::new(Tape::default()));
    let reader = TapeReader {
        inner: BufReader::new(file),
        tape: Rc::clone(&tape),
    };
    let walked = walk(reader, ts, &tape, size - start, false).map_err(|problem| match problem {
        Problem::Fail(reason) => fail(format!("after Pixel Data (from byte {start}): {reason}")),
        skip => skip,
    })?;
    if walked.pixels.is_some() {
        return Err(fail(format!(
            "a second Pixel Data element follows the first (from byte {start})"
        )));
    }
    Ok(tape.take().header)
}

fn is_indexed(tag: Tag) -> bool {
    matches!(
        tag,
        tags::SPECIFIC_CHARACTER_SET
            | tags::IMAGE_TYPE
            | tags::SOP_CLASS_UID
            | tags::SOP_INSTANCE_UID
            | tags::STUDY_DATE
            | tags::ACCESSION_NUMBER
            | tags::MODALITY
            | tags::MANUFACTURER
            | tags::INSTITUTION_NAME
            | tags::STATION_NAME
            | tags::STUDY_DESCRIPTION
            | tags::SERIES_DESCRIPTION
            | tags::MANUFACTURER_MODEL_NAME
            | tags::PATIENT_NAME
            | tags::PATIENT_ID
            | tags::ISSUER_OF_PATIENT_ID
            | tags::PATIENT_BIRTH_DATE
            | tags::DEVICE_SERIAL_NUMBER
            | tags::SOFTWARE_VERSIONS
            | tags::STUDY_INSTANCE_UID
            | tags::SERIES_INSTANCE_UID
            | tags::SERIES_NUMBER
            | tags::INSTANCE_NUMBER
            | tags::SAMPLES_PER_PIXEL
            | tags::PHOTOMETRIC_INTERPRETATION
            | tags::PLANAR_CONFIGURATION
            | tags::NUMBER_OF_FRAMES
            | tags::ROWS
            | tags::COLUMNS
            | tags::BITS_ALLOCATED
            | tags::BITS_STORED
            | tags::PIXEL_REPRESENTATION
            | tags::BURNED_IN_ANNOTATION
    )
}

/// Record an indexed value. Elements written with VR UN (explicit files
/// whose writer did not know the VR) arrive as raw bytes; they are read
/// by the dictionary's VR as pydicom does: text for strings, a little-
/// endian integer for the US attributes.
fn index_value(a: &mut IndexedAttributes, tag: Tag, value: &PrimitiveValue) {
    let raw = match value {
        PrimitiveValue::U8(bytes) => Some(bytes.as_slice()),
        _ => None,
    };
    let text = || {
        let text = match raw {
            Some(bytes) => String::from_utf8_lossy(bytes).into_owned().into(),
            None => value.to_str(),
        };
        let trimmed = text.trim_end_matches(['\0', ' ']).trim_start_matches(' ');
        trimmed.to_string()
    };
    let phi = || Some(Phi::new(text()));
    let number = || match raw {
        Some(&[lo, hi]) => Some(u32::from(u16::from_le_bytes([lo, hi]))),
        Some(_) => text().parse().ok(),
        None => value.to_int::<u32>().ok(),
    };
    match tag {
        tags::SPECIFIC_CHARACTER_SET => a.specific_character_set = Some(text()),
        tags::IMAGE_TYPE => a.image_type = Some(text()),
        tags::SOP_CLASS_UID => a.sop_class_uid = Some(text()),
        tags::SOP_INSTANCE_UID => a.sop_instance_uid = phi(),
        tags::STUDY_DATE => a.study_date = phi(),
        tags::ACCESSION_NUMBER => a.accession_number = phi(),
        tags::MODALITY => a.modality = Some(text()),
        tags::MANUFACTURER => a.manufacturer = Some(text()),
        tags::INSTITUTION_NAME => a.institution_name = phi(),
        tags::STATION_NAME => a.station_name = phi(),
        tags::STUDY_DESCRIPTION => a.study_description = phi(),
        tags::SERIES_DESCRIPTION => a.series_description = phi(),
        tags::MANUFACTURER_MODEL_NAME => a.manufacturer_model_name = Some(text()),
        tags::PATIENT_NAME => a.patient_name = phi(),
        tags::PATIENT_ID => a.patient_id = phi(),
        tags::ISSUER_OF_PATIENT_ID => a.issuer_of_patient_id = phi(),
        tags::PATIENT_BIRTH_DATE => a.patient_birth_date = phi(),
        tags::DEVICE_SERIAL_NUMBER => a.device_serial_number = Some(text()),
        tags::SOFTWARE_VERSIONS => a.software_versions = Some(text()),
        tags::STUDY_INSTANCE_UID => a.study_instance_uid = phi(),
        tags::SERIES_INSTANCE_UID => a.series_instance_uid = phi(),
        tags::SERIES_NUMBER => a.series_number = Some(text()),
        tags::INSTANCE_NUMBER => a.instance_number = Some(text()),
        tags::SAMPLES_PER_PIXEL => a.samples_per_pixel = number(),
        tags::PHOTOMETRIC_INTERPRETATION => a.photometric_interpretation = Some(text()),
        tags::PLANAR_CONFIGURATION => a.planar_configuration = number(),
        tags::NUMBER_OF_FRAMES => a.number_of_frames = number(),
        tags::ROWS => a.rows = number(),
        tags::COLUMNS => a.columns = number(),
        tags::BITS_ALLOCATED => a.bits_allocated = number(),
        tags::BITS_STORED => a.bits_stored = number(),
        tags::PIXEL_REPRESENTATION => a.pixel_representation = number(),
        tags::BURNED_IN_ANNOTATION => a.burned_in_annotation = YesNo::parse(&text()),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
