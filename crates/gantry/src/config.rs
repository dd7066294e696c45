//! The configuration file: how to de-identify, redact and export (SPEC §6,
//! §7, §10, §12).
//!
//! A configuration is YAML, or JSON when the file name ends in `.json`.
//! Every key is optional; [`Config::default()`] is the built-in `basic`
//! profile. Two vocabularies load into one [`Config`]:
//!
//! - the keys of Gantry and Isocenter configurations (the Python tools this
//!   project succeeds), loaded unchanged with the semantics they document:
//!   `version`, `privacy_profile`, `phi_tags`, `date_jitter`,
//!   `remove_private_tags`, `machines` (alias `machine_rules`);
//! - Gantry's own keys: `profile`, `options`, `strict`, `key_file`,
//!   `pseudonyms`, `private_tags`, `dates`, `export`, `reversible`,
//!   `recipients`.
//!
//! Unknown keys are errors, everywhere. Every error names the file, the
//! line and column, and what was expected there:
//!
//! ```text
//! cfg.yaml:12:1: unknown key 'phi_tag' (expected one of: version, privacy_profile, phi_tags, ...)
//! cfg.yaml:7:3: phi_tags: '(0010,001G)' is not a tag: cannot parse tag path ...
//! cfg.yaml:20:9: redaction zone [10, 5, 0, 100]: r1 must be less than r2
//! ```
//!
//! Configuration values are user text, not PHI, so messages quote them.
//!
//! ```
//! use gantry::config::{Config, UserAction};
//!
//! let config = Config::from_str(
//!     "privacy_profile: basic\n\
//!      phi_tags:\n  \"0010,0020\": {action: REPLACE, value: SUBJECT}\n\
//!      date_jitter: {min_days: -30, max_days: -10}\n",
//!     "cfg.yaml",
//! )?;
//! assert_eq!(config.profile_name(), "basic");
//! assert_eq!(config.date_range(), (-30, -10));
//! assert_eq!(
//!     config.phi_overrides()[0].action,
//!     UserAction::Replace("SUBJECT".into())
//! );
//! # Ok::<(), gantry::config::ConfigError>(())
//! ```
//!
//! # How locations are found
//!
//! YAML goes through `serde-saphyr`, which reports line and column for
//! syntax errors, type errors and unknown keys (`deny_unknown_fields` on
//! every struct), and whose `Spanned<T>` wrapper records where each value
//! came from, so the checks that run after deserialization (tag text,
//! zones, option names, layout placeholders, conflicting keys) point at
//! the value at fault. A `.json` file is first checked by `serde_json`,
//! which is the authority on JSON syntax and reports its line and column;
//! the checked text is then read by `serde-saphyr` like YAML (JSON is YAML
//! 1.2 flow syntax), so JSON errors are located the same way. Should
//! `serde-saphyr` ever refuse valid JSON that `serde_json` reads, the
//! `serde_json` reading is used and later messages carry no line.

use std::path::{Path, PathBuf};

mod error;
mod raw;
mod resolve;
mod scaffold;
mod types;
mod yaml_text;

#[cfg(test)]
mod tests;

pub use error::{ConfigError, ConfigWarning, Problem, TextPosition};
pub use scaffold::{Prefill, scaffold, scaffold_with};
pub use types::{
    Condition, DateSettings, DeidOption, ExportSettings, Layout, LayoutField, LayoutPart, Machine,
    MissingPseudonym, PhiOverride, PrivatePolicy, ProfileName, Pseudonyms, TransferSyntaxChoice,
    UserAction, Zone,
};

/// Largest configuration file [`Config::load`] reads, in bytes.
pub const MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;

/// A loaded, validated configuration: the typed view the engine consumes.
///
/// Build it with [`Config::load`], [`Config::from_str`] or
/// [`Config::default`]. Relative paths in the file (`key_file`,
/// `pseudonyms.table`, `recipients`) are resolved against the directory of
/// the configuration file.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) source: Option<PathBuf>,
    pub(crate) profile: ProfileName,
    pub(crate) options: Vec<DeidOption>,
    pub(crate) strict: bool,
    pub(crate) key_file: Option<PathBuf>,
    pub(crate) pseudonyms: Pseudonyms,
    pub(crate) private: PrivatePolicy,
    pub(crate) dates: DateSettings,
    pub(crate) phi: Vec<PhiOverride>,
    pub(crate) ctp_params: std::collections::BTreeMap<String, String>,
    pub(crate) machines: Vec<Machine>,
    pub(crate) export: ExportSettings,
    pub(crate) reversible: bool,
    pub(crate) recipients: Vec<PathBuf>,
    pub(crate) warnings: Vec<ConfigWarning>,
}

