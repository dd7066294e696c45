//! Typed keys for the entities of the Patient → Study → Series → Instance
//! graph, and the equipment attached to series.
//!
//! Keys are newtypes, never bare strings or integers, so a study UID can
//! not be passed where a series UID is expected. Keys built from DICOM
//! values hold PHI (a PatientID is identifying; so are original UIDs) and
//! therefore wrap their text in [`Phi`].

use crate::Phi;

/// A DICOM UID as found in a file (trailing NUL/space padding removed).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(Phi<String>);

impl Uid {
    /// Wrap a UID, trimming the padding DICOM allows.
    pub fn new(text: &str) -> Self {
        Uid(Phi::new(trim_dicom(text).to_string()))
    }

    /// The UID text. Original UIDs are identifying: never format it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

macro_rules! uid_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Uid);

        impl $name {
            /// The UID text. Original UIDs are identifying: never format it.
            pub fn expose(&self) -> &str {
                self.0.expose()
            }
        }
    };
}

uid_key!(
    /// SOPInstanceUID of an instance.
    SopInstanceUid
);

/// Identity of a study: its StudyInstanceUID, or — for a file that has
/// none — an explicit unknown study of its own, named by the source file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StudyKey {
    /// StudyInstanceUID.
    Uid(Uid),
    /// The file carries no StudyInstanceUID; it forms a study alone.
    Unknown {
        /// The file that lacks the UID.
        file: FileId,
    },
}

/// Identity of a series: its SeriesInstanceUID, or an explicit unknown
/// series of one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeriesKey {
    /// SeriesInstanceUID.
    Uid(Uid),
    /// The file carries no SeriesInstanceUID; it forms a series alone.
    Unknown {
        /// The file that lacks the UID.
        file: FileId,
    },
}

/// Identity of a patient (SPEC §2): PatientID + IssuerOfPatientID, or —
/// when a file has no PatientID — an explicit unknown patient per study,
/// so patients without IDs are never merged across studies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatientKey {
    /// PatientID and IssuerOfPatientID (empty when absent).
    Known {
        /// PatientID (0010,0020).
        id: Phi<String>,
        /// IssuerOfPatientID (0010,0021), empty when absent.
        issuer: Phi<String>,
    },
    /// No PatientID: the unknown patient of this study.
    Unknown {
        /// The study whose unknown patient this is.
        study: StudyKey,
    },
}

impl StudyKey {
    /// A canonical text form, unique per key, used as the store's lookup
    /// key. Holds PHI: never format it.
    pub fn canonical(&self) -> String {
        match self {
            StudyKey::Uid(uid) => format!("uid:{}", uid.expose()),
            StudyKey::Unknown { file } => format!("unknown-file:{}", file.0),
        }
    }
}

impl SeriesKey {
    /// A canonical text form, unique per key. Holds PHI: never format it.
    pub fn canonical(&self) -> String {
        match self {
            SeriesKey::Uid(uid) => format!("uid:{}", uid.expose()),
            SeriesKey::Unknown { file } => format!("unknown-file:{}", file.0),
        }
    }
}

impl PatientKey {
    /// Build the key from the raw PatientID and IssuerOfPatientID values;
    /// an empty or absent PatientID gives the study's unknown patient.
    pub fn from_values(id: Option<&str>, issuer: Option<&str>, study: &StudyKey) -> Self {
        match id.map(trim_dicom).filter(|id| !id.is_empty()) {
            Some(id) => PatientKey::Known {
                id: Phi::new(id.to_string()),
                issuer: Phi::new(issuer.map(trim_dicom).unwrap_or_default().to_string()),
            },
            None => PatientKey::Unknown {
                study: study.clone(),
            },
        }
    }

    /// A canonical text form, unique per key. Holds PHI: never format it.
    pub fn canonical(&self) -> String {
        match self {
            PatientKey::Known { id, issuer } => {
                format!("id:{}\u{1f}{}", id.expose(), issuer.expose())
            }
            PatientKey::Unknown { study } => format!("unknown-in:{}", study.canonical()),
        }
    }
}

/// The equipment a series was acquired on (SPEC §2): the triple that
/// redaction rules and the inventory group by.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Equipment {
    /// Manufacturer (0008,0070).
    pub manufacturer: String,
    /// ManufacturerModelName (0008,1090).
    pub model: String,
    /// DeviceSerialNumber (0018,1000).
    pub serial: String,
}

/// Row id of a source file in the session store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub i64);

/// Row id of an instance in the session store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(pub i64);

/// Trim the padding DICOM puts on text values (trailing spaces and NULs,
/// leading spaces).
pub(crate) fn trim_dicom(text: &str) -> &str {
    text.trim_end_matches(['\0', ' ']).trim_start_matches(' ')
}
