//! `DicomPixelAnonymizer.script`: signatures, regions, JSON.

use serde::{Serialize, Serializer};

use crate::condition::{Condition, Operand};
use crate::diagnostic::{Diagnostic, LineIndex, RawDiagnostic, Severity};
use crate::parse_condition::{parse_condition, short};
use crate::shadow::{Shadowed, first_implied};

/// A parsed `DicomPixelAnonymizer.script`: its signatures in file order,
/// and what was wrong with the text.
///
/// CTP tries the signatures in order and blanks the regions of the first
/// that matches ([`PixelScript::first_match`]); a matching signature with
/// no regions blanks nothing and stops the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PixelScript {
    /// The signatures without errors, in file order.
    pub signatures: Vec<Signature>,
    /// Errors (the construct was dropped) and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One `{ condition }` and the regions written after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// 1-based line of the opening `{`.
    pub line: u32,
    /// The parsed condition.
    pub condition: Condition,
    /// The condition rendered back in normalised CTP syntax.
    pub condition_text: String,
    /// The regions between this signature's `}` and the next `{`.
    pub regions: Vec<Region>,
}

/// A CTP pixel region `(x, y, w, h)`: `w` columns from column `x`, `h`
/// rows from row `y`, counted from the top-left corner. A negative `x`
/// (`y`) is an offset from the right (bottom) edge.
///
/// The parser keeps only regions with `w > 0` and `h > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// First column; negative: offset from the right edge.
    pub x: i32,
    /// First row; negative: offset from the bottom edge.
    pub y: i32,
    /// Width in columns.
    pub w: u32,
    /// Height in rows.
    pub h: u32,
}

/// Parse a `DicomPixelAnonymizer.script`. Never fails and never panics:
/// whatever is wrong becomes a [`Diagnostic`].
///
/// The layout is CTP's: a signature is a `{`, its condition, and the first
/// `}` after it (even inside quotes); its regions are every `(x,y,w,h)`
/// between that `}` and the next `{`; all other text is free prose. On top
/// of CTP, Gantry reports what CTP would silently skip or misread:
///
/// - a signature with an error (see the grammar in the crate docs) is
///   dropped with an error; its regions are checked, then dropped too;
/// - a `{` with no `}` before the next `{` (outside literals and
///   comments) is an error, and parsing resumes at that next `{` (CTP
///   would swallow both into one broken signature);
/// - `{}` (an empty condition) is an error: CTP never matches it;
/// - after a signature, text in parentheses made of numbers and commas, or
///   of four comma-separated parts, must be a region: four integers with
///   `w, h > 0` (an error otherwise, and the region is dropped; CTP would
///   skip it or read bad numbers as 0); other text in parentheses is prose
///   and gets a warning, as CTP logs one;
/// - before the first signature, numbers and commas in parentheses get a
///   warning (CTP ignores regions there); other parentheses are prose;
/// - a `}` outside a signature gets a warning.
pub fn parse_pixel_script(text: &str) -> PixelScript {
    let mut scanner = Scanner {
        text,
        index: LineIndex::new(text),
        pos: 0,
        current: Current::BeforeFirst,
        signatures: Vec::new(),
        raw: Vec::new(),
    };
    scanner.run();
    let Scanner {
        index,
        signatures,
        raw,
        ..
    } = scanner;
    PixelScript {
        signatures,
        diagnostics: index.resolve_all(raw),
    }
}

impl PixelScript {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The signature CTP would choose: the first whose condition matches
    /// (see [`Condition::evaluate`]).
    pub fn first_match(&self, lookup: &dyn Fn(&Operand) -> Option<String>) -> Option<&Signature> {
        self.signatures
            .iter()
            .find(|s| s.condition.evaluate(lookup))
    }

    /// Signatures that can never be chosen because an earlier one matches
    /// everything they match (first match wins), in file order.
    ///
    /// The check is sound but incomplete: every reported signature really
    /// is shadowed, but not every shadowed signature is found. Its core
    /// is set inclusion of `*`-terms — `A * B * C` is shadowed by an
    /// earlier `A * B`, comparing operand, method and literal (ASCII
    /// literals of `…IgnoreCase` methods case-insensitively) — extended through
    /// `+` and `!`, and to string tests that chain on the same operand
    /// (`equals("GE MEDICAL")` implies `startsWith("GE")`). Numeric
    /// ranges, regexes, and a keyword versus its tag are not compared.
    /// The work is bounded (pairs of signatures are compared until a
    /// fixed budget, far beyond real scripts' needs, is spent), so a
    /// hostile script with many thousands of signatures stays fast.
    pub fn shadowed(&self) -> Vec<Shadowed> {
        let conditions: Vec<&Condition> = self.signatures.iter().map(|s| &s.condition).collect();
        first_implied(&conditions)
            .into_iter()
            .zip(&self.signatures)
            .filter_map(|(earlier, later)| {
                let earlier = self.signatures.get(earlier?)?;
                Some(Shadowed {
                    line: later.line,
                    by_line: earlier.line,
                })
            })
            .collect()
    }

