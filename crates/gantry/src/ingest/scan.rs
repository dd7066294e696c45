//! Reading one file's header without reading its pixels.
//!
//! [`scan_file`] decides whether a path is a DICOM instance and, if so,
//! produces everything ingest stores: the indexed attributes, the lossless
//! header bytes and the pixel-data reference. It reads the first 16 KiB of
//! the file in one call (preamble, meta group and, for most files, the
//! whole header), then makes one pass over the data set with dicom-parser's
//! lazy token reader — values are skipped unless they are indexed — through
//! a reader that counts positions. The header is then cut out of the
//! source by byte range (from the probe when it holds it), so it is the
//! source's own bytes, copied once.
//!
//! - Native Pixel Data at the top level is not read: the scan stops at its
//!   element header, records offset and length, and parses whatever lies
//!   after it (trailing padding, signatures) as part of the header.
//! - Encapsulated Pixel Data is walked item by item to record the fragment
//!   table (offsets relative to the start of the value).
//! - Pixel Data inside a sequence (an Icon Image Sequence) is header
//!   content, kept like any other element.
//! - Deflated files are inflated on the fly and *taped* (the reader copies
//!   what it hands out): their header is stored in Explicit VR Little
//!   Endian and their pixels go to the sidecar, since there is no byte
//!   range of the source to refer to.
//! - Files without a preamble, or with no file meta group at all, are read
//!   by recognising the encoding of the first element; a meta group
//!   without Transfer Syntax UID falls back, as pydicom does, to Implicit
//!   VR Little Endian unless the data set looks explicit.
//!
//! Reasons for skipped and failed files name byte offsets, tags and
//! transfer syntaxes, never element values.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

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
/// Bytes read up front: the preamble, the meta group and, for most files,
/// the whole header.
const PROBE_LEN: usize = 16 * 1024;

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
///
/// Never panics on input. dicom-parser 0.10 has assertions that some
/// malformed files reach (found by fuzzing; the input is in
/// `tests/data/fuzz/`); such a panic is caught here and the file is
/// reported as failed, so one bad file cannot stop an ingest.
pub fn scan_file(path: &Path, size: u64, options: ScanOptions) -> Scan {
    let scanned =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scan(path, size, options)));
    match scanned {
        Ok(Ok(scan)) => scan,
        Ok(Err(Problem::Skip(reason))) => Scan::Skipped(reason),
        Ok(Err(Problem::Fail(reason))) => Scan::Failed(reason),
        Err(_) => Scan::Failed(
            "malformed data set: the DICOM parser stopped on an internal assertion".into(),
        ),
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
    // One read brings preamble, meta group and usually the whole header.
    let mut probe = vec![0; PROBE_LEN.min(size as usize)];
    file.read_exact(&mut probe)?;
    let layout = match locate_dataset(&probe)? {
        Located::Found(layout) => layout,
        Located::NeedMore if probe.len() as u64 == size => {
            return Err(fail("truncated: the file ends inside its file meta group"));
        }
        Located::NeedMore => {
            // A meta group longer than the probe: read more and retry.
            let mut longer = vec![0; (size as usize).min(1 << 20)];
            file.seek(SeekFrom::Start(0))?;
            file.read_exact(&mut longer)?;
            let Located::Found(layout) = locate_dataset(&longer)? else {
                return Err(fail("malformed file meta group: longer than 1 MiB"));
            };
            file.seek(SeekFrom::Start(probe.len() as u64))?;
            layout
        }
    };
    if layout.meta_sop_class.as_deref() == Some(MEDIA_STORAGE_DIRECTORY) {
        return Err(Problem::Skip(
            "DICOMDIR (media storage directory, not an instance)".into(),
        ));
    }
    let ts = layout.transfer_syntax;
    if ts.uid() == DEFLATED_EXPLICIT_VR_LE {
        return scan_deflated(probe, file, &layout);
    }

    // The data set stream: the rest of the probe, then the file after it.
    // It is only counted; header bytes are cut from the probe (or read
    // back from the file) by range afterwards.
    let ds = layout.dataset_start;
    let position = Rc::new(Cell::new(0));
    let source = ProbeThenFile::new(probe, ds, file)?;
    let reader = Counting {
        inner: source,
        position: Rc::clone(&position),
        tape: None,
    };
    let top = walk(reader, ts, &position, None, size - ds)?;
    let mut head = top.reader_parts;

    let mut header_ranges = Vec::with_capacity(2);
    let pixels = match top.pixels {
        None => {
            header_ranges.push(ds..ds + top.end);
            None
        }
        Some(found) => {
            header_ranges.push(ds..ds + found.element_start);
            let value_start = ds + found.value_start;
            let value_end = value_start + found.length;
            if let Stopped::AtNativePixels = top.stopped {
                // The value was not read: check the file holds it, then
                // read what follows it.
                if value_end > size {
                    return Err(fail(format!(
                        "truncated: Pixel Data (7FE0,0010) declares {} bytes but the file ends {} bytes after its start",
                        found.length,
                        size - value_start
                    )));
                }
                if value_end < size {
                    let tail_end = scan_tail(&mut head, value_end, size, ts)?;
                    header_ranges.push(value_end..tail_end);
                }
            } else {
                header_ranges.push(value_end..ds + top.end);
            }
            Some(PixelDataRef {
                location: PixelLocation::Source {
                    offset: value_start,
                    length: found.length,
                },
                transfer_syntax: ts.uid().to_string(),
                vr: found.vr,
                frames: top.attributes.number_of_frames.unwrap_or(1).max(1),
                fragments: found.fragments,
            })
        }
    };
    // Exactly the header's length: headers wait in batches for the writer,
    // so slack here is most of ingest's memory.
    let len: u64 = header_ranges.iter().map(|r| r.end - r.start).sum();
    let mut header = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for range in header_ranges {
        head.append_range(range, &mut header)?;
    }
    if header.is_empty() && pixels.is_none() {
        return Err(fail("no data set: the file ends after its file meta group"));
    }
    if top.attributes.sop_class_uid.as_deref() == Some(MEDIA_STORAGE_DIRECTORY) {
        return Err(Problem::Skip(
            "DICOMDIR (media storage directory, not an instance)".into(),
        ));
    }
    let offload = match (&pixels, options.offload_pixels) {
        (
            Some(PixelDataRef {
                location: PixelLocation::Source { offset, length },
                ..
            }),
            true,
        ) => {
            let mut bytes = Vec::with_capacity(*length as usize);
            head.append_range(*offset..offset + length, &mut bytes)?;
            Some(bytes)
        }
        _ => None,
    };
    Ok(Scan::Instance(Box::new(NewInstance {
        transfer_syntax: ts.uid().to_string(),
        attributes: top.attributes,
        header: Header::new(ts.uid(), header),
        offload,
        pixels,
    })))
}

