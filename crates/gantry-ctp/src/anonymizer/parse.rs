//! Reading a `DicomAnonymizer.script` the way CTP reads it (SPEC §8), so
//! that Gantry applies the rules CTP would apply — no more, no fewer — and
//! says where a script does something other than what it seems to.
//!
//! What CTP does and what Gantry reports is documented on
//! [`parse_anonymizer_script`], where readers of the API see it.

use std::collections::HashMap;

use roxmltree::{Document, Node, ParsingOptions};

use super::{
    AnonymizerScript, Arg, Call, ElementRule, Function, Param, Part, RemoveWhat, Script,
    ScriptForm, ScriptTag, Switch,
};
use crate::diagnostic::{Diagnostic, LineIndex, RawDiagnostic};
use crate::parse_condition::short;

#[cfg(test)]
mod tests;

/// How deep `{…}` clauses may nest: keeps recursion (here, in `Display`,
/// evaluation and drop) far from the stack's end.
const MAX_DEPTH: usize = 64;

/// Parse a `DicomAnonymizer.script` in either form, as CTP reads it. Never
/// fails and never panics: what cannot be read becomes a [`Diagnostic`].
///
/// # Form
///
/// As CTP's `DAScript`: the script is XML when some line starts, after
/// white space, with `<` (CTP's `^\s*<` in multi-line mode, so not only the
/// first line counts); a UTF-8 byte order mark is skipped first. Otherwise
/// it is the legacy properties form.
///
/// # XML
///
/// Read with `roxmltree` (a DOCTYPE is refused). Only the root's child
/// elements matter and, as in CTP, the root's name is not checked (a
/// warning says so): `<p t>` parameters (value: the text content,
/// untrimmed), `<e en t n>` rules (rule: the text content, trimmed), `<k en
/// t>` keep groups (`t` starting with `safe`: safe private elements),
/// `<r en t>` removal switches. An item is enabled only with `en="T"`, as in
/// CTP; any other `en` is read as disabled, with a warning. An `<e>` whose
/// `t` CTP could not resolve (CTP ignores the rule or fails to load the
/// script), an unknown `<r>`, a `<k>` group that is not 1–4 hex digits, a
/// `<p>` without a name: errors, and the item is dropped. `t="[gggg,eeee]"`
/// is read as that element, with a warning: CTP cannot resolve it. Unknown
/// elements and stray text: warnings (CTP ignores them).
///
/// # Properties
///
/// CTP's anonymizer loads this form with `java.util.Properties.load` (the
/// line-by-line reading in `DAScript.toXML` only feeds CTP's script editor),
/// and so does Gantry: logical lines (a line ending in an odd number of
/// `\` continues on the next one, whose leading blanks are dropped), `#`
/// and `!` comment lines, the key ending at the first unescaped `=`, `:`
/// or blank, and `\` escapes resolved in key and value (`\t`, `\n`, `\r`,
/// `\f`, `\uXXXX`, otherwise the next character itself). A malformed
/// `\uXXXX` makes Java's reader give up, so the rest of the script is
/// ignored, with an error. Keys CTP uses: `param.NAME`,
/// `set.[gggg,eeee]Name` (also `[ggggeeee]` and `[gggg[CREATOR]ee]`),
/// `keep.groupgggg`, `keep.safeprivateelements`, `remove.privategroups`,
/// `remove.unspecifiedelements`, `remove.overlays`, `remove.curves`. A
/// comment line `#set.…=…`, `#keep.…=…` or `#remove.…=…` is a disabled item,
/// split at its first `=` as CTP's editor does. Any other key: a warning
/// (CTP ignores it).
///
/// # Rule text
///
/// As CTP's `DICOMAnonymizer.makeReplacement` and `FnCall` read it:
///
/// - `\` makes the next character literal; `@` starts a call. A trailing
///   `\` is dropped (error).
/// - A call's name is everything between `@` and the next `(`, blanks
///   removed. With no `(` after the `@`, CTP stops reading the rule (or
///   the clause): the parts before the `@` are kept, the rest is dropped
///   (error).
/// - Arguments are split at `,` outside `"…"`, `[…]` and `(…)`, up to the
///   `)` that closes the call; `\` escapes a character there too (an escaped
///   `"`, `[`, `(` still counts for nesting, as in CTP). Each is trimmed and
///   classified: `this`, `@NAME` (a parameter), `"…"` (quotes removed), or
///   bare text. An empty last argument is dropped (`@f(a,)` has one). An
///   unclosed call stops the rule like a lone `@`.
/// - `@if` and `@select` take two `{…}` clauses, `@append` one; a clause is
///   found by counting braces, ignoring escapes and quotes, then trimmed. A
///   missing or unclosed clause is empty, and CTP then ignores the rest of
///   the rule: [`Call::clauses`] always has [`Function::clause_count`]
///   entries. Clauses nest at most 64 deep (deeper ones are dropped, error).
/// - An unknown function is kept as [`Function::Unknown`] (error: CTP
///   writes the call into the value as text).
///
/// Lints (warnings): `{` right after a call's last clause (literal text in
/// CTP); `@always()` anywhere but written exactly so at the very start of a
/// rule (CTP only honours it there); a parameter an enabled rule uses that
/// the script never defines, and `@param(NAME)` without `@`; a parameter
/// defined twice (the later wins); two enabled rules for one element (CTP
/// keeps the later when their keys are equal, otherwise either); an
/// enabled rule with no text (CTP empties the element).
///
/// # Positions
///
/// Lines and columns are those of the original text (after a byte order
/// mark). Inside rule text they are exact for plain text, entities,
/// character references, CDATA, comments, `\r\n`, properties escapes and
/// continuation lines; should the decoded text ever fail to line up with
/// the source, later positions in that rule are extrapolated from the last
/// point that did, clamped to the rule's own source range.
pub fn parse_anonymizer_script(text: &str) -> AnonymizerScript {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::new(body);
    match xml_start(body) {
        Some(at) => {
            reader.script.form = ScriptForm::Xml;
            reader.xml(at);
        }
        None => {
            reader.script.form = ScriptForm::Properties;
            reader.properties();
        }
    }
    reader.finish()
}