    /// The `gantry ctp import --json` object (SPEC §12.1):
    /// `{"kind": "pixel", "signatures": [{"line", "condition", "regions":
    /// [[x, y, w, h], …]}], "shadowed": [{"line", "by_line"}],
    /// "diagnostics": [{"line", "column", "severity", "message"}]}`.
    ///
    /// A `serde_json::Value` sorts keys; serialize the script itself
    /// (it implements [`Serialize`]) to keep them in the order above.
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing strings, integers and sequences into a `Value`
        // cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Serialize)]
struct JsonScript<'a> {
    kind: &'static str,
    signatures: Vec<JsonSignature<'a>>,
    shadowed: Vec<Shadowed>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct JsonSignature<'a> {
    line: u32,
    condition: &'a str,
    regions: Vec<[i64; 4]>,
}

impl Serialize for PixelScript {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        JsonScript {
            kind: "pixel",
            signatures: self
                .signatures
                .iter()
                .map(|s| JsonSignature {
                    line: s.line,
                    condition: &s.condition_text,
                    regions: s
                        .regions
                        .iter()
                        .map(|r| {
                            [
                                i64::from(r.x),
                                i64::from(r.y),
                                i64::from(r.w),
                                i64::from(r.h),
                            ]
                        })
                        .collect(),
                })
                .collect(),
            shadowed: self.shadowed(),
            diagnostics: &self.diagnostics,
        }
        .serialize(serializer)
    }
}

/// Where the text of a signature ends.
enum BlockEnd {
    /// At the `}` at this offset.
    Close(usize),
    /// Unclosed: at the `{` at this offset.
    Open(usize),
    /// Unclosed: at the end of the script.
    Eof,
}

/// Where regions found now go.
enum Current {
    /// No signature yet: regions are ignored (as CTP does).
    BeforeFirst,
    /// The signature at this index in `signatures`.
    Kept(usize),
    /// A signature with an error: regions are checked, then dropped.
    Dropped,
}

