//! The report as Markdown (CommonMark with GitHub tables).
//!
//! Text is escaped so that no value can start markup: table pipes,
//! backslashes, backticks, `*` and link brackets are backslash-escaped,
//! `&`, `<` and `>` become entities (no raw HTML), and line breaks become
//! spaces. (`_` is left alone: names like `TOSHIBA_MEC` stay readable, and
//! intraword underscores start no emphasis.) Code spans are fenced with
//! more backticks than they contain.

use super::Report;
use super::doc::{self, Block, Span};

/// Render `report`.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::from("# Gantry compliance report\n\n");
    out.push_str(&spans(&doc::preamble(report)));
    out.push_str("\n\n");
    for section in doc::sections(report) {
        out.push_str("## ");
        out.push_str(section.title);
        out.push_str("\n\n");
        for block in &section.blocks {
            match block {
                Block::Para(content) => {
                    out.push_str(&spans(content));
                    out.push_str("\n\n");
                }
                Block::Table { head, rows } => {
                    out.push('|');
                    for h in head {
                        out.push(' ');
                        out.push_str(&escape(h));
                        out.push_str(" |");
                    }
                    out.push_str("\n|");
                    for _ in head {
                        out.push_str("---|");
                    }
                    out.push('\n');
                    for row in rows {
                        out.push('|');
                        for cell in row {
                            out.push(' ');
                            out.push_str(&spans(cell));
                            out.push_str(" |");
                        }
                        out.push('\n');
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|span| match span {
            Span::Text(text) => escape(text),
            Span::Code(code) => code_span(code),
        })
        .collect()
}

/// Escape text for Markdown, table cells included.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' | '|' | '`' | '*' | '[' | ']' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// A code span: fenced with one backtick more than the longest run inside
/// (CommonMark), padded when the content touches a backtick. Pipes are
/// escaped (GitHub tables split on them even inside code), line breaks
/// become spaces.
fn code_span(code: &str) -> String {
    let code: String = code
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if code.is_empty() {
        return String::new();
    }
    if code.starts_with('`') || code.ends_with('`') {
        format!("{fence} {code} {fence}")
    } else {
        format!("{fence}{code}{fence}")
    }
}
