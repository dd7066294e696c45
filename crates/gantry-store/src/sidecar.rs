//! The append-only pixel sidecar (`<session>.pixels`).
//!
//! Pixel data is megabytes per instance. Kept in SQLite rows it would bloat
//! the database and its WAL and push every byte through SQLite's page cache;
//! kept only in the source files it would be lost when sources move or when a
//! step (redaction, transcoding) changes it. So the session stores pixels in
//! a sidecar file next to the database: records are only ever appended, the
//! database refers to a record by its byte offset ([`SidecarRecordId`]), and
//! reads go through a memory map.
//!
//! The contract callers need (crash protocol, integrity, concurrency) is on
//! [`Sidecar`]; this page also records the on-disk layout.
//!
//! # Layout
//!
//! All integers are little-endian. The file starts with a 16-byte header:
//!
//! | bytes  | field                   |
//! |--------|-------------------------|
//! | 0..8   | magic `b"GANTRYPX"`     |
//! | 8      | file format version (1) |
//! | 9..16  | reserved, zero          |
//!
//! Records follow back to back, each a 32-byte header and its payload:
//!
//! | bytes  | field                                                       |
//! |--------|-------------------------------------------------------------|
//! | 0..4   | magic `b"GPXR"`                                             |
//! | 4      | record format version (1)                                   |
//! | 5      | compression: 0 none, 1 zlib                                 |
//! | 6..8   | reserved, zero                                              |
//! | 8..16  | stored (on-disk) payload length, u64                        |
//! | 16..24 | uncompressed payload length, u64                            |
//! | 24..28 | CRC-32 of the stored payload                                |
//! | 28..32 | CRC-32 of bytes 0..28 followed by the record's offset (u64) |
//! | 32..   | stored payload                                              |
//!
//! The header checksum catches a damaged length before it is used, and
//! because it covers the record's own offset, a record (or a copy of one
//! inside some payload) read at any offset other than the one it was written
//! at fails the check. Compaction, which moves records, rewrites their
//! headers. An uncompressed record's two lengths are equal; a zlib record is
//! one complete zlib stream whose output has exactly the uncompressed length.
//!
//! # Integrity
//!
//! Every read checks magic, version, header checksum, bounds (against the
//! sidecar's end as this `Sidecar` knows it, never the file size), payload
//! checksum and, for zlib, the stream and its length. Any failure is
//! [`Error::DamagedRecord`]; damaged bytes are never returned as pixels.

use std::fmt;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use flate2::{Decompress, FlushDecompress, Status};
use gantry_model::SidecarRecordId;
use memmap2::{Mmap, MmapOptions};

use crate::{Error, Result};

const FILE_MAGIC: [u8; 8] = *b"GANTRYPX";
const FILE_VERSION: u8 = 1;
const RECORD_MAGIC: [u8; 4] = *b"GPXR";
const RECORD_VERSION: u8 = 1;

const COMPRESSION_NONE: u8 = 0;
const COMPRESSION_ZLIB: u8 = 1;

/// Size of the write buffer in front of the file.
const WRITE_BUFFER: usize = 256 * 1024;
/// Bytes read through one map before it is replaced (see `Sidecar`, "Memory").
const MAP_READ_BUDGET: u64 = 64 << 20;
/// The compression buffer is released after a record larger than this.
const SCRATCH_KEEP: usize = 16 << 20;
/// Deflate cannot expand input by more than about 1032:1; used only to cap
/// the up-front allocation for a header that claims more.
const MAX_INFLATE_RATIO: usize = 1032;

/// How a record's payload is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Stored as given.
    #[default]
    None,
    /// zlib (flate2, fast level). If compressing does not make the payload
    /// smaller it is stored uncompressed instead; reads do not care.
    Zlib,
}

/// What [`Sidecar::compact`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompactStats {
    /// Records copied into the new sidecar.
    pub records_kept: u64,
    /// Committed length of the old sidecar, file header included.
    pub bytes_before: u64,
    /// Length of the new sidecar, file header included; commit this as the
    /// new sidecar's length.
    pub bytes_after: u64,
}

