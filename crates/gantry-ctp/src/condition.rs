//! The condition of a signature: syntax tree, CTP rendering, evaluation.

use std::fmt;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicate {
    /// The attribute whose value is tested.
    pub operand: Operand,
    /// The test.
    pub method: Method,
    /// The text between the quotes, verbatim. CTP has no escape
    /// sequences: a backslash is an ordinary character (it matters for
    /// [`Method::Matches`] patterns) and a literal cannot contain `"`.
    pub literal: String,
}

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
    /// `matches`: the whole value matches the literal as a (Java) regular
    /// expression. This crate stores the pattern but has no regex engine:
    /// [`Condition::evaluate_with`] asks the caller.
    Matches,
    /// `isLessThan`: numeric comparison (see [`Condition::evaluate_with`]).
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
    /// Whether an instance matches, CTP style, with no regex support:
    /// [`Method::Matches`] tests are false. See [`Condition::evaluate_with`].
    pub fn evaluate(&self, lookup: &dyn Fn(&Operand) -> Option<String>) -> bool {
        self.evaluate_with(lookup, &|_, _| false)
    }

    /// Whether an instance matches.
    ///
    /// `lookup` gives an operand's value as CTP would see it: the string
    /// value, multiple values joined with `\`; `None` when the attribute
    /// is absent, which CTP treats as the empty string (so
    /// `X.equals("")` holds for a missing `X`). `matches(value, pattern)`
    /// decides [`Method::Matches`] tests; CTP uses Java's
    /// `String.matches`, which must match the *whole* value.
    ///
    /// `isLessThan` and `isGreaterThan` follow CTP exactly: both sides
    /// keep only their ASCII digits and dots (`"1,024 px"` → `1024`, and a
    /// minus sign is dropped too), are parsed as decimal numbers, and the
    /// test is false when either side is then not a number. The
    /// `…IgnoreCase` methods compare lowercased strings.
    pub fn evaluate_with(
        &self,
        lookup: &dyn Fn(&Operand) -> Option<String>,
        matches: &dyn Fn(&str, &str) -> bool,
    ) -> bool {
        match self {
            Condition::Predicate(p) => {
                let value = lookup(&p.operand).unwrap_or_default();
                p.test(&value, matches)
            }
            Condition::Const(b) => *b,
            Condition::Not(c) => !c.evaluate_with(lookup, matches),
            Condition::And(terms) => terms.iter().all(|c| c.evaluate_with(lookup, matches)),
            Condition::Or(terms) => terms.iter().any(|c| c.evaluate_with(lookup, matches)),
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

impl Predicate {
    /// Whether `value` passes this test (see [`Condition::evaluate_with`]).
    pub fn test(&self, value: &str, matches: &dyn Fn(&str, &str) -> bool) -> bool {
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
            Method::Matches => matches(value, literal),
            Method::IsLessThan => compare(value, literal, |a, b| a < b),
            Method::IsGreaterThan => compare(value, literal, |a, b| a > b),
        }
    }
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
