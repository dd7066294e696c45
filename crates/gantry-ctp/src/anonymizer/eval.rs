//! Running an element rule's [`Script`] against values the caller
//! supplies (SPEC §8): CTP's `DICOMAnonymizer.makeReplacement` and its
//! functions, with Gantry's keyed operations in place of CTP's unkeyed
//! MD5 hashes.
//!
//! The semantics, and where Gantry departs from CTP, are documented on
//! [`evaluate`]; the submodules hold the pieces: `run` (the walk and the
//! functions), `dates`, `text` (Java's string behaviour), `pattern`
//! (regular expressions and Java's replacement syntax).

mod dates;
mod pattern;
mod run;
mod text;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use super::{AnonymizerScript, Function, Part, Script};

/// How deep `@if`, `@select` and `@append` clauses may nest before
/// evaluation stops with an [`EvalError`] (CTP has no limit and would
/// overflow its stack).
const MAX_DEPTH: usize = 64;

/// What a script reads, and the keyed operations it asks for. The caller
/// (Gantry's planner) implements it over one data set.
pub trait Context {
    /// The value of the element the rule is for (`this`): values joined
    /// by `\`, trailing padding removed; `None` when it is absent.
    fn this(&self) -> Option<String>;
    /// The value of the element an argument names (a keyword such as
    /// `PatientID`, `[0010,0020]`, `00100020`, `0009[CREATOR]10`), looked
    /// up in the data set being processed (the item, inside a sequence);
    /// `None` when absent or not an element name.
    fn element(&self, name: &str) -> Option<String>;
    /// Whether the data set being processed is the top-level one
    /// (`@select`).
    fn is_root(&self) -> bool;
    /// A keyed hash of `text` as decimal digits, at most `max_len` of them
    /// when given (CTP's `@hash`, `@hashname`, `@hashptid`).
    fn hash(&self, text: &str, max_len: Option<usize>) -> String;
    /// The keyed UID remap of `uid` (`@hashuid`; CTP's root argument is
    /// passed for information, Gantry's UIDs are `2.25.` UIDs).
    fn hash_uid(&self, root: &str, uid: &str) -> String;
    /// The keyed date offset, in days, for the patient `key` identifies
    /// (`@hashdate(this, PatientID)`).
    fn date_offset_days(&self, key: &str) -> i32;
    /// Today's date as `YYYYMMDD` and the time as `HHMMSS` (`@date`,
    /// `@time`). Gantry passes the session's fixed moment, so that output
    /// stays deterministic.
    fn now(&self) -> (String, String);
    /// The value a lookup table holds for `key` of kind `key_type`
    /// (`@lookup`); `None` when there is no table or no entry.
    fn lookup(&self, key_type: &str, key: &str) -> Option<String>;
}

/// A script's parameters by name (without `@`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// The parameters a script defines; a later definition of a name
    /// replaces an earlier one, as in CTP.
    pub fn of(script: &AnonymizerScript) -> Params {
        Params(
            script
                .params
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
        )
    }
}

/// What a rule decides for its element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Keep the value as it is.
    Keep,
    /// Keep a sequence and apply the script to its items (`@process()`).
    Process,
    /// Remove the element.
    Remove,
    /// Make the value empty.
    Empty,
    /// Set this value (created when the element is absent).
    Value(String),
    /// Quarantine the whole object (`@quarantine()`).
    Quarantine,
    /// CTP passes the object on unanonymized (`@skip()`).
    Skip,
}

/// Why a script could not be evaluated. Names the function and where it
/// is in the script, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: @{function}: {message}")]
pub struct EvalError {
    /// 1-based line of the call.
    pub line: u32,
    /// 1-based column of the call.
    pub column: u32,
    /// The function's name.
    pub function: String,
    /// What went wrong.
    pub message: String,
}

impl Script {
    /// Whether the rule applies to an absent element: a top-level call is
    /// `@always()` or `@require()`.
    ///
    /// CTP only creates an absent element when its rule *starts* with
    /// `@always()`, so a lone `@require()` never creates anything there,
    /// despite its documentation; Gantry does what the function's name
    /// says (SPEC §8), and also honours `@always()` anywhere at the top
    /// level, not only first.
    pub fn applies_when_absent(&self) -> bool {
        self.parts.iter().any(|part| {
            matches!(part, Part::Call(call)
                if matches!(call.function, Function::Always | Function::Require))
        })
    }
}

