//! Tags, tag paths and tag patterns as users write them (SPEC §2).
//!
//! Configuration, CTP scripts and command lines name attributes in several
//! text forms — `(0010,0010)`, `00100010`, `PatientName`, private
//! `(0009,{CREATOR}10)`, paths such as `*/PatientName`. This module parses
//! all of them once, into numeric [`Tag`]s, so no other code compares tag
//! text, and prints one canonical form back.

use std::fmt;
use std::str::FromStr;

use dicom_core::Tag;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, TagRange};
use dicom_dictionary_std::StandardDataDictionary;

#[cfg(test)]
mod tests;

/// Longest private creator, in characters: private creators are LO values.
const MAX_CREATOR_CHARS: usize = 64;

/// One attribute, as named in a tag path or a rule.
///
/// Parses every form of SPEC §2 (`(0010,0010)`, `0010,0010`, `00100010`,
/// `PatientName`, `(0009,{CREATOR}10)`, `0009[CREATOR]10`) and displays as
/// `(GGGG,EEEE)` or `(GGGG,{CREATOR}EE)`. Hex digits are case-insensitive;
/// keywords are case-sensitive, as in PS3.6.
///
/// Values built by parsing always display in a form that parses back to the
/// same value. When building [`TagSpec::Private`] by hand, keep to the rules
/// parsing enforces (odd group other than 0001–0007 and FFFF; creator
/// non-empty, trimmed, at most 64 characters, without `{}[]\` or control
/// characters), or the display will not parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagSpec {
    /// A fixed tag. This includes private tags written numerically, such as
    /// `(0009,1010)`, which name a position rather than a creator's element.
    Tag(Tag),
    /// A private element named through its creator: element `element` of
    /// the block that `creator` reserved in odd group `group`. Which block
    /// that is (the `xx` of `(gggg,xxee)`) differs from file to file.
    Private {
        /// The odd group, such as `0x0009`.
        group: u16,
        /// The private creator, verbatim apart from surrounding whitespace.
        creator: String,
        /// The element within the creator's block (the last two hex digits).
        element: u8,
    },
}

impl TagSpec {
    /// The fixed tag, or `None` for a creator-relative private element,
    /// whose tag depends on the data set it is found in.
    pub fn tag(&self) -> Option<Tag> {
        match self {
            TagSpec::Tag(tag) => Some(*tag),
            TagSpec::Private { .. } => None,
        }
    }

    /// Whether `tag` is the attribute this names.
    ///
    /// For a [`TagSpec::Private`], `creator_of(group, block)` must return
    /// the value of the private creator element `(group,00bb)` of the data
    /// set `tag` is in, if there is one; it is called at most once, and only
    /// when the group and element-in-block already match. Surrounding
    /// whitespace of the returned creator is ignored.
    pub fn matches<'c>(
        &self,
        tag: Tag,
        creator_of: impl FnOnce(u16, u8) -> Option<&'c str>,
    ) -> bool {
        match self {
            TagSpec::Tag(own) => *own == tag,
            TagSpec::Private {
                group,
                creator,
                element,
            } => {
                let [block, in_block] = tag.element().to_be_bytes();
                tag.group() == *group
                    && in_block == *element
                    && block >= 0x10
                    && creator_of(*group, block).is_some_and(|c| c.trim() == creator.as_str())
            }
        }
    }
}

impl From<Tag> for TagSpec {
    fn from(tag: Tag) -> Self {
        TagSpec::Tag(tag)
    }
}

impl fmt::Display for TagSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagSpec::Tag(tag) => write!(f, "({:04X},{:04X})", tag.group(), tag.element()),
            TagSpec::Private {
                group,
                creator,
                element,
            } => write!(f, "({group:04X},{{{creator}}}{element:02X})"),
        }
    }
}

impl FromStr for TagSpec {
    type Err = TagParseError;

    /// Parses one tag; a path of several steps, or `*`, is an error.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let ctx = Ctx::new(input, "tag");
        match parse_single_step(&ctx)? {
            PathStep::Tag(spec) => Ok(spec),
            PathStep::AnyDepth => Err(ctx.error(
                leading_ws(input),
                Reason::Expected {
                    expected: "a tag; '*' is only allowed in tag paths",
                    found: Found::Char('*'),
                },
            )),
        }
    }
}

