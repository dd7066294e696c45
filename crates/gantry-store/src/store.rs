//! The session store: one SQLite database plus the pixel sidecar.
//!
//! [`Store`] is the only code that knows SQL. It is opened on a session
//! path (default `./gantry.db`); the sidecar lives beside it as
//! `<session>.pixels`. The database runs in WAL mode with
//! `synchronous = NORMAL`: a killed process loses at most the transaction
//! in flight, never a committed one, and readers do not block the writer.
//!
//! Writes come in batches ([`Store::write_batch`]), one transaction each,
//! so a crash leaves every file either fully recorded (file row, graph
//! rows, instance row, sidecar record) or not at all. The sidecar's
//! committed length is recorded inside the same transaction; on open, any
//! sidecar bytes past it (appended by a batch that never committed) are
//! cut off.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gantry_model::{
    FileId, Fragment, Header, IndexedAttributes, PatientKey, PixelDataRef, PixelLocation,
    SeriesKey, SidecarRecordId, StudyKey, Uid,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::sidecar::{Compression, Sidecar};
use crate::{Error, Result, schema};

/// State of a source file after ingest (SPEC §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    /// Parsed and indexed as an instance.
    Indexed,
    /// Deliberately not indexed (not DICOM, DICOMDIR, hidden), with a reason.
    Skipped,
    /// Could not be indexed (truncated, malformed, unreadable), with a reason.
    Failed,
}

impl FileState {
    fn as_str(self) -> &'static str {
        match self {
            FileState::Indexed => "indexed",
            FileState::Skipped => "skipped",
            FileState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "indexed" => Some(FileState::Indexed),
            "skipped" => Some(FileState::Skipped),
            "failed" => Some(FileState::Failed),
            _ => None,
        }
    }
}

/// What the file system said about a file when it was looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStat {
    /// Absolute path (lossy UTF-8 for display; the store keys on it).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
}

/// What the store remembers of a file from an earlier ingest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownFile {
    /// Size at that time.
    pub size: u64,
    /// Modification time at that time.
    pub mtime_ns: i64,
    /// The state it ended in.
    pub state: FileState,
}

/// A parsed instance ready to be stored.
#[derive(Clone, Debug)]
pub struct NewInstance {
    /// Transfer syntax of the source file (the header's may differ: a
    /// deflated file's header is stored inflated).
    pub transfer_syntax: String,
    /// Indexed top-level attributes.
    pub attributes: IndexedAttributes,
    /// The lossless header.
    pub header: Header,
    /// Where the pixels are, if the instance has Pixel Data.
    pub pixels: Option<PixelDataRef>,
    /// Pixel Data value bytes to copy into the sidecar; when set, the
    /// stored reference points at the new sidecar record instead of the
    /// location in `pixels`.
    pub offload: Option<Vec<u8>>,
}

/// The result of looking at one file, as the store records it.
#[derive(Debug)]
pub enum FileOutcome {
    /// Indexed as an instance.
    Indexed {
        /// The file.
        stat: FileStat,
        /// The instance read from it.
        instance: Box<NewInstance>,
    },
    /// Skipped, with a reason.
    Skipped {
        /// The file.
        stat: FileStat,
        /// Why (names no element value).
        reason: String,
    },
    /// Failed, with a reason.
    Failed {
        /// The file.
        stat: FileStat,
        /// Why (names no element value).
        reason: String,
    },
}

impl FileOutcome {
    /// The file this outcome is about.
    pub fn stat(&self) -> &FileStat {
        match self {
            FileOutcome::Indexed { stat, .. }
            | FileOutcome::Skipped { stat, .. }
            | FileOutcome::Failed { stat, .. } => stat,
        }
    }

    /// The state the file ends in.
    pub fn state(&self) -> FileState {
        match self {
            FileOutcome::Indexed { .. } => FileState::Indexed,
            FileOutcome::Skipped { .. } => FileState::Skipped,
            FileOutcome::Failed { .. } => FileState::Failed,
        }
    }
}

