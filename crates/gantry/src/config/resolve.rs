//! From the file as written ([`raw`](super::raw)) to a validated
//! [`Config`]: every semantic check, each error at the value at fault.
//!
//! Checks do not stop at the first problem: every problem found is
//! reported, in file order. Serde-level problems (syntax, types, unknown
//! keys) stop deserialization, so there is one of those at most.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gantry_model::TagPath;

use super::Config;
use super::error::{self, ConfigError, ConfigWarning, Problem, TextPosition};
use super::raw::{
    OrderedMap, RawAction, RawConfig, RawDates, RawJitter, RawMachine, RawPrivateTags,
    RawPseudonyms, Sp,
};
use super::types::{
    Condition, DateSettings, DeidOption, ExportSettings, Layout, LayoutField, Machine,
    MissingPseudonym, PhiOverride, PrivatePolicy, ProfileName, Pseudonyms, TransferSyntaxChoice,
    UserAction, Zone,
};

/// Parse `text` (JSON when `path` ends in `.json`, else YAML) and resolve it.
pub(super) fn load_text(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    let raw = if is_json {
        parse_json(text, path)?
    } else {
        serde_saphyr::from_str::<RawConfig>(text)
            .map_err(|err| ConfigError::invalid(path, error::from_saphyr(&err)))?
    };
    Resolver::new(path).resolve(raw)
}

/// JSON: `serde_json` judges the syntax; `serde-saphyr` reads the checked
/// text for its locations (JSON is YAML flow syntax). If it refuses what
/// `serde_json` can read, the `serde_json` reading is used, unlocated.
fn parse_json(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(ConfigError::invalid(path, error::from_json(&err)));
    }
    match serde_saphyr::from_str::<RawConfig>(text) {
        Ok(raw) => Ok(raw),
        Err(yaml_err) => serde_json::from_str::<RawConfig>(text)
            .map_err(|_| ConfigError::invalid(path, error::from_saphyr(&yaml_err))),
    }
}

/// Where a spanned value starts.
fn pos<T>(value: &Sp<T>) -> Option<TextPosition> {
    TextPosition::from_saphyr(&value.referenced)
}

/// ` (line N)` when `at` is known, for messages that point at a second place.
fn line_note(at: Option<TextPosition>) -> String {
    at.map(|p| format!(" (line {})", p.line))
        .unwrap_or_default()
}

struct Resolver<'a> {
    file: &'a Path,
    base: PathBuf,
    problems: Vec<Problem>,
    warnings: Vec<ConfigWarning>,
}

