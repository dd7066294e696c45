//! `gantry purge`: a finished session without what identifies its sources
//! (SPEC §4: "the session holds PHI … `gantry purge` removes
//! source-identifying content from a finished session").
//!
//! What goes: every original header (the `headers` table), the findings
//! (their masked previews still carry initials and lengths), source paths
//! (each file becomes `purged/<id>`), the indexed identifying attributes of
//! patients, studies, series and instances (IDs, names, birth dates, UIDs,
//! accession numbers, descriptions, institution and station names), device
//! serial numbers, the patient/study/series keys (built from those), and
//! the pixel sidecar (offloaded and redacted pixels).
//!
//! What stays: counts (files and their states and reasons, instances per
//! modality, transfer syntax and equipment), the export records (output
//! paths and de-identified values only), the redaction decisions, the
//! configs, the session's key, and the hash-chained audit log, to which a
//! `purge` event is appended. So `examine`, `report` and `mapping` still
//! work; every step that needs the sources' data refuses, naming the time
//! of the purge ([`Store::purged_at`]).
//!
//! Deleted content must not linger in the file: `secure_delete` zeroes freed
//! pages, `VACUUM` rewrites the database, and a truncating checkpoint
//! empties the write-ahead log.

use rusqlite::params;

use crate::{Error, Result, Store};

const PURGED_AT_KEY: &str = "purged_at";

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeStats {
    /// Source files whose paths were replaced.
    pub files: u64,
    /// Instances whose original headers and identifying attributes went.
    pub instances: u64,
    /// Bytes of the pixel sidecar deleted.
    pub sidecar_bytes: u64,
}

impl Store {
    /// When the session was purged (RFC 3339, UTC), if it was.
    pub fn purged_at(&self) -> Result<Option<String>> {
        self.meta_value(PURGED_AT_KEY)
    }

    /// Remove everything that identifies the session's sources (see the
    /// module docs). Irreversible; purging a purged session does nothing
    /// more and returns zero counts.
    pub fn purge(&mut self) -> Result<PurgeStats> {
        if self.purged_at()?.is_some() {
            return Ok(PurgeStats::default());
        }
        let path = self.path().to_path_buf();
        let sql = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let sidecar_bytes = self.discard_sidecar()?;
        let conn = self.conn_mut();
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        let count = |table: &str| -> rusqlite::Result<u64> {
            let n: i64 =
                tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n.unsigned_abs())
        };
        let stats = PurgeStats {
            files: count("files").map_err(sql)?,
            instances: count("instances").map_err(sql)?,
            sidecar_bytes,
        };
        tx.execute_batch(
            "DELETE FROM headers;
             DELETE FROM findings;
             UPDATE files SET path = 'purged/' || id;
             UPDATE patients SET key = 'purged/' || id, patient_id = NULL, issuer = NULL,
                 patient_name = NULL, birth_date = NULL;
             UPDATE studies SET key = 'purged/' || id, study_uid = NULL, study_date = NULL,
                 accession_number = NULL, description = NULL;
             UPDATE series SET key = 'purged/' || id, series_uid = NULL, description = NULL;
             UPDATE instances SET sop_instance_uid = NULL, institution_name = NULL,
                 station_name = NULL, pixel_location = NULL, pixel_offset = NULL,
                 pixel_length = NULL, pixel_vr = NULL, pixel_frames = NULL,
                 pixel_fragments = NULL;
             UPDATE equipment SET serial = 'purged/' || id WHERE serial != '';",
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![PURGED_AT_KEY, crate::deid::utc_now()],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.append_event(
            "purge",
            &serde_json::json!({
                "files": stats.files, "instances": stats.instances,
                "sidecar_bytes": stats.sidecar_bytes,
            }),
        )?;
        // Nothing deleted may stay readable in the file or its log.
        let conn = self.conn_mut();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
            .map_err(sql)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(sql)?;
        Ok(stats)
    }
}