/// The session's append-only pixel file (`<session>.pixels`).
///
/// Records are appended and identified by their byte offset
/// ([`SidecarRecordId`]); each carries a checksummed header and a payload
/// checksum, optionally zlib-compressed. Reads go through a memory map and
/// verify everything: a damaged, truncated or misaddressed record is
/// [`Error::DamagedRecord`], never data.
///
/// # Crash protocol
///
/// The session database, not the sidecar, says which records exist:
///
/// 1. [`append`](Self::append) records;
/// 2. [`flush`](Self::flush) (survives the process being killed) or
///    [`sync`](Self::sync) (also survives power loss);
/// 3. commit the records' ids and [`end`](Self::end) in one database
///    transaction.
///
/// [`open`](Self::open) takes the committed length and cuts off whatever
/// lies beyond it (records of a writer killed before its commit), so the
/// space is reused. A file shorter than the committed length has lost
/// committed records, and `open` reports that instead of guessing.
///
/// # Concurrency
///
/// `Sidecar` is `Send + Sync`: [`read`](Self::read) takes `&self` and may run
/// on many threads; appends take `&mut self`. `open` holds an exclusive
/// advisory lock on the file until the `Sidecar` is dropped, so a second
/// `Sidecar` on the same file (in this process or another) cannot cut off
/// records the first has not committed yet. Readers beside a writer use
/// [`open_read_only`](Self::open_read_only), which takes no lock.
///
/// # Memory
///
/// Mapped pages count toward the resident set, so the map is replaced after
/// 64 MiB have been read through it; [`compact`](Self::compact) streams
/// record by record. Memory use does not grow with the sidecar.
pub struct Sidecar {
    path: PathBuf,
    /// Offset one past the last appended record (buffered ones included).
    end: u64,
    writer: Mutex<Writer>,
    map: Mutex<Arc<Mapping>>,
    /// Reused output buffer for zlib compression.
    scratch: Vec<u8>,
}

struct Writer {
    out: BufWriter<fs_err::File>,
    /// False for [`Sidecar::open_read_only`].
    writable: bool,
    /// An append failed part-way, so bytes after `end` may be on disk.
    failed: bool,
}

struct Mapping {
    map: Mmap,
    /// Bytes read through `map` so far.
    read: AtomicU64,
}

impl Mapping {
    fn serves(&self, need: u64) -> bool {
        self.map.len() as u64 >= need && self.read.load(Ordering::Relaxed) < MAP_READ_BUDGET
    }
}

/// A record whose header checked out; the payload is not verified yet.
struct Located {
    header: RecordHeader,
    mapping: Arc<Mapping>,
    /// Offset of the stored payload (just after the header).
    payload_start: u64,
}

impl Located {
    fn stored(&self) -> Option<&[u8]> {
        let start = usize::try_from(self.payload_start).ok()?;
        let len = usize::try_from(self.header.stored_len).ok()?;
        self.mapping.map.get(start..start.checked_add(len)?)
    }
}

impl Sidecar {
    /// Length of the file header; the first record starts here, and it is
    /// the committed length of an empty sidecar.
    pub const FILE_HEADER_LEN: u64 = 16;
    /// Length of a record's header, which precedes its payload.
    pub const RECORD_HEADER_LEN: u64 = 32;

    /// Opens the sidecar at `path`, creating it if missing.
    ///
    /// `committed_len` is the sidecar length the session database last
    /// committed (a value below [`FILE_HEADER_LEN`](Self::FILE_HEADER_LEN),
    /// such as 0 for a new session, means "no records"). Bytes beyond it
    /// were appended by a writer that never committed them and are cut off.
    /// A file shorter than `committed_len`, or one that is not a Gantry pixel
    /// sidecar, is [`Error::DamagedRecord`].
    ///
    /// Takes an exclusive advisory lock on the file for the lifetime of the
    /// `Sidecar`: a second open, in this or another process, fails instead of
    /// cutting off records the first one has not committed yet.
    pub fn open(path: &Path, committed_len: u64) -> Result<Sidecar> {
        Self::open_as(path, committed_len, true)
    }

