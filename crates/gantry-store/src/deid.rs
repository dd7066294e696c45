//! What de-identification needs from the session: the instances to
//! export with their patients' identifiers, export records (for resuming,
//! the manifest and `gantry mapping`), audit findings, the session's own
//! secret, the audit log, and the identifying strings `verify` searches
//! for.

use std::collections::{BTreeMap, HashMap};

use gantry_model::{Header, InstanceId};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::store::decode_pixels;
use crate::{Result, Store};

/// An instance to de-identify, with what the session knows of its patient.
/// Holds PHI (the originals): never format it.
#[derive(Debug)]
pub struct Candidate {
    /// Row id.
    pub id: InstanceId,
    /// Source file.
    pub path: String,
    /// The lossless header.
    pub header: Header,
    /// Pixel reference.
    pub pixels: Option<gantry_model::PixelDataRef>,
    /// Transfer syntax of the source file.
    pub transfer_syntax: String,
    /// Canonical patient key (input of pseudonyms and date offsets).
    pub patient_key: String,
    /// Original PatientID.
    pub patient_id: Option<String>,
    /// Original PatientName.
    pub patient_name: Option<String>,
    /// Original PatientBirthDate.
    pub birth_date: Option<String>,
    /// Original AccessionNumber of the study.
    pub accession_number: Option<String>,
    /// Original InstitutionName.
    pub institution_name: Option<String>,
    /// BurnedInAnnotation as indexed.
    pub burned_in_annotation: Option<String>,
    /// Modality as indexed.
    pub modality: Option<String>,
}

/// Which instances an operation covers (SPEC §10 selection).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Original PatientIDs.
    pub patients: Vec<String>,
    /// Original StudyInstanceUIDs.
    pub studies: Vec<String>,
    /// Original SeriesInstanceUIDs.
    pub series: Vec<String>,
    /// A filter over indexed attributes, already translated to SQL over
    /// the aliases `i` (instances), `s` (series), `st` (studies), `e`
    /// (equipment), with its parameters.
    pub filter: Option<(String, Vec<String>)>,
    /// Only the studies of this part (`--shard i/N`; see
    /// [`gantry_model::Shard`]).
    pub shard: Option<gantry_model::Shard>,
}

/// State of one instance's export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportStatus {
    /// Written.
    Written,
    /// Not written: something identifying remained (`--safe`) or a rule
    /// requires a person's decision.
    Quarantined,
    /// Could not be written.
    Failed,
}

impl ExportStatus {
    /// The name stored in the session and written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportStatus::Written => "written",
            ExportStatus::Quarantined => "quarantined",
            ExportStatus::Failed => "failed",
        }
    }

    /// The status stored as `name` (the schema's CHECK admits only the
    /// three names; anything else reads as failed).
    fn parse(name: &str) -> ExportStatus {
        match name {
            "written" => ExportStatus::Written,
            "quarantined" => ExportStatus::Quarantined,
            _ => ExportStatus::Failed,
        }
    }
}

/// One export record. UIDs and PatientID here are the de-identified ones.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExportRecord {
    /// Instance row id.
    #[serde(skip)]
    pub instance: InstanceId,
    /// Export root (absolute).
    #[serde(skip)]
    pub root: String,
    /// Path relative to the root, when written.
    pub path: Option<String>,
    /// Outcome.
    pub status: ExportStatus,
    /// Why, when not written.
    pub reason: Option<String>,
    /// File size.
    pub size: Option<u64>,
    /// Checksum of the file as `algorithm:hex` (`blake3:…`, `sha256:…`).
    pub checksum: Option<String>,
    /// De-identified SOPInstanceUID.
    pub sop_instance_uid: Option<String>,
    /// De-identified StudyInstanceUID.
    pub study_instance_uid: Option<String>,
    /// De-identified SeriesInstanceUID.
    pub series_instance_uid: Option<String>,
    /// De-identified PatientID.
    pub patient_id: Option<String>,
    /// Fingerprint of the key the export was made with.
    #[serde(skip)]
    pub key_fingerprint: Option<String>,
}