/// One step of a [`TagPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// Exactly one element: a sequence on the way down, or the attribute at
    /// the end of the path.
    Tag(TagSpec),
    /// `*`: zero or more levels of sequence items, whatever their tags.
    AnyDepth,
}

impl PathStep {
    /// The tag this step names, or `None` for [`PathStep::AnyDepth`].
    pub fn as_spec(&self) -> Option<&TagSpec> {
        match self {
            PathStep::Tag(spec) => Some(spec),
            PathStep::AnyDepth => None,
        }
    }
}

impl From<TagSpec> for PathStep {
    fn from(spec: TagSpec) -> Self {
        PathStep::Tag(spec)
    }
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Tag(spec) => spec.fmt(f),
            PathStep::AnyDepth => f.write_str("*"),
        }
    }
}

impl FromStr for PathStep {
    type Err = TagParseError;

    /// Parses one step: a tag in any [`TagSpec`] form, or `*`.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        parse_single_step(&Ctx::new(input, "path step"))
    }
}

/// Where an attribute sits: a sequence path from the top-level data set
/// down to the attribute, such as
/// `ReferencedStudySequence/ReferencedSOPInstanceUID` or `*/PatientName`.
///
/// Steps are separated by `/` or, as in CTP scripts, `::`. Item numbers are
/// not part of a path: a step into a sequence covers all of its items. The
/// path is never empty and never ends in `*`; consecutive `*` steps are
/// merged into one. It displays as its steps joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagPath {
    /// Invariant: non-empty, last step is a tag, no two `AnyDepth` in a row.
    steps: Vec<PathStep>,
}

impl TagPath {
    /// A path of `steps`, or `None` if `steps` is empty or ends in
    /// [`PathStep::AnyDepth`]. Consecutive `AnyDepth` steps are merged.
    pub fn new(steps: Vec<PathStep>) -> Option<Self> {
        let mut merged: Vec<PathStep> = Vec::with_capacity(steps.len());
        for step in steps {
            if step == PathStep::AnyDepth && merged.last() == Some(&PathStep::AnyDepth) {
                continue;
            }
            merged.push(step);
        }
        match merged.last() {
            Some(PathStep::Tag(_)) => Some(TagPath { steps: merged }),
            Some(PathStep::AnyDepth) | None => None,
        }
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// The attribute the path ends at.
    pub fn leaf(&self) -> &TagSpec {
        match self.steps.last() {
            Some(PathStep::Tag(spec)) => spec,
            // Every constructor checks that the last step is a tag.
            Some(PathStep::AnyDepth) | None => unreachable!("TagPath ends in a tag"),
        }
    }

    /// The tag, if the path is one top-level attribute (no sequence, no `*`).
    pub fn is_single(&self) -> Option<&TagSpec> {
        match self.steps.as_slice() {
            [PathStep::Tag(spec)] => Some(spec),
            _ => None,
        }
    }

    /// Whether this names the element at `path`: the tags of the sequences
    /// leading to it, outermost first, then its own tag (item numbers left
    /// out). `*` matches zero or more of those tags.
    ///
    /// Only fixed tags match here; a [`TagSpec::Private`] step never does,
    /// because its tag depends on the data set — use
    /// [`matches_with`](Self::matches_with) to resolve private creators.
    pub fn matches(&self, path: &[Tag]) -> bool {
        self.matches_with(path, |spec, _, tag| spec.tag() == Some(tag))
    }

    /// Like [`matches`](Self::matches), with `step_matches(spec, index, tag)`
    /// deciding whether the tag step `spec` matches `path[index]` (which is
    /// `tag`). Use it to resolve private creators at the right nesting level
    /// with [`TagSpec::matches`].
    pub fn matches_with(
        &self,
        path: &[Tag],
        mut step_matches: impl FnMut(&TagSpec, usize, Tag) -> bool,
    ) -> bool {
        // Glob matching where `*` spans any number of elements and a tag
        // step exactly one: on a mismatch, let the latest `*` absorb one
        // more element and retry from there.
        let steps = self.steps.as_slice();
        let (mut s, mut p) = (0, 0);
        // (step after the latest `*`, first element it has not absorbed)
        let mut retry: Option<(usize, usize)> = None;
        while let Some(&tag) = path.get(p) {
            match steps.get(s) {
                Some(PathStep::AnyDepth) => {
                    s += 1;
                    retry = Some((s, p));
                    continue;
                }
                Some(PathStep::Tag(spec)) if step_matches(spec, p, tag) => {
                    s += 1;
                    p += 1;
                    continue;
                }
                _ => {}
            }
            match retry {
                Some((after_star, absorbed)) => {
                    s = after_star;
                    p = absorbed + 1;
                    retry = Some((after_star, p));
                }
                None => return false,
            }
        }
        while steps.get(s) == Some(&PathStep::AnyDepth) {
            s += 1;
        }
        s == steps.len()
    }
}

impl From<TagSpec> for TagPath {
    fn from(spec: TagSpec) -> Self {
        TagPath {
            steps: vec![PathStep::Tag(spec)],
        }
    }
}

impl From<Tag> for TagPath {
    fn from(tag: Tag) -> Self {
        TagSpec::Tag(tag).into()
    }
}

impl fmt::Display for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            step.fmt(f)?;
        }
        Ok(())
    }
}