impl<'a> Resolver<'a> {
    fn new(file: &'a Path) -> Self {
        Resolver {
            file,
            base: file.parent().map(Path::to_path_buf).unwrap_or_default(),
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn error(&mut self, at: Option<TextPosition>, message: impl AsRef<str>) {
        self.problems.push(Problem::new(at, message));
    }

    fn warn(&mut self, at: Option<TextPosition>, message: impl AsRef<str>) {
        self.warnings.push(ConfigWarning {
            file: self.file.to_path_buf(),
            position: at,
            message: error::sanitize(message.as_ref()),
        });
    }

    fn resolve(mut self, raw: RawConfig) -> Result<Config, ConfigError> {
        let mut config = Config {
            source: Some(self.file.to_path_buf()),
            ..Config::default()
        };
        if let Some(version) = &raw.version {
            self.version(version);
        }
        let comprehensive = self.profile(&raw, &mut config);
        self.strict(&raw, comprehensive, &mut config);
        if let Some(options) = &raw.options {
            self.options(options, &mut config);
        }
        if let Some(params) = &raw.ctp_params {
            config.ctp_params = self.ctp_params(params);
        }
        if let Some(phi) = &raw.phi_tags {
            config.phi = self.phi_tags(phi, &config.ctp_params);
        }
        config.dates = self.dates(raw.date_jitter.as_ref(), raw.dates.as_ref());
        config.private = self.private_policy(&raw, &config.options);
        if let Some(machines) = &raw.machines {
            config.machines = self.machines(machines);
        }
        if let Some(pseudonyms) = &raw.pseudonyms {
            config.pseudonyms = self.pseudonyms(pseudonyms);
        }
        if let Some(key_file) = &raw.key_file {
            config.key_file = self.path("key_file", key_file);
        }
        if let Some(export) = &raw.export {
            config.export = self.export(export);
        }
        config.reversible = raw.reversible.as_ref().is_some_and(|r| r.value);
        if let Some(recipients) = &raw.recipients {
            config.recipients = recipients
                .iter()
                .filter_map(|r| self.path("recipients", r))
                .collect();
            if let (Some(first), false) = (recipients.first(), config.reversible) {
                self.error(
                    pos(first),
                    "recipients are used only with reversible: true (they receive the sealed originals)",
                );
            }
        }
        if self.problems.is_empty() {
            config.warnings = self.warnings;
            Ok(config)
        } else {
            Err(ConfigError::invalid_many(self.file, self.problems))
        }
    }

    fn version(&mut self, version: &Sp<String>) {
        if !matches!(version.value.trim(), "1" | "1.0" | "2" | "2.0") {
            self.error(
                pos(version),
                format!(
                    "version '{}' is not supported (expected 2.0, as Gantry writes, or 1.0)",
                    version.value
                ),
            );
        }
    }

    /// Sets the profile; returns whether Gantry's `comprehensive` was asked for.
    fn profile(&mut self, raw: &RawConfig, config: &mut Config) -> bool {
        let expected = "expected one of: basic, research";
        let mut comprehensive = false;
        let mut from_privacy_profile = None;
        if let Some(sp) = &raw.privacy_profile {
            let at = pos(sp);
            match sp.value.as_deref().map(str::trim) {
                None => self.error(at, NO_PROFILE),
                Some(name) if name.eq_ignore_ascii_case("none") => self.error(at, NO_PROFILE),
                Some(name) if name.eq_ignore_ascii_case("comprehensive") => {
                    comprehensive = true;
                    from_privacy_profile = Some((ProfileName::Basic, at, name.to_owned()));
                    self.warn(
                        at,
                        "privacy_profile 'comprehensive' is read as basic with strict: true \
                         (Gantry documented it as its most conservative profile but never shipped it)",
                    );
                }
                Some(name) => match ProfileName::parse(name) {
                    Some(profile) => from_privacy_profile = Some((profile, at, name.to_owned())),
                    None if looks_like_path(name) => self.error(
                        at,
                        format!(
                            "privacy_profile '{name}': external profile files are not supported \
                             ({expected}; put the file's rules under phi_tags)"
                        ),
                    ),
                    None => self.error(
                        at,
                        format!("privacy_profile: unknown profile '{name}' ({expected})"),
                    ),
                },
            }
        }
        let mut from_profile = None;
        if let Some(sp) = &raw.profile {
            let at = pos(sp);
            match ProfileName::parse(&sp.value) {
                Some(profile) => from_profile = Some((profile, at, sp.value.trim().to_owned())),
                None => self.error(
                    at,
                    format!("profile: unknown profile '{}' ({expected})", sp.value),
                ),
            }
        }
        match (from_privacy_profile, from_profile) {
            (Some((a, a_at, a_name)), Some((b, b_at, b_name))) if a != b => self.error(
                b_at,
                format!(
                    "profile '{b_name}' conflicts with privacy_profile '{a_name}'{}; give one of them",
                    line_note(a_at)
                ),
            ),
            (Some((profile, ..)), _) | (None, Some((profile, ..))) => config.profile = profile,
            (None, None) => {}
        }
        comprehensive
    }

    fn strict(&mut self, raw: &RawConfig, comprehensive: bool, config: &mut Config) {
        match &raw.strict {
            Some(sp) if !sp.value && comprehensive => self.error(
                pos(sp),
                "strict: false conflicts with privacy_profile 'comprehensive' \
                 (read as basic with strict: true)",
            ),
            Some(sp) => config.strict = sp.value,
            None => config.strict = comprehensive,
        }
    }

    fn options(&mut self, options: &[Sp<String>], config: &mut Config) {
        let mut seen: Vec<DeidOption> = Vec::new();
        for sp in options {
            match DeidOption::parse(&sp.value) {
                Some(option) if seen.contains(&option) => self.warn(
                    pos(sp),
                    format!("options: '{}' is listed twice", option.as_str()),
                ),
                Some(option) => seen.push(option),
                None => {
                    let valid: Vec<&str> = DeidOption::ALL.iter().map(|o| o.as_str()).collect();
                    self.error(
                        pos(sp),
                        format!(
                            "options: unknown option '{}' (expected one of: {})",
                            sp.value,
                            valid.join(", ")
                        ),
                    );
                }
            }
        }
        let full = DeidOption::RetainLongFullDates;
        let modified = DeidOption::RetainLongModifiedDates;
        if seen.contains(&full) {
            let full_at = options
                .iter()
                .find(|sp| DeidOption::parse(&sp.value) == Some(full))
                .and_then(pos);
            if seen.contains(&modified) {
                self.error(
                    full_at,
                    "options: retain-long-full-dates and retain-long-modified-dates exclude each other",
                );
            } else if config.profile.preset_options().contains(&modified) {
                self.error(
                    full_at,
                    format!(
                        "options: retain-long-full-dates conflicts with retain-long-modified-dates, \
                         which profile {} turns on",
                        config.profile
                    ),
                );
            }
        }
        seen.sort();
        config.options = seen;
    }

    fn ctp_params(
        &mut self,
        params: &OrderedMap<String>,
    ) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for (name, value) in &params.0 {
            let valid = !name.value.is_empty()
                && name
                    .value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                self.error(
                    pos(name),
                    format!(
                        "ctp_params: '{}' is not a parameter name (letters, digits, _ and -; no @)",
                        name.value
                    ),
                );
            } else if out
                .insert(name.value.clone(), value.value.clone())
                .is_some()
            {
                self.error(
                    pos(name),
                    format!("ctp_params: '{}' is given twice", name.value),
                );
            }
        }
        out
    }