    /// Opens an existing sidecar for reading records committed up to
    /// `committed_len`, beside a writer that may hold it open: no lock is
    /// taken and nothing is created, cut off or written ([`append`](Self::append)
    /// fails). A file shorter than `committed_len`, or one that is not a
    /// Gantry pixel sidecar, is [`Error::DamagedRecord`].
    ///
    /// This is safe beside a writer because a writer only ever cuts off bytes
    /// beyond the committed length, and a reader's committed length is one
    /// the writer already committed. (After a compaction, a reader that
    /// opened the old file keeps reading the old file.)
    pub fn open_read_only(path: &Path, committed_len: u64) -> Result<Sidecar> {
        Self::open_as(path, committed_len, false)
    }

    fn open_as(path: &Path, committed_len: u64, writable: bool) -> Result<Sidecar> {
        let damaged = |offset, problem: String| Error::DamagedRecord {
            path: path.to_path_buf(),
            offset,
            problem,
        };
        let not_a_sidecar = || damaged(0, "not a Gantry pixel sidecar (bad file magic)".into());
        let end = committed_len.max(Self::FILE_HEADER_LEN);
        let mut file = fs_err::OpenOptions::new()
            .read(true)
            .write(writable)
            // Create only when no records were committed: otherwise a missing
            // file is lost data, and an empty one would hide that next time.
            .create(writable && end == Self::FILE_HEADER_LEN)
            .truncate(false)
            .open(path)
            .map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound && end > Self::FILE_HEADER_LEN {
                    damaged(0, missing_records(0, committed_len))
                } else {
                    e.into()
                }
            })?;
        if writable {
            lock_exclusive(&file)?;
        }
        let len = file.metadata()?.len();
        if len < Self::FILE_HEADER_LEN {
            // New, or a crash while it was being created.
            let mut existing = Vec::new();
            file.read_to_end(&mut existing)?;
            if !file_header().starts_with(&existing) {
                return Err(not_a_sidecar());
            }
            if end > Self::FILE_HEADER_LEN || !writable {
                return Err(damaged(len, missing_records(len, committed_len)));
            }
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&file_header())?;
            file.sync_all()?;
            sync_parent_dir(path)?;
            tracing::debug!(path = %path.display(), "created pixel sidecar");
        } else {
            let mut header = [0; Self::FILE_HEADER_LEN as usize];
            file.read_exact(&mut header)?;
            if header[..FILE_MAGIC.len()] != FILE_MAGIC {
                return Err(not_a_sidecar());
            }
            if header[8] != FILE_VERSION {
                return Err(damaged(
                    0,
                    format!(
                        "sidecar format version {} is not supported (this build reads {FILE_VERSION})",
                        header[8]
                    ),
                ));
            }
            if len < end {
                return Err(damaged(len, missing_records(len, committed_len)));
            }
            if len > end && writable {
                tracing::warn!(
                    path = %path.display(),
                    committed = end,
                    dropped = len - end,
                    "cutting off uncommitted sidecar records"
                );
                file.set_len(end)?;
                file.sync_data()?;
            }
        }
        let map = map_file(&file, end, path)?;
        if writable {
            file.seek(SeekFrom::Start(end))?;
        }
        Ok(Sidecar {
            path: path.to_path_buf(),
            end,
            writer: Mutex::new(Writer {
                out: BufWriter::with_capacity(if writable { WRITE_BUFFER } else { 0 }, file),
                writable,
                failed: false,
            }),
            map: Mutex::new(Arc::new(Mapping {
                map,
                read: AtomicU64::new(0),
            })),
            scratch: Vec::new(),
        })
    }

    /// The sidecar's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Offset one past the last appended record: the length to commit in
    /// the database, after [`flush`](Self::flush) or [`sync`](Self::sync).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Appends a record and returns its id (its offset).
    ///
    /// The record may sit in a write buffer until [`flush`](Self::flush);
    /// [`read`](Self::read) flushes by itself when it needs to. If writing
    /// fails part-way, the sidecar refuses further appends: drop it and
    /// reopen it with the last committed length.
    pub fn append(&mut self, payload: &[u8], compression: Compression) -> Result<SidecarRecordId> {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if !writer.writable {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("pixel sidecar {} was opened read-only", self.path.display()),
            )
            .into());
        }
        if writer.failed {
            return Err(unusable(&self.path));
        }
        let offset = self.end;
        let uncompressed_len = u64::try_from(payload.len()).map_err(|_| too_large(&self.path))?;

        let mut compression_code = COMPRESSION_NONE;
        let mut stored = payload;
        if compression == Compression::Zlib && !payload.is_empty() {
            self.scratch.clear();
            let mut encoder = flate2::write::ZlibEncoder::new(
                std::mem::take(&mut self.scratch),
                flate2::Compression::fast(),
            );
            encoder.write_all(payload)?;
            self.scratch = encoder.finish()?;
            if self.scratch.len() < payload.len() {
                compression_code = COMPRESSION_ZLIB;
                stored = &self.scratch;
            }
        }
        let stored_len = u64::try_from(stored.len()).map_err(|_| too_large(&self.path))?;
        let new_end = offset
            .checked_add(Self::RECORD_HEADER_LEN)
            .and_then(|e| e.checked_add(stored_len))
            .ok_or_else(|| too_large(&self.path))?;
        let header = RecordHeader {
            compression: compression_code,
            stored_len,
            uncompressed_len,
            payload_crc: crc32fast::hash(stored),
        }
        .encode(offset);

        let written = writer
            .out
            .write_all(&header)
            .and_then(|()| writer.out.write_all(stored));
        if self.scratch.capacity() > SCRATCH_KEEP {
            self.scratch = Vec::new();
        }
        if let Err(err) = written {
            writer.failed = true;
            return Err(err.into());
        }
        self.end = new_end;
        Ok(SidecarRecordId(offset))
    }

    /// Writes buffered records to the file. After this, [`end`](Self::end)
    /// may be committed: the records survive the process being killed.
    pub fn flush(&mut self) -> Result<()> {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        writer.out.flush()?;
        Ok(())
    }

    /// [`flush`](Self::flush)es and then `fsync`s the data, so the records
    /// also survive power loss.
    pub fn sync(&mut self) -> Result<()> {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if writer.writable {
            writer.out.flush()?;
            writer.out.get_ref().sync_data()?;
        }
        Ok(())
    }

    /// Reads and verifies the record `id`, returning its uncompressed
    /// payload.
    pub fn read(&self, id: SidecarRecordId) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.read_into(id, &mut out)?;
        Ok(out)
    }

    /// Like [`read`](Self::read), but replaces the contents of `out` (reusing
    /// its allocation). On error `out` is left empty.
    pub fn read_into(&self, id: SidecarRecordId, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let result = self.read_record(id, out);
        if result.is_err() {
            out.clear();
        }
        result
    }

    fn read_record(&self, id: SidecarRecordId, out: &mut Vec<u8>) -> Result<()> {
        let record = self.locate(id)?;
        let damaged = |problem: &str| self.damaged(id.0, problem);
        let stored = record
            .stored()
            .ok_or_else(|| damaged("payload lies outside the mapped file"))?;
        match record.header.compression {
            COMPRESSION_NONE => {
                // Check the copy rather than the map, so what is returned is
                // exactly what was checked.
                out.extend_from_slice(stored);
                if crc32fast::hash(out) != record.header.payload_crc {
                    return Err(damaged("payload checksum mismatch"));
                }
            }
            _ => {
                if crc32fast::hash(stored) != record.header.payload_crc {
                    return Err(damaged("payload checksum mismatch"));
                }
                inflate(stored, record.header.uncompressed_len, out).map_err(damaged)?;
            }
        }
        Ok(())
    }

    /// Copies the records `live` into a new sidecar at `dest` and returns,
    /// sorted by old id, the old → new id of each, and statistics.
    ///
    /// Records are copied in file order, each one verified (header and
    /// payload checksums) on the way; a damaged live record fails the
    /// compaction. Duplicate ids are copied once. The new file is written
    /// as `<dest>.tmp` (removed on failure), synced, and renamed to `dest`,
    /// so `dest` is either untouched or complete.
    ///
    /// This sidecar is left as it was. The caller updates the database's
    /// references with the mapping, commits [`CompactStats::bytes_after`] as
    /// the length, and swaps files. `dest` should differ from this
    /// sidecar's path: replacing the file under an open `Sidecar` leaves it
    /// appending to the old, unlinked file (and fails on Windows).
    pub fn compact(
        &self,
        dest: &Path,
        live: impl IntoIterator<Item = SidecarRecordId>,
    ) -> Result<(Vec<(SidecarRecordId, SidecarRecordId)>, CompactStats)> {
        let mut ids: Vec<SidecarRecordId> = live.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();

        let (temp, file) = TempFile::create(dest)?;
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
        out.write_all(&file_header())?;
        let mut new_end = Self::FILE_HEADER_LEN;
        let mut mapping = Vec::with_capacity(ids.len());
        for old in ids {
            let record = self.locate(old)?;
            let stored = record
                .stored()
                .ok_or_else(|| self.damaged(old.0, "payload lies outside the mapped file"))?;
            if crc32fast::hash(stored) != record.header.payload_crc {
                return Err(self.damaged(old.0, "payload checksum mismatch"));
            }
            out.write_all(&record.header.encode(new_end))?;
            out.write_all(stored)?;
            mapping.push((old, SidecarRecordId(new_end)));
            new_end = new_end
                .checked_add(Self::RECORD_HEADER_LEN)
                .and_then(|e| e.checked_add(record.header.stored_len))
                .ok_or_else(|| too_large(dest))?;
        }
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        drop(file);
        temp.persist()?;

        let stats = CompactStats {
            records_kept: mapping.len() as u64,
            bytes_before: self.end,
            bytes_after: new_end,
        };
        tracing::info!(
            from = %self.path.display(),
            to = %dest.display(),
            records_kept = stats.records_kept,
            bytes_before = stats.bytes_before,
            bytes_after = stats.bytes_after,
            "compacted pixel sidecar"
        );
        Ok((mapping, stats))
    }

    /// Finds record `id` and checks its header and bounds.
    fn locate(&self, id: SidecarRecordId) -> Result<Located> {
        let offset = id.0;
        if offset < Self::FILE_HEADER_LEN {
            return Err(self.damaged(offset, "offset lies inside the file header"));
        }
        let payload_start = offset
            .checked_add(Self::RECORD_HEADER_LEN)
            .filter(|&e| e <= self.end)
            .ok_or_else(|| {
                self.damaged(offset, "record header lies past the end of the sidecar")
            })?;
        let mut mapping = self.mapping(payload_start)?;
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|start| mapping.map.get(start..start.checked_add(32)?))
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| self.damaged(offset, "record header lies outside the mapped file"))?;
        let header = RecordHeader::decode(&bytes, offset).map_err(|p| self.damaged(offset, p))?;
        let payload_end = payload_start
            .checked_add(header.stored_len)
            .filter(|&e| e <= self.end)
            .ok_or_else(|| self.damaged(offset, "payload runs past the end of the sidecar"))?;
        if (mapping.map.len() as u64) < payload_end {
            mapping = self.mapping(payload_end)?;
        }
        mapping
            .read
            .fetch_add(payload_end - offset, Ordering::Relaxed);
        Ok(Located {
            header,
            mapping,
            payload_start,
        })
    }

    /// A map covering at least `need` bytes (`need <= self.end`), replacing
    /// the current one if it is too short or has used up its read budget.
    fn mapping(&self, need: u64) -> Result<Arc<Mapping>> {
        {
            let current = lock(&self.map);
            if current.serves(need) {
                return Ok(Arc::clone(&current));
            }
        }
        let mut writer = lock(&self.writer);
        {
            // Another reader may have replaced it while we waited.
            let current = lock(&self.map);
            if current.serves(need) {
                return Ok(Arc::clone(&current));
            }
        }
        // Records below `end` were handed to the buffer whole, even if a
        // later append failed, so flushing makes them all visible.
        writer.out.flush()?;
        let file = writer.out.get_ref();
        let on_disk = file.metadata()?.len();
        if on_disk < self.end {
            return Err(self.damaged(on_disk, "sidecar file shrank while open"));
        }
        let fresh = Arc::new(Mapping {
            map: map_file(file, self.end, &self.path)?,
            read: AtomicU64::new(0),
        });
        *lock(&self.map) = Arc::clone(&fresh);
        Ok(fresh)
    }

    fn damaged(&self, offset: u64, problem: &str) -> Error {
        Error::DamagedRecord {
            path: self.path.clone(),
            offset,
            problem: problem.to_owned(),
        }
    }
}

