//! Read-only summaries of a session: the inventory `gantry examine` prints.
//!
//! Everything here is aggregated in SQL; no header is decoded. The shape
//! follows SPEC §12.1 (`files`, `patients`, …, `failures`), and holds no
//! element value that could identify a person — only counts, equipment
//! names, transfer syntax UIDs and source paths.

use std::collections::BTreeMap;

use crate::{Result, Store};

/// Number of files per state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    /// Files indexed as instances.
    pub indexed: u64,
    /// Files skipped with a reason.
    pub skipped: u64,
    /// Files that failed with a reason.
    pub failed: u64,
}

/// One row of the equipment inventory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EquipmentCount {
    /// Manufacturer (0008,0070), empty when absent.
    pub manufacturer: String,
    /// ManufacturerModelName (0008,1090), empty when absent.
    pub model: String,
    /// DeviceSerialNumber (0018,1000), empty when absent.
    pub serial: String,
    /// Instances acquired on it.
    pub instances: u64,
}

/// A file that was skipped or failed, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileProblem {
    /// Source path.
    pub path: String,
    /// `skipped` or `failed`.
    pub state: crate::FileState,
    /// The reason recorded at ingest.
    pub reason: String,
}

/// Files that share one SOPInstanceUID (SPEC §2: reported, never merged).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DuplicateGroup {
    /// The files, in path order. The UID itself is not shown: original
    /// UIDs are identifying.
    pub paths: Vec<String>,
}

/// The inventory of a session (SPEC §12.1 `examine`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Inventory {
    /// Files per state.
    pub files: FileCounts,
    /// Distinct patients (unknown patients count once per study).
    pub patients: u64,
    /// Distinct studies.
    pub studies: u64,
    /// Distinct series.
    pub series: u64,
    /// Indexed instances.
    pub instances: u64,
    /// Instances per equipment.
    pub equipment: Vec<EquipmentCount>,
    /// Instances per transfer syntax UID.
    pub transfer_syntaxes: BTreeMap<String, u64>,
    /// Instances per modality (`""` when absent).
    pub modalities: BTreeMap<String, u64>,
    /// Instances whose BurnedInAnnotation (0028,0301) is YES.
    pub burned_in_annotation_yes: u64,
    /// Every skipped or failed file with its reason.
    pub failures: Vec<FileProblem>,
    /// Groups of files sharing a SOPInstanceUID.
    pub duplicate_sop_instance_uids: Vec<DuplicateGroup>,
}

impl Store {
    /// Run a `SELECT key, count(*) … GROUP BY` query into a map.
    pub(crate) fn counts(&self, sql: &str) -> Result<BTreeMap<String, u64>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self.conn().prepare(sql).map_err(e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// Summarise the session.
    pub fn inventory(&self) -> Result<Inventory> {
        let conn = self.conn();
        let e = |err| self.sql_error(err);
        let count = |sql: &str| -> Result<u64> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(e)
        };
        let mut inv = Inventory {
            files: FileCounts {
                indexed: count("SELECT count(*) FROM files WHERE state = 'indexed'")?,
                skipped: count("SELECT count(*) FROM files WHERE state = 'skipped'")?,
                failed: count("SELECT count(*) FROM files WHERE state = 'failed'")?,
            },
            patients: count("SELECT count(*) FROM patients")?,
            studies: count("SELECT count(*) FROM studies")?,
            series: count("SELECT count(*) FROM series")?,
            instances: count("SELECT count(*) FROM instances")?,
            burned_in_annotation_yes: count(
                "SELECT count(*) FROM instances WHERE burned_in_annotation = 'YES'",
            )?,
            ..Inventory::default()
        };

        let mut stmt = conn
            .prepare(
                "SELECT e.manufacturer, e.model, e.serial, count(i.id)
                 FROM equipment e JOIN series s ON s.equipment = e.id
                 JOIN instances i ON i.series = s.id
                 GROUP BY e.id ORDER BY e.manufacturer, e.model, e.serial",
            )
            .map_err(e)?;
        inv.equipment = stmt
            .query_map([], |r| {
                Ok(EquipmentCount {
                    manufacturer: r.get(0)?,
                    model: r.get(1)?,
                    serial: r.get(2)?,
                    instances: r.get::<_, i64>(3)? as u64,
                })
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;

        inv.transfer_syntaxes =
            self.counts("SELECT transfer_syntax, count(*) FROM instances GROUP BY 1")?;
        inv.modalities =
            self.counts("SELECT coalesce(modality, ''), count(*) FROM instances GROUP BY 1")?;

        let mut stmt = conn
            .prepare("SELECT path, state, reason FROM files WHERE state != 'indexed' ORDER BY path")
            .map_err(e)?;
        inv.failures = stmt
            .query_map([], |r| {
                let state: String = r.get(1)?;
                Ok(FileProblem {
                    path: r.get(0)?,
                    state: if state == "skipped" {
                        crate::FileState::Skipped
                    } else {
                        crate::FileState::Failed
                    },
                    reason: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                })
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;

        let mut stmt = conn
            .prepare(
                "SELECT i.sop_instance_uid, f.path FROM instances i JOIN files f ON f.id = i.file
                 WHERE i.sop_instance_uid IN (
                     SELECT sop_instance_uid FROM instances WHERE sop_instance_uid IS NOT NULL
                     GROUP BY sop_instance_uid HAVING count(*) > 1)
                 ORDER BY i.sop_instance_uid, f.path",
            )
            .map_err(e)?;
        let mut rows = stmt.query([]).map_err(e)?;
        let mut current: Option<String> = None;
        while let Some(row) = rows.next().map_err(e)? {
            let uid: String = row.get(0).map_err(e)?;
            let path: String = row.get(1).map_err(e)?;
            if current.as_deref() != Some(&uid) {
                inv.duplicate_sop_instance_uids
                    .push(DuplicateGroup { paths: Vec::new() });
                current = Some(uid);
            }
            if let Some(group) = inv.duplicate_sop_instance_uids.last_mut() {
                group.paths.push(path);
            }
        }
        Ok(inv)
    }
}
