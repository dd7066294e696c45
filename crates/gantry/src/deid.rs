//! The de-identification context shared by audit, anonymize, export and
//! verify: the policy from the config, the keys, and per-instance work.
//!
//! Keys (SPEC §6.3): with `--key FILE` (or `key_file` in the config) the
//! project key is used; otherwise the session draws a random key on first
//! use and keeps it inside the session only, so repeated and resumed runs
//! of that session agree — and says so ([`KeySource::Session`]), because
//! other sessions will not share its pseudonyms, UIDs or date offsets.

use std::path::Path;

use dicom_object::InMemDicomObject;
use gantry_privacy::clean::Identifiers;
use gantry_privacy::keys::{Keyring, ProjectKey};
use gantry_privacy::{Plan, Policy, Subject};
use gantry_store::{Candidate, Store};

use crate::{Error, Result};

/// Where the keys came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum KeySource {
    /// A project key file.
    Project {
        /// The key's fingerprint (never the key).
        fingerprint: String,
    },
    /// The session's own random key: outputs are not linkable with other
    /// sessions' outputs.
    Session {
        /// The key's fingerprint.
        fingerprint: String,
    },
}

impl KeySource {
    /// The key's fingerprint.
    pub fn fingerprint(&self) -> &str {
        match self {
            KeySource::Project { fingerprint } | KeySource::Session { fingerprint } => fingerprint,
        }
    }
}

/// Policy and keys for one operation.
#[derive(Debug)]
pub struct Deidentifier {
    pub(crate) policy: Policy,
    pub(crate) keys: Keyring,
    pub(crate) source: KeySource,
}

const SESSION_KEY: &str = "session-key";

impl Deidentifier {
    /// Build from a policy and an optional key file, falling back to the
    /// session's own key.
    pub fn new(store: &Store, policy: Policy, key_file: Option<&Path>) -> Result<Deidentifier> {
        let (key, source) = match key_file {
            Some(path) => {
                let key = ProjectKey::read_file(path).map_err(|e| Error::Key(e.to_string()))?;
                let fingerprint = key.fingerprint();
                (key, KeySource::Project { fingerprint })
            }
            None => {
                let fresh = ProjectKey::generate().map_err(|e| Error::Key(e.to_string()))?;
                let kept = store.secret_or_insert(SESSION_KEY, fresh.expose_secret())?;
                let bytes: [u8; 32] = kept
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Key("the session's stored key is damaged".into()))?;
                let key = ProjectKey::from_bytes(bytes);
                let fingerprint = key.fingerprint();
                (key, KeySource::Session { fingerprint })
            }
        };
        Ok(Deidentifier {
            policy,
            keys: key.keyring(),
            source,
        })
    }

    /// The keys (for `recover` and library users).
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Where the keys came from.
    pub fn key_source(&self) -> &KeySource {
        &self.source
    }

    /// Decode and plan for one candidate, without applying the plan (what
    /// audit and anonymize need). Returns the decoded original, the plan
    /// and the patient's identifiers. Errors are reasons fit for a person
    /// (no values).
    pub(crate) fn plan_only(
        &self,
        candidate: &Candidate,
    ) -> std::result::Result<(InMemDicomObject, Plan, Identifiers), String> {
        let mut original = candidate
            .header
            .decode()
            .map_err(|e| format!("stored header does not decode: {e}"))?;
        gantry_privacy::normalize_un(&mut original);
        let identifiers = identifiers_of(candidate);
        let subject = Subject {
            patient_key: &candidate.patient_key,
            patient_id: candidate.patient_id.as_deref(),
            identifiers: &identifiers,
        };
        let plan = gantry_privacy::plan(&original, &self.policy, &self.keys, &subject)
            .map_err(|e| e.to_string())?;
        Ok((original, plan, identifiers))
    }

    /// Decode, plan and apply for one candidate. Returns the decoded
    /// original, the de-identified header and the plan. Errors are reasons
    /// fit for a person (no values).
    pub(crate) fn run(
        &self,
        candidate: &Candidate,
    ) -> std::result::Result<(InMemDicomObject, InMemDicomObject, Plan, Identifiers), String> {
        let (original, plan, identifiers) = self.plan_only(candidate)?;
        let mut deidentified = original.clone();
        gantry_privacy::apply(&mut deidentified, &plan).map_err(|e| e.to_string())?;
        Ok((original, deidentified, plan, identifiers))
    }
}

/// The patient's own identifiers as the session indexed them (what the
/// planner scrubs from kept text and `--safe` looks for).
pub fn identifiers_of(candidate: &Candidate) -> Identifiers {
    let mut identifiers = Identifiers::new();
    if let Some(name) = &candidate.patient_name {
        identifiers.add_patient_name(name);
    }
    if let Some(id) = &candidate.patient_id {
        identifiers.add_patient_id(id);
    }
    if let Some(date) = &candidate.birth_date {
        identifiers.add_birth_date(date);
    }
    if let Some(accession) = &candidate.accession_number {
        identifiers.add_accession_number(accession);
    }
    if let Some(institution) = &candidate.institution_name {
        identifiers.add_institution(institution);
    }
    identifiers
}
