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
    // Serialized straight into the file: a `serde_json::Value` of 100,000
    // records took ~250 MB.
    #[derive(serde::Serialize)]
    struct Manifest<'a> {
        files: &'a [gantry_store::ExportRecord],
    }
    atomic_write_with(&root_path.join("manifest.json"), |out| {
        serde_json::to_writer_pretty(&mut *out, &Manifest { files: &records })
            .map_err(std::io::Error::other)
    })?;

    atomic_write_with(&root_path.join("manifest.csv"), |csv| {
        writeln!(
            csv,
            "path,status,reason,size,sha256,patient_id,study_instance_uid,series_instance_uid,sop_instance_uid"
        )?;
        for r in &records {
            let field = |v: Option<&str>| csv_field(v.unwrap_or_default());
            writeln!(
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
            )?;
        }
        Ok(())
    })
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Write what `fill` writes to `path` through a buffered temporary file
/// and a rename.
fn atomic_write_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let temp = path.with_extension("gantry-tmp");
    let io = |source| Error::Input {
        path: path.to_path_buf(),
        source,
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&temp).map_err(io)?);
    fill(&mut out).and_then(|()| out.flush()).map_err(io)?;
    drop(out);
    std::fs::rename(&temp, path).map_err(io)
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