impl Default for Config {
    /// The built-in defaults: profile `basic`, no options, private
    /// attributes removed, dates shifted by a per-patient offset between
    /// -365 and -1 days (Gantry's and Isocenter's default, see
    /// [`DateSettings`]), pseudonyms prefixed `ANON`, the default export
    /// layout ([`Layout::DEFAULT`]).
    fn default() -> Self {
        Config {
            source: None,
            profile: ProfileName::Basic,
            options: Vec::new(),
            strict: false,
            key_file: None,
            pseudonyms: Pseudonyms::default(),
            private: PrivatePolicy::Remove,
            dates: DateSettings::default(),
            phi: Vec::new(),
            ctp_params: std::collections::BTreeMap::new(),
            machines: Vec::new(),
            export: ExportSettings::default(),
            reversible: false,
            recipients: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl Config {
    /// Read and validate the configuration file at `path` (YAML, or JSON
    /// when the name ends in `.json`, in any case).
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let read_error = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_error)?.len();
        if size > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_path_buf(),
                size,
            });
        }
        let bytes = std::fs::read(path).map_err(read_error)?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let valid = err.utf8_error().valid_up_to();
                let bytes = err.as_bytes();
                let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
                return Err(ConfigError::invalid(
                    path,
                    Problem::new(
                        Some(TextPosition::end_of(&prefix)),
                        "the file is not UTF-8 text",
                    ),
                ));
            }
        };
        Config::from_str(&text, path)
    }

    /// Validate configuration `text`. `path` names the file in messages,
    /// chooses the format (`.json` is JSON, anything else YAML) and is the
    /// base for relative paths in the text; it is not read.
    #[allow(clippy::should_implement_trait)] // two arguments: not `FromStr`
    pub fn from_str(text: &str, path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        resolve::load_text(text, path.as_ref())
    }

    /// The file this configuration was read from (the `path` given to
    /// [`from_str`](Self::from_str)), or `None` for the defaults.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// The base profile.
    pub fn profile(&self) -> ProfileName {
        self.profile
    }

    /// The base profile's name: `basic` or `research`.
    pub fn profile_name(&self) -> &'static str {
        self.profile.as_str()
    }

    /// The options the file lists, in canonical (SPEC §6.1) order, without
    /// duplicates. See [`effective_options`](Self::effective_options) for
    /// what the profile and the private policy add.
    pub fn options(&self) -> &[DeidOption] {
        &self.options
    }

    /// Canonical names of [`options`](Self::options).
    pub fn option_names(&self) -> Vec<&'static str> {
        self.options.iter().map(|o| o.as_str()).collect()
    }

    /// Every option in force, in canonical order: the profile's preset
    /// (`research` adds five), the listed options, and
    /// `retain-safe-private` when the private policy is
    /// [`PrivatePolicy::KeepSafe`] (that policy is the option).
    pub fn effective_options(&self) -> Vec<DeidOption> {
        DeidOption::ALL
            .iter()
            .copied()
            .filter(|option| {
                self.profile.preset_options().contains(option)
                    || self.options.contains(option)
                    || (*option == DeidOption::RetainSafePrivate
                        && self.private == PrivatePolicy::KeepSafe)
            })
            .collect()
    }

    /// `--strict`: remove every attribute that is not explicitly safe
    /// (SPEC §6.1). Also set by Gantry's `privacy_profile: comprehensive`.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// The project key file, resolved against the configuration's
    /// directory. Not checked for existence here.
    pub fn key_file(&self) -> Option<&Path> {
        self.key_file.as_deref()
    }

    /// How PatientID and PatientName pseudonyms are made.
    pub fn pseudonyms(&self) -> &Pseudonyms {
        &self.pseudonyms
    }

    /// What happens to private attributes.
    pub fn private_policy(&self) -> &PrivatePolicy {
        &self.private
    }

    /// The date shift settings.
    pub fn dates(&self) -> DateSettings {
        self.dates
    }

    /// The per-patient date offset range `(min_days, max_days)`, inclusive.
    pub fn date_range(&self) -> (i32, i32) {
        (self.dates.min_days, self.dates.max_days)
    }

    /// The `phi_tags` overrides, in file order; each names a distinct
    /// attribute. They take precedence over the profile's rows and, for
    /// private elements named by creator (`(0009,{GEMS_IDEN_01}04)`, at any
    /// depth of a path), over the private-tag policy; a kept private
    /// element keeps its block's creator.
    pub fn phi_overrides(&self) -> &[PhiOverride] {
        &self.phi
    }

    /// The parameters (`@NAME`, without `@`) that `CTP` rules use.
    pub fn ctp_params(&self) -> &std::collections::BTreeMap<String, String> {
        &self.ctp_params
    }

    /// The machine entries, in file order (first match wins, as in CTP).
    pub fn machines(&self) -> &[Machine] {
        &self.machines
    }

    /// The export settings.
    pub fn export(&self) -> &ExportSettings {
        &self.export
    }

    /// The export layout template.
    pub fn layout(&self) -> &Layout {
        &self.export.layout
    }

    /// Whether originals are sealed into Encrypted Attributes (SPEC §6.6).
    pub fn reversible(&self) -> bool {
        self.reversible
    }

    /// Recipient certificates for reversible sealing, resolved against the
    /// configuration's directory.
    pub fn recipients(&self) -> &[PathBuf] {
        &self.recipients
    }

    /// Things that loaded but deserve a look: Isocenter display-name
    /// strings read as `REPLACE`, `remove_private_tags: false` read as
    /// `keep-safe`, dates that do not move, and the like.
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// The configuration in Gantry's own keys as compact JSON, with keys in
    /// a fixed order: what the session stores and hashes as "the config in
    /// force". It loads back (as a `.json` file) to the same settings —
    /// paths are written as resolved, so read it from the current directory
    /// or keep them absolute. Comments, the informational `name` and
    /// `comment` keys, and warnings are not part of it.
    pub fn canonical_json(&self) -> String {
        resolve::canonical(self).to_string()
    }
}
