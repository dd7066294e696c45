//! The session database schema and its migrations.
//!
//! The schema is versioned with SQLite's `user_version`. Each entry of
//! [`MIGRATIONS`] moves the database from version `i` to `i + 1` and runs
//! in one transaction together with the version bump, so a session is
//! always at exactly one known version. A session written by a newer
//! Gantry (higher version than we know) is refused rather than guessed at.

use rusqlite::Connection;

/// Migration `i` takes the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// The newest schema version this build writes.
pub(crate) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: the indexed graph and the source files.
const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Every file ingest has seen, in exactly one state.
CREATE TABLE files (
    id       INTEGER PRIMARY KEY,
    path     TEXT NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    state    TEXT NOT NULL CHECK (state IN ('indexed', 'skipped', 'failed')),
    reason   TEXT,
    CHECK ((state = 'indexed') = (reason IS NULL))
) STRICT;

CREATE TABLE equipment (
    id           INTEGER PRIMARY KEY,
    manufacturer TEXT NOT NULL,
    model        TEXT NOT NULL,
    serial       TEXT NOT NULL,
    UNIQUE (manufacturer, model, serial)
) STRICT;

-- `key` is the canonical form of the typed key (gantry_model::PatientKey etc.).
CREATE TABLE patients (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    patient_id    TEXT,
    issuer        TEXT,
    patient_name  TEXT,
    birth_date    TEXT
) STRICT;

CREATE TABLE studies (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    patient          INTEGER NOT NULL REFERENCES patients (id),
    study_uid        TEXT,
    study_date       TEXT,
    accession_number TEXT,
    description      TEXT
) STRICT;

CREATE TABLE series (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    study         INTEGER NOT NULL REFERENCES studies (id),
    series_uid    TEXT,
    modality      TEXT,
    series_number TEXT,
    description   TEXT,
    equipment     INTEGER NOT NULL REFERENCES equipment (id)
) STRICT;

CREATE TABLE instances (
    id                   INTEGER PRIMARY KEY,
    file                 INTEGER NOT NULL UNIQUE REFERENCES files (id),
    series               INTEGER NOT NULL REFERENCES series (id),
    sop_instance_uid     TEXT,
    sop_class_uid        TEXT,
    transfer_syntax      TEXT NOT NULL,
    instance_number      TEXT,
    modality             TEXT,
    specific_charset     TEXT,
    image_type           TEXT,
    software_versions    TEXT,
    station_name         TEXT,
    institution_name     TEXT,
    rows                 INTEGER,
    columns              INTEGER,
    frames               INTEGER,
    samples_per_pixel    INTEGER,
    bits_allocated       INTEGER,
    bits_stored          INTEGER,
    pixel_representation INTEGER,
    planar_configuration INTEGER,
    photometric          TEXT,
    burned_in_annotation TEXT,
    -- pixel reference: NULL location = no Pixel Data
    pixel_location       TEXT CHECK (pixel_location IN ('source', 'sidecar')),
    pixel_offset         INTEGER,
    pixel_length         INTEGER,
    pixel_vr             TEXT,
    pixel_frames         INTEGER,
    pixel_fragments      BLOB
) STRICT;

-- The lossless header: encoded bytes + the transfer syntax they are in.
-- Kept apart from `instances` so that queries over indexed attributes
-- never page through header blobs.
CREATE TABLE headers (
    instance        INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    transfer_syntax TEXT NOT NULL,
    bytes           BLOB NOT NULL
) STRICT;

CREATE INDEX instances_sop_instance_uid ON instances (sop_instance_uid);
CREATE INDEX instances_series ON instances (series);
-- The inventory's GROUP BYs read these indexes, not the table.
CREATE INDEX instances_transfer_syntax ON instances (transfer_syntax);
CREATE INDEX instances_modality ON instances (modality);
CREATE INDEX instances_burned_in ON instances (burned_in_annotation);
CREATE INDEX studies_patient ON studies (patient);
CREATE INDEX series_study ON series (study);
CREATE INDEX files_state ON files (state);
"#;