struct Scanner<'a> {
    text: &'a str,
    index: LineIndex<'a>,
    /// Byte offset; only ever acted on at ASCII bytes, which are always
    /// character boundaries in UTF-8.
    pos: usize,
    current: Current,
    signatures: Vec<Signature>,
    raw: Vec<RawDiagnostic>,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'{' => self.signature(),
                b'(' => self.parenthesis(),
                b'}' => {
                    self.raw.push(RawDiagnostic::warning(
                        self.pos,
                        "`}` without a matching `{`: CTP ignores it",
                    ));
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Offset of the first of `targets` after `from`.
    fn find_after(&self, from: usize, targets: &[u8]) -> Option<usize> {
        let bytes = self.text.as_bytes();
        bytes
            .get(from + 1..)?
            .iter()
            .position(|b| targets.contains(b))
            .map(|i| from + 1 + i)
    }

    /// At `{`.
    fn signature(&mut self) {
        let open = self.pos;
        match self.block_end(open) {
            BlockEnd::Close(close) => {
                let condition = parse_condition(self.text, open, close, &mut self.raw);
                self.finish_signature(open, close, condition);
            }
            BlockEnd::Open(next) => self.unclosed(open, Some(next)),
            BlockEnd::Eof => self.unclosed(open, None),
        }
    }

    /// How the signature opened at `open` ends: at the first `}`, as in
    /// CTP, even inside a literal or a comment; or, when a `{` outside
    /// literals and comments comes first, at that `{` — CTP would read
    /// on to the `}`, but no condition can contain such a `{`, so the `}`
    /// is missing. Linear: the scan stops where the next one starts.
    fn block_end(&self, open: usize) -> BlockEnd {
        enum State {
            Code,
            Literal,
            Comment,
        }
        let bytes = self.text.as_bytes();
        let mut state = State::Code;
        let mut i = open + 1;
        while let Some(&b) = bytes.get(i) {
            match (&state, b) {
                (_, b'}') => return BlockEnd::Close(i),
                (State::Code, b'{') => return BlockEnd::Open(i),
                (State::Code, b'"') => state = State::Literal,
                (State::Code, b'/') if bytes.get(i + 1) == Some(&b'/') => {
                    state = State::Comment;
                    i += 1;
                }
                (State::Literal, b'"' | b'\n') | (State::Comment, b'\n') => state = State::Code,
                _ => {}
            }
            i += 1;
        }
        BlockEnd::Eof
    }

    fn finish_signature(&mut self, open: usize, close: usize, condition: Option<Condition>) {
        self.current = match condition {
            Some(condition) => {
                self.signatures.push(Signature {
                    line: self.index.line(open),
                    condition_text: condition.to_string(),
                    condition,
                    regions: Vec::new(),
                });
                Current::Kept(self.signatures.len() - 1)
            }
            None => Current::Dropped,
        };
        self.pos = close + 1;
    }

    /// The `{` at `open` has no `}` before the `{` at `next` (or the end).
    fn unclosed(&mut self, open: usize, next: Option<usize>) {
        let message = match next {
            Some(next) => format!(
                "`{{` is not closed: expected `}}` before the next `{{` (line {})",
                self.index.line(next)
            ),
            None => "`{` is not closed: expected `}` before the end of the script".to_owned(),
        };
        self.raw.push(RawDiagnostic::error(open, message));
        self.current = Current::Dropped;
        self.pos = next.unwrap_or(self.text.len());
    }

    /// At `(` outside a signature.
    fn parenthesis(&mut self) {
        let open = self.pos;
        let bytes = self.text.as_bytes();
        match self.find_after(open, b")({") {
            Some(close) if bytes.get(close) == Some(&b')') => {
                self.region(open, close);
                self.pos = close + 1;
            }
            stop => {
                // Unclosed: CTP ignores it. Report it if the rest of its
                // line looks like a region.
                let stop = stop.unwrap_or(self.text.len());
                let contents = self.text.get(open + 1..stop).unwrap_or("");
                let line = contents.split('\n').next().unwrap_or("");
                if looks_like_region(line) {
                    self.raw.push(match self.current {
                        Current::BeforeFirst => before_first(open),
                        _ => RawDiagnostic::error(open, "region is not closed: expected `)`"),
                    });
                }
                self.pos = open + 1;
            }
        }
    }

    /// `(` at `open`, `)` at `close`.
    fn region(&mut self, open: usize, close: usize) {
        let contents = self.text.get(open + 1..close).unwrap_or("");
        let mut parts = Vec::new();
        let mut at = open + 1;
        for part in contents.split(',') {
            parts.push((at, part));
            at += part.len() + 1;
        }
        if let Current::BeforeFirst = self.current {
            if looks_like_region(contents) {
                self.raw.push(before_first(open));
            }
            return;
        }
        if !(looks_like_region(contents) || parts.len() == 4) {
            self.raw.push(RawDiagnostic::warning(
                open,
                "text in parentheses after a signature is not a region `(x,y,w,h)`: CTP skips it",
            ));
            return;
        }
        match parse_region(open, &parts) {
            Ok(region) => {
                if let Current::Kept(k) = self.current
                    && let Some(signature) = self.signatures.get_mut(k)
                {
                    signature.regions.push(region);
                }
            }
            Err((offset, message)) => {
                self.raw.push(RawDiagnostic::error(offset, message));
            }
        }
    }
}

fn before_first(open: usize) -> RawDiagnostic {
    RawDiagnostic::warning(
        open,
        "region before the first signature: CTP ignores it (regions follow a signature's `}`)",
    )
}

/// Numbers, signs, commas and whitespace, with at least one digit and one
/// comma: an attempt at a region rather than prose.
fn looks_like_region(s: &str) -> bool {
    s.contains(',')
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | '+') || c.is_whitespace())
}

/// Four comma-separated parts (with their byte offsets) as a region, or
/// the offset and message of the first problem (`open`: the `(`).
fn parse_region(open: usize, parts: &[(usize, &str)]) -> Result<Region, (usize, String)> {
    if parts.len() != 4 {
        return Err((
            open,
            format!("a region needs 4 values (x,y,w,h), found {}", parts.len()),
        ));
    }
    let mut values = [0i32; 4];
    for (value, &(at, part)) in values.iter_mut().zip(parts) {
        let trimmed = part.trim();
        let at = at + (part.len() - part.trim_start().len());
        if trimmed.is_empty() {
            return Err((at, "missing region value".to_owned()));
        }
        *value = trimmed.parse().map_err(|_| {
            let digits = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
            let what = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                "is out of range"
            } else {
                "is not an integer"
            };
            (at, format!("region value `{}` {what}", short(trimmed)))
        })?;
    }
    let [x, y, w, h] = values;
    let size = |v: i32, at: usize, name: &str| {
        u32::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| (at, format!("region {name} is {v}: it must be positive")))
    };
    Ok(Region {
        x,
        y,
        w: size(w, first_char(parts[2]), "width")?,
        h: size(h, first_char(parts[3]), "height")?,
    })
}

fn first_char((at, part): (usize, &str)) -> usize {
    at + (part.len() - part.trim_start().len())
}