/// An instance as stored, for steps that need its header or pixels.
#[derive(Debug)]
pub struct StoredInstance {
    /// Row id.
    pub id: gantry_model::InstanceId,
    /// Source file path.
    pub path: String,
    /// The lossless header.
    pub header: Header,
    /// Pixel reference, if any.
    pub pixels: Option<PixelDataRef>,
}

/// The session store. See the module docs.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    sidecar_path: PathBuf,
    sidecar: Option<Sidecar>,
    read_only: bool,
}

const SIDECAR_LEN_KEY: &str = "sidecar_committed_len";
const COMPACT_PENDING_KEY: &str = "sidecar_compact_pending";

impl Store {
    /// Open (or create) the session at `path`, migrating its schema and
    /// finishing or discarding anything a crash left half done.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let sql = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        // 8 MB of page cache: ingest appends in path order, so the pages a
        // batch touches are the right edges of the tables and indexes; a
        // small fixed cap keeps memory flat however large the session grows.
        conn.pragma_update(None, "cache_size", -8_000)
            .map_err(sql)?;
        register_functions(&conn).map_err(sql)?;
        match schema::migrate(&mut conn).map_err(sql)? {
            Ok(_) => {}
            Err(found) => {
                return Err(Error::SchemaTooNew {
                    path,
                    found,
                    supported: schema::CURRENT_VERSION,
                });
            }
        }
        let mut sidecar_path = path.clone().into_os_string();
        sidecar_path.push(".pixels");
        let mut store = Store {
            conn,
            path,
            sidecar_path: sidecar_path.into(),
            sidecar: None,
            read_only: false,
        };
        store.recover_compaction()?;
        if store.sidecar_path.exists() {
            store.open_sidecar()?;
        }
        Ok(store)
    }

    /// Open a second connection to an existing session for queries that
    /// run beside a writer (WAL lets them). It does not migrate the schema
    /// or touch the sidecar's recovery; use [`Store::open`] for that.
    pub fn open_reader(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let sql = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql)?;
        // Side connections do point lookups and checkpoints: a small
        // cache suffices and keeps memory flat.
        conn.pragma_update(None, "cache_size", -2_000)
            .map_err(sql)?;
        register_functions(&conn).map_err(sql)?;
        let mut sidecar_path = path.clone().into_os_string();
        sidecar_path.push(".pixels");
        Ok(Store {
            conn,
            path,
            sidecar_path: sidecar_path.into(),
            sidecar: None,
            read_only: true,
        })
    }

    /// Turn SQLite's automatic WAL checkpoints on this connection on or
    /// off. Bulk writers turn them off and let another connection run
    /// [`Store::checkpoint`] in the background, so the fsyncs a checkpoint
    /// costs do not stall the writer.
    pub fn set_auto_checkpoint(&self, on: bool) -> Result<()> {
        let pages = if on { 1000 } else { 0 };
        self.conn
            .pragma_update(None, "wal_autocheckpoint", pages)
            .map_err(|e| self.sql(e))
    }

    /// Copy committed WAL pages into the database file without blocking
    /// writers (a passive checkpoint).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| self.sql(e))
    }

    /// Path of the session database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Path of the pixel sidecar.
    pub fn sidecar_path(&self) -> &Path {
        &self.sidecar_path
    }

    fn sql(&self, source: rusqlite::Error) -> Error {
        Error::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))
    }

    pub(crate) fn meta_value(&self, key: &str) -> Result<Option<String>> {
        self.meta_get(key)
    }

    /// Delete the pixel sidecar (for `purge`): close it, remove the file,
    /// record its committed length as 0. Returns the bytes it held.
    pub(crate) fn discard_sidecar(&mut self) -> Result<u64> {
        self.sidecar = None;
        let bytes = match fs_err::metadata(&self.sidecar_path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        fs_err::remove_file(&self.sidecar_path)?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, '0')
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [SIDECAR_LEN_KEY],
            )
            .map_err(|e| self.sql(e))?;
        Ok(bytes)
    }

    fn committed_sidecar_len(&self) -> Result<u64> {
        Ok(self
            .meta_get(SIDECAR_LEN_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    fn open_sidecar(&mut self) -> Result<&mut Sidecar> {
        let sidecar = match self.sidecar.take() {
            Some(sidecar) => sidecar,
            None if self.read_only => {
                Sidecar::open_read_only(&self.sidecar_path, self.committed_sidecar_len()?)?
            }
            None => Sidecar::open(&self.sidecar_path, self.committed_sidecar_len()?)?,
        };
        Ok(self.sidecar.insert(sidecar))
    }

    /// What the store knows of each path from earlier runs, in order.
    pub fn known_files(&self, paths: &[&str]) -> Result<Vec<Option<KnownFile>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT size, mtime_ns, state FROM files WHERE path = ?1")
            .map_err(|e| self.sql(e))?;
        // One read transaction for the whole batch: one lock, not one per path.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let row = stmt
                .query_row([path], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .optional()
                .map_err(|e| self.sql(e))?;
            out.push(row.and_then(|(size, mtime_ns, state)| {
                Some(KnownFile {
                    size: size as u64,
                    mtime_ns,
                    state: FileState::parse(&state)?,
                })
            }));
        }
        drop(stmt);
        tx.commit().map_err(|e| self.sql(e))?;
        Ok(out)
    }

    /// Record a batch of outcomes in one transaction. Re-recording a path
    /// replaces what was stored for it (a changed file is re-indexed).
    pub fn write_batch(&mut self, outcomes: Vec<FileOutcome>) -> Result<()> {
        // Offloaded pixels go to the sidecar first; the transaction that
        // references them also records the sidecar's new committed length.
        let mut sidecar_ids = Vec::with_capacity(outcomes.len());
        let mut any_offload = false;
        for outcome in &outcomes {
            let id = match outcome {
                FileOutcome::Indexed { instance, .. } => match &instance.offload {
                    Some(bytes) => {
                        any_offload = true;
                        Some(self.open_sidecar()?.append(bytes, Compression::Zlib)?)
                    }
                    None => None,
                },
                _ => None,
            };
            sidecar_ids.push(id);
        }
        let sidecar_end = match (&mut self.sidecar, any_offload) {
            (Some(sidecar), true) => {
                sidecar.flush()?;
                Some(sidecar.end())
            }
            _ => None,
        };

        let path = self.path.clone();
        let sql = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let mut ids = EntityIds::default();
        for (outcome, sidecar_id) in outcomes.into_iter().zip(sidecar_ids) {
            write_outcome(&tx, &mut ids, outcome, sidecar_id).map_err(sql)?;
        }
        if let Some(end) = sidecar_end {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![SIDECAR_LEN_KEY, end.to_string()],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// Remove patients, studies, series and equipment no instance refers
    /// to any more (after files were re-indexed elsewhere).
    pub fn prune_empty_entities(&mut self) -> Result<()> {
        self.conn
            .execute_batch(
                "BEGIN;
                 DELETE FROM series WHERE id NOT IN (SELECT series FROM instances);
                 DELETE FROM studies WHERE id NOT IN (SELECT study FROM series);
                 DELETE FROM patients WHERE id NOT IN (SELECT patient FROM studies);
                 DELETE FROM equipment WHERE id NOT IN (SELECT equipment FROM series);
                 COMMIT;",
            )
            .map_err(|e| self.sql(e))
    }

    /// Visit every stored instance in id order.
    pub fn for_each_instance(
        &self,
        mut visit: impl FnMut(StoredInstance) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT i.id, f.path, h.transfer_syntax, h.bytes, i.pixel_location, i.pixel_offset,
                        i.pixel_length, i.pixel_vr, i.pixel_frames, i.pixel_fragments,
                        i.transfer_syntax
                 FROM instances i JOIN files f ON f.id = i.file
                 JOIN headers h ON h.instance = i.id ORDER BY i.id",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let instance = self.stored_instance(row).map_err(|e| match e {
                RowError::Sql(e) => self.sql(e),
                RowError::Corrupt { what, row } => Error::CorruptRow {
                    path: self.path.clone(),
                    what,
                    row,
                },
            })?;
            visit(instance)?;
        }
        Ok(())
    }

    fn stored_instance(&self, row: &rusqlite::Row<'_>) -> Result<StoredInstance, RowError> {
        let id: i64 = row.get(0)?;
        let header = Header::new(row.get::<_, String>(2)?, row.get::<_, Vec<u8>>(3)?);
        let pixels =
            decode_pixels(row, 4, 10).map_err(|what| RowError::Corrupt { what, row: id })?;
        Ok(StoredInstance {
            id: gantry_model::InstanceId(id),
            path: row.get(1)?,
            header,
            pixels,
        })
    }

    /// A read-only handle on the sidecar for parallel readers (export),
    /// or `None` when the session has none.
    pub fn sidecar_reader(&self) -> Result<Option<Sidecar>> {
        if !self.sidecar_path.exists() {
            return Ok(None);
        }
        Ok(Some(Sidecar::open_read_only(
            &self.sidecar_path,
            self.committed_sidecar_len()?,
        )?))
    }

    /// Read the bytes of a sidecar record (verified; damage is an error).
    pub fn read_sidecar(&mut self, id: SidecarRecordId) -> Result<Vec<u8>> {
        self.open_sidecar()?.read(id)
    }

    /// Rewrite the sidecar keeping only records an instance refers to.
    /// Crash safe: the database commit decides between the old and the new
    /// sidecar, and the next open finishes whichever side won.
    pub fn compact(&mut self) -> Result<crate::sidecar::CompactStats> {
        let live: Vec<SidecarRecordId> = {
            let mut stmt = self
                .conn
                .prepare("SELECT pixel_offset FROM instances WHERE pixel_location = 'sidecar'")
                .map_err(|e| self.sql(e))?;
            let ids = stmt
                .query_map([], |row| row.get::<_, i64>(0))
                .map_err(|e| self.sql(e))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| self.sql(e))?;
            ids.into_iter().map(|o| SidecarRecordId(o as u64)).collect()
        };
        let compacted = self.compacted_path();
        let (mapping, stats) = self.open_sidecar()?.compact(&compacted, live)?;
        let new_len = fs_err::metadata(&compacted)?.len();

        let path = self.path.clone();
        let sql = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut update = tx
                .prepare(
                    "UPDATE instances SET pixel_offset = ?2
                     WHERE pixel_location = 'sidecar' AND pixel_offset = ?1",
                )
                .map_err(sql)?;
            // Move every record to a negative placeholder first, so that a
            // new offset equal to another record's old one cannot collide.
            for (old, _) in &mapping {
                update
                    .execute(params![old.0 as i64, -(old.0 as i64) - 1])
                    .map_err(sql)?;
            }
            for (old, new) in &mapping {
                update
                    .execute(params![-(old.0 as i64) - 1, new.0 as i64])
                    .map_err(sql)?;
            }
        }
        for (key, value) in [
            (SIDECAR_LEN_KEY, new_len.to_string()),
            (COMPACT_PENDING_KEY, "1".to_string()),
        ] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        self.sidecar = None;
        self.recover_compaction()?;
        self.open_sidecar()?;
        Ok(stats)
    }

    fn compacted_path(&self) -> PathBuf {
        let mut path = self.sidecar_path.clone().into_os_string();
        path.push(".compact");
        path.into()
    }

    /// Finish or undo a compaction a crash interrupted. The database commit
    /// is the decision point: before it, the old sidecar stays and a stray
    /// compacted file is deleted; after it, the compacted file replaces the
    /// old one.
    fn recover_compaction(&mut self) -> Result<()> {
        let compacted = self.compacted_path();
        let pending = self.meta_get(COMPACT_PENDING_KEY)?.as_deref() == Some("1");
        if pending {
            if compacted.exists() {
                fs_err::rename(&compacted, &self.sidecar_path)?;
            }
            self.conn
                .execute("DELETE FROM meta WHERE key = ?1", [COMPACT_PENDING_KEY])
                .map_err(|e| self.sql(e))?;
        } else if compacted.exists() {
            fs_err::remove_file(&compacted)?;
        }
        let mut stray = compacted.into_os_string();
        stray.push(".tmp");
        if std::path::Path::new(&stray).exists() {
            fs_err::remove_file(&stray)?;
        }
        Ok(())
    }

    /// Check the database's integrity (SQLite's `integrity_check` and
    /// `foreign_key_check`) and that every file row is consistent with its
    /// state: an indexed file has exactly one instance, other files none.
    /// Returns the problems found, empty when the session is sound.
    pub fn check_integrity(&self) -> Result<Vec<String>> {
        let e = |err| self.sql(err);
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check").map_err(e)?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(e)? {
            let row = row.map_err(e)?;
            if row != "ok" {
                problems.push(format!("integrity_check: {row}"));
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check").map_err(e)?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(e)? {
            problems.push(format!(
                "foreign key violation in table {}",
                row.map_err(e)?
            ));
        }
        let mismatched: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM files f
                 WHERE (f.state = 'indexed') != EXISTS (SELECT 1 FROM instances i WHERE i.file = f.id)",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        let headerless: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM instances i
                 WHERE NOT EXISTS (SELECT 1 FROM headers h WHERE h.instance = i.id)",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        if headerless > 0 {
            problems.push(format!("{headerless} instances without a stored header"));
        }
        if mismatched > 0 {
            problems.push(format!(
                "{mismatched} files whose state disagrees with their instance rows"
            ));
        }
        Ok(problems)
    }

    /// Borrow the connection mutably, for sibling modules' transactions.
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Borrow the connection for the read-only queries of sibling modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Wrap a SQLite error with the session path.
    pub(crate) fn sql_error(&self, source: rusqlite::Error) -> Error {
        self.sql(source)
    }
}