impl fmt::Debug for Sidecar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sidecar")
            .field("path", &self.path)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// The fields of a record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RecordHeader {
    compression: u8,
    stored_len: u64,
    uncompressed_len: u64,
    payload_crc: u32,
}

impl RecordHeader {
    fn encode(&self, offset: u64) -> [u8; 32] {
        let mut b = [0; 32];
        b[0..4].copy_from_slice(&RECORD_MAGIC);
        b[4] = RECORD_VERSION;
        b[5] = self.compression;
        b[8..16].copy_from_slice(&self.stored_len.to_le_bytes());
        b[16..24].copy_from_slice(&self.uncompressed_len.to_le_bytes());
        b[24..28].copy_from_slice(&self.payload_crc.to_le_bytes());
        let crc = header_crc(&b, offset);
        b[28..32].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Checks and decodes the header found at `offset`; the error is the
    /// problem text.
    fn decode(b: &[u8; 32], offset: u64) -> Result<Self, &'static str> {
        if b[0..4] != RECORD_MAGIC {
            return Err("bad record magic");
        }
        if b[4] != RECORD_VERSION {
            return Err("unknown record format version");
        }
        if header_crc(b, offset) != le_u32(&b[28..32]) {
            return Err("header checksum mismatch");
        }
        let compression = b[5];
        let header = RecordHeader {
            compression,
            stored_len: le_u64(&b[8..16]),
            uncompressed_len: le_u64(&b[16..24]),
            payload_crc: le_u32(&b[24..28]),
        };
        match compression {
            COMPRESSION_NONE if header.stored_len != header.uncompressed_len => {
                Err("lengths differ in an uncompressed record")
            }
            COMPRESSION_NONE | COMPRESSION_ZLIB => Ok(header),
            _ => Err("unknown compression code"),
        }
    }
}