/// A deflated file: inflate the data set on the fly, tape the header (in
/// Explicit VR Little Endian) and the pixels, which go to the sidecar.
fn scan_deflated(probe: Vec<u8>, file: File, layout: &Layout) -> Result<Scan, Problem> {
    let position = Rc::new(Cell::new(0));
    let tape = Rc::new(RefCell::new(Tape::default()));
    let source = ProbeThenFile::new(probe, layout.dataset_start, file)?;
    let reader = Counting {
        inner: flate2::read::DeflateDecoder::new(source),
        position: Rc::clone(&position),
        tape: Some(Rc::clone(&tape)),
    };
    let top = walk(reader, explicit_le()?, &position, Some(&tape), u64::MAX)?;
    let tape = tape.take();
    if tape.header.is_empty() && top.pixels.is_none() {
        return Err(fail("no data set: the file ends after its file meta group"));
    }
    let pixels = top.pixels.map(|found| PixelDataRef {
        // The store replaces this location with the sidecar record.
        location: PixelLocation::Source {
            offset: 0,
            length: found.length,
        },
        transfer_syntax: DEFLATED_EXPLICIT_VR_LE.to_string(),
        vr: found.vr,
        frames: top.attributes.number_of_frames.unwrap_or(1).max(1),
        fragments: found.fragments,
    });
    Ok(Scan::Instance(Box::new(NewInstance {
        transfer_syntax: DEFLATED_EXPLICIT_VR_LE.to_string(),
        attributes: top.attributes,
        header: Header::new(EXPLICIT_VR_LE, tape.header),
        offload: pixels.as_ref().map(|_| tape.pixels),
        pixels,
    })))
}