/// One rule's text parsed on its own: [`Script::parse`]. Diagnostics'
/// lines and columns count within `text`.
pub fn parse_rule(text: &str) -> (Script, Vec<Diagnostic>) {
    let mut reader = Reader::new(text);
    let map = SourceMap::identity(0, text.len());
    let script = reader.rule_text(text, &map, false);
    let Reader { index, raw, .. } = reader;
    (script, index.resolve_all(raw))
}

impl Script {
    /// Parse one rule's text on its own (as stored in a Gantry config, or
    /// as written between `<e>` and `</e>` with entities decoded): trimmed
    /// as CTP trims rules, then read as [`parse_anonymizer_script`] reads
    /// rule text. Positions are relative to `text`. Parameters are not
    /// checked (there is no script to define them).
    ///
    /// For any script this returns without an error diagnostic,
    /// `Script::parse(&script.to_string())` gives it back (positions
    /// aside).
    pub fn parse(text: &str) -> (Script, Vec<Diagnostic>) {
        parse_rule(text)
    }
}

/// Offset of the `<` that makes CTP read the text as XML: the first `<`
/// that starts a line, white space (Java's `\s`, line ends included)
/// aside.
fn xml_start(text: &str) -> Option<usize> {
    let mut line_start = true;
    for (i, c) in text.char_indices() {
        match c {
            '<' if line_start => return Some(i),
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => line_start = true,
            ' ' | '\t' | '\u{b}' | '\u{c}' => {}
            _ => line_start = false,
        }
    }
    None
}

/// Java's `String.trim`: the bounds of `s[start..end]` without characters
/// up to U+0020 at either end.
fn java_trim(s: &str, start: usize, end: usize) -> (usize, usize) {
    let inner = s.get(start..end).unwrap_or("");
    let lead = inner.len() - inner.trim_start_matches(|c| c <= ' ').len();
    let kept = inner.trim_matches(|c| c <= ' ').len();
    (start + lead, start + lead + kept)
}

/// Java's `Character.isWhitespace`.
fn is_java_whitespace(c: char) -> bool {
    match c {
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{1f}' => true,
        '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{85}' => false,
        c => c.is_whitespace(),
    }
}

/// Java's regex `\s`: what CTP removes from function names.
fn is_regex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Decoded-text offsets (a rule with entities or escapes resolved) to
/// offsets in the source: anchors where the two stop running in step,
/// identity in between, clamped to the source range.
#[derive(Debug)]
struct SourceMap {
    /// (decoded offset, source offset), increasing.
    anchors: Vec<(usize, usize)>,
    /// End of the source range.
    end: usize,
}

impl SourceMap {
    fn identity(start: usize, end: usize) -> SourceMap {
        SourceMap {
            anchors: vec![(0, start)],
            end: end.max(start),
        }
    }

    /// The decoded text from `dec` on comes from `src` on.
    fn anchor(&mut self, dec: usize, src: usize) {
        match self.anchors.last_mut() {
            Some(&mut (d0, s0)) if dec >= d0 && s0.checked_add(dec - d0) == Some(src) => {}
            Some(last) if last.0 == dec => last.1 = src,
            _ => self.anchors.push((dec, src)),
        }
        self.end = self.end.max(src);
    }

    fn source(&self, dec: usize) -> usize {
        let k = self.anchors.partition_point(|&(d, _)| d <= dec);
        let (d0, s0) = match k.checked_sub(1).and_then(|k| self.anchors.get(k)) {
            Some(&anchor) => anchor,
            None => self.anchors.first().map_or((0, 0), |&(_, s)| (dec, s)),
        };
        s0.saturating_add(dec - d0).min(self.end)
    }
}

/// Line and column of offsets asked for in increasing order, in linear
/// time overall (a long line with many calls stays cheap).
#[derive(Debug)]
struct Cursor {
    offset: usize,
    line: usize,
    column: usize,
}

impl Cursor {
    fn new() -> Cursor {
        Cursor {
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    fn at(&mut self, text: &str, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.offset {
            *self = Cursor::new();
        }
        for c in text.get(self.offset..offset).unwrap_or("").chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset = offset;
        (saturate(self.line), saturate(self.column))
    }
}

/// One rule's text, decoded, and where it came from.
struct RuleText<'r> {
    s: &'r str,
    map: &'r SourceMap,
    /// Whether parameters used are checked against the script's.
    check_params: bool,
}

impl RuleText<'_> {
    fn src(&self, at: usize) -> usize {
        self.map.source(at)
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.s.get(at..).and_then(|s| s.chars().next())
    }
}

/// What a `@` turned out to be.
enum CallEnd {
    /// A call; the rule goes on at this offset.
    Next(Call, usize),
    /// A call after which CTP ignores the rest of the text.
    Last(Call),
    /// Not a call: CTP stops reading the text at the `@`.
    Stop,
}

/// Where a `{…}` clause is.
enum Clause {
    /// Its trimmed contents and the offset of its `}`.
    Found(usize, usize, usize),
    /// No `{` where one was expected (offset of what is there instead).
    Missing(usize),
    /// A `{` at this offset is never closed.
    Unclosed(usize),
}

