//! `gantry ctp import`: RSNA CTP scripts into Gantry's terms (SPEC §8).
//!
//! A pixel script (`DicomPixelAnonymizer.script`) is parsed and shown as
//! it is: Gantry reads those directly. A `DicomAnonymizer.script` (XML or
//! the legacy properties form) is converted into a Gantry configuration:
//! YAML a user can read, edit and pass to `--config`, checked by loading
//! it back before it is returned.
//!
//! How the conversion reads a CTP script (decisions, for users):
//! - The profile is `basic`, and every enabled `<e>` rule becomes a
//!   `phi_tags` entry for its top-level attribute. Elements the script
//!   does not name (and rules it disables) get PS3.15 treatment rather
//!   than CTP's "keep": never less safe than the script.
//! - Rules with a native action become that action: `@remove()`,
//!   `@keep()`, `@empty()` (and an empty rule, which CTP empties),
//!   `@process()` (KEEP: the sequence's items are still cleaned),
//!   `@hashuid(root,this)` (UID: Gantry's keyed `2.25.` remap, so
//!   references stay consistent), `@incrementdate(this,N)` (SHIFT, with
//!   `date_jitter: N` — the first increment wins; rules with another one
//!   stay CTP rules), literal text and `@param(@P)` (REPLACE).
//! - Every other rule stays a `CTP` rule, run by Gantry with keyed hashes
//!   in place of CTP's MD5 (see `gantry_privacy::CtpRule`); the
//!   parameters those rules use are copied into `ctp_params`.
//! - Rules for the elements Gantry stamps itself (PatientIdentityRemoved,
//!   DeidentificationMethod and its code sequence,
//!   LongitudinalTemporalInformationModified; SPEC §6.5) are not
//!   converted: the stamps always describe what Gantry did.
//! - `<k t="safeprivateelements">` on: the `retain-safe-private` option;
//!   otherwise private elements are removed (Gantry's default), with a
//!   warning when `<r t="privategroups">` is off, where CTP would keep
//!   every private element.
//! - `<r t="unspecifiedelements">` on: `strict: true` (attributes the IOD
//!   does not require are removed; named ones follow their rule).
//! - `<k>` groups are not converted (a warning each): Gantry has no
//!   group-wide keep, and PS3.15 keeps most of 0018, 0020 and 0028.
//! - Overlays and curves are removed by the basic profile whatever the
//!   script says; a script that keeps them gets a warning.
//!
//! Diagnostics come from the parser and from the conversion, each with
//! the script's line and column.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gantry_ctp::{
    AnonymizerScript, Arg, Call, Diagnostic, ElementRule, Function, Part, PixelScript, RemoveWhat,
    Script, ScriptForm, ScriptTag, Severity,
};

use crate::config::{Config, ConfigError};

/// What `gantry ctp import` made of a file.
#[derive(Debug)]
pub enum Imported {
    /// A `DicomPixelAnonymizer.script`.
    Pixel(PixelScript),
    /// A `DicomAnonymizer.script`, converted.
    Anonymizer(Box<Conversion>),
}

/// A `DicomAnonymizer.script` as a Gantry configuration.
#[derive(Debug)]
pub struct Conversion {
    /// The configuration file's text (YAML, with comments naming the
    /// script's lines).
    pub yaml: String,
    /// The same configuration, loaded and checked.
    pub config: Config,
    /// The parser's diagnostics and the conversion's, by line.
    pub diagnostics: Vec<Diagnostic>,
    /// How the enabled rules were converted.
    pub counts: ConversionCounts,
}

/// How many enabled rules became what.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ConversionCounts {
    /// Enabled `<e>` rules in the script.
    pub rules: usize,
    /// Rules that became a native Gantry action.
    pub native: usize,
    /// Rules kept as `CTP` rules.
    pub ctp: usize,
    /// Rules not converted (stamped elements; errors).
    pub dropped: usize,
    /// Disabled rules (`en="F"`, `#set.`), which CTP ignores.
    pub disabled: usize,
}