impl FromStr for TagPath {
    type Err = TagParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let ctx = Ctx::new(input, "tag path");
        let mut steps = Vec::new();
        let mut last_start = 0;
        for (start, raw) in split_steps(input) {
            steps.push(parse_step(&ctx, start, raw)?);
            last_start = start;
        }
        TagPath::new(steps).ok_or_else(|| {
            ctx.error(
                last_start + leading_ws(&input[last_start..]),
                Reason::TrailingAnyDepth,
            )
        })
    }
}

/// A tag with wildcard hex digits, as in the rows of PS3.15 Annex E:
/// `(50xx,xxxx)`, `(60xx,3000)`, `(0010,0010)`.
///
/// Each hex digit is either fixed or `x`/`X` (any digit). Parses the three
/// numeric [`TagSpec`] forms with wildcards allowed, and keywords, including
/// those of repeating groups (`OverlayData` is `(60xx,3000)`); displays as
/// `(GGGG,EEEE)` with uppercase digits and lowercase `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagPattern {
    /// Fixed digits as `group << 16 | element`; wildcard digits are zero.
    value: u32,
    /// `0xF` for each fixed digit, `0` for each wildcard digit.
    mask: u32,
}

impl TagPattern {
    /// The pattern matching exactly `tag`.
    pub fn exact(tag: Tag) -> Self {
        TagPattern {
            value: tag_bits(tag),
            mask: u32::MAX,
        }
    }

    /// Whether `tag` has the pattern's fixed digits.
    pub fn matches(&self, tag: Tag) -> bool {
        tag_bits(tag) & self.mask == self.value
    }

    /// How many of the eight hex digits are wildcards: 0 for an exact tag,
    /// 8 for `(xxxx,xxxx)`. When several patterns match a tag, the one with
    /// the fewest wildcards is the most specific.
    pub fn wildcard_nibbles(&self) -> u32 {
        self.mask.count_zeros() / 4
    }

    /// The tag, if the pattern has no wildcards.
    pub fn tag(&self) -> Option<Tag> {
        (self.mask == u32::MAX).then(|| bits_tag(self.value))
    }
}

impl From<Tag> for TagPattern {
    fn from(tag: Tag) -> Self {
        TagPattern::exact(tag)
    }
}

impl fmt::Display for TagPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for nibble in (0..8).rev() {
            if nibble == 3 {
                f.write_str(",")?;
            }
            let shift = nibble * 4;
            if (self.mask >> shift) & 0xF == 0 {
                f.write_str("x")?;
            } else {
                write!(f, "{:X}", (self.value >> shift) & 0xF)?;
            }
        }
        f.write_str(")")
    }
}

