//! Recursive-descent parser for the condition inside `{ … }`.
//!
//! Grammar (CTP's, with the extensions marked; `!` binds tightest):
//!
//! ```text
//! condition := term ('+' term)*
//! term      := factor ('*' factor)*
//! factor    := '!' factor | '(' condition ')' | 'true' | 'false' | test
//! test      := operand '.' method '(' '"' chars '"' ')'
//! operand   := element ('::' element)*
//! element   := Keyword | '[' tag ']' | '(' tag ')' (ext.) | gggg '[' Creator ']' ee (ext.)
//! tag       := gggg ',' eeee | ggggeeee | gggg '[' Creator ']' ee
//! ```
//!
//! Whitespace and `//` line comments may separate tokens; inside a test
//! only whitespace may. The parser stops at the first error: CTP would
//! evaluate the whole signature to false, so one precise error is enough.

use crate::condition::{Condition, Element, Method, Operand, Predicate};
use crate::diagnostic::RawDiagnostic;

/// Nesting limit for `(` and `!`, which keeps recursion (here, in
/// `Display`, evaluation and drop) far from the stack's end.
const MAX_DEPTH: usize = 64;

type PResult<T> = Result<T, RawDiagnostic>;

/// Parse the condition of the signature whose `{` is at byte `open` and
/// whose `}` is at byte `close`. Warnings and the error, if any, go to
/// `diagnostics`; `None` means the signature has an error.
pub(crate) fn parse_condition(
    text: &str,
    open: usize,
    close: usize,
    diagnostics: &mut Vec<RawDiagnostic>,
) -> Option<Condition> {
    let mut parser = Parser {
        text,
        pos: open + 1,
        end: close,
        depth: 0,
        warnings: Vec::new(),
    };
    parser.skip_trivia();
    let result = if parser.at_end() {
        Err(RawDiagnostic::error(
            open,
            "empty condition: CTP never matches a signature `{}` (write `{ true }` to match everything)",
        ))
    } else {
        parser.expr().and_then(|condition| {
            parser.finish()?;
            Ok(condition)
        })
    };
    diagnostics.append(&mut parser.warnings);
    match result {
        Ok(condition) => Some(condition),
        Err(error) => {
            diagnostics.push(error);
            None
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    /// Current byte offset in `text`, always on a character boundary.
    pos: usize,
    /// Byte offset of the closing `}`.
    end: usize,
    depth: usize,
    warnings: Vec<RawDiagnostic>,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..self.end).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.pos >= self.end
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek()
            && c.is_whitespace()
        {
            self.bump();
        }
    }

    /// Whitespace and `//` comments (to the end of the line), as CTP's
    /// tokenizer skips them between tokens.
    fn skip_trivia(&mut self) {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if !rest.starts_with("//") {
                return;
            }
            self.pos += rest.find('\n').unwrap_or(rest.len());
        }
    }

    /// The run of ASCII letters, digits and `_` at the cursor, consumed.
    fn take_word(&mut self) -> &'a str {
        let rest = self.rest();
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        self.pos += n;
        rest.get(..n).unwrap_or("")
    }

    /// The run of hexadecimal digits at the cursor, consumed.
    fn take_hex(&mut self) -> &'a str {
        let rest = self.rest();
        let n = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        self.pos += n;
        rest.get(..n).unwrap_or("")
    }

    fn warn(&mut self, offset: usize, message: impl Into<String>) {
        self.warnings.push(RawDiagnostic::warning(offset, message));
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(RawDiagnostic::error(
                self.pos,
                format!(
                    "condition nested too deeply (more than {MAX_DEPTH} levels of `(` and `!`)"
                ),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn expr(&mut self) -> PResult<Condition> {
        let mut terms = Vec::new();
        push_flat(&mut terms, self.term()?, Kind::Or);
        loop {
            self.skip_trivia();
            if self.peek() != Some('+') {
                break;
            }
            self.bump();
            push_flat(&mut terms, self.term()?, Kind::Or);
        }
        Ok(join(terms, Condition::Or))
    }

    fn term(&mut self) -> PResult<Condition> {
        let mut factors = Vec::new();
        push_flat(&mut factors, self.factor()?, Kind::And);
        loop {
            self.skip_trivia();
            if self.peek() != Some('*') {
                break;
            }
            self.bump();
            push_flat(&mut factors, self.factor()?, Kind::And);
        }
        Ok(join(factors, Condition::And))
    }

    fn factor(&mut self) -> PResult<Condition> {
        self.skip_trivia();
        let start = self.pos;
        match self.peek() {
            None => Err(RawDiagnostic::error(
                self.pos,
                "the condition ends too early: expected a test, `!` or `(`",
            )),
            Some('!') => {
                self.bump();
                let inner = self.nested(Self::factor)?;
                Ok(Condition::Not(Box::new(inner)))
            }
            Some('(') if !self.paren_tag_ahead() => {
                self.bump();
                let inner = self.nested(Self::expr)?;
                self.skip_trivia();
                match self.peek() {
                    Some(')') => {
                        self.bump();
                        Ok(inner)
                    }
                    None => Err(RawDiagnostic::error(
                        start,
                        "this `(` is not closed: expected `)` before `}`",
                    )),
                    Some(c) => Err(RawDiagnostic::error(
                        self.pos,
                        format!("expected `)`, `*` or `+`, found {}", describe(c)),
                    )),
                }
            }
            Some(c) if c == '[' || c == '(' || c.is_ascii_alphanumeric() || c == '_' => {
                self.test_or_constant()
            }
            Some(')') => Err(RawDiagnostic::error(
                self.pos,
                "unexpected `)`: expected a test, `!` or `(`",
            )),
            Some(c) => Err(RawDiagnostic::error(
                self.pos,
                format!(
                    "unexpected {}: expected a test such as `Modality.equals(\"CT\")`, `!` or `(`",
                    describe(c)
                ),
            )),
        }
    }

    /// After the whole condition: only trivia may remain before `}`.
    fn finish(&mut self) -> PResult<()> {
        self.skip_trivia();
        let Some(c) = self.peek() else {
            return Ok(());
        };
        let message = match c {
            ')' => "unmatched `)`".to_owned(),
            '&' => "unexpected `&`: CTP's *and* is `*`".to_owned(),
            '|' => "unexpected `|`: CTP's *or* is `+`".to_owned(),
            c if c == '[' || c == '(' || c == '!' || c.is_ascii_alphanumeric() => {
                "missing operator: join tests with `*` (and) or `+` (or)".to_owned()
            }
            c => format!("unexpected {}: expected `*`, `+` or `}}`", describe(c)),
        };
        Err(RawDiagnostic::error(self.pos, message))
    }

    /// At `(`: is this the tag form `(gggg,eeee)` / `(ggggeeee)` /
    /// `(gggg[Creator]ee)` rather than a grouping parenthesis? A grouping
    /// parenthesis can hold neither hex digits and `,`, nor a complete
    /// `gggg[Creator]ee` followed by `)` (a bare private element inside
    /// a grouping parenthesis is followed by `.` instead).
    fn paren_tag_ahead(&self) -> bool {
        let bytes = self.rest().as_bytes();
        let skip = |mut i: usize, f: fn(&u8) -> bool| {
            while bytes.get(i).is_some_and(f) {
                i += 1;
            }
            i
        };
        let start = skip(1, u8::is_ascii_whitespace);
        let i = skip(start, u8::is_ascii_hexdigit);
        let digits = i - start;
        let i = skip(i, u8::is_ascii_whitespace);
        match bytes.get(i) {
            Some(b',') => (1..=4).contains(&digits),
            Some(b')') => digits == 8,
            Some(b'[') if (1..=4).contains(&digits) => {
                let Some(close) = bytes[i..]
                    .iter()
                    .position(|b| matches!(b, b']' | b'\n'))
                    .map(|k| i + k)
                    .filter(|&k| bytes.get(k) == Some(&b']'))
                else {
                    return false;
                };
                let i = skip(close + 1, u8::is_ascii_hexdigit);
                let i = skip(i, u8::is_ascii_whitespace);
                bytes.get(i) == Some(&b')')
            }
            _ => false,
        }
    }

    fn test_or_constant(&mut self) -> PResult<Condition> {
        let start = self.pos;
        if let Some(value) = self.constant() {
            let after = self.pos;
            self.skip_trivia();
            if !self.at_end() {
                self.warn(
                    start,
                    format!(
                        "CTP understands `{value}` only as the last term of a condition \
                         (elsewhere it reads on to the next `.`)"
                    ),
                );
            }
            self.pos = after;
            return Ok(Condition::Const(value));
        }

        let mut path = vec![self.element(true)?];
        loop {
            self.skip_ws();
            if !self.rest().starts_with("::") {
                break;
            }
            self.pos += 2;
            self.skip_ws();
            path.push(self.element(false)?);
        }
        let operand = Operand { path };

        self.skip_ws();
        if self.peek() != Some('.') {
            return Err(RawDiagnostic::error(
                self.pos,
                format!("expected `.` and a method after `{operand}`"),
            ));
        }
        self.bump();
        self.skip_ws();
        let method_at = self.pos;
        let name = self.take_word();
        if name.is_empty() {
            return Err(RawDiagnostic::error(
                method_at,
                "expected a method name after `.`",
            ));
        }
        let method = Method::from_name(name)
            .ok_or_else(|| RawDiagnostic::error(method_at, unknown_method(name)))?;

        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(RawDiagnostic::error(
                self.pos,
                format!("expected `(` after `{method}`"),
            ));
        }
        self.bump();
        self.skip_ws();
        let literal_at = self.pos + 1;
        let literal = self.literal()?;
        self.skip_ws();
        match self.peek() {
            Some(')') => self.bump(),
            Some('"') => {
                return Err(RawDiagnostic::error(
                    self.pos,
                    "a string literal cannot contain `\"` (CTP has no escape sequences)",
                ));
            }
            _ => {
                return Err(RawDiagnostic::error(
                    self.pos,
                    "expected `)` after the string literal",
                ));
            }
        }
        let predicate = Predicate::new(operand, method, literal).map_err(|e| {
            RawDiagnostic::error(
                literal_at + e.offset,
                format!("invalid regular expression in `matches`: {}", e.message),
            )
        })?;
        Ok(Condition::Predicate(predicate))
    }

    /// `true` or `false` not followed by `.`, `::` or `[` (which would make
    /// it a keyword), consumed.
    fn constant(&mut self) -> Option<bool> {
        let start = self.pos;
        let value = match self.take_word() {
            "true" => true,
            "false" => false,
            _ => {
                self.pos = start;
                return None;
            }
        };
        let after = self.pos;
        self.skip_ws();
        let keyword = matches!(self.peek(), Some('.' | ':' | '['));
        self.pos = if keyword { start } else { after };
        (!keyword).then_some(value)
    }

    /// `"…"` at the cursor: the text between the quotes, verbatim.
    fn literal(&mut self) -> PResult<&'a str> {
        let quote = self.pos;
        if self.peek() != Some('"') {
            return Err(RawDiagnostic::error(
                self.pos,
                "expected a string literal in double quotes, as in `equals(\"512\")`",
            ));
        }
        self.bump();
        let rest = self.rest();
        match rest.find(['"', '\n']) {
            Some(i) if rest[i..].starts_with('"') => {
                self.pos += i + 1;
                Ok(&rest[..i])
            }
            Some(_) => Err(RawDiagnostic::error(
                quote,
                "unterminated string literal: expected `\"` before the end of the line",
            )),
            None => Err(RawDiagnostic::error(
                quote,
                "unterminated string literal: expected `\"` before `}` \
                 (a signature ends at the first `}`, even inside quotes)",
            )),
        }
    }

    fn element(&mut self, first: bool) -> PResult<Element> {
        let start = self.pos;
        match self.peek() {
            Some('[') => {
                self.bump();
                self.tag(start, ']')
            }
            Some('(') => {
                self.bump();
                let element = self.tag(start, ')')?;
                if first {
                    self.warn(
                        start,
                        "CTP reads `(` at the start of a test as a parenthesis and never \
                         matches this signature: write the tag in square brackets, as in `[0008,0070]`",
                    );
                }
                Ok(element)
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                let word = self.take_word();
                if self.peek() == Some('[') {
                    let group = hex(word, 4).ok_or_else(|| {
                        RawDiagnostic::error(
                            start,
                            format!(
                                "`{}` is not a group number: a private element is written \
                                 `gggg[Creator]ee`",
                                short(word)
                            ),
                        )
                    })?;
                    let element = self.private(start, group)?;
                    if first && word.starts_with(|c: char| c.is_ascii_digit()) {
                        self.warn(
                            start,
                            "CTP needs a test to start with a letter or `[` and never matches \
                             this signature: write `[gggg[Creator]ee]`",
                        );
                    }
                    Ok(element)
                } else if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    Ok(Element::Keyword(word.to_owned()))
                } else {
                    Err(RawDiagnostic::error(
                        start,
                        format!(
                            "`{}` is not an attribute: write a keyword such as `Modality` or a \
                             tag such as `[0008,0060]`",
                            short(word)
                        ),
                    ))
                }
            }
            _ => Err(RawDiagnostic::error(
                self.pos,
                "expected an attribute keyword or tag after `::`",
            )),
        }
    }

    /// After `[` or `(` (at `open`): `gggg,eeee`, `ggggeeee` or
    /// `gggg[Creator]ee`, then `close`.
    fn tag(&mut self, open: usize, close: char) -> PResult<Element> {
        self.skip_ws();
        let group_at = self.pos;
        let digits = self.take_hex();
        if digits.is_empty() {
            return Err(RawDiagnostic::error(
                group_at,
                format!(
                    "expected a tag such as `[0008,0070]` after `{}`",
                    opening(close)
                ),
            ));
        }
        self.skip_ws();
        let element = if digits.len() == 8 && self.peek() == Some(close) {
            let value = u32::from_str_radix(digits, 16).unwrap_or(0);
            Element::Tag {
                group: (value >> 16) as u16,
                element: (value & 0xFFFF) as u16,
            }
        } else {
            let group = hex(digits, 4).ok_or_else(|| {
                RawDiagnostic::error(group_at, "a group number has 1 to 4 hexadecimal digits")
            })?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                    self.skip_ws();
                    let element_at = self.pos;
                    let digits = self.take_hex();
                    let element = hex(digits, 4).ok_or_else(|| {
                        RawDiagnostic::error(
                            element_at,
                            "expected an element number of 1 to 4 hexadecimal digits",
                        )
                    })?;
                    Element::Tag { group, element }
                }
                Some('[') => self.private(open, group)?,
                _ => {
                    return Err(RawDiagnostic::error(
                        self.pos,
                        "expected `,` between the group and element numbers",
                    ));
                }
            }
        };
        self.skip_ws();
        if self.peek() != Some(close) {
            return Err(RawDiagnostic::error(
                self.pos,
                format!("expected `{close}` to close the tag"),
            ));
        }
        self.bump();
        Ok(element)
    }

    /// At the `[` of `gggg[Creator]ee` (the element starts at `start`).
    fn private(&mut self, start: usize, group: u16) -> PResult<Element> {
        let open = self.pos;
        self.bump();
        let rest = self.rest();
        let creator = match rest.find([']', '\n']) {
            Some(i) if rest[i..].starts_with(']') => {
                self.pos += i + 1;
                rest[..i].trim()
            }
            _ => {
                return Err(RawDiagnostic::error(
                    open,
                    "unterminated private creator: expected `]`",
                ));
            }
        };
        if creator.is_empty() {
            return Err(RawDiagnostic::error(open, "empty private creator"));
        }
        let element_at = self.pos;
        let digits = self.take_hex();
        let element = hex(digits, 2).ok_or_else(|| {
            RawDiagnostic::error(
                element_at,
                "expected the element's offset in the private block (2 hexadecimal digits, \
                 as in `0009[GEMS_IDEN_01]04`)",
            )
        })?;
        if group.is_multiple_of(2) {
            return Err(RawDiagnostic::error(
                start,
                format!("group {group:04X} is even: private elements live in odd groups"),
            ));
        }
        if creator.contains('.') {
            self.warn(
                open,
                "CTP reads an attribute up to the first `.` and never matches a creator \
                 containing `.`",
            );
        }
        Ok(Element::Private {
            group,
            creator: creator.to_owned(),
            element: element as u8,
        })
    }
}

