//! The condition of a signature: syntax tree, CTP rendering, evaluation.

use std::fmt;

use regex::{Regex, RegexBuilder};

/// The boolean condition inside a signature's `{ … }`.
///
/// `*` is *and*, `+` is *or*, `!` is *not*; `!` binds tightest, then `*`,
/// then `+`, as in CTP. The parser flattens chains (`a * (b * c)` becomes one
/// [`Condition::And`] of three terms), so `And` and `Or` hold at least two
/// terms and never a direct child of their own kind.
///
/// [`Display`](fmt::Display) renders the condition back in CTP syntax,
/// normalised: single spaces around `*` and `+`, parentheses only where
/// precedence needs them, tags as `[GGGG,EEEE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// One test, `Operand.method("literal")`.
    Predicate(Predicate),
    /// The constants `true` and `false`.
    Const(bool),
    /// `!condition`.
    Not(Box<Condition>),
    /// `a * b * …`: every term holds.
    And(Vec<Condition>),
    /// `a + b + …`: at least one term holds.
    Or(Vec<Condition>),
}

/// One test of an attribute value: `Operand.method("literal")`.
///
/// Built by the parser or by [`Predicate::new`], which compiles a
/// [`Method::Matches`] pattern once, so evaluating the test never
/// compiles anything. Equality compares operand, method and literal.
#[derive(Debug, Clone)]
pub struct Predicate {
    pub(crate) operand: Operand,
    pub(crate) method: Method,
    pub(crate) literal: String,
    /// For [`Method::Matches`]: the literal compiled as `\A(?:literal)\z`.
    pub(crate) regex: Option<Regex>,
}

impl PartialEq for Predicate {
    fn eq(&self, other: &Self) -> bool {
        // The regex is a function of method and literal.
        self.operand == other.operand
            && self.method == other.method
            && self.literal == other.literal
    }
}

impl Eq for Predicate {}

/// Why a [`Method::Matches`] literal is not a usable regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset in the literal where the problem is (0 when the
    /// pattern as a whole is the problem, e.g. too big).
    pub offset: usize,
    /// What is wrong, about the pattern's syntax only.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid regular expression (at byte {} of the pattern): {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for PatternError {}

/// The attribute a [`Predicate`] reads: one element, or a sequence path
/// `A::B::C` (CTP reads the first item of each sequence on the way).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operand {
    /// The elements of the path, outermost first; never empty.
    pub path: Vec<Element>,
}

/// One element of an [`Operand`] path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Element {
    /// A keyword such as `Manufacturer`, as written (CTP resolves it with
    /// its dcm4che dictionary; this crate does not check it).
    Keyword(String),
    /// A standard tag, written `[gggg,eeee]` (or `(gggg,eeee)`).
    Tag {
        /// Group number.
        group: u16,
        /// Element number.
        element: u16,
    },
    /// A private element addressed by its creator, written
    /// `gggg[Creator]ee` (or bracketed: `[gggg[Creator]ee]`): element
    /// `ee` of the block reserved by `Creator` in group `gggg` (odd).
    Private {
        /// Group number (odd).
        group: u16,
        /// The private creator, trimmed.
        creator: String,
        /// The element's offset in the creator's block.
        element: u8,
    },
}

/// The methods CTP's condition language accepts — all of them; any other
/// name is a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `equals`: the value is exactly the literal.
    Equals,
    /// `equalsIgnoreCase`.
    EqualsIgnoreCase,
    /// `contains`.
    Contains,
    /// `containsIgnoreCase`.
    ContainsIgnoreCase,
    /// `startsWith`.
    StartsWith,
    /// `startsWithIgnoreCase`.
    StartsWithIgnoreCase,
    /// `endsWith`.
    EndsWith,
    /// `endsWithIgnoreCase`.
    EndsWithIgnoreCase,
    /// `matches`: the *whole* value matches the literal as a regular
    /// expression, as Java's `String.matches` does (see
    /// [`Predicate::new`] for the dialect).
    Matches,
    /// `isLessThan`: numeric comparison (see [`Condition::evaluate`]).
    IsLessThan,
    /// `isGreaterThan`: numeric comparison.
    IsGreaterThan,
}

impl Method {
    /// Every method, in CTP's order.
    pub const ALL: [Method; 11] = [
        Method::Equals,
        Method::EqualsIgnoreCase,
        Method::Matches,
        Method::Contains,
        Method::ContainsIgnoreCase,
        Method::StartsWith,
        Method::StartsWithIgnoreCase,
        Method::EndsWith,
        Method::EndsWithIgnoreCase,
        Method::IsLessThan,
        Method::IsGreaterThan,
    ];

