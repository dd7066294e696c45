//! [`Session`]: the library entry point that strings the steps together.

use std::path::{Path, PathBuf};

use gantry_store::{CompactStats, Inventory, Store};

use crate::ingest::{self, IngestOptions, IngestReport};
use crate::{Progress, Result};

/// A Gantry session: the store at one path, and the operations on it.
///
/// ```no_run
/// use gantry::{Session, NoProgress, IngestOptions};
///
/// let mut session = Session::open("gantry.db")?;
/// session.ingest(&["incoming/".into()], &IngestOptions::default(), &NoProgress)?;
/// let inventory = session.examine()?;
/// println!("{} instances", inventory.instances);
/// # Ok::<(), gantry::Error>(())
/// ```
#[derive(Debug)]
pub struct Session {
    store: Option<Store>,
    path: PathBuf,
}

impl Session {
    /// Open the session at `path`, creating it if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Session> {
        let path = path.as_ref().to_path_buf();
        let store = Store::open(&path)?;
        Ok(Session {
            store: Some(store),
            path,
        })
    }

    /// Path of the session database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn store(&mut self) -> Result<&mut Store> {
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        Ok(self.store.insert(store))
    }

    /// The underlying store, for queries the facade does not wrap.
    pub fn store_mut(&mut self) -> Result<&mut Store> {
        self.store()
    }

    /// Index files and folders (SPEC §3). Unchanged files from earlier runs
    /// are not read again.
    pub fn ingest(
        &mut self,
        inputs: &[PathBuf],
        options: &IngestOptions,
        progress: &dyn Progress,
    ) -> Result<IngestReport> {
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        let (store, report) = ingest::ingest(store, inputs, options, progress)?;
        self.store = Some(store);
        Ok(report)
    }

    /// The inventory of the session (SPEC §12.1 `examine`).
    pub fn examine(&mut self) -> Result<Inventory> {
        Ok(self.store()?.inventory()?)
    }

    /// Rewrite the pixel sidecar without dead records.
    pub fn compact(&mut self) -> Result<CompactStats> {
        Ok(self.store()?.compact()?)
    }
}