impl FromStr for TagPattern {
    type Err = TagParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let ctx = Ctx::new(input, "tag pattern");
        let start = leading_ws(input);
        let raw = input.trim();
        if raw.is_empty() {
            return Err(ctx.error(start, Reason::Empty));
        }
        if is_keyword_like(raw, true) {
            return keyword_pattern(raw)
                .ok_or_else(|| ctx.error(start, Reason::UnknownKeyword(raw.to_owned())));
        }
        let mut cursor = Cursor {
            ctx: &ctx,
            text: raw,
            base: start,
            pos: 0,
        };
        match cursor.numeric(true)? {
            Numeric::Tag { value, mask } => Ok(TagPattern { value, mask }),
            // `numeric(true)` never returns private forms; keep the compiler
            // honest without a panic.
            Numeric::Private { .. } => Err(ctx.error(
                start,
                Reason::Expected {
                    expected: "a tag pattern without a private creator",
                    found: Found::Char('{'),
                },
            )),
        }
    }
}

/// Why a tag, tag path or tag pattern did not parse.
///
/// Carries the whole input (configuration text, never element values), the
/// 1-based character column where the problem is, and what was expected
/// there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse {what} {input:?}: column {column}: {reason}")]
pub struct TagParseError {
    what: &'static str,
    input: String,
    column: usize,
    reason: Reason,
}

impl TagParseError {
    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The 1-based column, in characters, of the problem in [`input`](Self::input).
    pub fn column(&self) -> usize {
        self.column
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Reason {
    Empty,
    EmptyStep,
    TrailingAnyDepth,
    Expected {
        expected: &'static str,
        found: Found,
    },
    HexDigits {
        expected: &'static str,
        found: usize,
    },
    UnknownKeyword(String),
    RepeatingKeyword {
        keyword: String,
        pattern: TagPattern,
    },
    NotSingle,
    EmptyCreator,
    CreatorChar(char),
    CreatorTooLong(usize),
    EvenPrivateGroup(u16),
    ReservedPrivateGroup(u16),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Empty => f.write_str("empty; expected a tag such as (0010,0010) or PatientName"),
            Reason::EmptyStep => f.write_str("empty step; steps are separated by '/' or '::'"),
            Reason::TrailingAnyDepth => f.write_str(
                "'*' (any depth) cannot be the last step; name the attribute it leads to, as in */PatientName",
            ),
            Reason::Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            Reason::HexDigits { expected, found } => {
                write!(f, "expected {expected}, found {found} hex digits")
            }
            Reason::UnknownKeyword(keyword) => write!(
                f,
                "unknown keyword {keyword:?} (keywords are case-sensitive, as in PS3.6)"
            ),
            Reason::RepeatingKeyword { keyword, pattern } => write!(
                f,
                "keyword {keyword} names the repeating tag {pattern}; write one tag of it instead"
            ),
            Reason::NotSingle => f.write_str("expected a single tag, found a path"),
            Reason::EmptyCreator => f.write_str("private creator is empty"),
            Reason::CreatorChar(c) => {
                write!(f, "character {c:?} is not allowed in a private creator")
            }
            Reason::CreatorTooLong(n) => write!(
                f,
                "private creator is {n} characters long; at most {MAX_CREATOR_CHARS} are allowed"
            ),
            Reason::EvenPrivateGroup(group) => write!(
                f,
                "group {group:04X} is even; private elements are in odd groups"
            ),
            Reason::ReservedPrivateGroup(group) => {
                write!(f, "group {group:04X} cannot hold private elements")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Char(char),
    End,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Char(c) => write!(f, "{c:?}"),
            Found::End => f.write_str("end of input"),
        }
    }
}

/// What is being parsed, for errors.
struct Ctx<'a> {
    input: &'a str,
    what: &'static str,
}

impl<'a> Ctx<'a> {
    fn new(input: &'a str, what: &'static str) -> Self {
        Ctx { input, what }
    }

    /// An error at byte offset `at` of the input (a char boundary).
    fn error(&self, at: usize, reason: Reason) -> TagParseError {
        let before = self.input.get(..at).unwrap_or(self.input);
        TagParseError {
            what: self.what,
            input: self.input.to_owned(),
            column: before.chars().count() + 1,
            reason,
        }
    }
}

fn tag_bits(tag: Tag) -> u32 {
    (u32::from(tag.group()) << 16) | u32::from(tag.element())
}

