//! Read-only aggregates for `gantry report` (SPEC §11): the audit log's
//! events, what an export root holds (counts, reasons, key fingerprints),
//! why files were not indexed, and which recorded redaction covers the
//! instances of each machine.
//!
//! Everything is counted in SQL and grouped by names, reasons and
//! equipment names; nothing here returns a source path, a patient value or
//! a UID. Results grow with the number of distinct reasons, machines and
//! rules and with the length of the audit log (one event per step run),
//! never with the number of instances.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;

use crate::{ExportStatus, FileState, Result, Store};

/// One row of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// Row id (the order of the chain).
    pub id: i64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The step: `ingest`, `audit`, `anonymize`, `redact`, `export`, …
    pub event: String,
    /// The details as recorded (counts and names); `Null` when the stored
    /// text is not JSON (the chain check reports such a row as altered).
    pub details: serde_json::Value,
    /// The row's chain hash.
    pub hash: String,
}

/// What one export root holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportOutcomes {
    /// Instances written.
    pub written: u64,
    /// Instances quarantined.
    pub quarantined: u64,
    /// Instances that failed.
    pub failed: u64,
    /// Total size of the files written.
    pub written_bytes: u64,
    /// Instances not written, grouped by status and reason, most frequent
    /// first: at most the number asked for.
    pub reasons: Vec<ReasonCount>,
    /// How many distinct (status, reason) groups there are in all.
    pub distinct_reasons: u64,
    /// Records per fingerprint of the key they were made with (`""` when
    /// none was recorded).
    pub key_fingerprints: BTreeMap<String, u64>,
}

/// Instances that share a status and a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonCount {
    /// Quarantined or failed.
    pub status: ExportStatus,
    /// The recorded reason (names attributes and rules, never values).
    pub reason: String,
    /// How many.
    pub instances: u64,
}

/// Files that share an ingest state and a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemCount {
    /// Skipped or failed.
    pub state: FileState,
    /// The reason recorded at ingest.
    pub reason: String,
    /// How many files.
    pub files: u64,
}

/// Instances of one machine that share a modality, a BurnedInAnnotation
/// value and a recorded redaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageRow {
    /// Manufacturer (0008,0070), empty when absent.
    pub manufacturer: String,
    /// ManufacturerModelName (0008,1090), empty when absent.
    pub model: String,
    /// Modality, empty when absent.
    pub modality: String,
    /// BurnedInAnnotation (0028,0301), trimmed and upper-cased; `None`
    /// when absent or empty.
    pub burned_in_annotation: Option<String>,
    /// The rule the last `redact` recorded, if any.
    pub rule: Option<String>,
    /// Whether that rule blanks regions of the image (`false` for a rule
    /// that declares the image clean, or no rule).
    pub blanks: bool,
    /// How many instances.
    pub instances: u64,
}

