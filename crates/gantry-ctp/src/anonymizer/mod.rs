//! `DicomAnonymizer.script`: CTP's element-rule scripts (SPEC §8).
//!
//! A script comes in two forms that say the same thing: XML
//! (`<script>` with `<p>` parameters, `<e>` element rules, `<k>` keep
//! groups and `<r>` removal switches) and the legacy Java properties form
//! (`param.NAME=…`, `set.[gggg,eeee]Name=…`, `keep.groupgggg=`,
//! `remove.privategroups=`, a leading `#` disabling a line).
//! [`parse_anonymizer_script`] reads either into an [`AnonymizerScript`];
//! like the pixel-script parser it never fails and never panics: what it
//! cannot read is dropped with a [`Diagnostic`].
//!
//! Each element rule's text is a small language of its own: literal text
//! mixed with function calls `@name(arg, …)`, some followed by `{…}`
//! clauses (`@if(…){then}{else}`, `@select(){root}{item}`, `@append(){…}`),
//! `\` escaping the next character. [`Script`] is that text parsed;
//! [`eval`] runs it against values the caller supplies.

mod display;
mod eval;
mod parse;

pub use eval::{Context, EvalError, Outcome, Params, evaluate};
pub use parse::{parse_anonymizer_script, parse_rule};

use crate::Diagnostic;

/// A parsed `DicomAnonymizer.script`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnonymizerScript {
    /// Which form the text was in.
    pub form: ScriptForm,
    /// `<p t="NAME">value</p>` / `param.NAME=value`, in script order.
    pub params: Vec<Param>,
    /// `<e>` / `set.` rules, in script order, enabled or not.
    pub elements: Vec<ElementRule>,
    /// `<k t="gggg">` / `keep.groupgggg`: groups kept whole.
    pub keep_groups: Vec<Switch<u16>>,
    /// `<k t="safeprivateelements">` / `keep.safeprivateelements`.
    pub keep_safe_private: Option<Switch<()>>,
    /// `<r t="…">` / `remove.…` switches.
    pub remove: Vec<Switch<RemoveWhat>>,
    /// What could not be read, or reads differently than it looks.
    pub diagnostics: Vec<Diagnostic>,
}

/// The form an [`AnonymizerScript`] was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScriptForm {
    /// `<script>…</script>` (CTP's own rule: the text starts, after
    /// white space, with `<`).
    #[default]
    Xml,
    /// The legacy `key=value` properties form.
    Properties,
}

/// A script parameter, referenced as `@NAME` in function arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// 1-based line of its definition.
    pub line: u32,
    /// The name without `@`.
    pub name: String,
    /// The value, XML entities decoded, untrimmed as CTP keeps it.
    pub value: String,
}

/// An on/off line: a keep group or a removal switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch<T> {
    /// 1-based line.
    pub line: u32,
    /// `en="T"` / no leading `#`.
    pub enabled: bool,
    /// What is switched.
    pub what: T,
}

/// What an `<r>` switch removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemoveWhat {
    /// `privategroups`: every private (odd) group.
    PrivateGroups,
    /// `unspecifiedelements`: every element no enabled rule names and no
    /// kept group holds.
    UnspecifiedElements,
    /// `overlays`: groups 6000–601E (even).
    Overlays,
    /// `curves`: groups 5000–501E (even).
    Curves,
}

/// One `<e>` / `set.` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementRule {
    /// 1-based line of the rule.
    pub line: u32,
    /// `en="T"` / no leading `#`.
    pub enabled: bool,
    /// The element the rule is for.
    pub tag: ScriptTag,
    /// The `n` attribute / the name after the tag (may be empty).
    pub name: String,
    /// The rule's text, parsed. Empty when the rule has no text.
    pub script: Script,
}

/// An element as a script names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScriptTag {
    /// `ggggeeee` / `[gggg,eeee]`.
    Tag {
        /// Group.
        group: u16,
        /// Element.
        element: u16,
    },
    /// `gggg[CREATOR]ee`: a private element by its creator.
    Private {
        /// Odd group.
        group: u16,
        /// The private creator, as written.
        creator: String,
        /// The low byte of the element number.
        element: u8,
    },
}