fn bits_tag(bits: u32) -> Tag {
    let [g1, g0, e1, e0] = bits.to_be_bytes();
    Tag(u16::from_be_bytes([g1, g0]), u16::from_be_bytes([e1, e0]))
}

fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

/// Splits a path at `/` and `::` outside `{…}` and `[…]` (private creators
/// may contain both), returning each raw step with its byte offset.
fn split_steps(input: &str) -> Vec<(usize, &str)> {
    let mut steps = Vec::new();
    let mut start = 0;
    let mut closing: Option<char> = None;
    let mut chars = input.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(close) = closing {
            if c == close {
                closing = None;
            }
            continue;
        }
        match c {
            '{' => closing = Some('}'),
            '[' => closing = Some(']'),
            '/' => {
                steps.push((start, &input[start..i]));
                start = i + 1;
            }
            ':' if chars.peek().is_some_and(|&(_, next)| next == ':') => {
                chars.next();
                steps.push((start, &input[start..i]));
                start = i + 2;
            }
            _ => {}
        }
    }
    steps.push((start, &input[start..]));
    steps
}

/// Parses input that must be exactly one step (for `TagSpec`, `PathStep`).
fn parse_single_step(ctx: &Ctx<'_>) -> Result<PathStep, TagParseError> {
    let steps = split_steps(ctx.input);
    match steps.as_slice() {
        [(start, raw)] => parse_step(ctx, *start, raw),
        [_, (second, _), ..] => Err(ctx.error(second.saturating_sub(1), Reason::NotSingle)),
        [] => Err(ctx.error(0, Reason::Empty)),
    }
}

/// Parses one raw step starting at byte offset `start` of the input.
fn parse_step(ctx: &Ctx<'_>, start: usize, raw: &str) -> Result<PathStep, TagParseError> {
    let base = start + leading_ws(raw);
    let text = raw.trim();
    if text.is_empty() {
        let reason = if ctx.input.trim().is_empty() {
            Reason::Empty
        } else {
            Reason::EmptyStep
        };
        return Err(ctx.error(base, reason));
    }
    if text == "*" {
        return Ok(PathStep::AnyDepth);
    }
    if is_keyword_like(text, false) {
        return keyword_tag(ctx, base, text).map(|tag| PathStep::Tag(TagSpec::Tag(tag)));
    }
    let mut cursor = Cursor {
        ctx,
        text,
        base,
        pos: 0,
    };
    let spec = match cursor.numeric(false)? {
        Numeric::Tag { value, .. } => TagSpec::Tag(bits_tag(value)),
        Numeric::Private {
            group,
            creator,
            element,
        } => TagSpec::Private {
            group,
            creator,
            element,
        },
    };
    Ok(PathStep::Tag(spec))
}

/// Whether `text` should be read as a keyword rather than hex: ASCII
/// letters and digits starting with a letter, and not eight hex digits
/// (no standard keyword is).
fn is_keyword_like(text: &str, wildcards: bool) -> bool {
    let starts_with_letter = text.starts_with(|c: char| c.is_ascii_alphabetic());
    let alphanumeric = text.chars().all(|c| c.is_ascii_alphanumeric());
    let eight_hex = text.len() == 8 && text.chars().all(|c| is_digit(c, wildcards));
    starts_with_letter && alphanumeric && !eight_hex
}

fn is_digit(c: char, wildcards: bool) -> bool {
    c.is_ascii_hexdigit() || (wildcards && matches!(c, 'x' | 'X'))
}

fn keyword_tag(ctx: &Ctx<'_>, at: usize, keyword: &str) -> Result<Tag, TagParseError> {
    let range = StandardDataDictionary
        .by_name(keyword)
        .map(|entry| entry.tag_range());
    match range {
        Some(TagRange::Single(tag)) => Ok(tag),
        Some(_) => match keyword_pattern(keyword) {
            Some(pattern) => Err(ctx.error(
                at,
                Reason::RepeatingKeyword {
                    keyword: keyword.to_owned(),
                    pattern,
                },
            )),
            None => Err(ctx.error(at, Reason::UnknownKeyword(keyword.to_owned()))),
        },
        None => Err(ctx.error(at, Reason::UnknownKeyword(keyword.to_owned()))),
    }
}