struct Reader<'a> {
    text: &'a str,
    index: LineIndex<'a>,
    cursor: Cursor,
    script: AnonymizerScript,
    raw: Vec<RawDiagnostic>,
    /// Parameters used by enabled rules: name and source offset.
    param_uses: Vec<(String, usize)>,
    /// Enabled rules seen, by element: line and CTP's property key.
    rules_seen: HashMap<ScriptTag, (u32, String)>,
    /// Parameters seen: line.
    params_seen: HashMap<String, u32>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            index: LineIndex::new(text),
            cursor: Cursor::new(),
            script: AnonymizerScript::default(),
            raw: Vec::new(),
            param_uses: Vec::new(),
            rules_seen: HashMap::new(),
            params_seen: HashMap::new(),
        }
    }

    fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.raw.push(RawDiagnostic::error(offset, message));
    }

    fn warning(&mut self, offset: usize, message: impl Into<String>) {
        self.raw.push(RawDiagnostic::warning(offset, message));
    }

    fn finish(mut self) -> AnonymizerScript {
        let uses = std::mem::take(&mut self.param_uses);
        for (name, at) in uses {
            if !self.params_seen.contains_key(&name) {
                self.warning(
                    at,
                    format!(
                        "parameter @{} is not defined in the script (CTP finds no value for it)",
                        short(&name)
                    ),
                );
            }
        }
        let Reader {
            index,
            raw,
            mut script,
            ..
        } = self;
        script.diagnostics = index.resolve_all(raw);
        script
    }

    // ----- items shared by both forms -----

    fn add_param(&mut self, at: usize, name: String, value: String) {
        let line = self.index.line(at);
        if let Some(first) = self.params_seen.insert(name.clone(), line) {
            self.warning(
                at,
                format!(
                    "parameter {} is defined again (first on line {first}): CTP uses the later value",
                    short(&name)
                ),
            );
        }
        self.script.params.push(Param { line, name, value });
    }

    /// An element rule: `key` is CTP's property key, for the duplicate
    /// check; the rule's text is `s`, already decoded, untrimmed.
    fn add_rule(&mut self, item: Item<'_>, tag: ScriptTag, name: String, key: String) {
        let line = self.index.line(item.at);
        let script = self.rule_text(item.s, item.map, item.enabled);
        if item.enabled {
            if script.is_empty() {
                self.warning(
                    item.at,
                    format!(
                        "the rule for {tag} has no text: CTP empties the element (write @empty() to say so, or @keep())"
                    ),
                );
            }
            if let Some((first, first_key)) = self.rules_seen.get(&tag).cloned() {
                let what = if first_key == key {
                    "CTP uses this one and ignores the earlier"
                } else {
                    "CTP uses one of them, and which one is unpredictable"
                };
                self.warning(
                    item.at,
                    format!(
                        "a second enabled rule for {tag} (the first is on line {first}): {what}"
                    ),
                );
            }
            self.rules_seen.insert(tag.clone(), (line, key));
        }
        self.script.elements.push(ElementRule {
            line,
            enabled: item.enabled,
            tag,
            name,
            script,
        });
    }

    /// A keep group: `at` the item, `t_at` its group number.
    fn add_keep_group(&mut self, at: usize, t_at: usize, enabled: bool, group: &str) {
        let trimmed = group.trim_matches(|c| c <= ' ');
        let parsed =
            if (1..=4).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
                u16::from_str_radix(trimmed, 16).ok()
            } else {
                None
            };
        match parsed {
            Some(group) => self.script.keep_groups.push(Switch {
                line: self.index.line(at),
                enabled,
                what: group,
            }),
            None => self.error(
                t_at,
                format!(
                    "keep group `{}` is not a group number (1 to 4 hex digits): CTP would not keep it",
                    short(group)
                ),
            ),
        }
    }

    fn add_keep_safe(&mut self, at: usize, enabled: bool) {
        let switch = Switch {
            line: self.index.line(at),
            enabled,
            what: (),
        };
        match self
            .script
            .keep_safe_private
            .as_ref()
            .map(|s| (s.line, s.enabled))
        {
            Some((first_line, first_enabled)) => {
                self.warning(
                    at,
                    format!(
                        "safe private elements are switched again (first on line {first_line}): CTP keeps them if any of these is enabled"
                    ),
                );
                if enabled && !first_enabled {
                    self.script.keep_safe_private = Some(switch);
                }
            }
            None => self.script.keep_safe_private = Some(switch),
        }
    }

    /// A removal switch: `at` the item, `t_at` its name.
    fn add_remove(&mut self, at: usize, t_at: usize, enabled: bool, what: &str) {
        let what = match what {
            "privategroups" => RemoveWhat::PrivateGroups,
            "unspecifiedelements" => RemoveWhat::UnspecifiedElements,
            "overlays" => RemoveWhat::Overlays,
            "curves" => RemoveWhat::Curves,
            other => {
                self.error(
                    t_at,
                    format!(
                        "unknown removal `{}`: CTP ignores it (it knows privategroups, unspecifiedelements, overlays and curves)",
                        short(other)
                    ),
                );
                return;
            }
        };
        self.script.remove.push(Switch {
            line: self.index.line(at),
            enabled,
            what,
        });
    }

    // ----- XML -----

    fn xml(&mut self, start: usize) {
        let text = self.text;
        if !text[..start].chars().all(char::is_whitespace) {
            self.error(
                0,
                format!(
                    "CTP reads this script as XML because line {} starts with `<`, but it does not start with `<`: CTP cannot load it",
                    self.index.line(start)
                ),
            );
            return;
        }
        let options = ParsingOptions {
            allow_dtd: false,
            ..ParsingOptions::default()
        };
        let doc = match Document::parse_with_options(text, options) {
            Ok(doc) => doc,
            Err(e) => {
                let pos = e.pos();
                let message = e.to_string();
                let message = message
                    .strip_suffix(&format!(" at {pos}"))
                    .unwrap_or(&message);
                let offset = match e {
                    roxmltree::Error::UnexpectedEndOfStream
                    | roxmltree::Error::UnclosedRootNode => text.len(),
                    roxmltree::Error::DtdDetected => text.find("<!DOCTYPE").unwrap_or(0),
                    _ => self.offset_of(pos.row, pos.col),
                };
                let message = if matches!(e, roxmltree::Error::DtdDetected) {
                    "the script has a DOCTYPE, which Gantry does not read: remove it".to_owned()
                } else {
                    format!("the script is not well-formed XML ({message}): CTP cannot load it")
                };
                self.error(offset, message);
                return;
            }
        };
        let root = doc.root_element();
        let root_name = root.tag_name().name();
        if root_name != "script" {
            self.warning(
                root.range().start,
                format!(
                    "the root element is <{}>, not <script>: CTP reads its children all the same",
                    short(root_name)
                ),
            );
        }
        for child in root.children() {
            if child.is_text() {
                if child.text().is_some_and(|t| !t.trim().is_empty()) {
                    let at = child.range().start
                        + child.text().map_or(0, |t| t.len() - t.trim_start().len());
                    self.warning(at, "text outside an item: CTP ignores it");
                }
                continue;
            }
            if !child.is_element() {
                continue;
            }
            match child.tag_name().name() {
                "p" => self.xml_param(child),
                "e" => self.xml_rule(child),
                "k" => self.xml_keep(child),
                "r" => self.xml_remove(child),
                other => {
                    let message = format!(
                        "unknown element <{}>: CTP ignores it (it reads <p>, <e>, <k> and <r>)",
                        short(other)
                    );
                    self.warning(child.range().start, message);
                }
            }
        }
    }

    /// Byte offset of a 1-based row and column (in characters), clamped.
    fn offset_of(&self, row: u32, col: u32) -> usize {
        let text = self.text;
        let mut line_start = 0;
        for _ in 1..row {
            match text.get(line_start..).and_then(|s| s.find('\n')) {
                Some(i) => line_start += i + 1,
                None => break,
            }
        }
        let line = text.get(line_start..).unwrap_or("");
        let line = line.split('\n').next().unwrap_or("");
        line_start
            + line
                .char_indices()
                .nth(col.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i)
    }

    /// An attribute's value and the offset of the value.
    fn attribute<'n>(node: Node<'n, '_>, name: &str) -> Option<(&'n str, usize)> {
        node.attributes()
            .find(|a| a.name() == name && a.namespace().is_none())
            .map(|a| (a.value(), a.range_value().start))
    }

    /// `en`: enabled only when exactly `T`, as CTP.
    fn xml_enabled(&mut self, node: Node<'_, '_>) -> bool {
        match Self::attribute(node, "en") {
            Some(("T", _)) => true,
            Some(("F", _)) => false,
            Some((other, at)) => {
                self.warning(
                    at,
                    format!(
                        "en=\"{}\": CTP enables an item only with en=\"T\", so this one is disabled",
                        short(other)
                    ),
                );
                false
            }
            None => {
                self.warning(
                    node.range().start,
                    "no `en` attribute: CTP reads the item as disabled (write en=\"T\" or en=\"F\")",
                );
                false
            }
        }
    }

    /// `t`, or an error naming the element.
    fn xml_t<'n>(&mut self, node: Node<'n, '_>, element: &str) -> Option<(&'n str, usize)> {
        let t = Self::attribute(node, "t");
        if t.is_none() {
            self.error(
                node.range().start,
                format!("<{element}> without a `t` attribute: CTP cannot use it"),
            );
        }
        t
    }

    fn xml_param(&mut self, node: Node<'_, '_>) {
        let Some((name, _)) = self.xml_t(node, "p") else {
            return;
        };
        if name.is_empty() {
            self.error(node.range().start, "<p t=\"\">: a parameter needs a name");
            return;
        }
        let value: String = node
            .descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect();
        self.add_param(node.range().start, name.to_owned(), value);
    }

    fn xml_rule(&mut self, node: Node<'_, '_>) {
        let at = node.range().start;
        let enabled = self.xml_enabled(node);
        let Some((t, t_at)) = self.xml_t(node, "e") else {
            return;
        };
        let tag = match xml_rule_tag(t) {
            Ok((tag, warning)) => {
                if let Some(warning) = warning {
                    self.warning(t_at, warning);
                }
                tag
            }
            Err(message) => {
                self.error(t_at, message);
                return;
            }
        };
        let name = Self::attribute(node, "n").map_or("", |(n, _)| n).to_owned();
        if let Some(child) = node.children().find(|c| c.is_element()) {
            self.warning(
                child.range().start,
                "an element inside <e>: CTP reads only the text in it, as part of the rule",
            );
        }
        let (text, map) = self.text_content(node);
        let key = format!("{t}\u{0}{name}");
        let item = Item {
            at,
            enabled,
            s: &text,
            map: &map,
        };
        self.add_rule(item, tag, name, key);
    }

    fn xml_keep(&mut self, node: Node<'_, '_>) {
        let at = node.range().start;
        let enabled = self.xml_enabled(node);
        let Some((t, t_at)) = self.xml_t(node, "k") else {
            return;
        };
        if t.starts_with("safe") {
            self.add_keep_safe(at, enabled);
        } else {
            self.add_keep_group(at, t_at, enabled, t);
        }
    }

    fn xml_remove(&mut self, node: Node<'_, '_>) {
        let at = node.range().start;
        let enabled = self.xml_enabled(node);
        let Some((t, t_at)) = self.xml_t(node, "r") else {
            return;
        };
        self.add_remove(at, t_at, enabled, t);
    }

    /// An element's text content (as Java's `getTextContent`) and where
    /// each part of it is in the source.
    fn text_content(&self, node: Node<'_, '_>) -> (String, SourceMap) {
        let text: String = node
            .descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect();
        let range = node.range();
        let start = node
            .first_child()
            .map_or(range.end, |c| c.range().start)
            .min(range.end);
        let element = self.text.get(range.clone()).unwrap_or("");
        let end = element
            .rfind("</")
            .map_or(range.end, |i| range.start + i)
            .max(start);
        let raw = self.text.get(start..end).unwrap_or("");
        let map = align(&text, raw, start);
        (text, map)
    }

    // ----- properties -----

    fn properties(&mut self) {
        let text = self.text;
        let mut lines = PropertyLines::new(text);
        while let Some(line) = lines.next_line() {
            match line {
                PropertyLine::Logical(line) => {
                    if !self.property(&line) {
                        return;
                    }
                }
                PropertyLine::Comment(start, end) => self.disabled_property(start, end),
            }
        }
    }

    /// One logical line, as `Properties.load`; `false` when Java's reader
    /// would give up here.
    fn property(&mut self, line: &LogicalLine) -> bool {
        let bytes = line.text.as_bytes();
        let is_blank = |b: u8| matches!(b, b' ' | b'\t' | 0x0c);
        let mut key_end = 0;
        let mut value_start = bytes.len();
        let mut has_separator = false;
        let mut backslash = false;
        while let Some(&b) = bytes.get(key_end) {
            if !backslash && (b == b'=' || b == b':') {
                value_start = key_end + 1;
                has_separator = true;
                break;
            }
            if !backslash && is_blank(b) {
                value_start = key_end + 1;
                break;
            }
            backslash = b == b'\\' && !backslash;
            key_end += 1;
        }
        while let Some(&b) = bytes.get(value_start) {
            if !is_blank(b) {
                if !has_separator && (b == b'=' || b == b':') {
                    has_separator = true;
                } else {
                    break;
                }
            }
            value_start += 1;
        }
        let key = load_convert(&line.text, 0, key_end, &line.map);
        let value = load_convert(&line.text, value_start, line.text.len(), &line.map);
        let ((key, key_map), (value, value_map)) = match (key, value) {
            (Ok(key), Ok(value)) => (key, value),
            (Err(at), _) | (_, Err(at)) => {
                self.error(
                    at,
                    "malformed `\\uXXXX` escape: Java's properties reader gives up here, so CTP ignores the rest of the script",
                );
                return false;
            }
        };
        let key_at = key_map.source(0);
        if key.chars().any(char::is_whitespace) {
            self.warning(
                key_at,
                "the key contains an escaped blank: CTP's script editor would read this line differently",
            );
        }
        let item = Item {
            at: key_at,
            enabled: true,
            s: &value,
            map: &value_map,
        };
        self.property_item(&key, item);
        true
    }

    /// A comment line: a disabled item when it is `#set.`, `#keep.` or
    /// `#remove.` with a `=`, split at the first `=` as CTP's editor does.
    fn disabled_property(&mut self, start: usize, end: usize) {
        let line = self.text.get(start..end).unwrap_or("");
        let Some(rest) = line.strip_prefix('#') else {
            return;
        };
        if !["set.", "keep.", "remove."]
            .iter()
            .any(|p| rest.starts_with(p))
        {
            return;
        }
        let Some(eq) = rest.find('=') else {
            return;
        };
        let key = rest[..eq].trim_matches(|c| c <= ' ');
        let value_start = start + 1 + eq + 1;
        let (value_start, value_end) = java_trim(self.text, value_start, end);
        let value = self.text.get(value_start..value_end).unwrap_or("");
        let map = SourceMap::identity(value_start, value_end);
        let item = Item {
            at: start + 1,
            enabled: false,
            s: value,
            map: &map,
        };
        self.property_item(key, item);
    }

    fn property_item(&mut self, key: &str, item: Item<'_>) {
        if let Some(name) = key.strip_prefix("param.") {
            if name.is_empty() {
                self.error(item.at, "`param.` without a name");
            } else {
                self.add_param(item.at, name.to_owned(), item.s.to_owned());
            }
        } else if let Some(rest) = key.strip_prefix("set.") {
            match property_rule_tag(rest) {
                Ok((tag, name)) => {
                    let name = name.to_owned();
                    self.add_rule(item, tag, name, rest.to_owned());
                }
                Err(message) => self.error(item.at, message),
            }
        } else if let Some(rest) = key.strip_prefix("keep.") {
            if rest == "safeprivateelements" {
                self.add_keep_safe(item.at, item.enabled);
            } else if let Some(group) = rest.strip_prefix("group") {
                self.add_keep_group(item.at, item.at, item.enabled, group);
            } else {
                self.error(
                    item.at,
                    format!(
                        "unknown `keep.{}`: CTP ignores it (it knows keep.groupgggg and keep.safeprivateelements)",
                        short(rest)
                    ),
                );
            }
        } else if let Some(rest) = key.strip_prefix("remove.") {
            self.add_remove(item.at, item.at, item.enabled, rest);
        } else {
            self.warning(
                item.at,
                format!(
                    "CTP ignores `{}` (it reads param., set., keep. and remove.)",
                    short(key)
                ),
            );
        }
    }

    // ----- rule text -----

    /// A rule's text: trimmed as CTP trims it, then parsed.
    fn rule_text(&mut self, s: &str, map: &SourceMap, check_params: bool) -> Script {
        let rule = RuleText {
            s,
            map,
            check_params,
        };
        let (start, end) = java_trim(s, 0, s.len());
        self.script_text(&rule, start, end, 0)
    }

    /// `rule.s[start..end]` as a script (CTP's `makeReplacement`).
    fn script_text(
        &mut self,
        rule: &RuleText<'_>,
        start: usize,
        end: usize,
        depth: usize,
    ) -> Script {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut escape: Option<usize> = None;
        let mut i = start;
        while i < end {
            let Some(c) = rule.char_at(i) else { break };
            let next = i + c.len_utf8();
            if escape.take().is_some() {
                text.push(c);
                i = next;
                continue;
            }
            match c {
                '\\' => escape = Some(i),
                '@' => {
                    let first = depth == 0 && i == start;
                    let outcome = self.call(rule, i, end, depth);
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    match outcome {
                        CallEnd::Next(call, after) => {
                            self.lint_always(rule, &call, i, first);
                            parts.push(Part::Call(call));
                            i = after;
                            continue;
                        }
                        CallEnd::Last(call) => {
                            self.lint_always(rule, &call, i, first);
                            parts.push(Part::Call(call));
                        }
                        CallEnd::Stop => {}
                    }
                    return Script { parts };
                }
                c => text.push(c),
            }
            i = next;
        }
        if let Some(at) = escape {
            self.error(
                rule.src(at),
                "`\\` at the end of the text escapes nothing: CTP drops it",
            );
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Script { parts }
    }

    /// `@always()` only works written exactly so at the start of a rule:
    /// CTP tests the rule's text with `startsWith("@always()")`.
    fn lint_always(&mut self, rule: &RuleText<'_>, call: &Call, at: usize, first: bool) {
        if call.function != Function::Always {
            return;
        }
        let exact = rule.s.get(at..).is_some_and(|s| s.starts_with("@always()"));
        if !(first && exact) {
            self.warning(
                rule.src(at),
                "@always() only takes effect written exactly so at the very start of a rule: CTP ignores this one",
            );
        }
    }

    /// The call whose `@` is at `at` (CTP's `FnCall`).
    fn call(&mut self, rule: &RuleText<'_>, at: usize, end: usize, depth: usize) -> CallEnd {
        // What CTP stops reading: a clause is read on its own.
        let scope = if depth == 0 { "rule" } else { "clause" };
        let rest = rule.s.get(at + 1..end).unwrap_or("");
        let Some(paren) = rest.find('(').map(|i| at + 1 + i) else {
            self.error(
                rule.src(at),
                format!(
                    "`@` without a call `name(…)` after it: CTP stops reading the {scope} here and ignores the rest (write `\\@` for an @)"
                ),
            );
            return CallEnd::Stop;
        };
        let name: String = rule
            .s
            .get(at + 1..paren)
            .unwrap_or("")
            .chars()
            .filter(|&c| !is_regex_space(c))
            .collect();
        let function = Function::from_name(&name);
        let Some((args, close)) = self.args(rule, paren + 1, end) else {
            self.error(
                rule.src(at),
                format!(
                    "@{}( is not closed: CTP stops reading the {scope} here and ignores the rest",
                    short(&name)
                ),
            );
            return CallEnd::Stop;
        };
        let (line, column) = self.cursor.at(self.text, rule.src(at));
        if let Function::Unknown(name) = &function {
            self.error(
                rule.src(at),
                format!(
                    "unknown function @{}: CTP writes the call into the value as text",
                    short(name)
                ),
            );
        }
        if function == Function::Param
            && let Some(Arg::Bare(bare)) = args.first()
        {
            self.warning(
                rule.src(at),
                format!(
                    "@param({0}) gives the text `{0}`: a parameter is written @{0}",
                    short(bare)
                ),
            );
        }
        let mut call = Call {
            line,
            column,
            function,
            args,
            clauses: Vec::new(),
        };
        let wanted = call.function.clause_count();
        let mut p = close + 1;
        while call.clauses.len() < wanted {
            match clause(rule, p, end) {
                Clause::Found(from, to, close) => {
                    let script = if depth + 1 >= MAX_DEPTH {
                        self.error(
                            rule.src(from),
                            format!(
                                "clauses nested more than {MAX_DEPTH} deep: this one is dropped"
                            ),
                        );
                        Script::default()
                    } else {
                        self.script_text(rule, from, to, depth + 1)
                    };
                    call.clauses.push(script);
                    p = close + 1;
                }
                Clause::Missing(there) => {
                    let name = call.function.name();
                    let which = if call.clauses.is_empty() {
                        "a clause"
                    } else {
                        "a second clause"
                    };
                    if there < end {
                        self.error(
                            rule.src(there),
                            format!(
                                "@{name} expects {which} `{{…}}` here: CTP takes it as empty and ignores the rest of the {scope}"
                            ),
                        );
                    } else {
                        self.warning(
                            rule.src(at),
                            format!(
                                "@{name} has {} clause(s), not {wanted}: CTP takes the missing one as empty",
                                call.clauses.len()
                            ),
                        );
                    }
                    call.clauses.resize(wanted, Script::default());
                    return CallEnd::Last(call);
                }
                Clause::Unclosed(open) => {
                    self.error(
                        rule.src(open),
                        format!(
                            "`{{` is not closed: CTP takes the clause as empty and ignores the rest of the {scope}"
                        ),
                    );
                    call.clauses.resize(wanted, Script::default());
                    return CallEnd::Last(call);
                }
            }
        }
        if rule.char_at(p) == Some('{') && p < end {
            let name = call.function.name();
            self.warning(
                rule.src(p),
                format!(
                    "`{{` after @{name}(…){}: @{name} takes {wanted} clause(s), so CTP reads this as text",
                    if wanted > 0 { "{…}" } else { "" }
                ),
            );
        }
        CallEnd::Next(call, p)
    }

    /// The arguments from just after `(` to the closing `)` (its offset);
    /// `None` when the call is not closed.
    fn args(&mut self, rule: &RuleText<'_>, mut p: usize, end: usize) -> Option<(Vec<Arg>, usize)> {
        let mut args = Vec::new();
        loop {
            while let Some(c) = rule
                .char_at(p)
                .filter(|&c| p < end && is_java_whitespace(c))
            {
                p += c.len_utf8();
            }
            if p >= end {
                return None;
            }
            if rule.char_at(p) == Some(')') {
                return Some((args, p));
            }
            let arg_at = p;
            let mut state = ArgState::default();
            let mut value = String::new();
            let mut stop = None;
            while p < end {
                let c = rule.char_at(p)?;
                if state.at_level_zero() && (c == ',' || c == ')') {
                    stop = Some(c);
                    break;
                }
                if !state.escape && c == '\\' {
                    state.escape = true;
                } else {
                    value.push(c);
                    state.take(c);
                }
                p += c.len_utf8();
            }
            let stop = stop?;
            let arg = classify(&value);
            if rule.check_params
                && let Arg::Param(name) = &arg
            {
                self.param_uses.push((name.clone(), rule.src(arg_at)));
            }
            args.push(arg);
            if stop == ',' {
                p += 1;
            }
        }
    }
}