/// A rule's text: literal text and function calls, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// The parts, in order. Adjacent text is one [`Part::Text`].
    pub parts: Vec<Part>,
}

impl Script {
    /// Whether the script has no parts (an empty rule).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The parameters (`@NAME`, without `@`) the script uses, in clauses
    /// too, in order of use, repeats included.
    pub fn param_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_param_names(&mut out);
        out
    }

    fn collect_param_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        for part in &self.parts {
            if let Part::Call(call) = part {
                for arg in &call.args {
                    if let Arg::Param(name) = arg {
                        out.push(name);
                    }
                }
                for clause in &call.clauses {
                    clause.collect_param_names(out);
                }
            }
        }
    }

    /// The functions the script calls, in clauses too, in order.
    pub fn functions(&self) -> Vec<&Function> {
        let mut out = Vec::new();
        self.collect_functions(&mut out);
        out
    }

    fn collect_functions<'a>(&'a self, out: &mut Vec<&'a Function>) {
        for part in &self.parts {
            if let Part::Call(call) = part {
                out.push(&call.function);
                for clause in &call.clauses {
                    clause.collect_functions(out);
                }
            }
        }
    }
}

/// A piece of a [`Script`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text, escapes resolved.
    Text(String),
    /// `@name(args){clauses}`.
    Call(Call),
}

/// A function call in a [`Script`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// 1-based line of the `@`.
    pub line: u32,
    /// 1-based column of the `@`, in characters.
    pub column: u32,
    /// The function called.
    pub function: Function,
    /// The arguments, in order (none for `@keep()`).
    pub args: Vec<Arg>,
    /// The `{…}` clauses after the call: two for `@if` and `@select`
    /// (the second may be empty), one for `@append`, none otherwise.
    pub clauses: Vec<Script>,
}

/// An argument of a [`Call`], as written (its meaning depends on the
/// function: an element, a number, a condition keyword, a pattern).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// `this`: the element the rule is for.
    This,
    /// `@NAME`: a script parameter.
    Param(String),
    /// `"text"`: quotes removed, escapes resolved.
    Quoted(String),
    /// Anything else, trimmed: `PatientID`, `[0010,0020]`, `00100020`,
    /// `16`, `*`, `isblank`.
    Bare(String),
}

/// A CTP anonymizer function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Function {
    /// `@always()`: apply the rule even when the element is absent.
    Always,
    /// `@append(){text}`: append a value (multi-valued).
    Append,
    /// `@blank(n)`: n spaces.
    Blank,
    /// `@call(…)`: a site-specific extension.
    Call,
    /// `@contents(element[, regex, replacement])`.
    Contents,
    /// `@date(separator)`: today's date.
    Date,
    /// `@dateinterval(date1, date2, unit)`.
    DateInterval,
    /// `@decrypt(element, key)`.
    Decrypt,
    /// `@empty()`.
    Empty,
    /// `@encrypt(element, key)`.
    Encrypt,
    /// `@hash(element[, maxlen])`.
    Hash,
    /// `@hashdate(element, hashed-element)`.
    HashDate,
    /// `@hashname(element, length[, words])`.
    HashName,
    /// `@hashptid(siteid, element[, maxlen])`.
    HashPtid,
    /// `@hashuid(root, element)`.
    HashUid,
    /// `@if(element, condition[, value]){then}{else}`.
    If,
    /// `@incrementdate(element, days)`.
    IncrementDate,
    /// `@initials(element)`.
    Initials,
    /// `@integer(element, key, width)`.
    Integer,
    /// `@keep()`.
    Keep,
    /// `@lookup(element, key[, action[, default]])`.
    Lookup,
    /// `@lowercase(element)`.
    Lowercase,
    /// `@modifydate(element, year, month, day)`, `*` keeping a field.
    ModifyDate,
    /// `@param(@NAME)`.
    Param,
    /// `@pathelement(…)`.
    PathElement,
    /// `@process()`: apply the script to a sequence's items.
    Process,
    /// `@quarantine()`: quarantine the whole object.
    Quarantine,
    /// `@remove()`.
    Remove,
    /// `@require([element[, default]])`: keep, creating the element empty
    /// when absent.
    Require,
    /// `@round(element, groupsize)`.
    Round,
    /// `@select(){root}{item}`: first clause in the top-level data set,
    /// second inside sequence items.
    Select,
    /// `@skip()`: pass the object on without anonymizing it.
    Skip,
    /// `@time(separator)`: the time now.
    Time,
    /// `@truncate(element, n)`: first n characters (last |n| if negative).
    Truncate,
    /// `@uppercase(element)`.
    Uppercase,
    /// `@value(element[, default])`.
    Value,
    /// A name CTP does not know: kept as written (without `@`); the
    /// parser reports it.
    Unknown(String),
}

