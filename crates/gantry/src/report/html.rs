//! The report as one self-contained HTML page: inline CSS only, no URL,
//! script, font, image or other external resource, every value escaped.

use super::Report;
use super::doc::{self, Block, Span};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;\
padding:0 1em;color:#111}h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;\
border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:0.5em 0 1em}\
th,td{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}code{font-family:monospace;overflow-wrap:anywhere}";

/// Render `report`.
pub(crate) fn render(report: &Report) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<title>Gantry compliance report</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>Gantry compliance report</h1>\n<p>");
    out.push_str(&spans(&doc::preamble(report)));
    out.push_str("</p>\n");
    for section in doc::sections(report) {
        out.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            escape(section.id),
            escape(section.title)
        ));
        for block in &section.blocks {
            match block {
                Block::Para(content) => {
                    out.push_str("<p>");
                    out.push_str(&spans(content));
                    out.push_str("</p>\n");
                }
                Block::Table { head, rows } => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in head {
                        out.push_str("<th>");
                        out.push_str(&escape(h));
                        out.push_str("</th>");
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for cell in row {
                            out.push_str("<td>");
                            out.push_str(&spans(cell));
                            out.push_str("</td>");
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|span| match span {
            Span::Text(text) => escape(text),
            Span::Code(code) => format!("<code>{}</code>", escape(code)),
        })
        .collect()
}

/// Escape text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