/// A parameter, rule, keep or remove item with its text.
struct Item<'s> {
    /// Source offset of the item.
    at: usize,
    enabled: bool,
    /// The value or rule text, decoded, untrimmed.
    s: &'s str,
    map: &'s SourceMap,
}

/// CTP's argument scanner state (`FnCall.getArg`): quotes, brackets and
/// parentheses are counted on the characters kept, escaped or not.
#[derive(Debug, Default)]
pub(super) struct ArgState {
    pub(super) escape: bool,
    quote: bool,
    brackets: usize,
    parens: usize,
}

impl ArgState {
    /// Whether a `,` or `)` here ends the argument.
    pub(super) fn at_level_zero(&self) -> bool {
        !self.escape && !self.quote && self.brackets == 0 && self.parens == 0
    }

    /// A character kept in the argument.
    pub(super) fn take(&mut self, c: char) {
        if c == '"' {
            self.quote = !self.quote;
        }
        if !self.quote {
            match c {
                '[' => self.brackets += 1,
                ']' if self.brackets > 0 => self.brackets -= 1,
                '(' => self.parens += 1,
                ')' if self.parens > 0 => self.parens -= 1,
                _ => {}
            }
        }
        self.escape = false;
    }
}

/// An argument's text, escapes resolved, as CTP's functions see it.
fn classify(value: &str) -> Arg {
    let value = value.trim_matches(|c| c <= ' ');
    if value == "this" {
        Arg::This
    } else if let Some(name) = value.strip_prefix('@') {
        Arg::Param(name.to_owned())
    } else if value.len() >= 2
        && let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'))
    {
        Arg::Quoted(inner.to_owned())
    } else {
        Arg::Bare(value.to_owned())
    }
}