/// The pattern a keyword stands for, covering repeating groups.
fn keyword_pattern(keyword: &str) -> Option<TagPattern> {
    let range = StandardDataDictionary.by_name(keyword)?.tag_range();
    let (tag, mask) = match range {
        TagRange::Single(tag) => (tag, u32::MAX),
        TagRange::Group100(tag) => (tag, 0xFF00_FFFF),
        TagRange::Element100(tag) => (tag, 0xFFFF_FF00),
        TagRange::GroupLength => (Tag(0, 0), 0x0000_FFFF),
        _ => return None,
    };
    Some(TagPattern {
        value: tag_bits(tag) & mask,
        mask,
    })
}

/// A numeric step: a (possibly wildcarded) tag or a creator-relative
/// private element.
enum Numeric {
    Tag {
        value: u32,
        mask: u32,
    },
    Private {
        group: u16,
        creator: String,
        element: u8,
    },
}

/// A run of hex digits (and wildcards, where allowed).
struct HexRun {
    /// Byte offset of the run within the step.
    at: usize,
    len: usize,
    value: u32,
    mask: u32,
}

/// Reads one trimmed step; `base` is its byte offset in the whole input.
struct Cursor<'c, 'a> {
    ctx: &'c Ctx<'a>,
    text: &'c str,
    base: usize,
    pos: usize,
}

impl Cursor<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn found(&self) -> Found {
        self.peek().map_or(Found::End, Found::Char)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn error_at(&self, pos: usize, reason: Reason) -> TagParseError {
        self.ctx.error(self.base + pos, reason)
    }

    fn expected(&self, expected: &'static str) -> TagParseError {
        self.error_at(
            self.pos,
            Reason::Expected {
                expected,
                found: self.found(),
            },
        )
    }

    fn hex_run(&mut self, wildcards: bool) -> HexRun {
        let mut run = HexRun {
            at: self.pos,
            len: 0,
            value: 0,
            mask: 0,
        };
        while let Some(c) = self.peek().filter(|&c| is_digit(c, wildcards)) {
            // Digits past the eighth are counted, not kept: the run is
            // rejected for its length anyway.
            if run.len < 8 {
                let (digit, fixed) = c.to_digit(16).map_or((0, 0), |d| (d, 0xF));
                run.value = (run.value << 4) | digit;
                run.mask = (run.mask << 4) | fixed;
            }
            run.len += 1;
            self.pos += c.len_utf8();
        }
        run
    }

    /// Checks that a run has one of `lens` digits, blaming a stray letter
    /// or digit right after a short run first ("001G": 'G' is the problem).
    fn require_len(
        &self,
        run: &HexRun,
        lens: &[usize],
        expected: &'static str,
    ) -> Result<(), TagParseError> {
        if lens.contains(&run.len) {
            return Ok(());
        }
        match self.peek() {
            Some(c) if c.is_alphanumeric() && run.len < lens.iter().copied().max().unwrap_or(0) => {
                Err(self.expected("a hex digit"))
            }
            _ => Err(self.error_at(
                run.at,
                Reason::HexDigits {
                    expected,
                    found: run.len,
                },
            )),
        }
    }

