//! Walking the inputs of ingest.
//!
//! Inputs may be files or directories. Directories are walked recursively,
//! depth first, in file-name order (so runs are reproducible), following
//! symbolic links but never a loop. Hidden files are reported as skipped;
//! hidden directories are reported once and not descended. Entries the walk
//! can not read are reported as failed. Paths are made absolute so the
//! session's incremental check does not depend on the working directory.
//!
//! This is a small walker over `std::fs::read_dir` rather than `walkdir`
//! because of one cost: the incremental check needs every file's size and
//! mtime, and `walkdir` stats each entry by its full path, while
//! `std::fs::DirEntry::metadata` stats it relative to the open directory
//! (`statx(dirfd, name)`). On a re-run over an unchanged tree that stat is
//! most of the work, and the relative form skips the kernel's walk of
//! every path component.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, Metadata};
use std::os::unix::fs::MetadataExt;
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

/// A directory being walked: its remaining entries (sorted, reversed so
/// `pop` yields them in order) and its identity for loop detection.
struct Open {
    path: PathBuf,
    entries: Vec<(OsString, std::io::Result<Metadata>, bool)>,
    id: (u64, u64),
}

/// Iterator over every entry under the inputs.
pub(crate) struct Walk {
    roots: std::vec::IntoIter<PathBuf>,
    stack: Vec<Open>,
    /// (device, inode) of the directories on the stack.
    ancestors: HashSet<(u64, u64)>,
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
            fs::metadata(&absolute).map_err(|source| Error::Input {
                path: input.clone(),
                source,
            })?;
            roots.push(absolute);
        }
        Ok(Walk {
            roots: roots.into_iter(),
            stack: Vec::new(),
            ancestors: HashSet::new(),
        })
    }

    /// Enter a directory, or report why not.
    fn enter(&mut self, path: PathBuf, meta: &Metadata) -> Option<WalkEntry> {
        let id = (meta.dev(), meta.ino());
        if self.ancestors.contains(&id) {
            return Some(WalkEntry::Skipped {
                stat: unknown_stat(&path),
                reason: "symbolic link loop (not followed)".into(),
            });
        }
        let reader = match fs::read_dir(&path) {
            Ok(reader) => reader,
            Err(error) => {
                return Some(WalkEntry::Failed {
                    stat: unknown_stat(&path),
                    reason: format!("cannot read directory: {error}"),
                });
            }
        };
        let mut entries = Vec::new();
        for entry in reader {
            match entry {
                Ok(entry) => {
                    let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
                    // Relative to the open directory: no full path walk.
                    entries.push((entry.file_name(), entry.metadata(), is_link));
                }
                Err(error) => {
                    return Some(WalkEntry::Failed {
                        stat: unknown_stat(&path),
                        reason: format!("cannot list directory: {error}"),
                    });
                }
            }
        }
        entries.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        self.ancestors.insert(id);
        self.stack.push(Open { path, entries, id });
        None
    }

    /// Classify one path with its metadata (following links).
    fn visit(
        &mut self,
        path: PathBuf,
        meta: std::io::Result<Metadata>,
        top: bool,
    ) -> Option<WalkEntry> {
        let hidden = !top
            && path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let meta = match meta {
            Ok(meta) => meta,
            Err(error) => {
                return Some(WalkEntry::Failed {
                    stat: unknown_stat(&path),
                    reason: format!("cannot read metadata: {error}"),
                });
            }
        };
        if meta.is_dir() {
            if hidden {
                return Some(WalkEntry::Skipped {
                    stat: unknown_stat(&path),
                    reason: "hidden directory (not descended)".into(),
                });
            }
            return self.enter(path, &meta);
        }
        let stat = FileStat {
            path: path.to_string_lossy().into_owned(),
            size: meta.len(),
            mtime_ns: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64),
        };
        if hidden {
            return Some(WalkEntry::Skipped {
                stat,
                reason: "hidden file".into(),
            });
        }
        if !meta.is_file() {
            return Some(WalkEntry::Skipped {
                stat,
                reason: "not a regular file".into(),
            });
        }
        Some(WalkEntry::File(stat))
    }
}

impl Iterator for Walk {
    type Item = WalkEntry;

    fn next(&mut self) -> Option<WalkEntry> {
        loop {
            let Some(open) = self.stack.last_mut() else {
                let root = self.roots.next()?;
                let meta = fs::metadata(&root);
                if let Some(entry) = self.visit(root, meta, true) {
                    return Some(entry);
                }
                continue;
            };
            let Some((name, meta, is_link)) = open.entries.pop() else {
                if let Some(done) = self.stack.pop() {
                    self.ancestors.remove(&done.id);
                }
                continue;
            };
            let path = open.path.join(&name);
            // A symbolic link is judged by what it points to.
            let meta = if is_link { fs::metadata(&path) } else { meta };
            if let Some(entry) = self.visit(path, meta, false) {
                return Some(entry);
            }
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

#[cfg(test)]
mod tests;