impl Function {
    /// The function called `name` (exact, as CTP compares).
    pub fn from_name(name: &str) -> Function {
        match name {
            "always" => Function::Always,
            "append" => Function::Append,
            "blank" => Function::Blank,
            "call" => Function::Call,
            "contents" => Function::Contents,
            "date" => Function::Date,
            "dateinterval" => Function::DateInterval,
            "decrypt" => Function::Decrypt,
            "empty" => Function::Empty,
            "encrypt" => Function::Encrypt,
            "hash" => Function::Hash,
            "hashdate" => Function::HashDate,
            "hashname" => Function::HashName,
            "hashptid" => Function::HashPtid,
            "hashuid" => Function::HashUid,
            "if" => Function::If,
            "incrementdate" => Function::IncrementDate,
            "initials" => Function::Initials,
            "integer" => Function::Integer,
            "keep" => Function::Keep,
            "lookup" => Function::Lookup,
            "lowercase" => Function::Lowercase,
            "modifydate" => Function::ModifyDate,
            "param" => Function::Param,
            "pathelement" => Function::PathElement,
            "process" => Function::Process,
            "quarantine" => Function::Quarantine,
            "remove" => Function::Remove,
            "require" => Function::Require,
            "round" => Function::Round,
            "select" => Function::Select,
            "skip" => Function::Skip,
            "time" => Function::Time,
            "truncate" => Function::Truncate,
            "uppercase" => Function::Uppercase,
            "value" => Function::Value,
            other => Function::Unknown(other.to_owned()),
        }
    }

    /// The name as written in scripts, without `@`.
    pub fn name(&self) -> &str {
        match self {
            Function::Always => "always",
            Function::Append => "append",
            Function::Blank => "blank",
            Function::Call => "call",
            Function::Contents => "contents",
            Function::Date => "date",
            Function::DateInterval => "dateinterval",
            Function::Decrypt => "decrypt",
            Function::Empty => "empty",
            Function::Encrypt => "encrypt",
            Function::Hash => "hash",
            Function::HashDate => "hashdate",
            Function::HashName => "hashname",
            Function::HashPtid => "hashptid",
            Function::HashUid => "hashuid",
            Function::If => "if",
            Function::IncrementDate => "incrementdate",
            Function::Initials => "initials",
            Function::Integer => "integer",
            Function::Keep => "keep",
            Function::Lookup => "lookup",
            Function::Lowercase => "lowercase",
            Function::ModifyDate => "modifydate",
            Function::Param => "param",
            Function::PathElement => "pathelement",
            Function::Process => "process",
            Function::Quarantine => "quarantine",
            Function::Remove => "remove",
            Function::Require => "require",
            Function::Round => "round",
            Function::Select => "select",
            Function::Skip => "skip",
            Function::Time => "time",
            Function::Truncate => "truncate",
            Function::Uppercase => "uppercase",
            Function::Value => "value",
            Function::Unknown(name) => name,
        }
    }

    /// How many `{…}` clauses follow a call of this function.
    pub fn clause_count(&self) -> usize {
        match self {
            Function::If | Function::Select => 2,
            Function::Append => 1,
            _ => 0,
        }
    }
}