    /// The method's name in scripts, e.g. `"containsIgnoreCase"`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Equals => "equals",
            Method::EqualsIgnoreCase => "equalsIgnoreCase",
            Method::Contains => "contains",
            Method::ContainsIgnoreCase => "containsIgnoreCase",
            Method::StartsWith => "startsWith",
            Method::StartsWithIgnoreCase => "startsWithIgnoreCase",
            Method::EndsWith => "endsWith",
            Method::EndsWithIgnoreCase => "endsWithIgnoreCase",
            Method::Matches => "matches",
            Method::IsLessThan => "isLessThan",
            Method::IsGreaterThan => "isGreaterThan",
        }
    }

    /// The method with this exact (case-sensitive, as in CTP) name.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Operand {
    /// An operand naming one element by keyword.
    pub fn keyword(keyword: impl Into<String>) -> Operand {
        Operand {
            path: vec![Element::Keyword(keyword.into())],
        }
    }

    /// The keyword when the operand is a single keyword (no tag, no
    /// sequence path) — the common case in scripts.
    pub fn as_keyword(&self) -> Option<&str> {
        match self.path.as_slice() {
            [Element::Keyword(keyword)] => Some(keyword),
            _ => None,
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, element) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str("::")?;
            }
            write!(f, "{element}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Element {
    /// CTP spelling: keywords as written, tags `[GGGG,EEEE]`, private
    /// elements `[GGGG[Creator]EE]` (the bracketed form CTP accepts even at
    /// the start of a test).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Element::Keyword(keyword) => f.write_str(keyword),
            Element::Tag { group, element } => write!(f, "[{group:04X},{element:04X}]"),
            Element::Private {
                group,
                creator,
                element,
            } => write!(f, "[{group:04X}[{creator}]{element:02X}]"),
        }
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}(\"{}\")", self.operand, self.method, self.literal)
    }
}

/// Binding strength of the context a condition is printed in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Context {
    Or,
    And,
    Not,
}

impl Condition {
    /// Whether an instance matches, CTP style.
    ///
    /// `lookup` gives an operand's value as CTP would see it: the string
    /// value, multiple values joined with `\`; `None` when the attribute
    /// is absent, which CTP treats as the empty string (so
    /// `X.equals("")` holds for a missing `X`). See [`Predicate::test`]
    /// for each method.
    pub fn evaluate(&self, lookup: &dyn Fn(&Operand) -> Option<String>) -> bool {
        match self {
            Condition::Predicate(p) => {
                let value = lookup(&p.operand).unwrap_or_default();
                p.test(&value)
            }
            Condition::Const(b) => *b,
            Condition::Not(c) => !c.evaluate(lookup),
            Condition::And(terms) => terms.iter().all(|c| c.evaluate(lookup)),
            Condition::Or(terms) => terms.iter().any(|c| c.evaluate(lookup)),
        }
    }

