//! Audit findings in the session: one row per instance holding all of its
//! findings, zlib-compressed (schema v4).
//!
//! A CT instance has about 140 findings whose rule, action and tag repeat
//! from instance to instance. One SQLite row per finding cost an insert
//! and index update each (≈ 0.4–0.7 M findings/s, and ≈ 60 bytes of page
//! space per finding); one compressed row per instance costs one insert
//! per instance and a few bytes per finding. Findings are only ever
//! replaced per instance and read back as counts, so nothing needs them
//! as separate rows.
//!
//! Row format (inside zlib): per finding, five fields — path, tag, rule,
//! action, preview — each a little-endian `u32` byte length and UTF-8
//! bytes. A row that does not decode is reported as a corrupt row, never
//! guessed at.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use gantry_model::InstanceId;
use rusqlite::params;

use crate::deid::{FindingRow, FindingsSummary};
use crate::{Result, Store};

/// Largest decoded row accepted (a guard against a damaged length).
const MAX_ROW: u64 = 64 * 1024 * 1024;

impl Store {
    /// Replace the stored findings of these instances (one transaction).
    pub fn replace_findings(&mut self, batch: &[(InstanceId, Vec<FindingRow>)]) -> Result<()> {
        let path = self.path().to_path_buf();
        let sql = |source| crate::Error::Sqlite {
            path: path.clone(),
            source,
        };
        let mut encoder = RowEncoder::new();
        let encoded: Vec<(InstanceId, usize, Vec<u8>)> = batch
            .iter()
            .filter(|(_, findings)| !findings.is_empty())
            .map(|(instance, findings)| (*instance, findings.len(), encoder.encode(findings)))
            .collect();
        let tx = self.conn_mut().transaction().map_err(sql)?;
        {
            let mut delete = tx
                .prepare_cached("DELETE FROM findings WHERE instance = ?1")
                .map_err(sql)?;
            for (instance, findings) in batch {
                if findings.is_empty() {
                    delete.execute([instance.0]).map_err(sql)?;
                }
            }
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO findings (instance, count, rows) VALUES (?1, ?2, ?3)
                     ON CONFLICT (instance) DO UPDATE SET count = excluded.count, rows = excluded.rows",
                )
                .map_err(sql)?;
            for (instance, count, rows) in &encoded {
                upsert
                    .execute(params![instance.0, *count as i64, rows])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The stored findings of one instance (empty when it has none).
    pub fn findings_of(&self, instance: InstanceId) -> Result<Vec<FindingRow>> {
        let e = |err| self.sql_error(err);
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT rows FROM findings WHERE instance = ?1")
            .map_err(e)?;
        let mut rows = stmt.query([instance.0]).map_err(e)?;
        match rows.next().map_err(e)? {
            None => Ok(Vec::new()),
            Some(row) => {
                let bytes: Vec<u8> = row.get(0).map_err(e)?;
                decode(&bytes).ok_or_else(|| self.corrupt(instance.0))
            }
        }
    }

    /// Counts over the stored findings.
    pub fn findings_summary(&self) -> Result<FindingsSummary> {
        let e = |err| self.sql_error(err);
        let mut summary = FindingsSummary::default();
        let mut stmt = self
            .conn()
            .prepare("SELECT instance, count, rows FROM findings")
            .map_err(e)?;
        let mut rows = stmt.query([]).map_err(e)?;
        while let Some(row) = rows.next().map_err(e)? {
            let instance: i64 = row.get(0).map_err(e)?;
            let count: i64 = row.get(1).map_err(e)?;
            let bytes: Vec<u8> = row.get(2).map_err(e)?;
            let findings = decode(&bytes).ok_or_else(|| self.corrupt(instance))?;
            if findings.len() as i64 != count {
                return Err(self.corrupt(instance));
            }
            summary.findings += findings.len() as u64;
            summary.instances_with_findings += 1;
            for f in findings {
                *summary.by_rule.entry(f.rule).or_default() += 1;
                *summary.by_tag.entry(f.tag).or_default() += 1;
            }
        }
        Ok(summary)
    }

    fn corrupt(&self, row: i64) -> crate::Error {
        crate::Error::CorruptRow {
            path: self.path().to_path_buf(),
            what: "findings.rows",
            row,
        }
    }
}

/// The row of `findings`: fields length-prefixed, then zlib.
#[cfg(test)]
pub(crate) fn encode(findings: &[FindingRow]) -> Vec<u8> {
    RowEncoder::new().encode(findings)
}

/// Encodes rows one after another with one compressor: a fresh zlib state
/// (≈ 300 kB to allocate and zero) costs more than compressing one
/// instance's ≈ 10 kB of findings. Each row is a complete zlib stream, the
/// same bytes a fresh compressor writes.
struct RowEncoder {
    raw: Vec<u8>,
    zlib: ZlibEncoder<Vec<u8>>,
}

impl RowEncoder {
    fn new() -> Self {
        RowEncoder {
            raw: Vec::new(),
            zlib: ZlibEncoder::new(Vec::new(), Compression::fast()),
        }
    }

    fn encode(&mut self, findings: &[FindingRow]) -> Vec<u8> {
        self.raw.clear();
        for f in findings {
            for field in [&f.path, &f.tag, &f.rule, &f.action, &f.preview] {
                self.raw
                    .extend_from_slice(&(field.len() as u32).to_le_bytes());
                self.raw.extend_from_slice(field.as_bytes());
            }
        }
        // Writing into a Vec cannot fail; `reset` finishes this stream and
        // returns it, leaving the compressor ready for the next.
        let _ = self.zlib.write_all(&self.raw);
        self.zlib
            .reset(Vec::with_capacity(self.raw.len() / 4))
            .unwrap_or_default()
    }
}

/// The findings of a row, or `None` when it is not one [`encode`] wrote.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<FindingRow>> {
    let mut raw = Vec::new();
    ZlibDecoder::new(bytes)
        .take(MAX_ROW + 1)
        .read_to_end(&mut raw)
        .ok()?;
    if raw.len() as u64 > MAX_ROW {
        return None;
    }
    let mut rest = raw.as_slice();
    let mut field = || -> Option<String> {
        let (len, tail) = rest.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        let (value, tail) = (tail.get(..len)?, tail.get(len..)?);
        rest = tail;
        String::from_utf8(value.to_vec()).ok()
    };
    let mut out = Vec::new();
    while let Some(path) = field() {
        out.push(FindingRow {
            path,
            tag: field()?,
            rule: field()?,
            action: field()?,
            preview: field()?,
        });
    }
    // A clean end: every byte consumed, no partial finding.
    rest.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn finding() -> impl Strategy<Value = FindingRow> {
        (".*", ".*", ".*", ".*", ".*").prop_map(|(path, tag, rule, action, preview)| FindingRow {
            path,
            tag,
            rule,
            action,
            preview,
        })
    }

    proptest! {
        #[test]
        fn rows_round_trip(findings in prop::collection::vec(finding(), 0..20)) {
            prop_assert_eq!(decode(&encode(&findings)), Some(findings));
        }

        #[test]
        fn a_reused_encoder_writes_what_a_fresh_one_writes(
            rows in prop::collection::vec(prop::collection::vec(finding(), 0..20), 1..5),
        ) {
            let mut encoder = RowEncoder::new();
            for findings in &rows {
                let row = encoder.encode(findings);
                prop_assert_eq!(&row, &encode(findings));
                prop_assert_eq!(decode(&row), Some(findings.clone()));
            }
        }

        #[test]
        fn damaged_rows_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }
    }

