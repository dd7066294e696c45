//! Re-identification (SPEC §6.6 `gantry recover`): restore the originals
//! sealed into de-identified files, with the project key (AES-SIV items) or
//! with a recipient's RSA private key (CMS items, also those GDCM's
//! `gdcmanon -e` writes).
//!
//! All inputs are opened (decrypted and checked) before anything is
//! written: a wrong key, a certificate no file is sealed for, or one altered
//! file fails the whole call with an error naming the file and the reason,
//! and no output is written. Then each file is restored — every sealed
//! element put back as it was, the Encrypted Attributes Sequence and the
//! de-identification stamps removed, the file meta group following the
//! restored SOP Instance UID — and written atomically into the output
//! folder under its own file name. Recovered files hold PHI again: the
//! output folder is the caller's to protect.

use std::path::{Path, PathBuf};

use gantry_privacy::keys::Keyring;
use gantry_privacy::seal::{self, RecipientKey, SealError};

use crate::{Error, Result};

/// What `recover` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecoverReport {
    /// Files restored.
    pub recovered: u64,
    /// Output paths.
    pub outputs: Vec<String>,
}

/// What opens sealed files.
#[derive(Clone, Copy, Debug)]
pub enum Opener<'a> {
    /// The project key: its AES-SIV item.
    ProjectKey(&'a Keyring),
    /// A recipient's private key (and certificate): its CMS item.
    PrivateKey(&'a RecipientKey),
}

impl Opener<'_> {
    fn open(
        self,
        obj: &dicom_object::InMemDicomObject,
    ) -> std::result::Result<dicom_object::InMemDicomObject, SealError> {
        match self {
            Opener::ProjectKey(keys) => seal::open(obj, keys),
            Opener::PrivateKey(key) => seal::open_with_private_key(obj, key),
        }
    }
}

/// Restore every sealed file under `inputs` into `out` with the project
/// key.
pub fn recover(inputs: &[PathBuf], keys: &Keyring, out: &Path) -> Result<RecoverReport> {
    recover_with(inputs, Opener::ProjectKey(keys), out)
}

/// Restore every sealed file under `inputs` into `out`.
pub fn recover_with(inputs: &[PathBuf], opener: Opener<'_>, out: &Path) -> Result<RecoverReport> {
    let mut files = Vec::new();
    for input in inputs {
        collect(input, &mut files)?;
    }
    files.sort();
    // First pass: every file must open with this key.
    for file in &files {
        let obj = read(file)?;
        opener.open(&obj).map_err(|e| Error::Recover {
            path: file.clone(),
            reason: e.to_string(),
        })?;
    }
    fs_err::create_dir_all(out).map_err(|source| Error::Input {
        path: out.to_path_buf(),
        source,
    })?;
    let mut report = RecoverReport::default();
    for file in &files {
        let obj = read(file)?;
        let originals = opener.open(&obj).map_err(|e| Error::Recover {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        let meta = obj.meta().clone();
        let restored = seal::restore(&obj, &originals);
        let mut meta = meta;
        // The file meta follows the restored UIDs (when they are usable).
        if let Some(sop) = uid(&restored, dicom_dictionary_std::tags::SOP_INSTANCE_UID) {
            meta.media_storage_sop_instance_uid = sop;
        }
        if let Some(class) = uid(&restored, dicom_dictionary_std::tags::SOP_CLASS_UID) {
            meta.media_storage_sop_class_uid = class;
        }
        // The UIDs changed length: the group length must follow.
        meta.update_information_group_length();
        let file_obj = restored.with_exact_meta(meta);
        let name = file
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let dest = out.join(&name);
        let temp = out.join(format!(".{}.gantry-tmp", name.to_string_lossy()));
        file_obj.write_to_file(&temp).map_err(|e| Error::Recover {
            path: dest.clone(),
            reason: format!("cannot write: {e}"),
        })?;
        std::fs::rename(&temp, &dest).map_err(|source| Error::Input {
            path: dest.clone(),
            source,
        })?;
        report.recovered += 1;
        report.outputs.push(dest.to_string_lossy().into_owned());
    }
    Ok(report)
}

/// A UID element's text, also when a writer labelled it UN (raw bytes);
/// `None` unless it is a well-formed UID.
fn uid(obj: &dicom_object::InMemDicomObject, tag: dicom_core::Tag) -> Option<String> {
    use dicom_core::value::{PrimitiveValue, Value};
    let element = obj.get(tag)?;
    let text = match element.value() {
        Value::Primitive(PrimitiveValue::U8(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        _ => element.to_str().ok()?.into_owned(),
    };
    let text = text.trim_end_matches(['\0', ' ']);
    (!text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        .then(|| text.to_string())
}

fn read(file: &Path) -> Result<dicom_object::DefaultDicomObject> {
    dicom_object::open_file(file).map_err(|e| Error::Recover {
        path: file.to_path_buf(),
        reason: format!("not a readable DICOM file: {e}"),
    })
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = fs_err::metadata(path).map_err(|source| Error::Input {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in fs_err::read_dir(path).map_err(|source| Error::Input {
        path: path.to_path_buf(),
        source,
    })? {
        let entry = entry.map_err(|source| Error::Input {
            path: path.to_path_buf(),
            source,
        })?;
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "manifest.json" || name == "manifest.csv" {
            continue;
        }
        collect(&p, out)?;
    }
    Ok(())
}