/// The `{…}` clause at `p` (after blanks), as CTP's `FnCall.getClause`:
/// braces counted, escapes and quotes not looked at.
fn clause(rule: &RuleText<'_>, mut p: usize, end: usize) -> Clause {
    while let Some(c) = rule
        .char_at(p)
        .filter(|&c| p < end && is_java_whitespace(c))
    {
        p += c.len_utf8();
    }
    let bytes = rule.s.as_bytes();
    if p >= end || bytes.get(p) != Some(&b'{') {
        return Clause::Missing(p.min(end));
    }
    let mut depth = 1usize;
    let mut q = p + 1;
    while q < end {
        match bytes.get(q) {
            Some(b'{') => depth += 1,
            Some(b'}') => {
                depth -= 1;
                if depth == 0 {
                    let (from, to) = java_trim(rule.s, p + 1, q);
                    return Clause::Found(from, to, q);
                }
            }
            _ => {}
        }
        q += 1;
    }
    Clause::Unclosed(p)
}

/// An `<e>`'s `t`: `ggggeeee` or `gggg[CREATOR]ee`; `[gggg,eeee]` is read
/// too, with a warning (CTP cannot resolve it).
fn xml_rule_tag(t: &str) -> Result<(ScriptTag, Option<String>), String> {
    let hex4 = |s: &str| {
        (s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u16::from_str_radix(s, 16).ok())
            .flatten()
    };
    if t.len() == 8
        && let (Some(group), Some(element)) = (t.get(..4).and_then(hex4), t.get(4..).and_then(hex4))
    {
        return Ok((ScriptTag::Tag { group, element }, None));
    }
    if let Some(inner) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
        && let Some((g, e)) = inner.split_once(',')
        && let (Some(group), Some(element)) = (hex4(g), hex4(e))
    {
        let warning = format!(
            "t=\"{t}\": CTP reads t=\"{g}{e}\" and cannot resolve a bracketed tag, so it ignores this rule; Gantry reads it as ({group:04X},{element:04X})"
        );
        return Ok((ScriptTag::Tag { group, element }, Some(warning)));
    }
    if let Some(group) = t.get(..4).and_then(hex4)
        && t.get(4..5) == Some("[")
    {
        return private_tag(group, &t[5..]).map(|tag| (tag, None));
    }
    Err(format!(
        "t=\"{}\" is not an element: write ggggeeee, or gggg[CREATOR]ee for a private one (CTP ignores this rule)",
        short(t)
    ))
}

