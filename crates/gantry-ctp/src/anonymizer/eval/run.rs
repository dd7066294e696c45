//! The evaluator proper: a walk over the [`Script`] that collects text
//! and decisions ([`Mark`]s) left to right, then [`finish`] turns them
//! into an [`Outcome`] as CTP's `processElements` reads its string.
//!
//! Each function checks what does not depend on the data (argument
//! counts, numbers, parameters, patterns) before it reads a value, so a
//! script error shows on the first element it is evaluated for, not only
//! on unlucky data.

use std::cmp::Ordering;

use super::super::{Arg, Call, Function, Part, Script};
use super::dates::{self, Change};
use super::pattern::{self, Mode, Replacement};
use super::text::{
    cmp_digits, digits_of, first_chars, hashname_text, initials, java_trim, last_chars, parse_int,
    round_age,
};
use super::{Context, EvalError, MAX_DEPTH, Outcome, Params};

/// CTP writes at most this many spaces for `@blank(n)`.
const MAX_BLANKS: usize = 55;

/// A decision about the element, as CTP's markers in its result string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Keep,
    Remove,
    Empty,
    Blank(usize),
    Process,
}

impl Mark {
    /// The marker as CTP writes it.
    fn describe(self) -> String {
        match self {
            Mark::Keep => "@keep()".to_owned(),
            Mark::Remove => "@remove()".to_owned(),
            Mark::Empty => "@empty()".to_owned(),
            Mark::Blank(n) => format!("@blank({n})"),
            Mark::Process => "@process()".to_owned(),
        }
    }
}

/// A piece of a rule's result.
#[derive(Debug)]
enum Item<'s> {
    Text(String),
    /// A decision and the call that made it (for errors).
    Mark(Mark, &'s Call),
}

/// What one function call yields (clauses aside).
enum Yield {
    Text(String),
    Mark(Mark),
}

/// Why evaluation stopped early.
enum Halt {
    /// `@quarantine()`, `@skip()`, a failed `@lookup`.
    Stop(Outcome),
    Error(EvalError),
}

impl From<EvalError> for Halt {
    fn from(e: EvalError) -> Halt {
        Halt::Error(e)
    }
}

type Flow<T> = Result<T, Halt>;

/// An error at `call`.
fn error(call: &Call, message: impl Into<String>) -> EvalError {
    EvalError {
        line: call.line,
        column: call.column,
        function: call.function.name().to_owned(),
        message: message.into(),
    }
}

/// "1 argument", "2 arguments".
fn arguments(n: usize) -> String {
    if n == 1 {
        "1 argument".to_owned()
    } else {
        format!("{n} arguments")
    }
}

/// Check the number of arguments.
fn arity(call: &Call, min: usize, max: usize) -> Result<(), EvalError> {
    let n = call.args.len();
    if (min..=max).contains(&n) {
        return Ok(());
    }
    let expected = if max == 0 {
        "no arguments".to_owned()
    } else if min == max {
        arguments(min)
    } else if max == usize::MAX {
        format!("at least {}", arguments(min))
    } else {
        format!("{min} to {max} arguments")
    };
    Err(error(call, format!("takes {expected}, got {n}")))
}

pub(super) fn evaluate(
    script: &Script,
    params: &Params,
    ctx: &dyn Context,
) -> Result<Outcome, EvalError> {
    let eval = Eval { params, ctx };
    let mut items = Vec::new();
    match eval.script(script, 0, &mut items) {
        Ok(()) => finish(&items),
        Err(Halt::Stop(outcome)) => Ok(outcome),
        Err(Halt::Error(e)) => Err(e),
    }
}

