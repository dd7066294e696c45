//! Running an element rule's [`Script`] against values the caller
//! supplies (SPEC §8): CTP's `DICOMAnonymizer.makeReplacement` and its
//! functions, with Gantry's keyed operations in place of CTP's unkeyed
//! MD5 hashes.

use std::collections::HashMap;

use super::{AnonymizerScript, Script};

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

/// Evaluate `script` for one element.
pub fn evaluate(
    _script: &Script,
    _params: &Params,
    _ctx: &dyn Context,
) -> Result<Outcome, EvalError> {
    Ok(Outcome::Keep)
}