fn explicit_le() -> Result<&'static TransferSyntax, Problem> {
    TransferSyntaxRegistry
        .get(EXPLICIT_VR_LE)
        .ok_or_else(|| fail("this build lacks Explicit VR Little Endian"))
}

enum Located {
    Found(Layout),
    /// The probe ends inside the file meta group.
    NeedMore,
}

/// Find the data set in the first bytes of the file: after preamble +
/// meta, after a meta without preamble, or at byte 0 of a bare data set.
fn locate_dataset(probe: &[u8]) -> Result<Located, Problem> {
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
        return Ok(Located::Found(Layout {
            dataset_start: 0,
            transfer_syntax: lookup_ts(uid)?,
            meta_sop_class: None,
        }));
    };
    let Some(meta) = read_meta(probe, meta_start)? else {
        return Ok(Located::NeedMore);
    };
    let transfer_syntax = match meta.transfer_syntax {
        Some(uid) => lookup_ts(&uid)?,
        // The meta group lacks (0002,0010): read the data set by its look,
        // falling back, as pydicom does, to the default transfer syntax.
        None => {
            let first = probe.get(meta.end as usize..).unwrap_or_default();
            lookup_ts(guess_bare_encoding(first).unwrap_or(IMPLICIT_VR_LE))?
        }
    };
    Ok(Located::Found(Layout {
        dataset_start: meta.end,
        transfer_syntax,
        meta_sop_class: meta.sop_class,
    }))
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
/// missing group length and missing elements, as pydicom does. `None`
/// when `bytes` ends inside the group and the file may hold more.
fn read_meta(bytes: &[u8], start: usize) -> Result<Option<Meta>, Problem> {
    let decoder = ExplicitVRLittleEndianDecoder::default();
    let mut position = start;
    let mut meta = Meta {
        end: start as u64,
        transfer_syntax: None,
        sop_class: None,
    };
    while let Some(group) = bytes.get(position..position + 2) {
        if group != [0x02, 0x00] {
            break;
        }
        let Some(mut rest) = bytes.get(position..) else {
            break;
        };
        let Ok((header, header_len)) = decoder.decode_header(&mut rest) else {
            return Ok(None);
        };
        let len = header.len.get().ok_or_else(|| {
            fail(format!(
                "file meta element {} at byte {position} has undefined length",
                header.tag
            ))
        })? as usize;
        let value_start = position + header_len;
        let Some(value) = bytes.get(value_start..value_start + len) else {
            return Ok(None);
        };
        let text = || {
            String::from_utf8_lossy(value)
                .trim_end_matches(['\0', ' '])
                .to_string()
        };
        match header.tag {
            tags::TRANSFER_SYNTAX_UID => {
                meta.transfer_syntax = Some(text()).filter(|t| !t.is_empty())
            }
            tags::MEDIA_STORAGE_SOP_CLASS_UID => meta.sop_class = Some(text()),
            _ => {}
        }
        position = value_start + len;
        meta.end = position as u64;
    }
    Ok(Some(meta))
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

/// Where the bytes a taping reader hands out go.
#[derive(Default)]
enum Mode {
    #[default]
    Header,
    Pixels,
}

/// Copies of what a taping reader handed out (deflated files only).
#[derive(Default)]
struct Tape {
    mode: Mode,
    header: Vec<u8>,
    pixels: Vec<u8>,
}

/// A reader that counts what passes through it and, when taping, copies it.
struct Counting<R> {
    inner: R,
    position: Rc<Cell<u64>>,
    tape: Option<Rc<RefCell<Tape>>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position.set(self.position.get() + n as u64);
        if let Some(tape) = &self.tape {
            let mut tape = tape.borrow_mut();
            let bytes = buf.get(..n).unwrap_or_default();
            match tape.mode {
                Mode::Header => tape.header.extend_from_slice(bytes),
                Mode::Pixels => tape.pixels.extend_from_slice(bytes),
            }
        }
        Ok(n)
    }
}