/// CRC-32 of header bytes 0..28 followed by the record's offset.
fn header_crc(b: &[u8; 32], offset: u64) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&b[..28]);
    hasher.update(&offset.to_le_bytes());
    hasher.finalize()
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(b);
    u64::from_le_bytes(a)
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(b);
    u32::from_le_bytes(a)
}

fn file_header() -> [u8; Sidecar::FILE_HEADER_LEN as usize] {
    let mut h = [0; Sidecar::FILE_HEADER_LEN as usize];
    h[..8].copy_from_slice(&FILE_MAGIC);
    h[8] = FILE_VERSION;
    h
}

/// Inflates the zlib stream `stored`, appending exactly `expected` bytes to
/// `out`; the error is the problem text.
fn inflate(stored: &[u8], expected: u64, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let expected = usize::try_from(expected).map_err(|_| "uncompressed length too large")?;
    let start = out.len();
    let plausible = stored
        .len()
        .saturating_mul(MAX_INFLATE_RATIO)
        .saturating_add(64);
    // One byte more than expected, so overlong data shows.
    out.reserve(expected.min(plausible).saturating_add(1));
    let mut inflater = Decompress::new(true);
    loop {
        let produced = out.len() - start;
        if produced > expected {
            return Err("zlib data longer than recorded");
        }
        if out.len() == out.capacity() {
            out.reserve((expected - produced + 1).min(1 << 20));
        }
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let input = usize::try_from(in_before)
            .ok()
            .and_then(|consumed| stored.get(consumed..))
            .unwrap_or_default();
        let status = inflater
            .decompress_vec(input, out, FlushDecompress::None)
            .map_err(|_| "corrupt zlib data")?;
        if status == Status::StreamEnd {
            break;
        }
        if inflater.total_in() == in_before && inflater.total_out() == out_before {
            return Err("truncated zlib data");
        }
    }
    if out.len() - start != expected {
        return Err("uncompressed length mismatch");
    }
    if inflater.total_in() != stored.len() as u64 {
        return Err("trailing bytes after zlib data");
    }
    Ok(())
}

