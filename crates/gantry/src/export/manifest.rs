//! The export manifest: `manifest.csv` and `manifest.json` at the export
//! root, listing every written file (path, de-identified UIDs, size,
//! checksum as `algorithm:hex`) and every quarantined or failed instance with its reason.
//! De-identified values only: no source path, no original value.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use gantry_store::Store;

use crate::{Error, Result};

pub(crate) fn write(store: &Store, root_path: &Path, root: &str) -> Result<()> {
    // Both files are streamed from the session, record by record: memory
    // does not grow with the export (a `serde_json::Value` of 100,000
    // records took ~250 MB, a Vec of them ~80 MB).
    #[derive(serde::Serialize)]
    struct Manifest<'a> {
        files: Files<'a>,
    }
    let store_error = RefCell::new(None);
    atomic_write_with(&root_path.join("manifest.json"), |out| {
        let manifest = Manifest {
            files: Files {
                store,
                root,
                store_error: &store_error,
            },
        };
        serde_json::to_writer_pretty(&mut *out, &manifest).map_err(std::io::Error::other)
    })
    .map_err(|e| store_error.borrow_mut().take().unwrap_or(e))?;

    atomic_write_with(&root_path.join("manifest.csv"), |csv| {
        writeln!(
            csv,
            "path,status,reason,size,checksum,patient_id,study_instance_uid,series_instance_uid,sop_instance_uid"
        )?;
        let rows = store.for_each_export_under(root, |r| {
            let field = |v: Option<&str>| csv_field(v.unwrap_or_default());
            writeln!(
                csv,
                "{},{},{},{},{},{},{},{},{}",
                field(r.path.as_deref()),
                r.status.as_str(),
                field(r.reason.as_deref()),
                r.size.map(|s| s.to_string()).unwrap_or_default(),
                field(r.checksum.as_deref()),
                field(r.patient_id.as_deref()),
                field(r.study_instance_uid.as_deref()),
                field(r.series_instance_uid.as_deref()),
                field(r.sop_instance_uid.as_deref()),
            )
        });
        rows.unwrap_or_else(|e| {
            let message = e.to_string();
            *store_error.borrow_mut() = Some(e.into());
            Err(std::io::Error::other(message))
        })
    })
    .map_err(|e| store_error.borrow_mut().take().unwrap_or(e))
}

/// The export records of a root as a JSON array, read from the session
/// while serializing. A session error is kept in `store_error` (serde
/// only carries a message).
struct Files<'a> {
    store: &'a Store,
    root: &'a str,
    store_error: &'a RefCell<Option<Error>>,
}

impl serde::Serialize for Files<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = serializer.serialize_seq(None)?;
        match self
            .store
            .for_each_export_under(self.root, |record| seq.serialize_element(&record))
        {
            Ok(Ok(())) => seq.end(),
            Ok(Err(e)) => Err(e),
            Err(e) => {
                let message = e.to_string();
                *self.store_error.borrow_mut() = Some(e.into());
                Err(S::Error::custom(message))
            }
        }
    }
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