/// A private element after `gggg[`: `CREATOR]ee`.
fn private_tag(group: u16, rest: &str) -> Result<ScriptTag, String> {
    let Some((creator, element)) = rest.split_once(']') else {
        return Err("a private element needs `]` after its creator".to_owned());
    };
    let element = (matches!(element.len(), 1 | 2)
        && element.bytes().all(|b| b.is_ascii_hexdigit()))
    .then(|| u8::from_str_radix(element, 16).ok())
    .flatten()
    .ok_or_else(|| {
        format!(
            "a private element ends with 1 or 2 hex digits after `]`, not `{}`",
            short(element)
        )
    })?;
    if group.is_multiple_of(2) {
        return Err(format!(
            "group {group:04X} is even: a private element by creator is in an odd group (CTP ignores this rule)"
        ));
    }
    Ok(ScriptTag::Private {
        group,
        creator: creator.trim_matches(|c| c <= ' ').to_owned(),
        element,
    })
}

/// A `set.` key after `set.`: `[tag]Name`.
fn property_rule_tag(rest: &str) -> Result<(ScriptTag, &str), String> {
    let Some(inner_and_more) = rest.strip_prefix('[') else {
        return Err(format!(
            "`set.{}`: the element goes in brackets, `set.[gggg,eeee]Name` (CTP ignores this rule)",
            short(rest)
        ));
    };
    let mut depth = 1usize;
    let mut close = None;
    for (i, b) in inner_and_more.bytes().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return Err("`set.[` without its `]` (CTP ignores this rule)".to_owned());
    };
    let inner = inner_and_more[..close].trim_matches(|c| c <= ' ');
    let name = inner_and_more[close + 1..].trim_matches(|c| c <= ' ');
    let hex = |s: &str, max: usize| {
        (!s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u16::from_str_radix(s, 16).ok())
            .flatten()
    };
    if let Some((g, e)) = inner.split_once(',')
        && let (Some(group), Some(element)) = (hex(g, 4), hex(e, 4))
    {
        return Ok((ScriptTag::Tag { group, element }, name));
    }
    if inner.len() == 8
        && let (Some(group), Some(element)) = (
            inner.get(..4).and_then(|g| hex(g, 4)),
            inner.get(4..).and_then(|e| hex(e, 4)),
        )
    {
        return Ok((ScriptTag::Tag { group, element }, name));
    }
    if let Some(open) = inner.find('[') {
        let g = inner[..open].strip_suffix(',').unwrap_or(&inner[..open]);
        if let Some(group) = hex(g, 4) {
            return private_tag(group, &inner[open + 1..]).map(|tag| (tag, name));
        }
    }
    Err(format!(
        "`[{}]` is not an element Gantry can read: write [gggg,eeee], or [gggg[CREATOR]ee] for a private one (keywords are not supported)",
        short(inner)
    ))
}