/// The rule's result, read as CTP's `processElements` reads its string
/// (see the module documentation of `eval`).
fn finish(items: &[Item<'_>]) -> Result<Outcome, EvalError> {
    if items
        .iter()
        .any(|item| matches!(item, Item::Mark(Mark::Remove, _)))
    {
        return Ok(Outcome::Remove);
    }
    let mut text = String::new();
    let mut marks = Vec::new();
    for item in items {
        match item {
            Item::Text(t) => text.push_str(t),
            Item::Mark(mark, call) => marks.push((*mark, *call)),
        }
    }
    let value = java_trim(&text);
    match marks.as_slice() {
        [] if value.is_empty() => Ok(Outcome::Empty),
        [] => Ok(Outcome::Value(value.to_owned())),
        [(mark, _)] if value.is_empty() => Ok(match *mark {
            Mark::Keep => Outcome::Keep,
            Mark::Process => Outcome::Process,
            Mark::Remove => Outcome::Remove,
            Mark::Empty | Mark::Blank(0) => Outcome::Empty,
            Mark::Blank(n) => Outcome::Value(" ".repeat(n)),
        }),
        [(mark, call)] => Err(error(
            call,
            format!(
                "yields {} but the rule also yields text; CTP would write both into the \
                 element as text",
                mark.describe()
            ),
        )),
        [(first, first_call), (second, call), ..] => Err(error(
            call,
            format!(
                "yields {} after @{} at {}:{} yielded {}; a rule decides its element's fate \
                 only once",
                second.describe(),
                first_call.function.name(),
                first_call.line,
                first_call.column,
                first.describe()
            ),
        )),
    }
}

struct Eval<'a> {
    params: &'a Params,
    ctx: &'a dyn Context,
}