    fn fmt_in(&self, context: Context, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (terms, op, own) = match self {
            Condition::Predicate(p) => return write!(f, "{p}"),
            Condition::Const(b) => return write!(f, "{b}"),
            Condition::Not(c) => {
                f.write_str("!")?;
                return c.fmt_in(Context::Not, f);
            }
            Condition::And(terms) => (terms, " * ", Context::And),
            Condition::Or(terms) => (terms, " + ", Context::Or),
        };
        let parens = context > own;
        if parens {
            f.write_str("(")?;
        }
        for (i, term) in terms.iter().enumerate() {
            if i > 0 {
                f.write_str(op)?;
            }
            term.fmt_in(own, f)?;
        }
        if parens {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Condition {
    /// CTP syntax, normalised. A literal containing `"` or `}` (possible
    /// only in a hand-built tree) does not survive a round trip.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_in(Context::Or, f)
    }
}

/// Limits on compiling a `matches` pattern, so that a hostile script
/// cannot make the parser spend much memory or time: far beyond any real
/// signature's needs.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_NEST_LIMIT: u32 = 64;

impl Predicate {
    /// A test, with a [`Method::Matches`] pattern compiled once.
    ///
    /// The pattern dialect is that of the `regex` crate, which agrees with
    /// Java's for what signatures use (classes, alternation, repetition,
    /// anchors, `(?i)`); it has no look-around or backreferences (an
    /// error here), and its `\d`, `\w`, `\s` and `\b` are Unicode-aware
    /// where Java's are ASCII-only. As in Java's `String.matches`, the
    /// pattern must match the whole value: it is compiled as
    /// `\A(?:pattern)\z`, after checking that the pattern parses on its
    /// own (so `a)|(b` cannot escape the group).
    ///
    /// # Errors
    ///
    /// A [`PatternError`] when the method is `matches` and the literal is
    /// not a regular expression the engine accepts.
    pub fn new(
        operand: Operand,
        method: Method,
        literal: impl Into<String>,
    ) -> Result<Predicate, PatternError> {
        let literal = literal.into();
        let regex = match method {
            Method::Matches => Some(compile_whole_match(&literal)?),
            _ => None,
        };
        Ok(Predicate {
            operand,
            method,
            literal,
            regex,
        })
    }

    /// The attribute whose value is tested.
    pub fn operand(&self) -> &Operand {
        &self.operand
    }

    /// The test.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The text between the quotes, verbatim. CTP has no escape
    /// sequences: a backslash is an ordinary character (it matters for
    /// [`Method::Matches`] patterns) and a literal cannot contain `"`.
    pub fn literal(&self) -> &str {
        &self.literal
    }

    /// Whether `value` passes this test.
    ///
    /// `isLessThan` and `isGreaterThan` follow CTP exactly: both sides
    /// keep only their ASCII digits and dots (`"1,024 px"` → `1024`, and a
    /// minus sign is dropped too), are parsed as decimal numbers, and the
    /// test is false when either side is then not a number. The
    /// `…IgnoreCase` methods compare lowercased strings. `matches` is a
    /// whole-value match (see [`Predicate::new`]).
    pub fn test(&self, value: &str) -> bool {
        let literal = self.literal.as_str();
        let lower = |s: &str| s.to_lowercase();
        match self.method {
            Method::Equals => value == literal,
            Method::EqualsIgnoreCase => lower(value) == lower(literal),
            Method::Contains => value.contains(literal),
            Method::ContainsIgnoreCase => lower(value).contains(&lower(literal)),
            Method::StartsWith => value.starts_with(literal),
            Method::StartsWithIgnoreCase => lower(value).starts_with(&lower(literal)),
            Method::EndsWith => value.ends_with(literal),
            Method::EndsWithIgnoreCase => lower(value).ends_with(&lower(literal)),
            // `new` always sets the regex for `matches`.
            Method::Matches => self.regex.as_ref().is_some_and(|r| r.is_match(value)),
            Method::IsLessThan => compare(value, literal, |a, b| a < b),
            Method::IsGreaterThan => compare(value, literal, |a, b| a > b),
        }
    }
}

/// `pattern` compiled to match whole values only.
fn compile_whole_match(pattern: &str) -> Result<Regex, PatternError> {
    // Parse the pattern alone first: its errors carry a position in it,
    // and a pattern that only parses inside the anchoring group (`a)|(b`)
    // is rejected rather than silently matching something else.
    let parsed = regex_syntax::ParserBuilder::new()
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .parse(pattern);
    if let Err(error) = parsed {
        let (offset, message) = match &error {
            regex_syntax::Error::Parse(e) => (e.span().start.offset, e.kind().to_string()),
            regex_syntax::Error::Translate(e) => (e.span().start.offset, e.kind().to_string()),
            other => (0, other.to_string()),
        };
        return Err(PatternError { offset, message });
    }
    RegexBuilder::new(&format!(r"\A(?:{pattern})\z"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT + 1)
        .build()
        .map_err(|error| PatternError {
            offset: 0,
            message: match error {
                regex::Error::CompiledTooBig(limit) => {
                    format!("the pattern compiles to more than {limit} bytes")
                }
                // Cannot happen after the parse above; keep the first line.
                other => other.to_string().lines().last().unwrap_or("").to_owned(),
            },
        })
}

/// CTP's numeric comparison: strip all but ASCII digits and dots, parse.
fn compare(value: &str, literal: &str, op: fn(f64, f64) -> bool) -> bool {
    match (ctp_number(value), ctp_number(literal)) {
        (Some(a), Some(b)) => op(a, b),
        _ => false,
    }
}

fn ctp_number(s: &str) -> Option<f64> {
    let kept: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    // What is left is digits and dots only, so Rust's float syntax and
    // Java's `Double.parseDouble` agree on it ("5." and ".5" parse, "."
    // and "1.2.3" do not).
    kept.parse().ok()
}