/// Maps the first `len` bytes of `file`, which must be at least that long.
fn map_file(file: &fs_err::File, len: u64, path: &Path) -> Result<Mmap> {
    let len = usize::try_from(len).map_err(|_| too_large(path))?;
    // SAFETY: `Mmap::map` is unsafe because the `&[u8]` it yields must not
    // change or vanish while mapped, which the OS cannot promise for a file.
    // What makes it acceptable here:
    // - The sidecar is append-only: `Sidecar` never rewrites bytes below
    //   `end`, and truncates only in `open`, before anything is mapped.
    // - `open` holds an exclusive advisory lock for the `Sidecar`'s lifetime,
    //   so no other writable `Sidecar` writes or truncates the file meanwhile.
    //   A read-only `Sidecar` maps only up to a length the writer committed,
    //   and writers cut off only bytes beyond their committed length.
    // - We map only up to `end`, after flushing and checking that the file
    //   is at least that long, so no mapped page lies past EOF.
    // - Readers verify header and payload checksums, so bytes changed at rest
    //   (or changed before a read by someone else) are reported as damage.
    // Residual risk: a process that ignores the advisory lock, or a user
    // editing the file, can still modify or truncate it while it is mapped.
    // Truncation makes access to pages past the new EOF raise SIGBUS (the
    // process dies); modification during a read breaks the immutability
    // Rust assumes of `&[u8]` and can race the checksum. We accept this, as
    // other tools that map their private data files do: the sidecar belongs
    // to the session and nothing else is meant to write it.
    #[allow(unsafe_code)]
    let map = unsafe { MmapOptions::new().len(len).map(file.file()) };
    map.map_err(|e| {
        io::Error::new(e.kind(), format!("failed to map {}: {e}", path.display())).into()
    })
}