/// The data set as a stream: the probe from the data set start, then the
/// file from where the probe ended, buffered.
struct ProbeThenFile {
    probe: Rc<Vec<u8>>,
    at: usize,
    file: BufReader<SharedFile>,
}

/// The source file, shared between the stream and the range cutter
/// (no `dup` per file).
struct SharedFile(Rc<File>);

impl Read for SharedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl ProbeThenFile {
    fn new(probe: Vec<u8>, dataset_start: u64, mut file: File) -> std::io::Result<Self> {
        let at = match usize::try_from(dataset_start) {
            Ok(at) if at <= probe.len() => at,
            _ => {
                file.seek(SeekFrom::Start(dataset_start))?;
                probe.len()
            }
        };
        Ok(ProbeThenFile {
            probe: Rc::new(probe),
            at,
            file: BufReader::with_capacity(16 * 1024, SharedFile(Rc::new(file))),
        })
    }
}

impl Read for ProbeThenFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.probe.get(self.at..) {
            Some(rest) if !rest.is_empty() => {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.at += n;
                Ok(n)
            }
            _ => self.file.read(buf),
        }
    }
}

/// The probe and the file, kept after the walk to cut byte ranges of the
/// file: from the probe when it holds them, else read back (`pread`).
struct HeadAndFile {
    probe: Rc<Vec<u8>>,
    file: Option<Rc<File>>,
}

impl HeadAndFile {
    /// Append the file's bytes `range` to `out`.
    fn append_range(
        &mut self,
        range: std::ops::Range<u64>,
        out: &mut Vec<u8>,
    ) -> Result<(), Problem> {
        use std::os::unix::fs::FileExt;
        let (start, end) = (range.start as usize, range.end as usize);
        if let Some(bytes) = self.probe.get(start..end) {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| fail("internal: source file no longer open"))?;
        let from = out.len();
        out.resize(from + (end - start), 0);
        file.read_exact_at(&mut out[from..], range.start)?;
        Ok(())
    }
}

/// Readers that can hand over the probe and file for range cutting.
trait IntoParts {
    fn parts(&self) -> HeadAndFile;
}

impl IntoParts for ProbeThenFile {
    fn parts(&self) -> HeadAndFile {
        HeadAndFile {
            probe: Rc::clone(&self.probe),
            file: Some(Rc::clone(&self.file.get_ref().0)),
        }
    }
}

impl<R> IntoParts for flate2::read::DeflateDecoder<R> {
    fn parts(&self) -> HeadAndFile {
        HeadAndFile {
            probe: Rc::new(Vec::new()),
            file: None,
        }
    }
}