/// Line up an element's decoded text content with its source `raw`
/// (starting at `base`): entities and character references, CDATA
/// markers, comments, processing instructions, nested tags and `\r\n` are
/// where the two part ways.
fn align(decoded: &str, raw: &str, base: usize) -> SourceMap {
    let d = decoded.as_bytes();
    let r = raw.as_bytes();
    let mut map = SourceMap::identity(base, base + r.len());
    let (mut i, mut j) = (0usize, 0usize);
    let mut cdata = false;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    while let (Some(&dc), Some(&rc)) = (d.get(i), r.get(j)) {
        let rest = &r[j..];
        if cdata {
            if rest.starts_with(b"]]>") {
                j += 3;
                cdata = false;
                map.anchor(i, base + j);
                continue;
            }
        } else if rc == b'&' {
            let Some(semi) = rest.iter().take(64).position(|&b| b == b';') else {
                break;
            };
            j += semi + 1;
            i += utf8_len(dc);
            map.anchor(i, base + j);
            continue;
        } else if rc == b'<' {
            let skip = if rest.starts_with(b"<![CDATA[") {
                cdata = true;
                Some(9)
            } else if rest.starts_with(b"<!--") {
                find(rest, b"-->").map(|k| k + 3)
            } else if rest.starts_with(b"<?") {
                find(rest, b"?>").map(|k| k + 2)
            } else {
                tag_end(rest)
            };
            let Some(skip) = skip else { break };
            j += skip;
            map.anchor(i, base + j);
            continue;
        }
        if rc == b'\r' && dc == b'\n' {
            j += if r.get(j + 1) == Some(&b'\n') { 2 } else { 1 };
            i += 1;
            map.anchor(i, base + j);
            continue;
        }
        if rc != dc {
            break;
        }
        i += 1;
        j += 1;
    }
    map
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// Length of the tag at the start of `s` (`<…>`, quotes respected).
fn tag_end(s: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (k, &b) in s.iter().enumerate().skip(1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(k + 1),
            None => {}
        }
    }
    None
}

