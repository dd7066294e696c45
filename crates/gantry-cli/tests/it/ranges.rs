//! Where each element's value lies in a written file: (tag path, byte
//! range). Used to tell which attribute of an output a leak checker's hit
//! falls into. Built on dicom-parser's token reader with a counting
//! reader — independent of Gantry's own scan.

use std::cell::Cell;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use dicom_core::Tag;
use dicom_encoding::TransferSyntaxIndex;
use dicom_parser::dataset::LazyDataToken;
use dicom_parser::dataset::lazy_read::LazyDataSetReader;
use dicom_parser::stateful::decode::DynStatefulDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

struct Counting<R> {
    inner: R,
    at: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.at.set(self.at.get() + n as u64);
        Ok(n)
    }
}

/// A value's location.
#[derive(Debug, Clone)]
pub(crate) struct ValueRange {
    pub(crate) path: Vec<Tag>,
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// Value ranges of every element of a Part 10 file written by Gantry
/// (preamble, meta with group length). Also returns where the data set starts.
pub(crate) fn value_ranges(path: &Path) -> (u64, Vec<ValueRange>) {
    let obj = dicom_object::open_file(path).expect("output opens");
    let ts = TransferSyntaxRegistry
        .get(obj.meta().transfer_syntax())
        .expect("known transfer syntax");
    let bytes = std::fs::read(path).unwrap();
    // 128 preamble + "DICM" + (0002,0000) UL element (12 bytes) + group length
    let group_length = u32::from_le_bytes(bytes[140..144].try_into().unwrap()) as u64;
    let start = 144 + group_length;
    let mut file = std::fs::File::open(path).unwrap();
    file.seek(SeekFrom::Start(start)).unwrap();
    let at = Rc::new(Cell::new(start));
    let reader = Counting {
        inner: BufReader::new(file),
        at: Rc::clone(&at),
    };
    let decoder = DynStatefulDecoder::new_with_ts(reader, ts, 0).unwrap();
    let mut lazy = LazyDataSetReader::new(decoder);
    let mut stack: Vec<Tag> = Vec::new();
    let mut current = Tag(0, 0);
    let mut out = Vec::new();
    while let Some(token) = lazy.advance() {
        match token.expect("output parses") {
            LazyDataToken::ElementHeader(h) => current = h.tag,
            LazyDataToken::LazyValue { header, decoder } => {
                let begin = at.get();
                let mut path = stack.clone();
                path.push(header.tag);
                out.push(ValueRange {
                    path,
                    start: begin,
                    end: begin + u64::from(header.len.0),
                });
                LazyDataToken::LazyValue { header, decoder }.skip().unwrap();
            }
            LazyDataToken::LazyItemValue { len, decoder } => {
                let begin = at.get();
                let mut path = stack.clone();
                path.push(Tag(0x7FE0, 0x0010));
                out.push(ValueRange {
                    path,
                    start: begin,
                    end: begin + u64::from(len),
                });
                LazyDataToken::<_>::LazyItemValue { len, decoder }
                    .skip()
                    .unwrap();
            }
            LazyDataToken::SequenceStart { tag, .. } => stack.push(tag),
            LazyDataToken::PixelSequenceStart => stack.push(current),
            LazyDataToken::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    (start, out)
}