/// A finding as stored (masked preview only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingRow {
    /// Attribute path.
    pub path: String,
    /// Leaf tag.
    pub tag: String,
    /// Rule.
    pub rule: String,
    /// Proposed action.
    pub action: String,
    /// Masked preview.
    pub preview: String,
}

/// Counts over the stored findings (SPEC §12.1 `audit`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FindingsSummary {
    /// Number of findings.
    pub findings: u64,
    /// Instances with at least one.
    pub instances_with_findings: u64,
    /// Findings per rule.
    pub by_rule: BTreeMap<String, u64>,
    /// Findings per tag.
    pub by_tag: BTreeMap<String, u64>,
}

/// One row of `gantry mapping`: a source and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MappingRow {
    /// Source path.
    pub source: String,
    /// Output path relative to the export root, when written.
    pub output: Option<String>,
    /// `written`, `quarantined`, `failed`, or `skipped` (never exported).
    pub status: String,
    /// Why, when not written.
    pub reason: Option<String>,
}

/// Identifying strings the session knows, for `verify`. Holds PHI.
#[derive(Debug, Default)]
pub struct KnownIdentifiers {
    /// Names, IDs, birth dates, accession numbers.
    pub strings: Vec<String>,
    /// Institution names.
    pub institutions: Vec<String>,
    /// Equipment names (manufacturer, model, serial): not patient
    /// identifiers, and kept by the profile; an identifying string equal
    /// to one of them cannot be told apart from it in the output.
    pub equipment: Vec<String>,
}

const CANDIDATE_COLUMNS: &str = "i.id, f.path, h.transfer_syntax, h.bytes, i.pixel_location,
    i.pixel_offset, i.pixel_length, i.pixel_vr, i.pixel_frames, i.pixel_fragments,
    i.transfer_syntax, p.key, p.patient_id, p.patient_name, p.birth_date,
    st.accession_number, i.institution_name, i.burned_in_annotation, i.modality";

const CANDIDATE_FROM: &str = "instances i
    JOIN files f ON f.id = i.file
    JOIN headers h ON h.instance = i.id
    JOIN series s ON s.id = i.series
    JOIN studies st ON st.id = s.study
    JOIN patients p ON p.id = st.patient
    JOIN equipment e ON e.id = s.equipment";

impl Store {
    /// Up to `limit` selected instances with ids above `after`, in id order.
    pub fn candidates(
        &self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Candidate>> {
        let mut sql = format!("SELECT {CANDIDATE_COLUMNS} FROM {CANDIDATE_FROM} WHERE i.id > ?1");
        let mut values: Vec<String> = Vec::new();
        let mut add_list = |column: &str, list: &[String], sql: &mut String| {
            if list.is_empty() {
                return;
            }
            let marks: Vec<String> = list
                .iter()
                .map(|v| {
                    values.push(v.clone());
                    format!("?{}", values.len() + 1)
                })
                .collect();
            sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
        };
        add_list("p.patient_id", &selection.patients, &mut sql);
        add_list("st.study_uid", &selection.studies, &mut sql);
        add_list("s.series_uid", &selection.series, &mut sql);
        if let Some(shard) = selection.shard {
            // Numbers, not user text: formatted into the statement.
            sql.push_str(&format!(
                " AND gantry_shard_part(st.study_uid, {}) = {}",
                shard.count(),
                shard.index() - 1
            ));
        }
        if let Some((filter, params)) = &selection.filter {
            // The filter's own placeholders are `?` numbered after ours.
            let mut numbered = String::new();
            let mut n = values.len() + 2;
            for c in filter.chars() {
                if c == '?' {
                    numbered.push_str(&format!("?{n}"));
                    n += 1;
                } else {
                    numbered.push(c);
                }
            }
            sql.push_str(&format!(" AND ({numbered})"));
            values.extend(params.iter().cloned());
        }
        sql.push_str(&format!(" ORDER BY i.id LIMIT {limit}"));
        let conn = self.conn();
        let e = |err| self.sql_error(err);
        let mut stmt = conn.prepare(&sql).map_err(e)?;
        let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&after];
        for v in &values {
            bound.push(v);
        }
        let mut rows = stmt.query(bound.as_slice()).map_err(e)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(e)? {
            let id: i64 = row.get(0).map_err(e)?;
            let pixels = decode_pixels(row, 4, 10).map_err(|what| crate::Error::CorruptRow {
                path: self.path().to_path_buf(),
                what,
                row: id,
            })?;
            out.push(Candidate {
                id: InstanceId(id),
                path: row.get(1).map_err(e)?,
                header: Header::new(
                    row.get::<_, String>(2).map_err(e)?,
                    row.get::<_, Vec<u8>>(3).map_err(e)?,
                ),
                pixels,
                transfer_syntax: row.get(10).map_err(e)?,
                patient_key: row.get(11).map_err(e)?,
                patient_id: row.get(12).map_err(e)?,
                patient_name: row.get(13).map_err(e)?,
                birth_date: row.get(14).map_err(e)?,
                accession_number: row.get(15).map_err(e)?,
                institution_name: row.get(16).map_err(e)?,
                burned_in_annotation: row.get(17).map_err(e)?,
                modality: row.get(18).map_err(e)?,
            });
        }
        Ok(out)
    }