/// A logical line of the properties form and where its characters are.
#[derive(Debug)]
struct LogicalLine {
    text: String,
    map: SourceMap,
}

enum PropertyLine {
    Logical(LogicalLine),
    /// A comment line: the offsets of its `#`/`!` and of its end.
    Comment(usize, usize),
}

/// `Properties.load`'s line reader (Java 8's `LineReader`).
struct PropertyLines<'a> {
    text: &'a str,
    pos: usize,
    /// A comment found while reading the next logical line, handed out
    /// first.
    pending: Vec<PropertyLine>,
}

impl<'a> PropertyLines<'a> {
    fn new(text: &'a str) -> PropertyLines<'a> {
        PropertyLines {
            text,
            pos: 0,
            pending: Vec::new(),
        }
    }

    fn next_line(&mut self) -> Option<PropertyLine> {
        if self.pending.is_empty() {
            self.read();
            self.pending.reverse();
        }
        self.pending.pop()
    }

    /// Reads up to the next logical line, queueing the comment lines
    /// before it and the line itself.
    fn read(&mut self) {
        let mut line = String::new();
        let mut map = SourceMap::identity(self.pos, self.pos);
        let mut skip_blanks = true;
        let mut comment: Option<usize> = None;
        let mut new_line = true;
        let mut continued = false;
        let mut backslash = false;
        let mut skip_lf = false;
        let rest = self.text.get(self.pos..).unwrap_or("");
        for (k, c) in rest.char_indices() {
            let at = self.pos + k;
            if skip_lf {
                skip_lf = false;
                if c == '\n' {
                    continue;
                }
            }
            if skip_blanks {
                if matches!(c, ' ' | '\t' | '\u{c}') {
                    continue;
                }
                if !continued && (c == '\r' || c == '\n') {
                    continue;
                }
                skip_blanks = false;
                continued = false;
            }
            if new_line {
                new_line = false;
                if c == '#' || c == '!' {
                    comment = Some(at);
                    continue;
                }
            }
            if c != '\n' && c != '\r' {
                if comment.is_none() {
                    map.anchor(line.len(), at);
                    line.push(c);
                    map.end = at + c.len_utf8();
                }
                backslash = c == '\\' && !backslash;
                continue;
            }
            // End of a natural line.
            if let Some(start) = comment.take() {
                self.pending.push(PropertyLine::Comment(start, at));
                new_line = true;
                skip_blanks = true;
                continue;
            }
            if line.is_empty() {
                new_line = true;
                skip_blanks = true;
                continue;
            }
            if backslash {
                line.pop();
                skip_blanks = true;
                continued = true;
                backslash = false;
                skip_lf = c == '\r';
                continue;
            }
            self.pos = at + 1;
            self.pending
                .push(PropertyLine::Logical(LogicalLine { text: line, map }));
            return;
        }
        self.pos = self.text.len();
        if let Some(start) = comment {
            self.pending
                .push(PropertyLine::Comment(start, self.text.len()));
        } else if !line.is_empty() {
            if backslash {
                line.pop();
            }
            self.pending
                .push(PropertyLine::Logical(LogicalLine { text: line, map }));
        }
    }
}

/// `Properties.loadConvert` on `text[from..to]`: escapes resolved, with a
/// map to the source; `Err` with the source offset of a malformed
/// `\uXXXX`.
fn load_convert(
    text: &str,
    from: usize,
    to: usize,
    map: &SourceMap,
) -> Result<(String, SourceMap), usize> {
    let s = text.get(from..to).unwrap_or("");
    let mut out = String::new();
    let mut out_map = SourceMap::identity(map.source(from), map.source(to));
    let mut high: Option<u16> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        let src = map.source(from + k);
        let decoded = if c == '\\' {
            match chars.next() {
                Some((_, 'u')) => {
                    let mut unit = 0u32;
                    for _ in 0..4 {
                        let digit = chars.next().and_then(|(_, h)| h.to_digit(16)).ok_or(src)?;
                        unit = unit * 16 + digit;
                    }
                    let unit = u16::try_from(unit).unwrap_or(0xfffd);
                    if (0xd800..0xdc00).contains(&unit) {
                        if high.replace(unit).is_some() {
                            out_map.anchor(out.len(), src);
                            out.push('\u{fffd}');
                        }
                        continue;
                    }
                    if (0xdc00..0xe000).contains(&unit)
                        && let Some(h) = high.take()
                    {
                        let code =
                            0x10000 + ((u32::from(h) - 0xd800) << 10) + (u32::from(unit) - 0xdc00);
                        char::from_u32(code).unwrap_or('\u{fffd}')
                    } else {
                        char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}')
                    }
                }
                Some((_, 't')) => '\t',
                Some((_, 'r')) => '\r',
                Some((_, 'n')) => '\n',
                Some((_, 'f')) => '\u{c}',
                Some((_, other)) => other,
                None => '\\',
            }
        } else {
            c
        };
        if high.take().is_some() {
            out_map.anchor(out.len(), src);
            out.push('\u{fffd}');
        }
        out_map.anchor(out.len(), src);
        out.push(decoded);
    }
    if high.is_some() {
        out.push('\u{fffd}');
    }
    Ok((out, out_map))
}