#[derive(Clone, Copy)]
enum Kind {
    And,
    Or,
}

/// Push `c`, splicing in its terms when it is a chain of the same kind.
fn push_flat(terms: &mut Vec<Condition>, c: Condition, kind: Kind) {
    match (kind, c) {
        (Kind::And, Condition::And(inner)) | (Kind::Or, Condition::Or(inner)) => {
            terms.extend(inner);
        }
        (_, c) => terms.push(c),
    }
}

fn join(mut terms: Vec<Condition>, make: fn(Vec<Condition>) -> Condition) -> Condition {
    if terms.len() == 1
        && let Some(only) = terms.pop()
    {
        return only;
    }
    make(terms)
}

/// `digits` as a number of at most `max_digits` hex digits.
fn hex(digits: &str, max_digits: usize) -> Option<u16> {
    if digits.is_empty() || digits.len() > max_digits {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

fn opening(close: char) -> char {
    if close == ')' { '(' } else { '[' }
}

fn unknown_method(name: &str) -> String {
    let name = short(name);
    if let Some(m) = Method::ALL
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name))
    {
        return format!("unknown method `{name}`: did you mean `{m}`?");
    }
    let all: Vec<&str> = Method::ALL.into_iter().map(Method::name).collect();
    format!(
        "unknown method `{name}`: expected one of {}",
        all.join(", ")
    )
}

/// A character for a message: `x` in backticks, or its code point when it
/// would not show.
fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// At most 32 characters of script text for a message.
pub(crate) fn short(s: &str) -> &str {
    match s.char_indices().nth(32) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