/// Version 2: de-identification state — the session's own key, audit
/// findings, exports, the audit log and the configs in force.
const V2: &str = r#"
-- Secrets the session keeps for itself (the random key drawn when no
-- project key is given). Never logged, never exported.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Findings of the last audit, per instance. Previews are masked.
CREATE TABLE findings (
    id       INTEGER PRIMARY KEY,
    instance INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    tag      TEXT NOT NULL,
    rule     TEXT NOT NULL,
    action   TEXT NOT NULL,
    preview  TEXT NOT NULL
) STRICT;
CREATE INDEX findings_instance ON findings (instance);

-- One row per instance and export root: what was written where.
CREATE TABLE exports (
    instance   INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    root       TEXT NOT NULL,
    path       TEXT,
    status     TEXT NOT NULL CHECK (status IN ('written', 'quarantined', 'failed')),
    reason     TEXT,
    size       INTEGER,
    sha256     TEXT,
    sop_instance_uid    TEXT,
    study_instance_uid  TEXT,
    series_instance_uid TEXT,
    patient_id          TEXT,
    key_fingerprint     TEXT,
    PRIMARY KEY (instance, root)
) STRICT;

-- Append-only audit log; each row's hash covers the previous row's hash.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    event     TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

-- Configs in force, by hash.
CREATE TABLE configs (
    hash TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    at   TEXT NOT NULL
) STRICT;
"#;

/// Version 3: pixel redaction — per instance, the rule that matched and
/// the regions it blanks (SPEC §7 "recorded").
const V3: &str = r#"
-- The redaction decided for an instance by the last `redact`: the rule's
-- origin (config machine or knowledge-base line), the regions as resolved
-- against the image (JSON [[row_start, row_end, col_start, col_end], ...]),
-- the frames they apply to (JSON null = every frame, else 0-based list),
-- and how many configured regions fell entirely outside the image.
CREATE TABLE redactions (
    instance INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    rule     TEXT NOT NULL,
    regions  TEXT NOT NULL,
    frames   TEXT,
    outside  INTEGER NOT NULL DEFAULT 0
) STRICT;
"#;

/// Version 4: findings stored one compressed row per instance (see
/// `findings.rs`). The findings of an earlier audit are dropped: they are
/// what the last `audit` computed, and the next `audit` writes them again.
const V4: &str = r#"
DROP INDEX findings_instance;
DROP TABLE findings;
CREATE TABLE findings (
    instance INTEGER PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    count    INTEGER NOT NULL CHECK (count > 0),
    rows     BLOB NOT NULL
) STRICT;
"#;

/// Version 5: export records looked up by output path, so that export
/// claims paths page by page from the session instead of holding every
/// path of the root in memory.
const V5: &str = r#"
CREATE INDEX exports_root_path ON exports (root, path);
"#;

/// Version 6: the checksum of a written file names its algorithm
/// (`blake3:…` by default, `sha256:…` on request); earlier rows were
/// SHA-256 hex.
const V6: &str = r#"
ALTER TABLE exports RENAME COLUMN sha256 TO checksum;
UPDATE exports SET checksum = 'sha256:' || checksum WHERE checksum IS NOT NULL;
"#;

/// Bring `conn` to [`CURRENT_VERSION`]. Returns the version found before.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<i64, i64>> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > CURRENT_VERSION {
        return Ok(Err(found));
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
        tx.commit()?;
    }
    Ok(Ok(found))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    #[test]
    fn version_6_names_the_algorithm_of_earlier_sha256_checksums() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        for sql in &MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        conn.execute_batch(
            "INSERT INTO exports (instance, root, path, status, size, sha256)
                 VALUES (1, '/out', 'a.dcm', 'written', 10, 'ab12'),
                        (2, '/out', NULL, 'failed', NULL, NULL);",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Ok(5));
        let rows: Vec<Option<String>> = conn
            .prepare("SELECT checksum FROM exports ORDER BY instance")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, vec![Some("sha256:ab12".to_owned()), None]);
    }
}
