//! The export manifest: `manifest.csv` and `manifest.json` at the export
//! root, listing every written file (path, de-identified UIDs, size,
//! SHA-256) and every quarantined or failed instance with its reason.
//! De-identified values only: no source path, no original value.

use std::io::Write;
use std::path::Path;

use gantry_store::Store;

use crate::{Error, Result};

pub(crate) fn write(store: &Store, root_path: &Path, root: &str) -> Result<()> {
    let records: Vec<_> = store
        .exports_under(root)?
        .into_iter()
        .map(|(_, record)| record)
        .collect();
    let json = serde_json::to_vec_pretty(&serde_json::json!({ "files": records }))
        .map_err(|e| Error::Usage(e.to_string()))?;
    atomic_write(&root_path.join("manifest.json"), &json)?;

    let mut csv = Vec::new();
    let _ = writeln!(
        csv,
        "path,status,reason,size,sha256,patient_id,study_instance_uid,series_instance_uid,sop_instance_uid"
    );
    for r in &records {
        let field = |v: Option<&str>| csv_field(v.unwrap_or_default());
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            field(r.path.as_deref()),
            match r.status {
                gantry_store::ExportStatus::Written => "written",
                gantry_store::ExportStatus::Quarantined => "quarantined",
                gantry_store::ExportStatus::Failed => "failed",
            },
            field(r.reason.as_deref()),
            r.size.map(|s| s.to_string()).unwrap_or_default(),
            field(r.sha256.as_deref()),
            field(r.patient_id.as_deref()),
            field(r.study_instance_uid.as_deref()),
            field(r.series_instance_uid.as_deref()),
            field(r.sop_instance_uid.as_deref()),
        );
    }
    atomic_write(&root_path.join("manifest.csv"), &csv)
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Write `bytes` to `path` through a temporary file and a rename.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = path.with_extension("gantry-tmp");
    let io = |source| Error::Input {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&temp, bytes).map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)
}
