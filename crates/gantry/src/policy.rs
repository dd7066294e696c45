//! From a [`Config`] to the privacy crate's [`Policy`].
//!
//! The config module speaks the user's vocabulary (Gantry/Isocenter keys,
//! option names); the privacy crate decides. This is the one place that
//! maps one onto the other, including reading the pseudonym table.

use std::collections::HashMap;

use gantry_privacy::profile::{Profile, ProfileOption};
use gantry_privacy::{CtpRule, MissingPseudonym, Policy, UserAction};

use crate::config::{self, Config};
use crate::{Error, Result};

/// The de-identification policy a config asks for.
pub fn policy_from_config(config: &Config) -> Result<Policy> {
    let mut profile = match config.profile() {
        config::ProfileName::Basic => Profile::basic(),
        config::ProfileName::Research => Profile::research(),
    };
    for option in config.effective_options() {
        let option = ProfileOption::from_name(option.as_str()).ok_or_else(|| {
            Error::Usage(format!(
                "option {} is not known to the privacy engine",
                option.as_str()
            ))
        })?;
        profile = profile.with_option(option);
    }
    let private = match config.private_policy() {
        config::PrivatePolicy::Remove => gantry_privacy::private::PrivatePolicy::Remove,
        config::PrivatePolicy::KeepSafe => gantry_privacy::private::PrivatePolicy::KeepSafe,
        config::PrivatePolicy::Keep { creators } => {
            gantry_privacy::private::PrivatePolicy::Keep(creators.clone())
        }
    };
    // The config checked that every CTP rule parses and that its
    // parameters are defined.
    let ctp_params = std::sync::Arc::new(gantry_ctp::Params(
        config
            .ctp_params()
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
    ));
    let overrides = config
        .phi_overrides()
        .iter()
        .map(|o| {
            let action = match &o.action {
                config::UserAction::Keep => UserAction::Keep,
                config::UserAction::Remove => UserAction::Remove,
                config::UserAction::Empty => UserAction::Empty,
                config::UserAction::Replace(v) => UserAction::Replace(v.clone()),
                config::UserAction::Shift => UserAction::Shift,
                config::UserAction::Hash => UserAction::Hash,
                config::UserAction::Uid => UserAction::Uid,
                config::UserAction::Dummy => UserAction::Dummy,
                config::UserAction::Clean => UserAction::Clean,
                config::UserAction::Round => UserAction::Round,
                config::UserAction::Ctp(text) => UserAction::Ctp(std::sync::Arc::new(CtpRule {
                    script: gantry_ctp::parse_rule(text).0,
                    params: ctp_params.clone(),
                })),
            };
            (o.tag.clone(), action)
        })
        .collect();
    let pseudonyms = config.pseudonyms();
    let pseudonym_table = match &pseudonyms.table {
        Some(path) => Some(read_pseudonym_table(path)?),
        None => None,
    };
    Ok(Policy {
        profile,
        private,
        overrides,
        date_range: config.date_range(),
        strict: config.strict(),
        pseudonym_prefix: pseudonyms.prefix.clone(),
        pseudonym_table,
        missing_pseudonym: match pseudonyms.missing {
            config::MissingPseudonym::Generate => MissingPseudonym::Generate,
            config::MissingPseudonym::Fail => MissingPseudonym::Fail,
        },
    })
}

/// A CSV of `original,pseudonym` rows (a header row `original,pseudonym`
/// or `PatientID,…` is skipped). Errors name the file and line, never a
/// value.
fn read_pseudonym_table(path: &std::path::Path) -> Result<HashMap<String, String>> {
    let text = fs_err::read_to_string(path).map_err(|source| Error::Input {
        path: path.to_path_buf(),
        source,
    })?;
    let mut table = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((original, pseudonym)) = line.split_once(',') else {
            return Err(Error::Usage(format!(
                "{}:{}: expected 'original,pseudonym'",
                path.display(),
                n + 1
            )));
        };
        let (original, pseudonym) = (
            original.trim().trim_matches('"'),
            pseudonym.trim().trim_matches('"'),
        );
        if n == 0
            && (original.eq_ignore_ascii_case("original")
                || original.eq_ignore_ascii_case("PatientID"))
        {
            continue;
        }
        if table
            .insert(original.to_string(), pseudonym.to_string())
            .is_some()
        {
            return Err(Error::Usage(format!(
                "{}:{}: this original appears twice in the pseudonym table",
                path.display(),
                n + 1
            )));
        }
    }
    Ok(table)
}