    /// A secret the session keeps for itself.
    pub fn secret(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.conn()
            .query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sql_error(e))
    }

    /// Store a secret unless one of that name exists; returns the one kept.
    pub fn secret_or_insert(&self, name: &str, value: &[u8]) -> Result<Vec<u8>> {
        self.conn()
            .execute(
                "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![name, value],
            )
            .map_err(|e| self.sql_error(e))?;
        Ok(self.secret(name)?.unwrap_or_else(|| value.to_vec()))
    }

    /// Record export outcomes (one transaction), replacing earlier ones.
    pub fn record_exports(&mut self, records: &[ExportRecord]) -> Result<()> {
        let path = self.path().to_path_buf();
        let sql = |source| crate::Error::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn_mut().transaction().map_err(sql)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO exports (instance, root, path, status, reason, size,
                        checksum, sop_instance_uid, study_instance_uid, series_instance_uid,
                        patient_id, key_fingerprint)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(sql)?;
            for r in records {
                stmt.execute(params![
                    r.instance.0,
                    r.root,
                    r.path,
                    r.status.as_str(),
                    r.reason,
                    r.size.map(|s| s as i64),
                    r.checksum,
                    r.sop_instance_uid,
                    r.study_instance_uid,
                    r.series_instance_uid,
                    r.patient_id,
                    r.key_fingerprint
                ])
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// Hand every export record under a root to `each`, ordered by status
    /// then output path (the manifest's order), one at a time: memory does
    /// not grow with the number of records. An error from `each` stops
    /// the walk and is returned.
    pub fn for_each_export_under<E>(
        &self,
        root: &str,
        mut each: impl FnMut(ExportRecord) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<(), E>> {
        let conn = self.conn();
        let e = |err| self.sql_error(err);
        let mut stmt = conn
            .prepare(
                "SELECT x.instance, x.path, x.status, x.reason, x.size, x.checksum,
                        x.sop_instance_uid, x.study_instance_uid, x.series_instance_uid,
                        x.patient_id, x.key_fingerprint
                 FROM exports x JOIN instances i ON i.id = x.instance
                 JOIN files f ON f.id = i.file
                 WHERE x.root = ?1 ORDER BY x.status, x.path, f.path",
            )
            .map_err(e)?;
        let mut rows = stmt.query([root]).map_err(e)?;
        while let Some(r) = rows.next().map_err(e)? {
            let status: String = r.get(2).map_err(e)?;
            let record = ExportRecord {
                instance: InstanceId(r.get(0).map_err(e)?),
                root: root.to_string(),
                path: r.get(1).map_err(e)?,
                status: ExportStatus::parse(&status),
                reason: r.get(3).map_err(e)?,
                size: r.get::<_, Option<i64>>(4).map_err(e)?.map(|s| s as u64),
                checksum: r.get(5).map_err(e)?,
                sop_instance_uid: r.get(6).map_err(e)?,
                study_instance_uid: r.get(7).map_err(e)?,
                series_instance_uid: r.get(8).map_err(e)?,
                patient_id: r.get(9).map_err(e)?,
                key_fingerprint: r.get(10).map_err(e)?,
            };
            if let Err(stop) = each(record) {
                return Ok(Err(stop));
            }
        }
        Ok(Ok(()))
    }

    /// For those of `instances` written under `root` by an earlier export:
    /// the output path and size recorded (a resumed export checks the
    /// file is still there at that size).
    pub fn written_under(
        &self,
        root: &str,
        instances: &[InstanceId],
    ) -> Result<HashMap<InstanceId, (String, u64)>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT path, size FROM exports
                 WHERE instance = ?1 AND root = ?2 AND status = 'written'
                   AND path IS NOT NULL AND size IS NOT NULL",
            )
            .map_err(e)?;
        let mut found = HashMap::new();
        for &id in instances {
            let row = stmt
                .query_row(params![id.0, root], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .optional()
                .map_err(e)?;
            if let Some(row) = row {
                found.insert(id, row);
            }
        }
        Ok(found)
    }

    /// Which instance an earlier export under `root` recorded at `path`,
    /// if any (the first by id when several did).
    pub fn path_owner(&self, root: &str, path: &str) -> Result<Option<InstanceId>> {
        let e = |err| self.sql_error(err);
        self.conn()
            .prepare_cached("SELECT min(instance) FROM exports WHERE root = ?1 AND path = ?2")
            .map_err(e)?
            .query_row(params![root, path], |r| r.get::<_, Option<i64>>(0))
            .map(|id| id.map(InstanceId))
            .map_err(e)
    }

    /// `gantry mapping`: every source file and what became of it under the
    /// export root last written to (or `skipped` when it was never
    /// exported there).
    pub fn mapping(&self) -> Result<Vec<MappingRow>> {
        let conn = self.conn();
        let e = |err| self.sql_error(err);
        let root: Option<String> = conn
            .query_row(
                "SELECT root FROM exports ORDER BY rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)?;
        let mut stmt = conn
            .prepare(
                "SELECT f.path, x.path, coalesce(x.status, 'skipped'),
                        coalesce(x.reason, CASE WHEN f.state != 'indexed' THEN f.reason END)
                 FROM files f
                 LEFT JOIN instances i ON i.file = f.id
                 LEFT JOIN exports x ON x.instance = i.id AND x.root = ?1
                 ORDER BY f.path",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map([root], |r| {
                Ok(MappingRow {
                    source: r.get(0)?,
                    output: r.get(1)?,
                    status: r.get(2)?,
                    reason: r.get(3)?,
                })
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// Append an event to the audit log, chained to the previous one by
    /// SHA-256. `details` must hold counts and names only, never PHI.
    pub fn append_event(&mut self, event: &str, details: &serde_json::Value) -> Result<()> {
        let e = |err| self.sql_error(err);
        let prev: String = self
            .conn()
            .query_row(
                "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)?
            .unwrap_or_else(|| "0".repeat(64));
        let at = utc_now();
        let details = details.to_string();
        let hash = chain_hash(&prev, &at, event, &details);
        self.conn()
            .execute(
                "INSERT INTO audit_log (at, event, details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![at, event, details, prev, hash],
            )
            .map_err(e)?;
        Ok(())
    }

    /// Check the audit log's hash chain; returns the id of the first row
    /// that does not verify, if any.
    pub fn verify_audit_log(&self) -> Result<Option<i64>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self
            .conn()
            .prepare("SELECT id, at, event, details, prev_hash, hash FROM audit_log ORDER BY id")
            .map_err(e)?;
        let mut rows = stmt.query([]).map_err(e)?;
        let mut prev = "0".repeat(64);
        while let Some(row) = rows.next().map_err(e)? {
            let id: i64 = row.get(0).map_err(e)?;
            let at: String = row.get(1).map_err(e)?;
            let event: String = row.get(2).map_err(e)?;
            let details: String = row.get(3).map_err(e)?;
            let prev_hash: String = row.get(4).map_err(e)?;
            let hash: String = row.get(5).map_err(e)?;
            if prev_hash != prev || hash != chain_hash(&prev, &at, &event, &details) {
                return Ok(Some(id));
            }
            prev = hash;
        }
        Ok(None)
    }

    /// Remember a config text under its hash; returns the hash.
    pub fn record_config(&self, text: &str) -> Result<String> {
        let hash = hex(&Sha256::digest(text.as_bytes()));
        self.conn()
            .execute(
                "INSERT INTO configs (hash, text, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![hash, text, utc_now()],
            )
            .map_err(|e| self.sql_error(e))?;
        Ok(hash)
    }

    /// Hand every original Study, Series and SOP Instance UID the session
    /// knows to `each`, one at a time (a session of 10M instances holds
    /// 10M of them: callers keep what they need, e.g. a hash).
    pub fn for_each_original_uid(&self, mut each: impl FnMut(&str)) -> Result<()> {
        let e = |err| self.sql_error(err);
        for sql in [
            "SELECT study_uid FROM studies WHERE study_uid IS NOT NULL",
            "SELECT series_uid FROM series WHERE series_uid IS NOT NULL",
            "SELECT sop_instance_uid FROM instances WHERE sop_instance_uid IS NOT NULL",
        ] {
            let mut stmt = self.conn().prepare(sql).map_err(e)?;
            let mut rows = stmt.query([]).map_err(e)?;
            while let Some(row) = rows.next().map_err(e)? {
                let uid = row.get_ref(0).map_err(e)?.as_str().map_err(|err| {
                    e(rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        Box::new(err),
                    ))
                })?;
                if !uid.trim().is_empty() {
                    each(uid);
                }
            }
        }
        Ok(())
    }

    /// The identifying strings the session knows (its original UIDs:
    /// [`Store::for_each_original_uid`]).
    pub fn known_identifiers(&self) -> Result<KnownIdentifiers> {
        let conn = self.conn();
        let e = |err| self.sql_error(err);
        let collect = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = conn.prepare(sql).map_err(e)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(e)?;
            rows.collect::<rusqlite::Result<_>>().map_err(e)
        };
        let mut strings = Vec::new();
        for sql in [
            "SELECT DISTINCT patient_id FROM patients WHERE patient_id IS NOT NULL",
            "SELECT DISTINCT patient_name FROM patients WHERE patient_name IS NOT NULL",
            "SELECT DISTINCT birth_date FROM patients WHERE birth_date IS NOT NULL",
            "SELECT DISTINCT accession_number FROM studies WHERE accession_number IS NOT NULL",
        ] {
            strings.extend(collect(sql)?);
        }
        let mut institutions = collect(
            "SELECT DISTINCT institution_name FROM instances WHERE institution_name IS NOT NULL",
        )?;
        institutions.retain(|s| !s.trim().is_empty());
        let mut equipment = Vec::new();
        for sql in [
            "SELECT DISTINCT manufacturer FROM equipment",
            "SELECT DISTINCT model FROM equipment",
            "SELECT DISTINCT serial FROM equipment",
        ] {
            equipment.extend(collect(sql)?);
        }
        strings.retain(|s| !s.trim().is_empty());
        equipment.retain(|s| !s.trim().is_empty());
        Ok(KnownIdentifiers {
            strings,
            institutions,
            equipment,
        })
    }
}

fn chain_hash(prev: &str, at: &str, event: &str, details: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [prev, at, event, details] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Now as RFC 3339 UTC (`2026-11-21T22:58:52Z`), from the system clock.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    utc_rfc3339(secs)
}

/// Unix seconds as RFC 3339 UTC (`2026-11-21T22:58:52Z`); seconds out of
/// chrono's range (beyond ±262,000 years) print as the epoch.
pub fn utc_rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod time_tests {
    use super::utc_rfc3339;

    #[test]
    fn unix_seconds_print_as_rfc3339_utc() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_795_395_532, "2026-11-23T00:58:52Z"),
            (-86_401, "1969-12-30T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (i64::MAX, "1970-01-01T00:00:00Z"),
        ] {
            assert_eq!(utc_rfc3339(secs), text, "{secs}");
        }
    }
}