    /// `(gggg,eeee)`, `gggg,eeee`, `ggggeeee`, and unless `wildcards`,
    /// `(gggg,{CREATOR}ee)`, `gggg,{CREATOR}ee`, `gggg[CREATOR]ee` (also in
    /// parentheses). Whitespace is allowed inside parentheses and around
    /// the comma.
    fn numeric(&mut self, wildcards: bool) -> Result<Numeric, TagParseError> {
        let paren = self.eat('(');
        if paren {
            self.skip_ws();
        }
        let group = self.hex_run(wildcards);
        if group.len == 0 {
            return Err(self.expected(if wildcards {
                "a tag pattern such as (50xx,xxxx) or a keyword"
            } else {
                "a tag such as (0010,0010), 0010,0010, 00100010 or a keyword"
            }));
        }
        let numeric = if group.len == 8 && !matches!(self.peek(), Some(',' | '[')) {
            Numeric::Tag {
                value: group.value,
                mask: group.mask,
            }
        } else {
            self.require_len(
                &group,
                &[4, 8],
                "4 hex digits for the group (or 8 for ggggeeee)",
            )?;
            if group.len != 4 {
                return Err(self.error_at(
                    group.at,
                    Reason::HexDigits {
                        expected: "4 hex digits for the group",
                        found: group.len,
                    },
                ));
            }
            let after_group = self.pos;
            self.skip_ws();
            if self.eat(',') {
                self.skip_ws();
                if !wildcards && self.peek() == Some('{') {
                    self.private(&group, '}')?
                } else {
                    let element = self.hex_run(wildcards);
                    if element.len == 0 {
                        return Err(self.expected(if wildcards {
                            "the element: 4 hex digits or x"
                        } else {
                            "the element: 4 hex digits, or {CREATOR} and 2 hex digits"
                        }));
                    }
                    self.require_len(&element, &[4], "4 hex digits for the element")?;
                    Numeric::Tag {
                        value: (group.value << 16) | element.value,
                        mask: (group.mask << 16) | element.mask,
                    }
                }
            } else {
                self.pos = after_group;
                if !wildcards && self.peek() == Some('[') {
                    self.private(&group, ']')?
                } else {
                    return Err(self.expected(if wildcards {
                        "',' after the group"
                    } else {
                        "',' or '[' after the group"
                    }));
                }
            }
        };
        if paren {
            self.skip_ws();
            if !self.eat(')') {
                return Err(self.expected("')'"));
            }
        }
        if self.pos < self.text.len() {
            return Err(self.expected("the end of the tag"));
        }
        Ok(numeric)
    }

    /// `{CREATOR}ee` or `[CREATOR]ee`, at the opening bracket, after
    /// `group`; `close` is the closing bracket.
    fn private(&mut self, group: &HexRun, close: char) -> Result<Numeric, TagParseError> {
        let open_at = self.pos;
        self.pos += 1; // the ASCII opening bracket
        let rest = self.text.get(self.pos..).unwrap_or("");
        let Some(len) = rest.find(close) else {
            return Err(self.error_at(
                open_at,
                Reason::Expected {
                    expected: if close == '}' {
                        "a private creator closed by '}'"
                    } else {
                        "a private creator closed by ']'"
                    },
                    found: Found::End,
                },
            ));
        };
        let raw = &rest[..len];
        let creator_at = self.pos;
        self.pos += len + 1;

        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(self.error_at(open_at, Reason::EmptyCreator));
        }
        let trimmed_at = creator_at + leading_ws(raw);
        if let Some((i, c)) = trimmed
            .char_indices()
            .find(|&(_, c)| matches!(c, '{' | '}' | '[' | ']' | '\\') || c.is_control())
        {
            return Err(self.error_at(trimmed_at + i, Reason::CreatorChar(c)));
        }
        let chars = trimmed.chars().count();
        if chars > MAX_CREATOR_CHARS {
            return Err(self.error_at(trimmed_at, Reason::CreatorTooLong(chars)));
        }

        let element = self.hex_run(false);
        if element.len == 0 {
            return Err(self.expected("2 hex digits for the element in the private block"));
        }
        self.require_len(
            &element,
            &[2],
            "2 hex digits for the element in the private block",
        )?;

        // `group.len == 4` here, so the value fits in 16 bits.
        let group_number = u16::try_from(group.value).unwrap_or(u16::MAX);
        if group_number % 2 == 0 {
            return Err(self.error_at(group.at, Reason::EvenPrivateGroup(group_number)));
        }
        if matches!(group_number, 0x0001 | 0x0003 | 0x0005 | 0x0007 | 0xFFFF) {
            return Err(self.error_at(group.at, Reason::ReservedPrivateGroup(group_number)));
        }
        Ok(Numeric::Private {
            group: group_number,
            creator: trimmed.to_owned(),
            element: u8::try_from(element.value).unwrap_or(u8::MAX),
        })
    }
}

impl serde::Serialize for TagSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TagSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_from_str(deserializer)
    }
}

impl serde::Serialize for TagPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TagPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_from_str(deserializer)
    }
}

impl serde::Serialize for TagPattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TagPattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_from_str(deserializer)
    }
}

fn deserialize_from_str<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromStr<Err = TagParseError>,
{
    use serde::Deserialize as _;

    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}
