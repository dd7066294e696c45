//! The built-in knowledge base: CTP's stock `DicomPixelAnonymizer.script`.

use std::sync::LazyLock;

use gantry_ctp::{Diagnostic, parse_pixel_script};

use crate::region::Region;
use crate::rule::{Lookup, Origin, Rule};

/// The stock CTP script, compiled in (see `data/README.md` for its
/// provenance and licence).
const BUILTIN_SCRIPT: &str = include_str!("../data/DicomPixelAnonymizer.script");
const BUILTIN_NAME: &str = "DicomPixelAnonymizer.script";

static BUILTIN: LazyLock<KnowledgeBase> =
    LazyLock::new(|| KnowledgeBase::from_script(BUILTIN_NAME, BUILTIN_SCRIPT));

/// Rules read from a CTP `DicomPixelAnonymizer` script, one per signature
/// in script order, each with origin `CTP NAME line N`.
///
/// [`KnowledgeBase::builtin`] is RSNA's stock library of burned-in text
/// locations (52 signatures), which SPEC §7 makes Gantry's default
/// knowledge: `gantry config init` pre-fills the zones of the machines it
/// matches, and redaction falls back to it after the config's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnowledgeBase {
    rules: Vec<Rule>,
    diagnostics: Vec<Diagnostic>,
}

impl KnowledgeBase {
    /// The stock CTP script, parsed once on first use.
    pub fn builtin() -> &'static KnowledgeBase {
        &BUILTIN
    }

    /// The text of the built-in script, as published by RSNA.
    pub fn builtin_script() -> &'static str {
        BUILTIN_SCRIPT
    }

    /// Rules from the text of a script named `name` (its file name, shown
    /// in origins). Never fails: signatures with errors are left out and
    /// the parser's [`Diagnostic`]s kept ([`KnowledgeBase::diagnostics`]).
    pub fn from_script(name: &str, text: &str) -> KnowledgeBase {
        let script = parse_pixel_script(text);
        let rules = script
            .signatures
            .into_iter()
            .map(|signature| {
                let regions = signature
                    .regions
                    .iter()
                    // The parser keeps only regions with w, h > 0, which
                    // always convert.
                    .filter_map(|&r| Region::from_ctp(r).ok())
                    .collect();
                Rule::new(
                    Origin::Script {
                        script: name.to_owned(),
                        line: signature.line,
                    },
                    signature.condition,
                    regions,
                )
            })
            .collect();
        KnowledgeBase {
            rules,
            diagnostics: script.diagnostics,
        }
    }

    /// The rules, in script order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What the parser found wrong with the script (none for the built-in
    /// one).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The rule CTP would choose for an instance: the first whose
    /// signature matches. Its [`Rule::origin`] says which signature (line)
    /// it is.
    pub fn first_match(&self, lookup: Lookup<'_>) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(lookup))
    }
}