impl Eval<'_> {
    fn script<'s>(&self, script: &'s Script, depth: usize, out: &mut Vec<Item<'s>>) -> Flow<()> {
        for part in &script.parts {
            match part {
                Part::Text(text) => out.push(Item::Text(text.clone())),
                Part::Call(call) => self.call(call, depth, out)?,
            }
        }
        Ok(())
    }

    /// Clause `index` of `call` (a missing one is empty).
    fn clause<'s>(
        &self,
        call: &'s Call,
        index: usize,
        depth: usize,
        out: &mut Vec<Item<'s>>,
    ) -> Flow<()> {
        if depth >= MAX_DEPTH {
            return Err(error(call, format!("clauses nested more than {MAX_DEPTH} deep")).into());
        }
        match call.clauses.get(index) {
            Some(script) => self.script(script, depth + 1, out),
            None => Ok(()),
        }
    }

    fn call<'s>(&self, call: &'s Call, depth: usize, out: &mut Vec<Item<'s>>) -> Flow<()> {
        let yielded = match &call.function {
            // Clauses: push their items directly.
            Function::If => return self.iffn(call, depth, out),
            Function::Select => {
                let index = if self.ctx.is_root() { 0 } else { 1 };
                return self.clause(call, index, depth, out);
            }
            Function::Append => return self.append(call, depth, out),
            // Stops.
            Function::Quarantine => return Err(Halt::Stop(Outcome::Quarantine)),
            Function::Skip => return Err(Halt::Stop(Outcome::Skip)),
            // Markers.
            Function::Always => return Ok(()),
            Function::Keep => self.marker(call, Mark::Keep)?,
            Function::Remove => self.marker(call, Mark::Remove)?,
            Function::Empty => self.marker(call, Mark::Empty)?,
            Function::Process => Yield::Mark(Mark::Process),
            Function::Blank => self.blank(call)?,
            Function::Require => self.require(call)?,
            // Values.
            Function::Param => {
                arity(call, 1, 1)?;
                Yield::Text(self.text(call, 0)?)
            }
            Function::Hash => self.hash(call)?,
            Function::HashName => self.hashname(call)?,
            Function::HashPtid => self.hashptid(call)?,
            Function::HashUid => self.hashuid(call)?,
            Function::HashDate => self.hashdate(call)?,
            Function::IncrementDate => self.incrementdate(call)?,
            Function::ModifyDate => self.modifydate(call)?,
            Function::Date | Function::Time => self.now(call)?,
            Function::Round => self.round(call)?,
            Function::Contents => self.contents(call)?,
            Function::Value => self.value(call)?,
            Function::Truncate => self.truncate(call)?,
            Function::Lowercase => {
                arity(call, 1, 1)?;
                Yield::Text(self.contents_of(call, 0)?.to_lowercase())
            }
            Function::Uppercase => {
                arity(call, 1, 1)?;
                Yield::Text(self.contents_of(call, 0)?.to_uppercase())
            }
            Function::Initials => self.initials(call)?,
            Function::Lookup => self.lookup(call)?,
            // What Gantry does not do.
            Function::Encrypt
            | Function::Decrypt
            | Function::Call
            | Function::PathElement
            | Function::Integer
            | Function::DateInterval
            | Function::Unknown(_) => return Err(unsupported(call).into()),
        };
        out.push(match yielded {
            Yield::Text(text) => Item::Text(text),
            Yield::Mark(mark) => Item::Mark(mark, call),
        });
        Ok(())
    }

    // ---- arguments -------------------------------------------------------

    /// Argument `i` (0-based), which the arity check guarantees.
    fn arg(call: &Call, i: usize) -> Result<&Arg, EvalError> {
        call.args
            .get(i)
            .ok_or_else(|| error(call, format!("argument {} is missing", i + 1)))
    }

    /// The value of the element argument `i` names; `None` when absent.
    fn element(&self, call: &Call, i: usize) -> Result<Option<String>, EvalError> {
        match Self::arg(call, i)? {
            Arg::This => Ok(self.ctx.this()),
            Arg::Bare(name) | Arg::Quoted(name) => Ok(self.named(name)),
            Arg::Param(name) => Err(error(
                call,
                format!(
                    "argument {} must name an element, not a parameter (@{name})",
                    i + 1
                ),
            )),
        }
    }

    /// The element called `name` (`this` is the rule's own).
    fn named(&self, name: &str) -> Option<String> {
        match name.trim() {
            "this" => self.ctx.this(),
            "" => None,
            name => self.ctx.element(name),
        }
    }

    /// CTP's `contents`: the element's value, empty when absent.
    fn contents_of(&self, call: &Call, i: usize) -> Result<String, EvalError> {
        Ok(self.element(call, i)?.unwrap_or_default())
    }

    /// Argument `i` as text: a parameter's value, or the text as written
    /// (`this` is the text `this`).
    fn text(&self, call: &Call, i: usize) -> Result<String, EvalError> {
        match Self::arg(call, i)? {
            Arg::Param(name) => self
                .params
                .0
                .get(name)
                .cloned()
                .ok_or_else(|| error(call, format!("parameter @{name} is not defined"))),
            Arg::Bare(text) | Arg::Quoted(text) => Ok(text.clone()),
            Arg::This => Ok("this".to_owned()),
        }
    }

    /// Argument `i` as text when there is one.
    fn opt_text(&self, call: &Call, i: usize) -> Result<Option<String>, EvalError> {
        if i < call.args.len() {
            self.text(call, i).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Argument `i` as a whole number.
    fn int(&self, call: &Call, i: usize) -> Result<i64, EvalError> {
        parse_int(&self.text(call, i)?)
            .ok_or_else(|| error(call, format!("argument {} must be a whole number", i + 1)))
    }

    /// Optional argument `i` as a length limit: absent, empty or below 1
    /// is no limit (as CTP).
    fn limit(&self, call: &Call, i: usize) -> Result<Option<usize>, EvalError> {
        match self.opt_text(call, i)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(_) => Ok(positive(self.int(call, i)?)),
        }
    }

    // ---- markers ---------------------------------------------------------

    /// `@keep()`, `@remove()`, `@empty()`. With arguments CTP would not
    /// recognise the marker and write the call into the element as text.
    fn marker(&self, call: &Call, mark: Mark) -> Result<Yield, EvalError> {
        arity(call, 0, 0)?;
        Ok(Yield::Mark(mark))
    }

    /// `@blank(n)`: `n` spaces, at most 55. As CTP, the digits of the
    /// argument are the number (none: 0); Gantry also reads a parameter.
    fn blank(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 0, 1)?;
        let digits = digits_of(&self.opt_text(call, 0)?.unwrap_or_default());
        let significant = digits.trim_start_matches('0');
        let n = if significant.len() > 2 {
            MAX_BLANKS
        } else {
            significant.parse().unwrap_or(0).min(MAX_BLANKS)
        };
        Ok(Yield::Mark(Mark::Blank(n)))
    }

    /// `@require([element[, default]])`: keep a present element; for an
    /// absent one, the named element's value, else the default, else
    /// empty. A value of spaces only is kept as that many spaces (CTP's
    /// `@blank(n)`).
    fn require(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 0, 2)?;
        let default = self.opt_text(call, 1)?;
        if self.ctx.this().is_some() {
            return Ok(Yield::Mark(Mark::Keep));
        }
        if call.args.is_empty() {
            return Ok(Yield::Text(String::new()));
        }
        let value = match self.element(call, 0)? {
            Some(value) => value,
            None => default.unwrap_or_default(),
        };
        if java_trim(&value).is_empty() {
            let n = value.chars().count().min(MAX_BLANKS);
            return Ok(Yield::Mark(Mark::Blank(n)));
        }
        Ok(Yield::Text(value))
    }

    // ---- hashes ----------------------------------------------------------

    /// `@hash(element[, maxlen])`: the keyed hash of the value as it is;
    /// an absent element is removed.
    fn hash(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 1, 2)?;
        let limit = self.limit(call, 1)?;
        Ok(match self.element(call, 0)? {
            Some(value) => Yield::Text(self.ctx.hash(&value, limit)),
            None => Yield::Mark(Mark::Remove),
        })
    }

    /// `@hashname(element, length[, words])`. An absent element hashes
    /// the empty name, as in CTP.
    fn hashname(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 2, 3)?;
        let length = positive(self.int(call, 1)?);
        let words = match call.args.len() {
            3 => positive(self.int(call, 2)?),
            _ => None,
        };
        let name = self.contents_of(call, 0)?;
        Ok(Yield::Text(
            self.ctx.hash(&hashname_text(&name, words), length),
        ))
    }

    /// `@hashptid(siteid, element[, maxlen])`: the hash of `[siteid]id`.
    /// An absent id is the text `null`, as in CTP: every subject without
    /// an id gets the same pseudonym.
    fn hashptid(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 2, 3)?;
        let site = self.text(call, 0)?;
        let limit = self.limit(call, 2)?;
        let id = self.element(call, 1)?;
        let id = id.as_deref().map_or("null", java_trim);
        let text = format!("[{}]{id}", java_trim(&site));
        Ok(Yield::Text(self.ctx.hash(&text, limit)))
    }

    /// `@hashuid(root, element)`: each UID of the element remapped on its
    /// own (CTP hashes a multi-valued element as one string, making one
    /// UID of several); an absent element is removed, empty values stay
    /// empty. CTP's third argument, another element whose rule's result
    /// is appended to the UID before hashing, is not supported.
    fn hashuid(&self, call: &Call) -> Result<Yield, EvalError> {
        if call.args.len() == 3 {
            return Err(error(
                call,
                "the third argument (another element's rule appended to the UID) is not \
                 supported",
            ));
        }
        arity(call, 2, 2)?;
        let root = self.text(call, 0)?;
        let root = java_trim(&root);
        let Some(value) = self.element(call, 1)? else {
            return Ok(Yield::Mark(Mark::Remove));
        };
        let uids: Vec<String> = value
            .split('\\')
            .map(|uid| match java_trim(uid) {
                "" => String::new(),
                uid => self.ctx.hash_uid(root, uid),
            })
            .collect();
        Ok(Yield::Text(uids.join("\\")))
    }

    // ---- dates -----------------------------------------------------------

    /// The date value of argument 0, or the marker CTP yields before
    /// looking at it: absent → remove, shorter than 8 characters → empty.
    fn date_value(&self, call: &Call) -> Result<Result<String, Mark>, EvalError> {
        Ok(match self.element(call, 0)? {
            None => Err(Mark::Remove),
            Some(value) if value.chars().count() < 8 => Err(Mark::Empty),
            Some(value) => Ok(value),
        })
    }

    /// `value` changed, or empty when it is not a date (as CTP).
    fn change_dates(value: &str, change: Change) -> Yield {
        match dates::apply(value, change) {
            Some(text) => Yield::Text(text),
            None => Yield::Mark(Mark::Empty),
        }
    }

    /// `@hashdate(element, key element)`: shift by the keyed offset of the
    /// key element's value ([`Context::date_offset_days`]) in place of
    /// CTP's unkeyed MD5 of it. An absent key element removes the date, as
    /// in CTP.
    fn hashdate(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 2, 2)?;
        let value = match self.date_value(call)? {
            Ok(value) => value,
            Err(mark) => return Ok(Yield::Mark(mark)),
        };
        let Some(key) = self.element(call, 1)? else {
            return Ok(Yield::Mark(Mark::Remove));
        };
        let days = i64::from(self.ctx.date_offset_days(&key));
        Ok(Self::change_dates(&value, Change::Shift(days)))
    }

    /// `@incrementdate(element, days)`, or `@incrementdate(element, key
    /// element, key type)` with the days from the lookup table; a missing
    /// key, entry or number there empties the date, as in CTP.
    fn incrementdate(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 2, 3)?;
        let fixed = match call.args.len() {
            2 => Some(self.int(call, 1)?),
            _ => None,
        };
        let key_type = self.opt_text(call, 2)?;
        let value = match self.date_value(call)? {
            Ok(value) => value,
            Err(mark) => return Ok(Yield::Mark(mark)),
        };
        let days = match (fixed, key_type) {
            (Some(days), _) => Some(days),
            (None, Some(key_type)) => self.element(call, 1)?.and_then(|key| {
                self.ctx
                    .lookup(java_trim(&key_type), java_trim(&key))
                    .and_then(|days| parse_int(&days))
            }),
            (None, None) => None,
        };
        Ok(match days {
            Some(days) => Self::change_dates(&value, Change::Shift(days)),
            None => Yield::Mark(Mark::Empty),
        })
    }

    /// `@modifydate(element, year, month, day)`: `*` (or nothing) keeps a
    /// field. CTP also keeps it for any text that is not a number; Gantry
    /// says so instead.
    fn modifydate(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 4, 4)?;
        let field = |i: usize| -> Result<Option<i64>, EvalError> {
            let text = self.text(call, i)?;
            let text = text.trim();
            if text.is_empty() || text == "*" {
                return Ok(None);
            }
            match parse_int(text) {
                Some(n) if n >= 0 => Ok(Some(n)),
                _ => Err(error(
                    call,
                    format!("argument {} must be *, 0 or a positive whole number", i + 1),
                )),
            }
        };
        let change = Change::Set {
            year: field(1)?,
            month: field(2)?,
            day: field(3)?,
        };
        Ok(match self.date_value(call)? {
            Ok(value) => Self::change_dates(&value, change),
            Err(mark) => Yield::Mark(mark),
        })
    }

    /// `@date(separator)` and `@time(separator)`: [`Context::now`] with the
    /// separator between year, month and day, or hours, minutes and
    /// seconds.
    fn now(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 0, 1)?;
        let sep = self.opt_text(call, 0)?.unwrap_or_default();
        let (date, time) = self.ctx.now();
        let text = if call.function == Function::Date {
            split_fields(&date, &[4, 2, 2], &sep)
        } else {
            split_fields(&time, &[2, 2, 2], &sep)
        };
        Ok(Yield::Text(text))
    }

    // ---- text ------------------------------------------------------------

    /// `@round(element, size)`: see `text::round_age`. A value without
    /// digits is emptied (CTP writes the call's arguments into the
    /// element).
    fn round(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 2, 2)?;
        let size = self.int(call, 1)?;
        let size = u64::try_from(size)
            .ok()
            .filter(|&size| size >= 1)
            .ok_or_else(|| error(call, "argument 2 must be a group size of at least 1"))?;
        let age = self.contents_of(call, 0)?;
        if java_trim(&age).is_empty() {
            return Ok(Yield::Text(String::new()));
        }
        Ok(match round_age(&age, size) {
            Some(text) => Yield::Text(text),
            None => Yield::Mark(Mark::Empty),
        })
    }

    /// `@contents(element[, regex[, replacement]])`: the value, with every
    /// match of `regex` replaced (Java's `replaceAll`, its replacement
    /// syntax included).
    fn contents(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 1, 3)?;
        let edit = match call.args.len() {
            1 => None,
            n => {
                let regex = pattern::compile(&self.text(call, 1)?, Mode::Find).map_err(|why| {
                    error(
                        call,
                        format!("argument 2 is not a regular expression Gantry can run: {why}"),
                    )
                })?;
                let replacement = if n == 3 {
                    Replacement::parse(&self.text(call, 2)?, &regex).map_err(|why| {
                        error(
                            call,
                            format!("argument 3 is not a valid replacement: {why}"),
                        )
                    })?
                } else {
                    Replacement::parse("", &regex).map_err(|why| error(call, why))?
                };
                Some((regex, replacement))
            }
        };
        let value = self.contents_of(call, 0)?;
        Ok(Yield::Text(match edit {
            None => value,
            Some((regex, replacement)) => regex
                .replace_all(&value, |caps: &regex::Captures<'_>| {
                    replacement.expand(caps)
                })
                .into_owned(),
        }))
    }

    /// `@value(element[, default])`: the value, or the default when it is
    /// empty or absent.
    fn value(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 1, 2)?;
        let default = self.opt_text(call, 1)?.unwrap_or_default();
        let value = self.contents_of(call, 0)?;
        Ok(Yield::Text(if value.is_empty() { default } else { value }))
    }

    /// `@truncate(element[, n])`: the first `n` characters, or for a
    /// negative `n` the last `-n` of the trimmed value. Characters are
    /// Unicode scalar values (Java counts UTF-16 units).
    fn truncate(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 1, 2)?;
        let n = match call.args.len() {
            2 => Some(self.int(call, 1)?),
            _ => None,
        };
        let value = self.contents_of(call, 0)?;
        Ok(Yield::Text(match n {
            None => value,
            Some(n) if n >= 0 => {
                first_chars(&value, usize::try_from(n).unwrap_or(usize::MAX)).to_owned()
            }
            Some(n) => last_chars(
                java_trim(&value),
                usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX),
            )
            .to_owned(),
        }))
    }

    /// `@initials(element[, offset])`: see `text::initials`.
    fn initials(&self, call: &Call) -> Result<Yield, EvalError> {
        arity(call, 1, 2)?;
        let offset = match call.args.len() {
            2 => Some(self.int(call, 1)?),
            _ => None,
        };
        Ok(Yield::Text(initials(&self.contents_of(call, 0)?, offset)))
    }

    // ---- @if, @append, @lookup --------------------------------------------

    /// `@if(element, condition[, value]){then}{else}` with CTP's
    /// conditions: `isblank` (absent or white space), `exists`,
    /// `contains` and `equals` (ignoring case), `matches` (a regular
    /// expression matching the whole value) and `greaterthan` (the ASCII
    /// digits of both sides as whole numbers, of any length: CTP's 32-bit
    /// parse makes anything past 2147483647 zero). An absent element's
    /// value is empty. CTP quietly takes the else clause for an unknown
    /// condition or a missing value; Gantry says so.
    fn iffn<'s>(&self, call: &'s Call, depth: usize, out: &mut Vec<Item<'s>>) -> Flow<()> {
        arity(call, 2, 3)?;
        let condition = match Self::arg(call, 1)? {
            Arg::Bare(word) | Arg::Quoted(word) => word.trim(),
            _ => "",
        };
        let operand = |name: &str| -> Result<String, EvalError> {
            if call.args.len() < 3 {
                return Err(error(
                    call,
                    format!("the condition `{name}` needs a third argument"),
                ));
            }
            self.text(call, 2)
        };
        let test = match condition {
            "isblank" => Test::Blank,
            "exists" => Test::Exists,
            "contains" => Test::Contains(operand(condition)?.to_lowercase()),
            "equals" => Test::Equals(operand(condition)?.to_lowercase()),
            "matches" => Test::Matches(
                pattern::compile(operand(condition)?.trim(), Mode::Whole).map_err(|why| {
                    error(
                        call,
                        format!("argument 3 is not a regular expression Gantry can run: {why}"),
                    )
                })?,
            ),
            "greaterthan" => Test::GreaterThan(digits_of(&operand(condition)?)),
            _ => {
                return Err(error(
                    call,
                    format!(
                        "unknown condition `{condition}` (CTP's are isblank, exists, contains, \
                         equals, matches and greaterthan)"
                    ),
                )
                .into());
            }
        };
        let value = self.element(call, 0)?;
        let index = if test.holds(value.as_deref()) { 0 } else { 1 };
        self.clause(call, index, depth, out)
    }

    /// `@append(){text}`: the element's value, `\`, then the clause's
    /// result, making one more value; only the clause's result when the
    /// element is absent or empty.
    fn append<'s>(&self, call: &'s Call, depth: usize, out: &mut Vec<Item<'s>>) -> Flow<()> {
        let mut appended = Vec::new();
        self.clause(call, 0, depth, &mut appended)?;
        if let Some(value) = self.ctx.this().filter(|v| !v.is_empty()) {
            out.push(Item::Text(value + "\\"));
        }
        out.extend(appended);
        Ok(())
    }

    /// `@lookup(element, key type[, action[, default]])`. The key is the
    /// value of the element, or of several joined by `|` when the
    /// argument names them so (`PatientID|StudyDate`), without `\`; the
    /// action `UC` upper-cases it. When [`Context::lookup`] has no entry,
    /// the action decides: `keep`, `remove`, `empty`, `default` (the
    /// fourth argument), `ignore` (the key itself when it matches the
    /// fourth argument as a whole), and otherwise the object is
    /// quarantined, as in CTP. An unknown action is an error (CTP
    /// quarantines on a miss and ignores it otherwise).
    fn lookup(&self, call: &Call) -> Flow<Yield> {
        arity(call, 2, 4)?;
        let key_type = self.text(call, 1)?;
        let action = self.opt_text(call, 2)?;
        let action = action.as_deref().map(str::trim);
        let needs_fourth = |name: &str| -> Result<String, EvalError> {
            match call.args.len() {
                4 => self.text(call, 3),
                _ => Err(error(
                    call,
                    format!("the action `{name}` needs a fourth argument"),
                )),
            }
        };
        let mut default = None;
        let mut ignore = None;
        match action {
            None | Some("keep" | "remove" | "empty" | "UC") => {}
            Some("default") => default = Some(needs_fourth("default")?),
            Some("ignore") => {
                let regex =
                    pattern::compile(&needs_fourth("ignore")?, Mode::Whole).map_err(|why| {
                        error(
                            call,
                            format!("argument 4 is not a regular expression Gantry can run: {why}"),
                        )
                    })?;
                ignore = Some(regex);
            }
            Some(other) => {
                return Err(error(
                    call,
                    format!(
                        "unknown action `{other}` (CTP's are keep, remove, empty, default, \
                         ignore and UC)"
                    ),
                )
                .into());
            }
        }
        let names: Vec<Option<String>> = match Self::arg(call, 0)? {
            Arg::Bare(names) | Arg::Quoted(names) => {
                names.split('|').map(|name| self.named(name)).collect()
            }
            _ => vec![self.element(call, 0)?],
        };
        let mut key = names
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect::<Vec<_>>()
            .join("|")
            .replace('\\', "");
        if action == Some("UC") {
            key = key.to_uppercase();
        }
        if let Some(value) = self.ctx.lookup(java_trim(&key_type), java_trim(&key)) {
            return Ok(Yield::Text(java_trim(&value).to_owned()));
        }
        match action {
            Some("keep") => Ok(Yield::Mark(Mark::Keep)),
            Some("remove") => Ok(Yield::Mark(Mark::Remove)),
            Some("empty") => Ok(Yield::Mark(Mark::Empty)),
            _ => {
                if let Some(default) = default {
                    return Ok(Yield::Text(default.trim().to_owned()));
                }
                match ignore {
                    Some(regex) if regex.is_match(&key) => Ok(Yield::Text(key)),
                    _ => Err(Halt::Stop(Outcome::Quarantine)),
                }
            }
        }
    }
}

