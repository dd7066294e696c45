//! Parsers for RSNA CTP scripts.
//!
//! [`parse_pixel_script`] reads a `DicomPixelAnonymizer.script` into a
//! [`PixelScript`]: its [`Signature`]s — a [`Condition`] over attribute
//! values and the pixel [`Region`]s to blank when it is the first to match
//! — and [`Diagnostic`]s with line and column. Parsing never fails, like
//! rust-analyzer's parser returns a tree plus errors. The script also
//! evaluates conditions against values the caller looks up, `matches`
//! patterns included (compiled once, at parse time)
//! ([`PixelScript::first_match`]), finds signatures shadowed by earlier
//! ones ([`PixelScript::shadowed`]), and renders itself as the
//! `gantry ctp import --json` object.
//!
//! ```
//! use gantry_ctp::{Operand, Region, parse_pixel_script};
//!
//! let script = parse_pixel_script(
//!     r#"GE 512 x 512 screen captures
//!   { Manufacturer.containsIgnoreCase("GE MEDICAL") * Rows.equals("512") }
//!   (0,0,512,25) (-100,0,100,25)
//! "#,
//! );
//! assert!(script.diagnostics.is_empty());
//! let signature = &script.signatures[0];
//! assert_eq!(signature.line, 2);
//! assert_eq!(signature.regions[1], Region { x: -100, y: 0, w: 100, h: 25 });
//!
//! let lookup = |operand: &Operand| match operand.as_keyword()? {
//!     "Manufacturer" => Some("GE MEDICAL SYSTEMS".to_owned()),
//!     "Rows" => Some("512".to_owned()),
//!     _ => None,
//! };
//! assert_eq!(script.first_match(&lookup), Some(signature));
//! ```
//!
//! # The condition language
//!
//! As CTP's (`DicomObject.matches`): tests `Operand.method("literal")`
//! joined by `*` (and), `+` (or), `!` (not) and parentheses, `!` binding
//! tightest and `+` loosest; `//` comments run to the end of the line;
//! `true` and `false` are constants. Operands are keywords
//! (`Manufacturer`), tags `[0008,0070]`, private elements
//! `[0009[GEMS_IDEN_01]04]`, and sequence paths joined by `::`. Gantry also
//! accepts `(0008,0070)` and `0009[GEMS_IDEN_01]04` with a warning: CTP
//! cannot start a test with either. The methods are the [`Method`]s;
//! anything else is an error, and so is a `matches` pattern that is not a
//! regular expression Gantry can run (see [`Predicate::new`]). A literal is the text between double
//! quotes, verbatim: no escapes (a backslash is a backslash), no `"`, and
//! — as a signature ends at its first `}` — no `}`; Gantry also ends it
//! at the end of the line.
//!
//! [`parse_anonymizer_script`] reads a `DicomAnonymizer.script` (XML or
//! the legacy properties form) into an [`AnonymizerScript`], and
//! [`evaluate`] runs one element rule's [`Script`] against a [`Context`].
//!
//! The crate knows nothing about DICOM files: callers supply values.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod anonymizer;
mod condition;
mod diagnostic;
mod parse_condition;
mod pixel;
mod shadow;

pub use anonymizer::{
    AnonymizerScript, Arg, Call, Context, ElementRule, EvalError, Function, Outcome, Param, Params,
    Part, RemoveWhat, Script, ScriptForm, ScriptTag, Switch, evaluate, parse_anonymizer_script,
    parse_rule,
};
pub use condition::{Condition, Element, Method, Operand, PatternError, Predicate};
pub use diagnostic::{Diagnostic, Severity};
pub use pixel::{PixelScript, Region, Signature, parse_pixel_script};
/// Re-export of `serde_json`, whose `Value` [`PixelScript::to_json`]
/// returns.
pub use serde_json;
pub use shadow::Shadowed;