enum RowError {
    Sql(rusqlite::Error),
    Corrupt { what: &'static str, row: i64 },
}

impl From<rusqlite::Error> for RowError {
    fn from(e: rusqlite::Error) -> Self {
        RowError::Sql(e)
    }
}

/// Manufacturer, model and serial as read (absent values stay absent).
type EquipmentKey = (Option<String>, Option<String>, Option<String>);

/// Row ids of the entities met in the current transaction, so that the
/// files of one series cost one upsert per entity, not one per file.
#[derive(Default)]
struct EntityIds {
    equipment: HashMap<EquipmentKey, i64>,
    patients: HashMap<String, i64>,
    studies: HashMap<String, i64>,
    series: HashMap<String, i64>,
}

fn cached(
    cache: &mut HashMap<String, i64>,
    key: String,
    insert: impl FnOnce(&str) -> rusqlite::Result<i64>,
) -> rusqlite::Result<i64> {
    if let Some(id) = cache.get(&key) {
        return Ok(*id);
    }
    let id = insert(&key)?;
    cache.insert(key, id);
    Ok(id)
}

fn write_outcome(
    tx: &Transaction<'_>,
    ids: &mut EntityIds,
    outcome: FileOutcome,
    sidecar_id: Option<SidecarRecordId>,
) -> rusqlite::Result<()> {
    let state = outcome.state();
    let (stat, reason, instance) = match outcome {
        FileOutcome::Indexed { stat, instance } => (stat, None, Some(instance)),
        FileOutcome::Skipped { stat, reason } | FileOutcome::Failed { stat, reason } => {
            (stat, Some(reason), None)
        }
    };
    let file_id: i64 = tx
        .prepare_cached(
            "INSERT INTO files (path, size, mtime_ns, state, reason) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                 state = excluded.state, reason = excluded.reason
             RETURNING id",
        )?
        .query_row(
            params![
                stat.path,
                stat.size as i64,
                stat.mtime_ns,
                state.as_str(),
                reason
            ],
            |row| row.get(0),
        )?;
    tx.prepare_cached("DELETE FROM instances WHERE file = ?1")?
        .execute([file_id])?;
    let Some(instance) = instance else {
        return Ok(());
    };
    insert_instance(tx, ids, FileId(file_id), *instance, sidecar_id)
}

fn upsert_id(
    tx: &Transaction<'_>,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(sql)?.query_row(params, |row| row.get(0))
}

fn insert_instance(
    tx: &Transaction<'_>,
    ids: &mut EntityIds,
    file: FileId,
    instance: NewInstance,
    sidecar_id: Option<SidecarRecordId>,
) -> rusqlite::Result<()> {
    let a = &instance.attributes;
    let text = |v: &Option<gantry_model::Phi<String>>| v.as_ref().map(|v| v.expose().clone());

    let study_key = match &a.study_instance_uid {
        Some(uid) if !uid.expose().is_empty() => StudyKey::Uid(Uid::new(uid.expose())),
        _ => StudyKey::Unknown { file },
    };
    let series_key = match &a.series_instance_uid {
        Some(uid) if !uid.expose().is_empty() => SeriesKey::Uid(Uid::new(uid.expose())),
        _ => SeriesKey::Unknown { file },
    };
    let patient_key = PatientKey::from_values(
        a.patient_id.as_ref().map(|v| v.expose().as_str()),
        a.issuer_of_patient_id.as_ref().map(|v| v.expose().as_str()),
        &study_key,
    );

    let equipment_key = (
        a.manufacturer.clone(),
        a.manufacturer_model_name.clone(),
        a.device_serial_number.clone(),
    );
    let equipment = match ids.equipment.get(&equipment_key) {
        Some(id) => *id,
        None => {
            let id = upsert_id(
                tx,
                "INSERT INTO equipment (manufacturer, model, serial) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO UPDATE SET manufacturer = excluded.manufacturer RETURNING id",
                params![
                    equipment_key.0.as_deref().unwrap_or_default(),
                    equipment_key.1.as_deref().unwrap_or_default(),
                    equipment_key.2.as_deref().unwrap_or_default()
                ],
            )?;
            ids.equipment.insert(equipment_key, id);
            id
        }
    };
    let patient = cached(&mut ids.patients, patient_key.canonical(), |key| {
        upsert_id(
            tx,
            "INSERT INTO patients (key, patient_id, issuer, patient_name, birth_date)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
            params![
                key,
                text(&a.patient_id),
                text(&a.issuer_of_patient_id),
                text(&a.patient_name),
                text(&a.patient_birth_date)
            ],
        )
    })?;
    let study = cached(&mut ids.studies, study_key.canonical(), |key| {
        upsert_id(
            tx,
            "INSERT INTO studies (key, patient, study_uid, study_date, accession_number, description)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
            params![
                key,
                patient,
                text(&a.study_instance_uid),
                text(&a.study_date),
                text(&a.accession_number),
                text(&a.study_description)
            ],
        )
    })?;
    let series = cached(&mut ids.series, series_key.canonical(), |key| {
        upsert_id(
            tx,
            "INSERT INTO series (key, study, series_uid, modality, series_number, description, equipment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
            params![
                key,
                study,
                text(&a.series_instance_uid),
                a.modality,
                a.series_number,
                text(&a.series_description),
                equipment
            ],
        )
    })?;

    let pixels = instance.pixels.as_ref();
    let (location, offset, length) = match (pixels, sidecar_id) {
        (None, _) => (None, None, None),
        (Some(_), Some(id)) => (Some("sidecar"), Some(id.0 as i64), None),
        (Some(p), None) => match p.location {
            PixelLocation::Source { offset, length } => {
                (Some("source"), Some(offset as i64), Some(length as i64))
            }
            PixelLocation::Sidecar(id) => (Some("sidecar"), Some(id.0 as i64), None),
        },
    };
    tx.prepare_cached(
        "INSERT INTO instances (
            file, series, sop_instance_uid, sop_class_uid, transfer_syntax, instance_number,
            modality, specific_charset, image_type, software_versions, station_name,
            institution_name, rows, columns, frames, samples_per_pixel, bits_allocated,
            bits_stored, pixel_representation, planar_configuration, photometric,
            burned_in_annotation, pixel_location, pixel_offset,
            pixel_length, pixel_vr, pixel_frames, pixel_fragments)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
    )?
    .execute(params![
        file.0,
        series,
        text(&a.sop_instance_uid),
        a.sop_class_uid,
        instance.transfer_syntax,
        a.instance_number,
        a.modality,
        a.specific_character_set,
        a.image_type,
        a.software_versions,
        text(&a.station_name),
        text(&a.institution_name),
        a.rows,
        a.columns,
        a.number_of_frames,
        a.samples_per_pixel,
        a.bits_allocated,
        a.bits_stored,
        a.pixel_representation,
        a.planar_configuration,
        a.photometric_interpretation,
        a.burned_in_annotation.map(|b| b.as_str()),
        location,
        offset,
        length,
        pixels.map(|p| p.vr.to_string()),
        pixels.map(|p| p.frames),
        pixels.map(|p| encode_fragments(&p.fragments)),
    ])?;
    tx.prepare_cached(
        "INSERT INTO headers (instance, transfer_syntax, bytes) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        tx.last_insert_rowid(),
        instance.header.transfer_syntax(),
        instance.header.bytes()
    ])?;
    Ok(())
}