struct FoundPixels {
    /// Offset of the Pixel Data element header from the stream start.
    element_start: u64,
    /// Offset of the value from the stream start.
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
    /// Stream position where the walk stopped.
    end: u64,
    /// The probe and file, for cutting ranges.
    reader_parts: HeadAndFile,
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
/// the stream can hold (for sanity checks of declared lengths). Without a
/// tape (seekable sources) the walk stops at top-level native Pixel Data;
/// with one it reads through, taping the pixels separately.
fn walk<R: Read + IntoParts>(
    reader: Counting<R>,
    ts: &TransferSyntax,
    position_cell: &Rc<Cell<u64>>,
    tape: Option<&Rc<RefCell<Tape>>>,
    available: u64,
) -> Result<Walked, Problem> {
    let parts = reader.inner.parts();
    let decoder = DynStatefulDecoder::new_with_ts(reader, ts, 0)
        .map_err(|e| fail(format!("cannot decode transfer syntax {}: {e}", ts.uid())))?;
    let mut lazy = LazyDataSetReader::new(decoder);
    let mut walked = Walked {
        attributes: IndexedAttributes::default(),
        pixels: None,
        stopped: Stopped::AtEnd,
        end: 0,
        reader_parts: parts,
    };
    let position = || position_cell.get();
    let set_mode = |mode: Mode| {
        if let Some(tape) = tape {
            tape.borrow_mut().mode = mode;
        }
    };
    let truncate_header = |len: usize| {
        if let Some(tape) = tape {
            tape.borrow_mut().header.truncate(len);
        }
    };
    // Open sequences; `true` marks the top-level encapsulated Pixel Data.
    let mut open: Vec<bool> = Vec::new();
    loop {
        let mark = tape.map_or(0, |t| t.borrow().header.len());
        let element_start = position();
        let Some(token) = lazy.advance() else { break };
        let token = token.map_err(|e| parse_error(position(), &e))?;
        match token {
            LazyDataToken::ElementHeader(header)
                if open.is_empty() && header.tag == tags::PIXEL_DATA =>
            {
                truncate_header(mark);
                let value_start = position();
                let length = u64::from(header.len.0);
                if value_start + length > available {
                    return Err(fail(format!(
                        "truncated: Pixel Data (7FE0,0010) declares {length} bytes but the file ends {} bytes after its start",
                        available.saturating_sub(value_start)
                    )));
                }
                walked.pixels = Some(FoundPixels {
                    element_start,
                    value_start,
                    length,
                    vr: header.vr(),
                    fragments: Vec::new(),
                });
                if tape.is_none() {
                    walked.stopped = Stopped::AtNativePixels;
                    walked.end = value_start;
                    return Ok(walked);
                }
                set_mode(Mode::Pixels);
            }
            LazyDataToken::LazyValue { header, decoder } => {
                let at_top = open.is_empty();
                if at_top && header.tag == tags::PIXEL_DATA {
                    LazyDataToken::LazyValue { header, decoder }
                        .skip()
                        .map_err(|e| parse_error(position(), &e))?;
                    set_mode(Mode::Header);
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
                    truncate_header(mark);
                    set_mode(Mode::Pixels);
                    walked.pixels = Some(FoundPixels {
                        element_start,
                        value_start: position(),
                        length: 0,
                        vr: VR::OB,
                        fragments: Vec::new(),
                    });
                }
            }
            LazyDataToken::LazyItemValue { len, decoder } => {
                if let (Some(true), Some(found)) = (open.last(), walked.pixels.as_mut()) {
                    found.fragments.push(Fragment {
                        offset: position() - found.value_start,
                        length: len,
                    });
                }
                LazyDataToken::<_>::LazyItemValue { len, decoder }
                    .skip()
                    .map_err(|e| parse_error(position(), &e))?;
            }
            LazyDataToken::SequenceEnd => {
                let closes_pixel_data = open.pop() == Some(true);
                if let (true, Some(found)) = (closes_pixel_data, walked.pixels.as_mut()) {
                    set_mode(Mode::Header);
                    found.length = position() - found.value_start;
                }
            }
            // Other element headers, items and item ends need no action.
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(fail(format!(
            "truncated: the file ends inside a sequence at byte {}",
            position()
        )));
    }
    walked.end = position();
    Ok(walked)
}

/// Parse the elements after native Pixel Data (file bytes `start..size`)
/// and return where they end.
fn scan_tail(
    head: &mut HeadAndFile,
    start: u64,
    size: u64,
    ts: &TransferSyntax,
) -> Result<u64, Problem> {
    let file = match &head.file {
        Some(file) => File::try_clone(file)?,
        None => return Err(fail("internal: source file no longer open")),
    };
    let position = Rc::new(Cell::new(0));
    let reader = Counting {
        inner: ProbeThenFile::new(Vec::new(), start, file)?,
        position: Rc::clone(&position),
        tape: None,
    };
    let walked =
        walk(reader, ts, &position, None, size - start).map_err(|problem| match problem {
            Problem::Fail(reason) => {
                fail(format!("after Pixel Data (from byte {start}): {reason}"))
            }
            skip => skip,
        })?;
    if walked.pixels.is_some() {
        return Err(fail(format!(
            "a second Pixel Data element follows the first (from byte {start})"
        )));
    }
    Ok(start + walked.end)
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
