//! Regular expressions for `@if(…, matches, …)` and `@contents`, and
//! Java's replacement syntax for `@contents`.
//!
//! Patterns are compiled by the `regex` crate (the syntax of Java's for
//! everything but look-around and back-references, which Gantry cannot
//! run and reports), with size and nesting limits, and cached per thread:
//! a rule is evaluated once per element per instance, with the same few
//! patterns every time.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{Captures, Regex, RegexBuilder};

/// Compiled size limit (the crate's default is 10 MiB; scripts need far
/// less).
const SIZE_LIMIT: usize = 1 << 20;
/// Nesting limit of a pattern's syntax.
const NEST_LIMIT: u32 = 64;
/// Patterns kept per thread before the cache starts over.
const CACHE_CAPACITY: usize = 256;

/// How a pattern is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Mode {
    /// Java's `String.matches`: the whole value.
    Whole,
    /// Java's `String.replaceAll`: every match anywhere.
    Find,
}

thread_local! {
    static CACHE: RefCell<HashMap<(Mode, String), Result<Regex, String>>> =
        RefCell::new(HashMap::new());
}

/// `pattern` compiled for `mode`, or why it cannot be.
pub(super) fn compile(pattern: &str, mode: Mode) -> Result<Regex, String> {
    let key = (mode, pattern.to_owned());
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let compiled = compile_uncached(pattern, mode);
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(key, compiled.clone());
    });
    compiled
}

fn compile_uncached(pattern: &str, mode: Mode) -> Result<Regex, String> {
    // Parse the pattern on its own first, so that one which only parses
    // inside the anchoring group (`a)|(b`) is rejected rather than
    // matching something else.
    regex_syntax::ParserBuilder::new()
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(pattern)
        .map_err(|e| match e {
            regex_syntax::Error::Parse(e) => e.kind().to_string(),
            regex_syntax::Error::Translate(e) => e.kind().to_string(),
            other => other.to_string(),
        })?;
    let full = match mode {
        Mode::Whole => format!(r"\A(?:{pattern})\z"),
        Mode::Find => pattern.to_owned(),
    };
    RegexBuilder::new(&full)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .nest_limit(NEST_LIMIT + 1)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("the pattern compiles to more than {limit} bytes")
            }
            other => other.to_string().lines().last().unwrap_or("").to_owned(),
        })
}

/// A piece of a replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
    Named(String),
}

/// A Java replacement string (`Matcher.appendReplacement`), checked
/// against the pattern it goes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Replacement(Vec<Piece>);

impl Replacement {
    /// Read `text` as Java does: `\x` is `x`; `$n` is group `n` (further
    /// digits join the number while such a group exists, as in Java);
    /// `${name}` a named group. Unlike Java, which fails only when a match
    /// needs it, a bad reference is an error even when nothing matches.
    pub(super) fn parse(text: &str, regex: &Regex) -> Result<Replacement, String> {
        let groups = regex.captures_len().saturating_sub(1);
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(escaped) => literal.push(escaped),
                    None => return Err("a `\\` at the end escapes nothing".to_owned()),
                },
                '$' => {
                    let piece = match chars.next() {
                        Some('{') => {
                            let mut name = String::new();
                            loop {
                                match chars.next() {
                                    Some('}') => break,
                                    Some(c) if c.is_ascii_alphanumeric() => name.push(c),
                                    _ => return Err("`${` without a group name and `}`".to_owned()),
                                }
                            }
                            if !regex.capture_names().flatten().any(|n| n == name) {
                                return Err(format!("the pattern has no group named `{name}`"));
                            }
                            Piece::Named(name)
                        }
                        Some(d) if d.is_ascii_digit() => {
                            let mut n = usize::from(d as u8 - b'0');
                            while let Some(next) = chars.peek().and_then(|c| c.to_digit(10)) {
                                match n.checked_mul(10).and_then(|m| m.checked_add(next as usize)) {
                                    Some(m) if m <= groups => {
                                        n = m;
                                        chars.next();
                                    }
                                    _ => break,
                                }
                            }
                            if n > groups {
                                return Err(format!("the pattern has no group {n}"));
                            }
                            Piece::Group(n)
                        }
                        _ => {
                            return Err(
                                "a `$` not followed by a group number or `{name}`".to_owned()
                            );
                        }
                    };
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(piece);
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Replacement(pieces))
    }

    /// The replacement for one match (a group that did not take part is
    /// empty, as in Java).
    pub(super) fn expand(&self, caps: &Captures<'_>) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Group(n) => out.push_str(caps.get(*n).map_or("", |m| m.as_str())),
                Piece::Named(name) => out.push_str(caps.name(name).map_or("", |m| m.as_str())),
            }
        }
        out
    }
}