    #[test]
    fn truncated_rows_are_refused() {
        let findings = vec![FindingRow {
            path: "(0010,0010)".into(),
            tag: "(0010,0010)".into(),
            rule: "basic-profile".into(),
            action: "replace".into(),
            preview: "D***".into(),
        }];
        let mut raw = Vec::new();
        ZlibDecoder::new(encode(&findings).as_slice())
            .read_to_end(&mut raw)
            .expect("inflates");
        raw.pop();
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(&raw).expect("vec");
        assert_eq!(decode(&encoder.finish().expect("vec")), None);
    }

    #[test]
    fn store_replaces_reads_and_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("s.db")).expect("open");
        store
            .conn_mut()
            .execute_batch("PRAGMA foreign_keys = OFF;")
            .expect("pragma");
        let f = |tag: &str, rule: &str| FindingRow {
            path: tag.into(),
            tag: tag.into(),
            rule: rule.into(),
            action: "remove".into(),
            preview: "x***".into(),
        };
        store
            .replace_findings(&[
                (
                    InstanceId(1),
                    vec![f("(0010,0010)", "a"), f("(0010,0020)", "a")],
                ),
                (InstanceId(2), vec![f("(0010,0010)", "b")]),
                (InstanceId(3), vec![]),
            ])
            .expect("write");
        let summary = store.findings_summary().expect("summary");
        assert_eq!((summary.findings, summary.instances_with_findings), (3, 2));
        assert_eq!(summary.by_rule["a"], 2);
        assert_eq!(summary.by_tag["(0010,0010)"], 2);
        assert_eq!(store.findings_of(InstanceId(2)).expect("read").len(), 1);
        // Re-audit: instance 1 now clean, 2 replaced.
        store
            .replace_findings(&[(InstanceId(1), vec![]), (InstanceId(2), vec![f("t", "c")])])
            .expect("write");
        let summary = store.findings_summary().expect("summary");
        assert_eq!((summary.findings, summary.instances_with_findings), (1, 1));
        assert!(store.findings_of(InstanceId(1)).expect("read").is_empty());
    }
}