    /// A `CTP` rule's text: it must parse, and every `@NAME` it uses must
    /// be in `ctp_params`.
    fn ctp_rule(
        &mut self,
        key: &str,
        text: &str,
        at: Option<TextPosition>,
        params: &std::collections::BTreeMap<String, String>,
    ) -> bool {
        let (script, diagnostics) = gantry_ctp::parse_rule(text);
        let mut ok = true;
        for d in diagnostics {
            let message = format!(
                "phi_tags: '{key}': CTP rule, column {}: {}",
                d.column, d.message
            );
            match d.severity {
                gantry_ctp::Severity::Error => {
                    ok = false;
                    self.error(at, message);
                }
                gantry_ctp::Severity::Warning => self.warn(at, message),
            }
        }
        for name in script.param_names() {
            if !params.contains_key(name) {
                ok = false;
                self.error(
                    at,
                    format!(
                        "phi_tags: '{key}': CTP rule uses @{name}, which ctp_params does not define"
                    ),
                );
            }
        }
        ok
    }

    fn phi_tags(
        &mut self,
        phi: &OrderedMap<RawAction>,
        params: &std::collections::BTreeMap<String, String>,
    ) -> Vec<PhiOverride> {
        let mut out = Vec::new();
        let mut first_at: HashMap<TagPath, (String, Option<TextPosition>)> = HashMap::new();
        for (key, value) in &phi.0 {
            let key_at = pos(key);
            let tag = match key.value.parse::<TagPath>() {
                Ok(tag) => tag,
                Err(err) => {
                    self.error(
                        key_at,
                        format!("phi_tags: '{}' is not a tag: {err}", key.value),
                    );
                    continue;
                }
            };
            if let Some((first, first_pos)) = first_at.get(&tag) {
                let message = format!(
                    "phi_tags: '{}' names the same attribute as '{first}'{}",
                    key.value,
                    line_note(*first_pos)
                );
                self.error(key_at, message);
                continue;
            }
            first_at.insert(tag.clone(), (key.value.clone(), key_at));
            if let Some((action, name)) = self.phi_action(&key.value, value) {
                if let UserAction::Ctp(text) = &action
                    && !self.ctp_rule(&key.value, text, pos(value), params)
                {
                    continue;
                }
                out.push(PhiOverride { tag, action, name });
            }
        }
        out
    }

    fn phi_action(
        &mut self,
        key: &str,
        value: &Sp<RawAction>,
    ) -> Option<(UserAction, Option<String>)> {
        let actions = UserAction::NAMES.join(", ");
        match &value.value {
            RawAction::Text(text) => match parse_action(text) {
                Ok(Some(UserAction::Ctp(rule))) if rule.is_empty() => {
                    self.error(pos(value), format!("phi_tags: '{key}': {CTP_NEEDS_TEXT}"));
                    None
                }
                Ok(Some(action)) => Some((action, None)),
                Ok(None) => {
                    self.warn(
                        pos(value),
                        format!(
                            "phi_tags: '{key}': '{text}' is not an action ({actions}); as in Isocenter \
                             it is read as the tag's display name, and the action is REPLACE with '{}' \
                             (write {{action: ..., name: ...}} to choose the action)",
                            UserAction::DEFAULT_REPLACEMENT
                        ),
                    );
                    Some((
                        UserAction::Replace(UserAction::DEFAULT_REPLACEMENT.to_owned()),
                        Some(text.clone()),
                    ))
                }
                Err(message) => {
                    self.error(pos(value), format!("phi_tags: '{key}': {message}"));
                    None
                }
            },
            RawAction::Rule(rule) => {
                let action = match &rule.action {
                    None => UserAction::Replace(UserAction::DEFAULT_REPLACEMENT.to_owned()),
                    Some(sp) => match parse_action(&sp.value) {
                        Ok(Some(action)) => action,
                        Ok(None) => {
                            self.error(
                                pos(sp),
                                format!(
                                    "phi_tags: '{key}': unknown action '{}' (expected one of: {actions})",
                                    sp.value
                                ),
                            );
                            return None;
                        }
                        Err(message) => {
                            self.error(pos(sp), format!("phi_tags: '{key}': {message}"));
                            return None;
                        }
                    },
                };
                let action = match (action, &rule.value) {
                    (UserAction::Replace(_), Some(v)) if rule_has_inline_value(&rule.action) => {
                        self.error(
                            pos(v),
                            format!(
                                "phi_tags: '{key}': the value is given twice ('REPLACE: ...' and value)"
                            ),
                        );
                        return None;
                    }
                    (UserAction::Replace(_), Some(v)) => UserAction::Replace(v.value.clone()),
                    (UserAction::Ctp(rule), Some(v)) if !rule.is_empty() => {
                        self.error(
                            pos(v),
                            format!(
                                "phi_tags: '{key}': the rule is given twice ('CTP: ...' and value)"
                            ),
                        );
                        return None;
                    }
                    (UserAction::Ctp(_), Some(v)) => UserAction::Ctp(v.value.trim().to_owned()),
                    (UserAction::Ctp(rule), None) if rule.is_empty() => {
                        self.error(pos(value), format!("phi_tags: '{key}': {CTP_NEEDS_TEXT}"));
                        return None;
                    }
                    (action, Some(v)) => {
                        self.warn(
                            pos(v),
                            format!(
                                "phi_tags: '{key}': value is used only with REPLACE; ignored for {}",
                                action.name()
                            ),
                        );
                        action
                    }
                    (action, None) => action,
                };
                Some((action, rule.name.clone()))
            }
        }
    }

