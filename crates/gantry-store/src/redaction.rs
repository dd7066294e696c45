//! Recorded pixel redactions: which rule blanks which regions of which
//! frames of an instance (SPEC §7). `redact` replaces them all; export
//! reads them page by page.

use std::collections::HashMap;

use gantry_model::InstanceId;
use rusqlite::params;

use crate::{Result, Store};

/// The redaction decided for one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactionRow {
    /// The instance.
    pub instance: InstanceId,
    /// Where the rule came from: a config machine or a knowledge-base line.
    pub rule: String,
    /// Regions resolved against the image, end-exclusive:
    /// `[row_start, row_end, col_start, col_end]`.
    pub regions: Vec<[u32; 4]>,
    /// 0-based frames the regions apply to; `None` = every frame.
    pub frames: Option<Vec<u32>>,
    /// Configured regions that fell entirely outside the image.
    pub outside: u32,
}

impl RedactionRow {
    /// Whether the recorded rule covers the image's burned-in text: it has
    /// regions on the image, or it has none at all (a machine known to be
    /// clean). A rule whose every region missed the image covers nothing.
    pub fn covers_image(&self) -> bool {
        !self.regions.is_empty() || self.outside == 0
    }
}

/// Counts over the recorded redactions, by rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactionSummary {
    /// Instances with a recorded redaction.
    pub instances: u64,
    /// Instances per rule.
    pub by_rule: std::collections::BTreeMap<String, u64>,
}

impl Store {
    /// Replace every recorded redaction with `rows`, in one transaction.
    pub fn replace_redactions(&mut self, rows: &[RedactionRow]) -> Result<()> {
        let path = self.path().to_path_buf();
        let sql = |source| crate::Error::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn_mut().transaction().map_err(sql)?;
        tx.execute("DELETE FROM redactions", []).map_err(sql)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO redactions (instance, rule, regions, frames, outside)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for row in rows {
                let regions = serde_json::to_string(&row.regions).unwrap_or_default();
                let frames = row
                    .frames
                    .as_ref()
                    .map(|f| serde_json::to_string(f).unwrap_or_default());
                insert
                    .execute(params![
                        row.instance.0,
                        row.rule,
                        regions,
                        frames,
                        row.outside
                    ])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The recorded redactions of `instances` (those that have one).
    pub fn redactions_for(
        &self,
        instances: &[InstanceId],
    ) -> Result<HashMap<InstanceId, RedactionRow>> {
        let e = |err| self.sql_error(err);
        let mut out = HashMap::new();
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT rule, regions, frames, outside FROM redactions WHERE instance = ?1",
            )
            .map_err(e)?;
        for &instance in instances {
            let mut rows = stmt.query([instance.0]).map_err(e)?;
            if let Some(row) = rows.next().map_err(e)? {
                let rule: String = row.get(0).map_err(e)?;
                let regions: String = row.get(1).map_err(e)?;
                let frames: Option<String> = row.get(2).map_err(e)?;
                let outside: u32 = row.get(3).map_err(e)?;
                let damaged = |what: &'static str| crate::Error::CorruptRow {
                    path: self.path().to_path_buf(),
                    what,
                    row: instance.0,
                };
                let regions =
                    serde_json::from_str(&regions).map_err(|_| damaged("redactions.regions"))?;
                let frames = frames
                    .map(|f| serde_json::from_str(&f))
                    .transpose()
                    .map_err(|_| damaged("redactions.frames"))?;
                out.insert(
                    instance,
                    RedactionRow {
                        instance,
                        rule,
                        regions,
                        frames,
                        outside,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Counts of recorded redactions per rule.
    pub fn redaction_summary(&self) -> Result<RedactionSummary> {
        let e = |err| self.sql_error(err);
        let mut summary = RedactionSummary::default();
        let mut stmt = self
            .conn()
            .prepare("SELECT rule, count(*) FROM redactions GROUP BY rule ORDER BY rule")
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(e)?;
        for row in rows {
            let (rule, n) = row.map_err(e)?;
            summary.instances += n as u64;
            summary.by_rule.insert(rule, n as u64);
        }
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_then_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("s.db")).expect("open");
        // Redactions reference instances; foreign keys are enforced only
        // when the instance table has the row, so insert a bare one.
        store
            .conn_mut()
            .execute_batch("PRAGMA foreign_keys = OFF;")
            .expect("pragma");
        let row = RedactionRow {
            instance: InstanceId(7),
            rule: "CTP DicomPixelAnonymizer.script line 40".into(),
            regions: vec![[0, 40, 0, 640]],
            frames: None,
            outside: 1,
        };
        store
            .replace_redactions(std::slice::from_ref(&row))
            .expect("write");
        let read = store
            .redactions_for(&[InstanceId(7), InstanceId(8)])
            .expect("read");
        assert_eq!(read.len(), 1);
        assert_eq!(read[&InstanceId(7)], row);
        let summary = store.redaction_summary().expect("summary");
        assert_eq!(summary.instances, 1);
        store.replace_redactions(&[]).expect("clear");
        assert!(
            store
                .redactions_for(&[InstanceId(7)])
                .expect("read")
                .is_empty()
        );
    }
}