impl Store {
    /// Every audit-log event, in chain order. The log holds one event per
    /// step run, so this is small next to the session.
    pub fn audit_events(&self) -> Result<Vec<AuditEvent>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self
            .conn()
            .prepare("SELECT id, at, event, details, hash FROM audit_log ORDER BY id")
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| {
                let details: String = r.get(3)?;
                Ok(AuditEvent {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    event: r.get(2)?,
                    details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
                    hash: r.get(4)?,
                })
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// The export root most recently written to (by export record), if any.
    pub fn latest_export_root(&self) -> Result<Option<String>> {
        self.conn()
            .query_row(
                "SELECT root FROM exports ORDER BY rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_error(e))
    }

    /// Counts, reasons (the `max_reasons` most frequent) and key
    /// fingerprints of the export records under `root`.
    pub fn export_outcomes(&self, root: &str, max_reasons: usize) -> Result<ExportOutcomes> {
        let conn = self.conn();
        let e = |err| self.sql_error(err);
        let mut out = ExportOutcomes::default();
        let mut stmt = conn
            .prepare(
                "SELECT status, count(*), coalesce(sum(size), 0) FROM exports
                 WHERE root = ?1 GROUP BY status",
            )
            .map_err(e)?;
        let mut rows = stmt.query([root]).map_err(e)?;
        while let Some(row) = rows.next().map_err(e)? {
            let status: String = row.get(0).map_err(e)?;
            let n = row.get::<_, i64>(1).map_err(e)? as u64;
            match export_status(&status) {
                ExportStatus::Written => {
                    out.written += n;
                    out.written_bytes += row.get::<_, i64>(2).map_err(e)? as u64;
                }
                ExportStatus::Quarantined => out.quarantined += n,
                ExportStatus::Failed => out.failed += n,
            }
        }
        let mut stmt = conn
            .prepare(
                "SELECT status, coalesce(reason, ''), count(*) FROM exports
                 WHERE root = ?1 AND status != 'written'
                 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?2",
            )
            .map_err(e)?;
        out.reasons = stmt
            .query_map(rusqlite::params![root, max_reasons as i64], |r| {
                Ok(ReasonCount {
                    status: export_status(&r.get::<_, String>(0)?),
                    reason: r.get(1)?,
                    instances: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;
        out.distinct_reasons = conn
            .query_row(
                "SELECT count(*) FROM (SELECT 1 FROM exports
                 WHERE root = ?1 AND status != 'written' GROUP BY status, reason)",
                [root],
                |r| r.get::<_, i64>(0),
            )
            .map_err(e)? as u64;
        let mut stmt = conn
            .prepare(
                "SELECT coalesce(key_fingerprint, ''), count(*) FROM exports
                 WHERE root = ?1 GROUP BY 1",
            )
            .map_err(e)?;
        out.key_fingerprints = stmt
            .query_map([root], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;
        Ok(out)
    }

    /// Files not indexed, grouped by state and reason, most frequent first
    /// (no paths): at most `limit` groups.
    pub fn ingest_problems(&self, limit: usize) -> Result<Vec<ProblemCount>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT state, coalesce(reason, ''), count(*) FROM files
                 WHERE state != 'indexed' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?1",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                let state: String = r.get(0)?;
                Ok(ProblemCount {
                    state: if state == "skipped" {
                        FileState::Skipped
                    } else {
                        FileState::Failed
                    },
                    reason: r.get(1)?,
                    files: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// Instances grouped by machine (manufacturer and model; the serial
    /// number is an identifier and is left out), modality,
    /// BurnedInAnnotation and the redaction the last `redact` recorded.
    pub fn redaction_coverage(&self) -> Result<Vec<CoverageRow>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT e.manufacturer, e.model, coalesce(i.modality, ''),
                        nullif(upper(trim(coalesce(i.burned_in_annotation, ''))), ''),
                        r.rule, coalesce(r.regions != '[]', 0), count(*)
                 FROM instances i
                 JOIN series s ON s.id = i.series
                 JOIN equipment e ON e.id = s.equipment
                 LEFT JOIN redactions r ON r.instance = i.id
                 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(CoverageRow {
                    manufacturer: r.get(0)?,
                    model: r.get(1)?,
                    modality: r.get(2)?,
                    burned_in_annotation: r.get(3)?,
                    rule: r.get(4)?,
                    blanks: r.get::<_, i64>(5)? != 0,
                    instances: r.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }
}

/// The status stored as `name` (the schema admits only the three names).
fn export_status(name: &str) -> ExportStatus {
    match name {
        "written" => ExportStatus::Written,
        "quarantined" => ExportStatus::Quarantined,
        _ => ExportStatus::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_session_has_nothing_to_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path().join("s.db")).expect("open");
        assert!(store.audit_events().expect("events").is_empty());
        assert_eq!(store.latest_export_root().expect("root"), None);
        assert_eq!(
            store.export_outcomes("/out", 10).expect("outcomes"),
            ExportOutcomes::default()
        );
        assert!(store.ingest_problems(10).expect("problems").is_empty());
        assert!(store.redaction_coverage().expect("coverage").is_empty());
    }

    #[test]
    fn events_come_back_in_order_with_their_details() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("s.db")).expect("open");
        store
            .append_event("ingest", &serde_json::json!({"indexed": 3}))
            .expect("append");
        store
            .append_event("export", &serde_json::json!({"written": 2, "root": "/out"}))
            .expect("append");
        let events = store.audit_events().expect("events");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event, "ingest");
        assert_eq!(events[1].details["root"], "/out");
        assert!(events[0].id < events[1].id);
        assert_eq!(events[1].hash.len(), 64);
    }

    #[test]
    fn export_outcomes_group_reasons_and_fingerprints() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("s.db")).expect("open");
        store
            .conn_mut()
            .execute_batch("PRAGMA foreign_keys = OFF;")
            .expect("pragma");
        let record = |id: i64, root: &str, status, reason: Option<&str>| crate::ExportRecord {
            instance: gantry_model::InstanceId(id),
            root: root.into(),
            path: (status == ExportStatus::Written).then(|| format!("{id}.dcm")),
            status,
            reason: reason.map(String::from),
            size: (status == ExportStatus::Written).then_some(100),
            checksum: None,
            sop_instance_uid: None,
            study_instance_uid: None,
            series_instance_uid: None,
            patient_id: None,
            key_fingerprint: Some("fp".into()),
        };
        store
            .record_exports(&[
                record(1, "/out", ExportStatus::Written, None),
                record(2, "/out", ExportStatus::Written, None),
                record(3, "/out", ExportStatus::Quarantined, Some("a")),
                record(4, "/out", ExportStatus::Quarantined, Some("a")),
                record(5, "/out", ExportStatus::Failed, Some("b")),
                record(6, "/other", ExportStatus::Written, None),
            ])
            .expect("record");
        let out = store.export_outcomes("/out", 10).expect("outcomes");
        assert_eq!(
            (out.written, out.quarantined, out.failed, out.written_bytes),
            (2, 2, 1, 200)
        );
        assert_eq!(
            out.reasons,
            [
                ReasonCount {
                    status: ExportStatus::Quarantined,
                    reason: "a".into(),
                    instances: 2
                },
                ReasonCount {
                    status: ExportStatus::Failed,
                    reason: "b".into(),
                    instances: 1
                },
            ]
        );
        assert_eq!(out.distinct_reasons, 2);
        let top = store.export_outcomes("/out", 1).expect("outcomes");
        assert_eq!((top.reasons.len(), top.distinct_reasons), (1, 2));
        assert_eq!(top.reasons[0].reason, "a");
        assert_eq!(out.key_fingerprints["fp"], 5);
        assert_eq!(
            store.latest_export_root().expect("root").as_deref(),
            Some("/other")
        );
    }
}