/// Evaluate `script` for one element.
///
/// `Ok` is what the rule decides, including [`Outcome::Quarantine`] and
/// [`Outcome::Skip`] (and the quarantine CTP's `@lookup` asks for when a
/// key is missing). `Err` is a script Gantry cannot run as written; it
/// names the function and its position, never a value.
///
/// # How a rule decides
///
/// CTP builds one string: literal text and each function's result, left
/// to right, and then reads *markers* out of it — `@remove()` anywhere
/// removes the element, a result that is exactly `@keep()` keeps it,
/// `@empty()` empties it, one starting with `@blank(n)` writes `n`
/// spaces, anything else (trimmed) is the new value. Gantry keeps the
/// markers apart from the text instead, so an element *value* can never
/// act as a marker (in CTP a patient named `@remove()` copied by
/// `@value(this)` would remove the element). The result is decided as
/// CTP decides it:
///
/// - a `@remove()` anywhere (also one a function yields, such as `@hash`
///   of an absent element) → [`Outcome::Remove`];
/// - one `@keep()`, `@process()`, `@empty()` or `@blank(n)` with no other
///   text than white space → [`Outcome::Keep`], [`Outcome::Process`],
///   [`Outcome::Empty`], or `n` spaces ([`Outcome::Value`]; `n` capped at
///   55 as in CTP, `@blank(0)` is [`Outcome::Empty`]);
/// - a marker mixed with other text, or two of them, is an [`EvalError`]:
///   CTP would write the marker into the element as text (`X@keep()`),
///   or silently drop what follows `@blank(n)`;
/// - otherwise the text, trimmed as Java's `String.trim` trims (every
///   character up to U+0020), is the value: [`Outcome::Value`], or
///   [`Outcome::Empty`] when nothing is left. So an enabled rule with no
///   text empties its element, as in CTP.
///
/// `@quarantine()` and `@skip()` stop the evaluation where they are
/// reached, like CTP's exceptions; so do errors. Calls inside a clause
/// that is not taken are never evaluated, so they cannot fail: the parser
/// reports unsupported functions statically.
///
/// A rule is evaluated for an element that is present, and — when
/// [`Script::applies_when_absent`] — for one that is absent (then
/// [`Context::this`] is `None`). For an absent element [`Outcome::Keep`],
/// [`Outcome::Remove`] and [`Outcome::Process`] mean "do not create it",
/// [`Outcome::Empty`] and [`Outcome::Value`] create it, as CTP's
/// `insertElements` does.
///
/// # Arguments
///
/// `this` is [`Context::this`]; an element argument written bare or quoted
/// (`PatientID`, `[0010,0020]`, `"PatientID"`) is [`Context::element`]
/// (`this` written so is `this` again); `@NAME` is the script parameter
/// (an undefined one is an error, where CTP would use the text `null`).
/// A parameter where an element is expected is an error (CTP would look
/// for an element called `@NAME` and find none). Numbers may be written
/// bare, quoted or as parameters; surrounding white space is ignored,
/// and text that is not a whole number is an error where CTP silently
/// falls back to a default (4 digits for `@hashname`, no limit for
/// `@hash`, an empty date for `@incrementdate`…).
///
/// # Functions
///
/// As CTP's, with these choices where CTP is silent, sloppy or unsafe:
///
/// - `@keep()`, `@remove()`, `@empty()`, `@blank(n)`, `@process()`: the
///   markers above. With arguments `@keep`, `@remove` and `@empty` are
///   errors (CTP would not recognise them and would write the call into
///   the element). `@always()` yields nothing.
/// - `@require([e[, default]])`: keep a present element; for an absent
///   one, the value of `e`, else `default`, else empty (spaces only:
///   kept as spaces).
/// - `@param(@NAME)`: the parameter's value.
/// - keyed hashes: `@hash(e[,max])` hashes the value as it is
///   ([`Context::hash`]; an absent element is removed);
///   `@hashname(e,len[,words])` hashes the first `words` `^`-separated
///   name components, concatenated, without white space, `,`, `'`, `^`,
///   `.`, in upper case; `@hashptid(site,e[,max])` hashes `[site]id`
///   (both trimmed; an absent id is the text `null`, as in CTP, so every
///   subject without an id shares one pseudonym). A length below 1 means
///   no limit, as in CTP.
/// - `@hashuid(root,e)`: each `\`-separated UID on its own through
///   [`Context::hash_uid`] (CTP hashes a multi-valued element as one
///   string, making one UID of several); absent → remove; empty values
///   stay empty. CTP's third argument (another element's rule appended to
///   the UID) is an error.
/// - dates (`@incrementdate(e,days)`, `@incrementdate(e,key,type)` with
///   the days from [`Context::lookup`], `@hashdate(e,key)` with
///   [`Context::date_offset_days`] of the key element's value,
///   `@modifydate(e,y,m,d)` with `*` keeping a field): each
///   `\`-separated value `YYYYMMDD`, `YYYY-MM-DD` or `YYYY.MM.DD`; the
///   time part of a DT value is kept (CTP empties every DT value with a
///   time). Absent → remove; shorter than 8 characters, not a real date
///   (CTP's calendar is lenient: `20230230` is 2 March), followed by
///   anything but a time, or out of the years 0000–9999 → empty, as CTP
///   empties what it cannot parse; a missing lookup entry too.
///   `@modifydate` itself is lenient like Java's `Calendar.set`: month
///   13 is January of the next year, day 0 the last of the month before.
/// - `@date(sep)`, `@time(sep)`: [`Context::now`] with `sep` between the
///   fields.
/// - `@round(e,size)`: the digits of the value rounded half up to a
///   multiple of `size`, the other characters after them, a `0` in front
///   for an even length (`027Y`, 5 → `025Y`); a value without digits is
///   emptied (CTP writes the call's arguments into the element).
/// - `@contents(e[,regex[,replacement]])`: Java's `replaceAll`, with
///   Java's replacement syntax (`$1`, `${name}`, `\$`); the pattern is
///   run by the `regex` crate (no look-around, no back-references: an
///   error). `@value(e[,default])`, `@truncate(e,n)` (characters, the
///   last `-n` of the trimmed value for negative `n`), `@lowercase(e)`,
///   `@uppercase(e)`, `@initials(e[,offset])` (first letters, family name
///   last, `X` for none; the offset shifts letters and digits).
/// - `@if(e,cond[,value]){then}{else}`: `isblank`, `exists`, `contains`
///   and `equals` (ignoring case), `matches` (whole value),
///   `greaterthan` (the ASCII digits of both sides as whole numbers of
///   any length; CTP's 32-bit parse turns longer ones into 0). An
///   unknown condition or a missing `value` is an error (CTP quietly takes
///   the else clause). `@select(){root}{item}` by [`Context::is_root`].
///   `@append(){text}` adds the clause's result as one more value.
/// - `@lookup(e,type[,action[,arg]])` through [`Context::lookup`]; `e`
///   may join elements with `|`. On a miss the action decides (`keep`,
///   `remove`, `empty`, `default`, `ignore`), else the object is
///   quarantined, as in CTP; an unknown action is an error.
/// - `@encrypt`, `@decrypt`, `@call`, `@pathelement`, `@integer`,
///   `@dateinterval` and unknown functions are errors that say why.
///
/// Evaluation never panics, whatever the script and the values: clauses
/// nest at most 64 deep, numbers saturate, dates are checked,
/// strings are cut on character boundaries.
///
/// # Errors
///
/// An [`EvalError`] for unsupported or unknown functions, wrong argument
/// counts, undefined parameters, numbers that are not numbers, invalid
/// regular expressions, markers mixed with text, and clauses nested
/// more than 64 deep.
pub fn evaluate(script: &Script, params: &Params, ctx: &dyn Context) -> Result<Outcome, EvalError> {
    run::evaluate(script, params, ctx)
}