impl Conversion {
    /// Whether a diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Whether `text` is a `DicomAnonymizer.script` rather than a pixel
/// script: XML (as CTP decides: the first non-space character is `<`), or
/// a properties file with `set.`, `param.`, `keep.` or `remove.` keys.
pub fn is_anonymizer_script(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('<') {
        return true;
    }
    text.lines().any(|line| {
        let line = line.trim_start();
        let line = line.strip_prefix('#').unwrap_or(line);
        ["set.[", "param.", "keep.", "remove."]
            .iter()
            .any(|key| line.starts_with(key))
            && line.contains('=')
    })
}

/// Read a CTP script of either kind.
pub fn import(text: &str) -> Result<Imported, ConfigError> {
    if is_anonymizer_script(text) {
        let script = gantry_ctp::parse_anonymizer_script(text);
        convert(&script).map(|c| Imported::Anonymizer(Box::new(c)))
    } else {
        Ok(Imported::Pixel(gantry_ctp::parse_pixel_script(text)))
    }
}

/// The elements Gantry stamps itself (SPEC §6.5).
const STAMPED: [(u16, u16); 4] = [
    (0x0012, 0x0062),
    (0x0012, 0x0063),
    (0x0012, 0x0064),
    (0x0028, 0x0303),
];

/// One `phi_tags` entry of the output.
struct Entry {
    key: String,
    /// The YAML value: an action name, or a `{action, value}` mapping.
    value: String,
    /// The rule's line and name, for a comment.
    note: String,
}

/// Convert a parsed `DicomAnonymizer.script`.
pub fn convert(script: &AnonymizerScript) -> Result<Conversion, ConfigError> {
    let mut diagnostics = script.diagnostics.clone();
    let mut counts = ConversionCounts::default();
    let params: BTreeMap<&str, &str> = script
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    let date_shift = first_increment(script, &params);

    let mut entries = Vec::new();
    let mut used_params: BTreeMap<String, String> = BTreeMap::new();
    for rule in &script.elements {
        if !rule.enabled {
            counts.disabled += 1;
            continue;
        }
        counts.rules += 1;
        let key = phi_key(&rule.tag);
        if let ScriptTag::Tag { group, element } = rule.tag
            && STAMPED.contains(&(group, element))
        {
            counts.dropped += 1;
            diagnostics.push(warning(
                rule.line,
                format!(
                    "{key} {}: not converted: Gantry writes this element itself, describing what it did (SPEC §6.5)",
                    rule.name
                ),
            ));
            continue;
        }
        let value = match native(rule, &params, date_shift) {
            Some(action) => {
                counts.native += 1;
                action
            }
            None => {
                for name in rule.script.param_names() {
                    if let Some(value) = params.get(name) {
                        used_params.insert(name.to_owned(), (*value).to_owned());
                    }
                }
                if let Some(missing) = rule
                    .script
                    .param_names()
                    .into_iter()
                    .find(|name| !params.contains_key(name))
                {
                    counts.dropped += 1;
                    diagnostics.push(error(
                        rule.line,
                        format!(
                            "{key} {}: not converted: @{missing} is not a parameter of the script",
                            rule.name
                        ),
                    ));
                    continue;
                }
                if let Some(problem) = unconvertible(&rule.script) {
                    counts.dropped += 1;
                    diagnostics.push(error(
                        rule.line,
                        format!("{key} {}: not converted: {problem}", rule.name),
                    ));
                    continue;
                }
                if rule
                    .script
                    .functions()
                    .iter()
                    .any(|f| matches!(f, Function::Date | Function::Time))
                {
                    diagnostics.push(warning(
                        rule.line,
                        format!(
                            "{key} {}: @date/@time write the moment of processing: this element will differ between runs and shards",
                            rule.name
                        ),
                    ));
                }
                counts.ctp += 1;
                format!(
                    "{{action: CTP, value: {}}}",
                    quoted(&rule.script.to_string())
                )
            }
        };
        entries.push(Entry {
            key,
            value,
            note: format!("line {}: {}", rule.line, one_line(&rule.name)),
        });
    }
    if counts.disabled > 0 {
        diagnostics.push(warning(
            1,
            format!(
                "{} disabled rules: CTP leaves those elements as they are; Gantry applies the basic profile to them",
                counts.disabled
            ),
        ));
    }

    let switches = Switches::read(script, &mut diagnostics);
    let yaml = render(
        script,
        &entries,
        &used_params,
        date_shift,
        &switches,
        &counts,
    );
    diagnostics.sort_by_key(|d| (d.line, d.column));
    let config = Config::from_str(&yaml, "converted.yaml")?;
    Ok(Conversion {
        yaml,
        config,
        diagnostics,
        counts,
    })
}

/// The native action a rule amounts to, as YAML, if it has one.
fn native(
    rule: &ElementRule,
    params: &BTreeMap<&str, &str>,
    date_shift: Option<i32>,
) -> Option<String> {
    let parts = trimmed(&rule.script);
    let action = match parts.as_slice() {
        [] => "EMPTY".to_owned(),
        [Part::Call(call)] if call.clauses.iter().all(Script::is_empty) => {
            match (&call.function, call.args.as_slice()) {
                (Function::Remove, []) => "REMOVE".to_owned(),
                (Function::Keep, []) => "KEEP".to_owned(),
                (Function::Empty, []) => "EMPTY".to_owned(),
                (Function::Process, []) => "KEEP".to_owned(),
                (Function::HashUid, [_, Arg::This]) => "UID".to_owned(),
                (Function::IncrementDate, [Arg::This, days])
                    if date_shift.is_some() && increment(days, params) == date_shift =>
                {
                    "SHIFT".to_owned()
                }
                (Function::Param, [Arg::Param(name)]) => {
                    let value = params.get(name.as_str())?;
                    replace(value)?
                }
                _ => return None,
            }
        }
        [Part::Text(text)] => replace(text)?,
        _ => return None,
    };
    Some(action)
}

/// `REPLACE` of `value`, when it is a value a config can hold.
fn replace(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || value.contains(['\n', '\r']) {
        return None;
    }
    Some(format!("{{action: REPLACE, value: {}}}", quoted(value)))
}

/// The script's parts without white space between them (CTP trims the
/// result, so `  @keep() ` is `@keep()`).
fn trimmed(script: &Script) -> Vec<&Part> {
    script
        .parts
        .iter()
        .filter(|part| !matches!(part, Part::Text(text) if text.trim().is_empty()))
        .collect()
}

/// The number of days an `@incrementdate` argument stands for.
fn increment(arg: &Arg, params: &BTreeMap<&str, &str>) -> Option<i32> {
    let text = match arg {
        Arg::Param(name) => *params.get(name.as_str())?,
        Arg::Quoted(text) | Arg::Bare(text) => text.as_str(),
        Arg::This => return None,
    };
    text.trim().parse().ok()
}

/// The increment of the first enabled `@incrementdate(this, N)` rule.
fn first_increment(script: &AnonymizerScript, params: &BTreeMap<&str, &str>) -> Option<i32> {
    let limit = crate::config::DateSettings::MAX_ABS_DAYS;
    script
        .elements
        .iter()
        .filter(|rule| rule.enabled)
        .find_map(|rule| match trimmed(&rule.script).as_slice() {
            [
                Part::Call(Call {
                    function: Function::IncrementDate,
                    args,
                    ..
                }),
            ] => match args.as_slice() {
                [Arg::This, days] => increment(days, params),
                _ => None,
            },
            _ => None,
        })
        .filter(|days| (-limit..=limit).contains(days))
}

/// Why a rule cannot run in Gantry, if it cannot: a function the
/// evaluator refuses whatever the data.
fn unconvertible(script: &Script) -> Option<String> {
    script.functions().into_iter().find_map(|function| {
        let why = match function {
            Function::Encrypt | Function::Decrypt => {
                "Gantry seals originals itself (reversible: true)"
            }
            Function::Call => "site-specific extensions cannot run in Gantry",
            Function::PathElement => "Gantry does not know the file's path in a rule",
            Function::Integer => "Gantry keeps no counters across objects",
            Function::Lookup => "Gantry has no lookup tables (use pseudonyms.table for PatientID)",
            Function::Unknown(_) => "CTP does not know this function",
            _ => return None,
        };
        Some(format!("@{} — {why}", function.name()))
    })
}

/// The script's switches as Gantry settings.
struct Switches {
    keep_safe_private: bool,
    strict: bool,
}

impl Switches {
    fn read(script: &AnonymizerScript, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let on = |what: RemoveWhat| {
            script
                .remove
                .iter()
                .rev()
                .find(|s| s.what == what)
                .map(|s| (s.line, s.enabled))
        };
        let safe = script.keep_safe_private.as_ref().is_some_and(|s| s.enabled);
        let private_groups = on(RemoveWhat::PrivateGroups);
        if let Some((line, false)) = private_groups
            && !safe
        {
            diagnostics.push(warning(
                line,
                "privategroups is off: CTP would keep every private element; Gantry removes them \
                 (list creators under private_tags to keep theirs)",
            ));
        }
        for (what, name) in [
            (RemoveWhat::Overlays, "overlays"),
            (RemoveWhat::Curves, "curves"),
        ] {
            if let Some((line, false)) = on(what) {
                diagnostics.push(warning(
                    line,
                    format!("{name} is off: Gantry removes {name} anyway (PS3.15 Table E.1-1)"),
                ));
            }
        }
        let strict = on(RemoveWhat::UnspecifiedElements).is_some_and(|(_, on)| on);
        if let Some((line, true)) = on(RemoveWhat::UnspecifiedElements) {
            diagnostics.push(warning(
                line,
                "unspecifiedelements is on: converted to strict: true, which removes what the \
                 IOD does not require (rather than what the script does not name)",
            ));
        }
        for group in script.keep_groups.iter().filter(|g| g.enabled) {
            diagnostics.push(warning(
                group.line,
                format!(
                    "keep group {:04X}: not converted: Gantry has no group-wide keep; the basic \
                     profile decides each of its elements (name them in phi_tags to keep them)",
                    group.what
                ),
            ));
        }
        Switches {
            keep_safe_private: safe,
            strict,
        }
    }
}

fn render(
    script: &AnonymizerScript,
    entries: &[Entry],
    params: &BTreeMap<String, String>,
    date_shift: Option<i32>,
    switches: &Switches,
    counts: &ConversionCounts,
) -> String {
    let form = match script.form {
        ScriptForm::Xml => "XML",
        ScriptForm::Properties => "properties",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Converted by `gantry ctp import` from a CTP DicomAnonymizer script ({form} form).\n\
         # {} enabled rules: {} native actions, {} CTP rules, {} not converted; {} disabled.\n\
         # Elements the script does not name get the basic profile's treatment.\n\
         version: \"2.0\"\n\
         profile: basic",
        counts.rules, counts.native, counts.ctp, counts.dropped, counts.disabled
    );
    if switches.keep_safe_private {
        out.push_str("options: [retain-safe-private]\n");
    }
    if switches.strict {
        out.push_str("strict: true\n");
    }
    if let Some(days) = date_shift {
        let _ = writeln!(
            out,
            "# @incrementdate: every date moves by the same number of days.\ndate_jitter: {days}"
        );
    }
    if !params.is_empty() {
        out.push_str("ctp_params:\n");
        for (name, value) in params {
            let _ = writeln!(out, "  {name}: {}", quoted(value));
        }
    }
    if entries.is_empty() {
        out.push_str("phi_tags: {}\n");
    } else {
        out.push_str("phi_tags:\n");
        for entry in entries {
            let _ = writeln!(out, "  # {}", entry.note);
            let _ = writeln!(out, "  {}: {}", quoted(&entry.key), entry.value);
        }
    }
    out
}

/// The `phi_tags` key of a script's element.
fn phi_key(tag: &ScriptTag) -> String {
    match tag {
        ScriptTag::Tag { group, element } => format!("({group:04X},{element:04X})"),
        ScriptTag::Private {
            group,
            creator,
            element,
        } => format!("({group:04X},{{{creator}}}{element:02X})"),
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// Text for a comment: one line, no control characters.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn warning(line: u32, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        line,
        column: 1,
        severity: Severity::Warning,
        message: message.into(),
    }
}

fn error(line: u32, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        line,
        column: 1,
        severity: Severity::Error,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests;