/// Read a pixel reference from columns `first..first + 6` (location,
/// offset, length, VR, frames, fragments) and the transfer syntax column.
/// `Err` names the corrupt column.
pub(crate) fn decode_pixels(
    row: &rusqlite::Row<'_>,
    first: usize,
    ts_column: usize,
) -> Result<Option<PixelDataRef>, &'static str> {
    let sql = |_| "pixel columns";
    let location: Option<String> = row.get(first).map_err(sql)?;
    let Some(kind) = location else {
        return Ok(None);
    };
    let offset: i64 = row.get(first + 1).map_err(sql)?;
    let length: Option<i64> = row.get(first + 2).map_err(sql)?;
    let vr: String = row.get(first + 3).map_err(sql)?;
    let frames: i64 = row.get(first + 4).map_err(sql)?;
    let fragments: Option<Vec<u8>> = row.get(first + 5).map_err(sql)?;
    let location = match kind.as_str() {
        "source" => PixelLocation::Source {
            offset: offset as u64,
            length: length.ok_or("pixel_length")? as u64,
        },
        "sidecar" => PixelLocation::Sidecar(SidecarRecordId(offset as u64)),
        _ => return Err("pixel_location"),
    };
    Ok(Some(PixelDataRef {
        location,
        transfer_syntax: row.get(ts_column).map_err(sql)?,
        vr: vr.parse().map_err(|_| "pixel_vr")?,
        frames: frames as u32,
        fragments: decode_fragments(fragments.as_deref().unwrap_or_default())
            .ok_or("pixel_fragments")?,
    }))
}

