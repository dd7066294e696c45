//! Walking the inputs of ingest.
//!
//! Inputs may be files or directories. Directories are walked recursively
//! in file-name order (so runs are reproducible), following symbolic links
//! but never a loop. Hidden files are reported as skipped; hidden
//! directories are reported once and not descended. Entries the walk can
//! not read are reported as failed. Paths are made absolute so the
//! session's incremental check does not depend on the working directory.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use gantry_store::FileStat;

use crate::{Error, Result};

/// One entry the walk produced.
#[derive(Debug)]
pub(crate) enum WalkEntry {
    /// A regular file to look at.
    File(FileStat),
    /// An entry not looked at, with the reason.
    Skipped { stat: FileStat, reason: String },
    /// An entry that could not be read, with the reason.
    Failed { stat: FileStat, reason: String },
}

impl WalkEntry {
    pub(crate) fn stat(&self) -> &FileStat {
        match self {
            WalkEntry::File(stat)
            | WalkEntry::Skipped { stat, .. }
            | WalkEntry::Failed { stat, .. } => stat,
        }
    }
}

/// Iterator over every entry under the inputs.
pub(crate) struct Walk {
    roots: std::vec::IntoIter<PathBuf>,
    current: Option<walkdir::IntoIter>,
}

impl Walk {
    /// Check that every input exists, then prepare the walk.
    pub(crate) fn new(inputs: &[PathBuf]) -> Result<Walk> {
        let mut roots = Vec::with_capacity(inputs.len());
        for input in inputs {
            let absolute = std::path::absolute(input).map_err(|source| Error::Input {
                path: input.clone(),
                source,
            })?;
            std::fs::metadata(&absolute).map_err(|source| Error::Input {
                path: input.clone(),
                source,
            })?;
            roots.push(absolute);
        }
        Ok(Walk {
            roots: roots.into_iter(),
            current: None,
        })
    }
}

impl Iterator for Walk {
    type Item = WalkEntry;

    fn next(&mut self) -> Option<WalkEntry> {
        loop {
            if self.current.is_none() {
                let root = self.roots.next()?;
                self.current = Some(
                    walkdir::WalkDir::new(root)
                        .follow_links(true)
                        .sort_by_file_name()
                        .into_iter(),
                );
            }
            let walker = self.current.as_mut()?;
            let Some(entry) = walker.next() else {
                self.current = None;
                continue;
            };
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error.path().map(Path::to_path_buf).unwrap_or_default();
                    let reason = match (error.loop_ancestor(), error.io_error()) {
                        (Some(_), _) => "symbolic link loop (not followed)".to_string(),
                        (None, Some(io)) => format!("cannot read: {io}"),
                        (None, None) => "cannot read".to_string(),
                    };
                    let stat = unknown_stat(&path);
                    return Some(if error.loop_ancestor().is_some() {
                        WalkEntry::Skipped { stat, reason }
                    } else {
                        WalkEntry::Failed { stat, reason }
                    });
                }
            };
            let hidden = entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.');
            let is_dir = entry.file_type().is_dir();
            if is_dir {
                if hidden {
                    walker.skip_current_dir();
                    return Some(WalkEntry::Skipped {
                        stat: unknown_stat(entry.path()),
                        reason: "hidden directory (not descended)".into(),
                    });
                }
                continue;
            }
            let stat = match entry.metadata() {
                Ok(meta) => FileStat {
                    path: entry.path().to_string_lossy().into_owned(),
                    size: meta.len(),
                    mtime_ns: meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos() as i64),
                },
                Err(error) => {
                    return Some(WalkEntry::Failed {
                        stat: unknown_stat(entry.path()),
                        reason: format!("cannot read metadata: {error}"),
                    });
                }
            };
            if hidden {
                return Some(WalkEntry::Skipped {
                    stat,
                    reason: "hidden file".into(),
                });
            }
            if !entry.file_type().is_file() {
                return Some(WalkEntry::Skipped {
                    stat,
                    reason: "not a regular file".into(),
                });
            }
            return Some(WalkEntry::File(stat));
        }
    }
}

fn unknown_stat(path: &Path) -> FileStat {
    FileStat {
        path: path.to_string_lossy().into_owned(),
        size: 0,
        mtime_ns: 0,
    }
}