fn lock_exclusive(file: &fs_err::File) -> Result<()> {
    match file.file().try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "pixel sidecar {} is already open (in this or another process)",
                file.path().display()
            ),
        )
        .into()),
        Err(std::fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
            tracing::debug!(path = %file.path().display(), "file locking unsupported; sidecar not locked");
            Ok(())
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io::Error::new(
            e.kind(),
            format!("failed to lock {}: {e}", file.path().display()),
        )
        .into()),
    }
}

/// Makes a rename or creation in `path`'s directory durable.
fn sync_parent_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs_err::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn missing_records(len: u64, committed_len: u64) -> String {
    format!(
        "file is {len} bytes but the session committed {committed_len}; committed records are missing"
    )
}

fn unusable(path: &Path) -> Error {
    io::Error::other(format!(
        "pixel sidecar {}: an earlier append failed; reopen it at the last committed length",
        path.display()
    ))
    .into()
}

fn too_large(path: &Path) -> Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "pixel sidecar {} would exceed the addressable size",
            path.display()
        ),
    )
    .into()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A file being written under a temporary name next to its destination;
/// removed on drop unless persisted.
struct TempFile {
    temp: PathBuf,
    dest: PathBuf,
    persisted: bool,
}

impl TempFile {
    /// Creates (or truncates a stale) `<dest>.tmp`. The name is fixed so a
    /// file left by a crash is reused, not accumulated.
    fn create(dest: &Path) -> Result<(TempFile, fs_err::File)> {
        let mut temp = dest.as_os_str().to_os_string();
        temp.push(".tmp");
        let temp = PathBuf::from(temp);
        let file = fs_err::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        let guard = TempFile {
            temp,
            dest: dest.to_path_buf(),
            persisted: false,
        };
        Ok((guard, file))
    }

    fn persist(mut self) -> Result<()> {
        fs_err::rename(&self.temp, &self.dest)?;
        self.persisted = true;
        sync_parent_dir(&self.dest)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs_err::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests;