/// An `@if` condition, its operand prepared.
enum Test {
    Blank,
    Exists,
    /// Lower-cased.
    Contains(String),
    /// Lower-cased.
    Equals(String),
    Matches(regex::Regex),
    /// ASCII digits.
    GreaterThan(String),
}

impl Test {
    /// Whether the element's value (`None`: absent) passes.
    fn holds(&self, value: Option<&str>) -> bool {
        let text = value.unwrap_or("");
        match self {
            Test::Blank => java_trim(text).is_empty(),
            Test::Exists => value.is_some(),
            Test::Contains(needle) => text.to_lowercase().contains(needle.as_str()),
            Test::Equals(other) => text.to_lowercase() == *other,
            Test::Matches(regex) => regex.is_match(text),
            Test::GreaterThan(limit) => cmp_digits(&digits_of(text), limit) == Ordering::Greater,
        }
    }
}

/// A length or count where below 1 means "no limit" (CTP's convention).
fn positive(n: i64) -> Option<usize> {
    (n >= 1).then(|| usize::try_from(n).unwrap_or(usize::MAX))
}

/// `s` cut into fields of `widths` characters joined by `sep` when it
/// starts with that many ASCII digits (anything after them is dropped:
/// CTP prints whole seconds); else `s` as it is.
fn split_fields(s: &str, widths: &[usize], sep: &str) -> String {
    let total: usize = widths.iter().sum();
    match s.get(..total) {
        Some(head) if head.bytes().all(|b| b.is_ascii_digit()) => {
            let mut fields = Vec::new();
            let mut at = 0;
            for width in widths {
                fields.push(&head[at..at + width]);
                at += width;
            }
            fields.join(sep)
        }
        _ => s.to_owned(),
    }
}

/// The error for a function Gantry does not run.
fn unsupported(call: &Call) -> EvalError {
    let message = match &call.function {
        Function::Encrypt => {
            "not supported: use Gantry's reversible sealing (`reversible: true`) to keep \
             originals recoverable"
        }
        Function::Decrypt => {
            "not supported: Gantry does not re-identify while de-identifying (originals sealed \
             with `reversible: true` are recovered apart from it)"
        }
        Function::Call => "not supported: CTP plugin calls have no equivalent in Gantry",
        Function::PathElement => {
            "not supported: use @contents with a regular expression and a replacement to pick \
             part of a value"
        }
        Function::Integer => {
            "not supported: CTP's integer table is a stored sequence Gantry does not keep; use \
             @hash or @hashptid for a keyed pseudonym"
        }
        Function::DateInterval => "not supported: use @hashdate or @incrementdate to shift dates",
        _ => "unknown function: CTP would write the call into the element as text",
    };
    error(call, message)
}