    fn dates(
        &mut self,
        jitter: Option<&Sp<RawJitter>>,
        dates: Option<&Sp<RawDates>>,
    ) -> DateSettings {
        let mut settings = DateSettings::default();
        // (min, max, where, which key)
        let mut from_jitter = None;
        if let Some(jitter) = jitter {
            match &jitter.value {
                // Gantry and Isocenter: "Legacy support or user provided
                // int. Convert to fixed shift."
                RawJitter::Days(days) => {
                    if let Some(days) = self.days("date_jitter", *days, pos(jitter)) {
                        from_jitter = Some((days, days, pos(jitter)));
                    }
                }
                RawJitter::Range(range) => {
                    let min = self.days(
                        "date_jitter.min_days",
                        range.min_days.value,
                        pos(&range.min_days),
                    );
                    let max = self.days(
                        "date_jitter.max_days",
                        range.max_days.value,
                        pos(&range.max_days),
                    );
                    if let (Some(min), Some(max)) = (min, max) {
                        from_jitter = Some((min, max, pos(&range.min_days)));
                    }
                }
            }
        }
        let mut from_dates = None;
        if let Some(sp) = dates {
            let d = &sp.value;
            settings.shift_times = d.shift_times.unwrap_or(false);
            let min = d
                .min_days
                .as_ref()
                .map(|v| self.days("dates.min_days", v.value, pos(v)));
            let max = d
                .max_days
                .as_ref()
                .map(|v| self.days("dates.max_days", v.value, pos(v)));
            match (min, max) {
                (Some(None), _) | (_, Some(None)) | (None, None) => {}
                (min, max) => {
                    let min = min.flatten().unwrap_or(DateSettings::DEFAULT_MIN_DAYS);
                    let max = max.flatten().unwrap_or(DateSettings::DEFAULT_MAX_DAYS);
                    from_dates = Some((min, max, pos(sp)));
                }
            }
        }
        let chosen = match (from_jitter, from_dates) {
            (Some(j), Some(d)) if (j.0, j.1) != (d.0, d.1) => {
                self.error(
                    d.2,
                    format!(
                        "dates (min_days {}, max_days {}) conflicts with date_jitter \
                         (min_days {}, max_days {}){}; give the range once",
                        d.0,
                        d.1,
                        j.0,
                        j.1,
                        line_note(j.2)
                    ),
                );
                None
            }
            (Some(range), _) | (None, Some(range)) => Some(range),
            (None, None) => None,
        };
        if let Some((min, max, at)) = chosen {
            if min > max {
                self.error(
                    at,
                    format!("date range: min_days {min} is greater than max_days {max}"),
                );
            } else {
                if min == 0 && max == 0 {
                    self.warn(at, "date range [0, 0]: dates will not move");
                } else if min <= 0 && 0 <= max {
                    self.warn(
                        at,
                        format!(
                            "date range [{min}, {max}] includes 0: some patients' dates will not move"
                        ),
                    );
                } else if min == max {
                    self.warn(
                        at,
                        format!(
                            "date range [{min}, {max}]: every patient's dates move by the same {min} days, \
                             so one known original date reveals all of them"
                        ),
                    );
                }
                settings.min_days = min;
                settings.max_days = max;
            }
        }
        settings
    }

    fn days(&mut self, what: &str, days: i64, at: Option<TextPosition>) -> Option<i32> {
        let limit = DateSettings::MAX_ABS_DAYS;
        match i32::try_from(days) {
            Ok(d) if (-limit..=limit).contains(&d) => Some(d),
            _ => {
                self.error(
                    at,
                    format!(
                        "{what}: {days} days is out of range (at most {limit} days either way)"
                    ),
                );
                None
            }
        }
    }

