//! Diagnostics with positions, and the map from byte offsets to them.

use std::fmt;

use serde::Serialize;

/// A problem found while parsing a script, with its position.
///
/// Messages describe the script, never DICOM values (the parser sees none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters (a tab counts as one).
    pub column: u32,
    /// Whether the construct was dropped (error) or kept (warning).
    pub severity: Severity,
    /// What is wrong and, where there is one, the fix.
    pub message: String,
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The construct is dropped: a signature with an error is not in
    /// [`PixelScript::signatures`](crate::PixelScript::signatures), a
    /// malformed region is not in its signature's regions.
    Error,
    /// The construct is kept, but CTP would read it differently or ignore
    /// it, or it is likely a mistake.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Diagnostic {
    /// `line:column: severity: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.severity, self.message
        )
    }
}

/// A diagnostic positioned by byte offset, before line/column mapping.
#[derive(Debug)]
pub(crate) struct RawDiagnostic {
    pub(crate) offset: usize,
    pub(crate) severity: Severity,
    pub(crate) message: String,
}

impl RawDiagnostic {
    pub(crate) fn error(offset: usize, message: impl Into<String>) -> Self {
        RawDiagnostic {
            offset,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub(crate) fn warning(offset: usize, message: impl Into<String>) -> Self {
        RawDiagnostic {
            offset,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

/// Byte offset → 1-based line and column. Lines end at `\n`.
#[derive(Debug)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&start| start <= offset);
        saturate(line.max(1))
    }

    /// Line and column for each diagnostic, sorted by offset first. One
    /// pass: columns are counted on from the previous diagnostic when it
    /// is on the same line, so many diagnostics on one long line stay
    /// linear.
    pub(crate) fn resolve_all(&self, mut raw: Vec<RawDiagnostic>) -> Vec<Diagnostic> {
        raw.sort_by_key(|d| d.offset);
        let mut out = Vec::with_capacity(raw.len());
        // (line, offset, column) of the previous diagnostic.
        let mut previous: Option<(usize, usize, usize)> = None;
        for d in raw {
            let mut offset = d.offset.min(self.text.len());
            while !self.text.is_char_boundary(offset) {
                offset -= 1;
            }
            let line = self.starts.partition_point(|&start| start <= offset).max(1);
            let (from, column) = match previous {
                Some((l, o, c)) if l == line => (o, c),
                _ => (self.starts.get(line - 1).copied().unwrap_or(0), 1),
            };
            let column = column + self.text.get(from..offset).map_or(0, |s| s.chars().count());
            previous = Some((line, offset, column));
            out.push(Diagnostic {
                line: saturate(line),
                column: saturate(column),
                severity: d.severity,
                message: d.message,
            });
        }
        out
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