/// Fragment tables are stored as little-endian (u64 offset, u32 length) pairs.
/// SQL functions the queries use: `gantry_shard_part(study_uid, count)`,
/// the 0-based part of `count` a study belongs to ([`gantry_model::part_of`];
/// an instance without StudyInstanceUID goes with the empty UID's part, so
/// it is in exactly one shard too).
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "gantry_shard_part",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let uid: Option<String> = ctx.get(0)?;
            let count: i64 = ctx.get(1)?;
            let count = u32::try_from(count).unwrap_or(1);
            Ok(gantry_model::part_of(uid.as_deref().unwrap_or(""), count) as i64)
        },
    )
}

fn encode_fragments(fragments: &[Fragment]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fragments.len() * 12);
    for f in fragments {
        out.extend_from_slice(&f.offset.to_le_bytes());
        out.extend_from_slice(&f.length.to_le_bytes());
    }
    out
}

fn decode_fragments(bytes: &[u8]) -> Option<Vec<Fragment>> {
    if !bytes.len().is_multiple_of(12) {
        return None;
    }
    bytes
        .chunks_exact(12)
        .map(|c| {
            Some(Fragment {
                offset: u64::from_le_bytes(c.get(..8)?.try_into().ok()?),
                length: u32::from_le_bytes(c.get(8..12)?.try_into().ok()?),
            })
        })
        .collect()
}