    fn private_policy(&mut self, raw: &RawConfig, options: &[DeidOption]) -> PrivatePolicy {
        let explicit = raw
            .private_tags
            .as_ref()
            .and_then(|sp| self.private_tags(sp).map(|p| (p, pos(sp))));
        let mut set_by: Option<(String, Option<TextPosition>)> = None;
        let policy = match (&raw.remove_private_tags, explicit) {
            (Some(remove), Some((policy, at))) => {
                if remove.value != (policy == PrivatePolicy::Remove) {
                    self.error(
                        at,
                        format!(
                            "private_tags policy '{}' conflicts with remove_private_tags: {}{}",
                            policy.name(),
                            remove.value,
                            line_note(pos(remove))
                        ),
                    );
                }
                set_by = Some((format!("private_tags policy '{}'", policy.name()), at));
                policy
            }
            (None, Some((policy, at))) => {
                set_by = Some((format!("private_tags policy '{}'", policy.name()), at));
                policy
            }
            (Some(remove), None) if remove.value => {
                set_by = Some(("remove_private_tags: true".to_owned(), pos(remove)));
                PrivatePolicy::Remove
            }
            (Some(remove), None) => {
                self.warn(
                    pos(remove),
                    "remove_private_tags: false is read as private policy keep-safe: keeping every \
                     private attribute is unsafe (vendors put names, IDs and dates there); \
                     list creators under private_tags: {policy: keep, creators: [...]} to keep more",
                );
                PrivatePolicy::KeepSafe
            }
            (None, None) if options.contains(&DeidOption::RetainSafePrivate) => {
                PrivatePolicy::KeepSafe
            }
            (None, None) => PrivatePolicy::Remove,
        };
        if policy == PrivatePolicy::Remove
            && options.contains(&DeidOption::RetainSafePrivate)
            && let Some((what, at)) = set_by
        {
            let option_at = raw
                .options
                .iter()
                .flatten()
                .find(|sp| DeidOption::parse(&sp.value) == Some(DeidOption::RetainSafePrivate))
                .and_then(pos);
            self.error(
                    option_at,
                    format!(
                        "options: retain-safe-private conflicts with {what}{}, which removes every private attribute",
                        line_note(at)
                    ),
                );
        }
        policy
    }

    fn private_tags(&mut self, sp: &Sp<RawPrivateTags>) -> Option<PrivatePolicy> {
        let raw = &sp.value;
        let listed = raw.creators.as_ref().map_or(0, Vec::len);
        let mut creators = Vec::new();
        for c in raw.creators.iter().flatten() {
            let creator = c.value.trim();
            let bad = if creator.is_empty() {
                Some("is empty")
            } else if creator.chars().count() > 64 {
                Some("is longer than 64 characters (private creators are LO values)")
            } else if creator.chars().any(|ch| ch.is_control() || ch == '\\') {
                Some("has a control character or a backslash")
            } else {
                None
            };
            match bad {
                Some(why) => {
                    self.error(pos(c), format!("private_tags: creator '{}' {why}", c.value))
                }
                None => creators.push(creator.to_owned()),
            }
        }
        let policy = match &raw.policy {
            Some(p) => {
                let normalized = p.value.trim().to_ascii_lowercase().replace(['_', ' '], "-");
                match normalized.as_str() {
                    "remove" => PrivatePolicy::Remove,
                    "keep-safe" => PrivatePolicy::KeepSafe,
                    "keep" => PrivatePolicy::Keep {
                        creators: Vec::new(),
                    },
                    _ => {
                        self.error(
                            pos(p),
                            format!(
                                "private_tags: unknown policy '{}' (expected one of: remove, keep-safe, keep)",
                                p.value
                            ),
                        );
                        return None;
                    }
                }
            }
            None if listed > 0 => PrivatePolicy::Keep {
                creators: Vec::new(),
            },
            None => {
                self.error(
                    pos(sp),
                    "private_tags: missing key 'policy' (expected one of: remove, keep-safe, keep)",
                );
                return None;
            }
        };
        match policy {
            PrivatePolicy::Keep { .. } if listed == 0 => {
                self.error(
                    pos(sp),
                    "private_tags: policy keep needs creators: [CREATOR, ...] (the private creators to keep)",
                );
                None
            }
            // Invalid creators were reported above.
            PrivatePolicy::Keep { .. } if creators.len() < listed => None,
            PrivatePolicy::Keep { .. } => Some(PrivatePolicy::Keep { creators }),
            policy if listed > 0 => {
                let at = raw.creators.iter().flatten().next().and_then(pos);
                self.error(
                    at,
                    format!(
                        "private_tags: creators are used only with policy keep, not {}",
                        policy.name()
                    ),
                );
                None
            }
            policy => Some(policy),
        }
    }

    fn machines(&mut self, machines: &[Sp<RawMachine>]) -> Vec<Machine> {
        let mut out: Vec<(Machine, Option<TextPosition>)> = Vec::new();
        for sp in machines {
            let at = pos(sp);
            let Some(machine) = self.machine(sp) else {
                continue;
            };
            let criteria = machine.criteria();
            if let Some((_, earlier_at)) = out
                .iter()
                .find(|(earlier, _)| earlier.criteria().iter().all(|c| criteria.contains(c)))
            {
                let message = format!(
                    "this machine entry never applies: the entry{} matches every image it does \
                     (first match wins)",
                    line_note(*earlier_at)
                );
                self.warn(at, message);
            }
            out.push((machine, at));
        }
        out.into_iter().map(|(m, _)| m).collect()
    }

    fn machine(&mut self, sp: &Sp<RawMachine>) -> Option<Machine> {
        let raw = &sp.value;
        let text = |v: &Option<Sp<String>>| {
            v.as_ref()
                .map(|s| s.value.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let mut machine = Machine {
            manufacturer: text(&raw.manufacturer),
            model_name: text(&raw.model_name),
            device_serial_number: text(&raw.device_serial_number),
            comment: raw.comment.clone(),
            ..Machine::default()
        };
        let mut ok = true;
        if let Some(conditions) = &raw.conditions {
            for (key, value) in &conditions.0 {
                match key.value.parse::<TagPath>() {
                    Ok(tag) => machine.conditions.push(Condition {
                        tag,
                        value: value.value.clone(),
                    }),
                    Err(err) => {
                        ok = false;
                        self.error(
                            pos(key),
                            format!("machines: condition '{}' is not a tag: {err}", key.value),
                        );
                    }
                }
            }
        }
        for zone in raw.redaction_zones.iter().flatten() {
            match gantry_zone(&zone.value.numbers) {
                Ok(z) => machine.zones.push(z),
                Err(message) => {
                    ok = false;
                    self.error(pos(zone), message);
                }
            }
        }
        for region in raw.regions.iter().flatten() {
            match ctp_region(&region.value.numbers) {
                Ok(z) => machine.zones.push(z),
                Err(message) => {
                    ok = false;
                    self.error(pos(region), message);
                }
            }
        }
        if machine.criteria().is_empty() {
            self.error(
                pos(sp),
                "machine entry has nothing to match: give device_serial_number (or serial_number), \
                 manufacturer and model_name, or conditions",
            );
            return None;
        }
        ok.then_some(machine)
    }

    fn pseudonyms(&mut self, sp: &Sp<RawPseudonyms>) -> Pseudonyms {
        let raw = &sp.value;
        let mut out = Pseudonyms::default();
        if let Some(prefix) = &raw.prefix {
            let p = prefix.value.as_str();
            let valid = !p.is_empty()
                && p.chars().count() <= Pseudonyms::MAX_PREFIX_CHARS
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if valid {
                out.prefix = p.to_owned();
            } else {
                self.error(
                    pos(prefix),
                    format!(
                        "pseudonyms.prefix '{p}': expected 1 to {} ASCII letters, digits, '_', '-' or '.' \
                         (it starts PatientIDs and export paths)",
                        Pseudonyms::MAX_PREFIX_CHARS
                    ),
                );
            }
        }
        if let Some(table) = &raw.table {
            out.table = self.path("pseudonyms.table", table);
        }
        if let Some(missing) = &raw.missing {
            match missing.value.trim().to_ascii_lowercase().as_str() {
                "generate" => out.missing = MissingPseudonym::Generate,
                "fail" => out.missing = MissingPseudonym::Fail,
                _ => self.error(
                    pos(missing),
                    format!(
                        "pseudonyms.missing: unknown value '{}' (expected one of: generate, fail)",
                        missing.value
                    ),
                ),
            }
            if raw.table.is_none() {
                self.warn(
                    pos(missing),
                    "pseudonyms.missing is used only with a table; every pseudonym is generated",
                );
            }
        }
        out
    }

    /// A path from the file, relative to the configuration's directory.
    fn path(&mut self, what: &str, sp: &Sp<String>) -> Option<PathBuf> {
        if sp.value.trim().is_empty() || sp.value.contains('\0') {
            self.error(pos(sp), format!("{what}: expected a file path"));
            return None;
        }
        Some(self.base.join(&sp.value))
    }

    fn export(&mut self, sp: &Sp<super::raw::RawExport>) -> ExportSettings {
        let raw = &sp.value;
        let mut out = ExportSettings {
            safe: raw.safe.unwrap_or(false),
            ..ExportSettings::default()
        };
        if let Some(layout) = &raw.layout {
            match Layout::parse(&layout.value) {
                Ok(parsed) => {
                    if !parsed.uses(LayoutField::SOPInstanceUID) {
                        self.warn(
                            pos(layout),
                            "export.layout does not use {SOPInstanceUID}: two instances may get the same path",
                        );
                    }
                    out.layout = parsed;
                }
                Err(message) => self.error(pos(layout), format!("export.layout: {message}")),
            }
        }
        if let Some(ts) = &raw.transfer_syntax
            && !ts.value.trim().eq_ignore_ascii_case("original")
        {
            match TransferSyntaxChoice::parse(&ts.value) {
                Some(choice) => out.transfer_syntax = Some(choice),
                None => {
                    let names: Vec<&str> =
                        TransferSyntaxChoice::ALL.iter().map(|c| c.name()).collect();
                    self.error(
                        pos(ts),
                        format!(
                            "export.transfer_syntax: unknown transfer syntax '{}' \
                                 (expected one of: original, {}, or one of their UIDs)",
                            ts.value,
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        out
    }
}

const NO_PROFILE: &str = "privacy_profile: 'none' (phi_tags as the whole policy) is not supported: \
    Gantry always applies a PS3.15 profile beneath phi_tags; remove the line to use basic, \
    or keep attributes with KEEP entries in phi_tags";

/// Whether a `privacy_profile` value names a file (Isocenter allows that).
fn looks_like_path(name: &str) -> bool {
    name.contains(['/', '\\'])
        || [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext))
}

const CTP_NEEDS_TEXT: &str =
    "CTP needs the rule's text: 'CTP: @...' or {action: CTP, value: '@...'}";

/// An action written as text: a name (`KEEP`, `x`, ...), `REPLACE: value`
/// or `CTP: rule`. `Ok(None)` for text that is none of these; `Err` for
/// `REPLACE:` without a value. A bare `CTP` is `Ctp("")`: the caller asks
/// for the text.
fn parse_action(text: &str) -> Result<Option<UserAction>, String> {
    if let Some(action) = UserAction::from_name(text) {
        return Ok(Some(action));
    }
    let trimmed = text.trim_start();
    if let Some(head) = trimmed.get(..3)
        && head.eq_ignore_ascii_case("CTP")
    {
        let rest = trimmed[3..].trim_start();
        if rest.is_empty() {
            return Ok(Some(UserAction::Ctp(String::new())));
        }
        if let Some(rule) = rest.strip_prefix(':') {
            return Ok(Some(UserAction::Ctp(rule.trim().to_owned())));
        }
    }
    let Some(head) = trimmed.get(..7) else {
        return Ok(None);
    };
    if !head.eq_ignore_ascii_case("REPLACE") {
        return Ok(None);
    }
    let Some(value) = trimmed[7..].trim_start().strip_prefix(':') else {
        return Ok(None);
    };
    let value = value.trim();
    if value.is_empty() {
        return Err(
            "'REPLACE:' needs a value after the colon (use EMPTY for an empty value)".into(),
        );
    }
    Ok(Some(UserAction::Replace(value.to_owned())))
}

/// Whether a rule's `action` is the `REPLACE: value` form.
fn rule_has_inline_value(action: &Option<Sp<String>>) -> bool {
    action.as_ref().is_some_and(|a| {
        UserAction::from_name(&a.value).is_none() && !a.value.trim().eq_ignore_ascii_case("CTP")
    })
}

fn list(numbers: &[i64]) -> String {
    let items: Vec<String> = numbers.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// `[r1, r2, c1, c2]`, end-exclusive, from the top-left corner.
fn gantry_zone(numbers: &[i64]) -> Result<Zone, String> {
    let shown = list(numbers);
    let &[r1, r2, c1, c2] = numbers else {
        return Err(format!(
            "redaction zone {shown}: expected 4 numbers [r1, r2, c1, c2], found {}",
            numbers.len()
        ));
    };
    if numbers.iter().any(|&n| n < 0) {
        return Err(format!(
            "redaction zone {shown}: rows and columns count from the top-left corner and cannot be negative \
             (use regions: [x, y, w, h] to count from the right or bottom edge)"
        ));
    }
    let fit =
        |n: i64| u32::try_from(n).map_err(|_| format!("redaction zone {shown}: {n} is too large"));
    let (r1, r2, c1, c2) = (fit(r1)?, fit(r2)?, fit(c1)?, fit(c2)?);
    if r1 >= r2 {
        return Err(format!("redaction zone {shown}: r1 must be less than r2"));
    }
    if c1 >= c2 {
        return Err(format!("redaction zone {shown}: c1 must be less than c2"));
    }
    Ok(Zone::Gantry { r1, r2, c1, c2 })
}

/// CTP `(x, y, w, h)`; negative x/y count from the right/bottom edge.
fn ctp_region(numbers: &[i64]) -> Result<Zone, String> {
    let shown = list(numbers);
    let &[x, y, w, h] = numbers else {
        return Err(format!(
            "region {shown}: expected 4 numbers [x, y, w, h], found {}",
            numbers.len()
        ));
    };
    let offset = |n: i64| i32::try_from(n).map_err(|_| format!("region {shown}: {n} is too large"));
    let size = |name: &str, n: i64| {
        if n <= 0 {
            Err(format!("region {shown}: {name} must be greater than 0"))
        } else {
            u32::try_from(n).map_err(|_| format!("region {shown}: {n} is too large"))
        }
    };
    Ok(Zone::Ctp {
        x: offset(x)?,
        y: offset(y)?,
        w: size("w", w)?,
        h: size("h", h)?,
    })
}

/// A JSON tree written with keys in the order given.
enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    Value(serde_json::Value),
}

impl Json {
    fn str(s: &str) -> Json {
        Json::Value(serde_json::Value::String(s.to_owned()))
    }

    fn opt_str(s: Option<&str>) -> Json {
        s.map_or(Json::Value(serde_json::Value::Null), Json::str)
    }

    fn obj<const N: usize>(entries: [(&str, Json); N]) -> Json {
        Json::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// This object with `key` appended when `condition` holds.
    fn with(self, condition: bool, key: &str, value: Json) -> Json {
        match self {
            Json::Object(mut entries) if condition => {
                entries.push((key.to_owned(), value));
                Json::Object(entries)
            }
            other => other,
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Value(value) => out.push_str(&value.to_string()),
        }
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

fn path_json(path: Option<&Path>) -> Json {
    Json::opt_str(path.map(|p| p.to_string_lossy()).as_deref())
}

/// The configuration in Gantry's own keys (see [`Config::canonical_json`]).
pub(super) fn canonical(config: &Config) -> impl std::fmt::Display {
    use serde_json::Value;
    let private = match &config.private {
        PrivatePolicy::Keep { creators } => Json::obj([
            ("policy", Json::str("keep")),
            (
                "creators",
                Json::Array(creators.iter().map(|c| Json::str(c)).collect()),
            ),
        ]),
        other => Json::obj([("policy", Json::str(other.name()))]),
    };
    let phi = Json::Object(
        config
            .phi
            .iter()
            .map(|o| {
                let rule = match &o.action {
                    UserAction::Replace(value) => Json::obj([
                        ("action", Json::str("REPLACE")),
                        ("value", Json::str(value)),
                    ]),
                    UserAction::Ctp(rule) => {
                        Json::obj([("action", Json::str("CTP")), ("value", Json::str(rule))])
                    }
                    other => Json::obj([("action", Json::str(other.name()))]),
                };
                (o.tag.to_string(), rule)
            })
            .collect(),
    );
    let machines = Json::Array(
        config
            .machines
            .iter()
            .map(|m| {
                let zones = m
                    .zones
                    .iter()
                    .filter_map(|z| match *z {
                        Zone::Gantry { r1, r2, c1, c2 } => {
                            Some(Json::Value(Value::from(vec![r1, r2, c1, c2])))
                        }
                        Zone::Ctp { .. } => None,
                    })
                    .collect();
                let regions = m
                    .zones
                    .iter()
                    .filter_map(|z| match *z {
                        Zone::Ctp { x, y, w, h } => Some(Json::obj([
                            ("x", Json::Value(x.into())),
                            ("y", Json::Value(y.into())),
                            ("w", Json::Value(w.into())),
                            ("h", Json::Value(h.into())),
                        ])),
                        Zone::Gantry { .. } => None,
                    })
                    .collect();
                Json::obj([
                    ("manufacturer", Json::opt_str(m.manufacturer.as_deref())),
                    ("model_name", Json::opt_str(m.model_name.as_deref())),
                    (
                        "device_serial_number",
                        Json::opt_str(m.device_serial_number.as_deref()),
                    ),
                    (
                        "conditions",
                        Json::Object(
                            m.conditions
                                .iter()
                                .map(|c| (c.tag.to_string(), Json::str(&c.value)))
                                .collect(),
                        ),
                    ),
                    ("redaction_zones", Json::Array(zones)),
                    ("regions", Json::Array(regions)),
                ])
            })
            .collect(),
    );
    Json::obj([
        ("profile", Json::str(config.profile.as_str())),
        (
            "options",
            Json::Array(
                config
                    .options
                    .iter()
                    .map(|o| Json::str(o.as_str()))
                    .collect(),
            ),
        ),
        ("strict", Json::Value(config.strict.into())),
        ("key_file", path_json(config.key_file.as_deref())),
        (
            "pseudonyms",
            Json::obj([
                ("prefix", Json::str(&config.pseudonyms.prefix)),
                ("table", path_json(config.pseudonyms.table.as_deref())),
            ])
            .with(
                config.pseudonyms.table.is_some(),
                "missing",
                Json::str(config.pseudonyms.missing.as_str()),
            ),
        ),
        ("private_tags", private),
        (
            "dates",
            Json::obj([
                ("min_days", Json::Value(config.dates.min_days.into())),
                ("max_days", Json::Value(config.dates.max_days.into())),
                ("shift_times", Json::Value(config.dates.shift_times.into())),
            ]),
        ),
        ("phi_tags", phi),
        ("machines", machines),
        (
            "export",
            Json::obj([
                ("layout", Json::str(config.export.layout.template())),
                (
                    "transfer_syntax",
                    Json::opt_str(config.export.transfer_syntax.map(|t| t.name())),
                ),
                ("safe", Json::Value(config.export.safe.into())),
            ]),
        ),
        ("reversible", Json::Value(config.reversible.into())),
        (
            "recipients",
            Json::Array(
                config
                    .recipients
                    .iter()
                    .map(|p| Json::str(&p.to_string_lossy()))
                    .collect(),
            ),
        ),
    ])
    // Only when there are any, so that configs without CTP rules keep
    // the hash they had.
    .with(
        !config.ctp_params.is_empty(),
        "ctp_params",
        Json::Object(
            config
                .ctp_params
                .iter()
                .map(|(name, value)| (name.clone(), Json::str(value)))
                .collect(),
        ),
    )
}
