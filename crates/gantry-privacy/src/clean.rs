//! Finding and scrubbing a patient's own identifiers in free text.
//!
//! Used by the `C` (CLEAN) action on text (SPEC §6.2) and by the audit
//! heuristic that flags a patient's name, ID or birth date inside any
//! free-text element (SPEC §5). [`Identifiers`] collects what identifies
//! one patient; [`Identifiers::find`] locates it in a text and
//! [`Identifiers::scrub`] overwrites it. [`find_dates`] finds any
//! plausible date, whoever's it is.
//!
//! # Matching
//!
//! All matching ignores case and common Latin diacritics (`Müller`,
//! `MULLER` and `muller` match each other; `MUELLER` ↔ `Müller` is
//! covered for name parts by German transliteration variants).
//!
//! - Name parts, institution names and extra strings match whole words:
//!   the characters around a match must not be letters or digits, so `Ann`
//!   does not match inside `Annual`. Parts in scripts written without
//!   spaces (Han, kana, Hangul, Thai) match anywhere, so `山田` is found in
//!   `山田さん`. A space in a term matches any run of white space.
//! - Patient IDs, other IDs and accession numbers match as substrings
//!   (`MRN12345` contains ID `12345`), from 3 characters up.
//! - Birth dates match in several renderings (`YYYYMMDD`, `YYYY-MM-DD`,
//!   `YYYY/MM/DD`, `YYYY.MM.DD`, `DD/MM/YYYY`, `MM/DD/YYYY`, `DD.MM.YYYY`,
//!   `DD-MM-YYYY`, and those without leading zeros) when not next to
//!   another digit.
//!
//! Parts shorter than 2 characters (initials) and honorifics or
//! generational suffixes (`Dr`, `Mrs`, `Jr`, `III`, …) are not searched:
//! they identify nobody and would match everywhere.
//!
//! # Scrubbing
//!
//! Every character of a match except white space is replaced by `X`
//! ([`FILL`]): `Seen by John Smith` → `Seen by XXXX XXXXX`. The result has
//! the same number of characters as the input (never more bytes), so it
//! stays within the VR's maximum length whenever the input did, and
//! fixed-width layouts in reports survive; it reveals the length of what
//! was removed, which we accept. [`Identifiers::scrub_to_max`] also
//! truncates over-long input.
//!
//! Nothing here formats a value: `Debug` of [`Identifiers`] prints counts
//! only, and a [`Match`] is a kind and a byte range.

use std::fmt;
use std::ops::Range;

#[cfg(test)]
mod tests;

/// The character that overwrites scrubbed text.
pub const FILL: char = 'X';

/// Minimum length, in characters, of a name part, institution or extra
/// string that is searched.
const MIN_WORD_CHARS: usize = 2;

/// Minimum length, in characters, of an ID that is searched.
const MIN_ID_CHARS: usize = 3;

/// Name parts that identify nobody: honorifics, degrees, generational
/// suffixes (compared after case and diacritic folding).
const NAME_STOP_WORDS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "jr", "sr", "ii", "iii", "iv",
    "md", "phd", "rn", "dds", "esq", "herr", "frau", "mme", "mlle", "sig", "sra",
];

/// What kind of identifier a [`Match`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdentifierKind {
    /// A part of the patient's name.
    PatientName,
    /// The patient ID.
    PatientId,
    /// Another patient ID (Other Patient IDs, issuer-qualified IDs, …).
    OtherPatientId,
    /// An accession number.
    AccessionNumber,
    /// The patient's birth date, in some rendering.
    BirthDate,
    /// An institution name.
    Institution,
    /// A caller-supplied string.
    Extra,
}

/// One occurrence of an identifier in a text: its kind and the byte range
/// it covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Match {
    /// What was found.
    pub kind: IdentifierKind,
    /// Where, as a byte range of the searched text (on char boundaries).
    pub range: Range<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Whole words (boundary checks where the term's edge is alphanumeric).
    Word,
    /// Anywhere.
    Substring,
    /// Not adjacent to an ASCII digit.
    Digits,
}

#[derive(Clone)]
struct Term {
    kind: IdentifierKind,
    /// Case- and diacritic-folded characters; ' ' stands for any white space run.
    folded: Vec<char>,
    mode: Mode,
}

/// What identifies one patient, to find in free text.
///
/// Build it from the instance's own attributes (the `add_*` methods take
/// raw DICOM values; padding is trimmed, empty or too-short values are
/// ignored), then call [`find`](Self::find) or [`scrub`](Self::scrub) on
/// each text value.
///
/// ```
/// use gantry_privacy::clean::Identifiers;
///
/// let mut ids = Identifiers::new();
/// ids.add_patient_name("Doe^John^^Dr").add_patient_id("MRN0042").add_birth_date("19800102");
/// assert_eq!(
///     ids.scrub("John Doe (MRN0042), born 02/01/1980, seen by Dr Annual").as_deref(),
///     Some("XXXX XXX (XXXXXXX), born XXXXXXXXXX, seen by Dr Annual"),
/// );
/// ```
#[derive(Clone, Default)]
pub struct Identifiers {
    terms: Vec<Term>,
    /// Indices into `terms`, ordered by first folded character, so that
    /// [`find`](Self::find) tries at each position only the terms that can
    /// start there.
    by_first: Vec<usize>,
}

impl Identifiers {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing is searched.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Add a person name (PN): every `=` group (alphabetic, ideographic,
    /// phonetic), every `^` component (family, given, middle, prefix,
    /// suffix), each whole and word by word (split at spaces, hyphens,
    /// commas, dots and apostrophes).
    pub fn add_patient_name(&mut self, pn: &str) -> &mut Self {
        for group in trim(pn).split('=') {
            for component in group.split('^') {
                let component = component.trim();
                self.add_name_part(component);
                let words: Vec<&str> = component
                    .split(|c: char| c.is_whitespace() || matches!(c, '-' | ',' | '.' | '\'' | '’'))
                    .filter(|w| !w.is_empty())
                    .collect();
                if words.len() > 1 {
                    for word in words {
                        self.add_name_part(word);
                    }
                }
            }
        }
        self
    }

    /// Add the patient ID.
    pub fn add_patient_id(&mut self, id: &str) -> &mut Self {
        self.add_id(IdentifierKind::PatientId, id)
    }

    /// Add another patient ID (e.g. each value of Other Patient IDs).
    pub fn add_other_id(&mut self, id: &str) -> &mut Self {
        self.add_id(IdentifierKind::OtherPatientId, id)
    }

    /// Add an accession number.
    pub fn add_accession_number(&mut self, number: &str) -> &mut Self {
        self.add_id(IdentifierKind::AccessionNumber, number)
    }

    /// Add the birth date from a DA value (`YYYYMMDD`, or ACR-NEMA
    /// `YYYY.MM.DD`), in all the renderings listed in the
    /// [module docs](self). A value that is not a date is ignored.
    pub fn add_birth_date(&mut self, da: &str) -> &mut Self {
        let Some((year, month, day)) = parse_da(trim(da)) else {
            return self;
        };
        let mut renderings = vec![
            format!("{year:04}{month:02}{day:02}"),
            format!("{year:04}-{month:02}-{day:02}"),
            format!("{year:04}/{month:02}/{day:02}"),
            format!("{year:04}.{month:02}.{day:02}"),
        ];
        for sep in ['/', '.', '-'] {
            renderings.push(format!("{day:02}{sep}{month:02}{sep}{year:04}"));
            renderings.push(format!("{month:02}{sep}{day:02}{sep}{year:04}"));
            renderings.push(format!("{day}{sep}{month}{sep}{year:04}"));
            renderings.push(format!("{month}{sep}{day}{sep}{year:04}"));
        }
        for rendering in renderings {
            self.push(IdentifierKind::BirthDate, &rendering, Mode::Digits);
        }
        self
    }

    /// Add an institution name (matched as a whole phrase).
    pub fn add_institution(&mut self, name: &str) -> &mut Self {
        let name = trim(name);
        if name.chars().count() >= MIN_WORD_CHARS {
            self.push(IdentifierKind::Institution, name, word_mode(name));
        }
        self
    }

    /// Add any other string to find (matched as a whole word or phrase).
    pub fn add_extra(&mut self, text: &str) -> &mut Self {
        let text = trim(text);
        if text.chars().count() >= MIN_WORD_CHARS {
            self.push(IdentifierKind::Extra, text, word_mode(text));
        }
        self
    }

    /// Every identifier occurrence in `text`, in order, without overlaps
    /// (where two overlap, the one starting first wins, then the longer).
    pub fn find(&self, text: &str) -> Vec<Match> {
        if self.terms.is_empty() || text.is_empty() {
            return Vec::new();
        }
        // Most values contain no character any term starts with: answer
        // those without folding the text into a buffer.
        if !text
            .chars()
            .any(|c| self.starting_with(fold(c)).next().is_some())
        {
            return Vec::new();
        }
        let chars = FoldedText::new(text);
        let mut found: Vec<(usize, usize, IdentifierKind)> = Vec::new();
        for start in 0..chars.len() {
            for term in self.starting_with(chars.folded(start)) {
                if let Some(end) = chars.match_at(start, term) {
                    found.push((start, end, term.kind));
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut matches = Vec::new();
        let mut covered_until = 0;
        for (start, end, kind) in found {
            if start < covered_until {
                continue;
            }
            covered_until = end;
            matches.push(Match {
                kind,
                range: chars.byte_range(start, end),
            });
        }
        matches
    }

    /// `text` with every identifier overwritten (see the
    /// [module docs](self)), or `None` if it contains none.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let matches = self.find(text);
        if matches.is_empty() {
            return None;
        }
        let ranges: Vec<Range<usize>> = matches.into_iter().map(|m| m.range).collect();
        Some(scrub_ranges(text, &ranges))
    }

    /// Like [`scrub`](Self::scrub), and the result is cut to at most
    /// `max_len` characters (pass the VR's maximum length). Scrubbing never
    /// lengthens a value, so the cut only matters for input that was
    /// already too long. `None` if the text contains no identifier.
    pub fn scrub_to_max(&self, text: &str, max_len: usize) -> Option<String> {
        self.scrub(text)
            .map(|scrubbed| truncate_chars(scrubbed, max_len))
    }

    fn add_id(&mut self, kind: IdentifierKind, id: &str) -> &mut Self {
        let id = trim(id);
        if id.chars().count() >= MIN_ID_CHARS {
            self.push(kind, id, Mode::Substring);
        }
        self
    }

    fn add_name_part(&mut self, part: &str) {
        let part = part.trim();
        if part.chars().count() < MIN_WORD_CHARS {
            return;
        }
        let folded: String = part.chars().map(fold).collect();
        if NAME_STOP_WORDS.contains(&folded.as_str()) {
            return;
        }
        self.push(IdentifierKind::PatientName, part, word_mode(part));
        for variant in transliterations(part) {
            self.push(IdentifierKind::PatientName, &variant, word_mode(&variant));
        }
    }

    /// The terms whose first folded character is `first`.
    fn starting_with(&self, first: char) -> impl Iterator<Item = &Term> {
        let first_of = |&i: &usize| self.terms[i].folded[0];
        let from = self.by_first.partition_point(|i| first_of(i) < first);
        self.by_first[from..]
            .iter()
            .take_while(move |i| first_of(i) == first)
            .map(|&i| &self.terms[i])
    }

    fn push(&mut self, kind: IdentifierKind, text: &str, mode: Mode) {
        let mut folded = Vec::with_capacity(text.len());
        for c in text.chars() {
            let c = fold(c);
            // Collapse white space runs: one ' ' matches any run.
            if c == ' ' && folded.last() == Some(&' ') {
                continue;
            }
            folded.push(c);
        }
        if folded.is_empty()
            || self
                .terms
                .iter()
                .any(|t| t.folded == folded && t.mode == mode && t.kind == kind)
        {
            return;
        }
        let first = folded[0];
        let at = self
            .by_first
            .partition_point(|&i| self.terms[i].folded[0] <= first);
        self.by_first.insert(at, self.terms.len());
        self.terms.push(Term { kind, folded, mode });
    }
}

impl fmt::Debug for Identifiers {
    /// Counts per kind only, never the identifiers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut counts: Vec<(IdentifierKind, usize)> = Vec::new();
        for term in &self.terms {
            match counts.iter_mut().find(|(kind, _)| *kind == term.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((term.kind, 1)),
            }
        }
        f.debug_struct("Identifiers")
            .field("terms", &counts)
            .finish()
    }
}

/// `text` with every character in `ranges` (byte ranges) overwritten by
/// [`FILL`], white space excepted. Ranges may overlap; a range that does
/// not fall on character boundaries covers the characters that start in
/// it. Use it to combine [`Identifiers::find`] with [`find_dates`].
pub fn scrub_ranges(text: &str, ranges: &[Range<usize>]) -> String {
    text.char_indices()
        .map(|(at, c)| {
            if !c.is_whitespace() && ranges.iter().any(|r| r.contains(&at)) {
                FILL
            } else {
                c
            }
        })
        .collect()
}

/// Byte ranges of plausible dates in `text` (years 1900–2100, real
/// calendar dates), not adjacent to other digits: `YYYYMMDD`,
/// `YYYY-MM-DD` (also with `/` or `.`), and `DD/MM/YYYY` or `MM/DD/YYYY`
/// (also with `.` or `-`; day and month may have one digit). Dates spelled
/// with month names are not recognised.
pub fn find_dates(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let digits_at = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() || (at > 0 && bytes[at - 1].is_ascii_digit()) {
            at += 1;
            continue;
        }
        let run = digits_at(at);
        let end = date_at(bytes, at, run);
        match end {
            Some(end) => {
                found.push(at..end);
                at = end;
            }
            None => at += run,
        }
    }
    found
}

/// The end of a date starting at `start` (whose first digit run has
/// length `run`), if there is one.
fn date_at(bytes: &[u8], start: usize, run: usize) -> Option<usize> {
    let number = |range: Range<usize>| -> u32 {
        bytes[range]
            .iter()
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
    };
    let not_digit_at = |i: usize| bytes.get(i).is_none_or(|b| !b.is_ascii_digit());
    if run == 8 {
        let (y, m, d) = (
            number(start..start + 4),
            number(start + 4..start + 6),
            number(start + 6..start + 8),
        );
        return plausible(y, m, d).then_some(start + 8);
    }
    // Three digit runs joined by one repeated separator.
    let sep = *bytes.get(start + run)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let second = start + run + 1;
    let second_run = bytes[second..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=2).contains(&second_run) || bytes.get(second + second_run) != Some(&sep) {
        return None;
    }
    let third = second + second_run + 1;
    let third_run = bytes[third..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let end = third + third_run;
    if !not_digit_at(end) {
        return None;
    }
    let middle = number(second..second + second_run);
    match (run, third_run) {
        (4, 1..=2) => {
            plausible(number(start..start + 4), middle, number(third..end)).then_some(end)
        }
        (1..=2, 4) => {
            let first = number(start..start + run);
            let year = number(third..end);
            (plausible(year, middle, first) || plausible(year, first, middle)).then_some(end)
        }
        _ => None,
    }
}

fn plausible(year: u32, month: u32, day: u32) -> bool {
    (1900..=2100).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// `YYYYMMDD` or `YYYY.MM.DD` → (year, month, day), if a real date.
fn parse_da(value: &str) -> Option<(u32, u32, u32)> {
    let compact: String = match value.len() {
        8 => value.to_owned(),
        10 if value.as_bytes()[4] == b'.' && value.as_bytes()[7] == b'.' => value.replace('.', ""),
        _ => return None,
    };
    if compact.len() != 8 || !compact.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = compact[0..4].parse().ok()?;
    let month = compact[4..6].parse().ok()?;
    let day = compact[6..8].parse().ok()?;
    (year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
        .then_some((year, month, day))
}

fn trim(value: &str) -> &str {
    value.trim_matches(|c: char| c == '\0' || c.is_whitespace())
}

fn truncate_chars(mut text: String, max_chars: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max_chars) {
        text.truncate(at);
    }
    text
}

/// Whole-word matching, except for scripts written without spaces.
fn word_mode(term: &str) -> Mode {
    if term.chars().any(is_unspaced_script) {
        Mode::Substring
    } else {
        Mode::Word
    }
}

/// Han, kana, Hangul, Thai, Lao, Khmer, Myanmar: no spaces between words.
fn is_unspaced_script(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0E00..=0x0EFF       // Thai, Lao
        | 0x1000..=0x109F     // Myanmar
        | 0x1100..=0x11FF     // Hangul Jamo
        | 0x1780..=0x17FF     // Khmer
        | 0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3130..=0x318F     // Hangul compatibility Jamo
        | 0x31F0..=0x31FF     // Katakana extensions
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFF9F     // Half-width Katakana
        | 0x20000..=0x3134F // CJK extensions B–G
    )
}

/// German transliteration variants of a name part: `Müller` → `Mueller`,
/// `Strauß` → `Strauss`, and `Mueller` → `Muller` (which then also matches
/// `Müller` through diacritic folding).
fn transliterations(part: &str) -> Vec<String> {
    let mut variants = Vec::new();
    let lower = part.to_lowercase();
    if lower.contains(['ä', 'ö', 'ü', 'ß']) {
        variants.push(
            lower
                .replace('ä', "ae")
                .replace('ö', "oe")
                .replace('ü', "ue")
                .replace('ß', "ss"),
        );
    }
    if lower.is_ascii() && ["ae", "oe", "ue"].iter().any(|d| lower.contains(d)) {
        variants.push(
            lower
                .replace("ae", "a")
                .replace("oe", "o")
                .replace("ue", "u"),
        );
    }
    variants
}

/// Lower case, Latin diacritics removed, white space as ' '.
fn fold(c: char) -> char {
    if c.is_whitespace() {
        return ' ';
    }
    let lower = if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// A text as folded characters with their byte offsets.
struct FoldedText<'t> {
    text: &'t str,
    /// (byte offset, original char, folded char)
    chars: Vec<(usize, char, char)>,
}

impl<'t> FoldedText<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            chars: text
                .char_indices()
                .map(|(at, c)| (at, c, fold(c)))
                .collect(),
        }
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    /// The folded character at char index `at` (below [`len`](Self::len)).
    fn folded(&self, at: usize) -> char {
        self.chars[at].2
    }

    /// Byte range of chars `start..end`.
    fn byte_range(&self, start: usize, end: usize) -> Range<usize> {
        let from = self.chars[start].0;
        let to = self.chars.get(end).map_or(self.text.len(), |c| c.0);
        from..to
    }

    /// If `term` matches at char index `start`, the char index after it.
    fn match_at(&self, start: usize, term: &Term) -> Option<usize> {
        let mut at = start;
        for &wanted in &term.folded {
            let &(_, _, got) = self.chars.get(at)?;
            if wanted == ' ' {
                if got != ' ' {
                    return None;
                }
                while self.chars.get(at).is_some_and(|c| c.2 == ' ') {
                    at += 1;
                }
            } else if got == wanted {
                at += 1;
            } else {
                return None;
            }
        }
        let before = start
            .checked_sub(1)
            .and_then(|i| self.chars.get(i))
            .map(|c| c.1);
        let after = self.chars.get(at).map(|c| c.1);
        let ok = match term.mode {
            Mode::Substring => true,
            Mode::Digits => {
                !before.is_some_and(|c| c.is_ascii_digit())
                    && !after.is_some_and(|c| c.is_ascii_digit())
            }
            Mode::Word => {
                let first_alnum = term.folded.first().is_some_and(|c| c.is_alphanumeric());
                let last_alnum = term.folded.last().is_some_and(|c| c.is_alphanumeric());
                let joined_before = first_alnum && before.is_some_and(char::is_alphanumeric);
                let joined_after = last_alnum && after.is_some_and(char::is_alphanumeric);
                !joined_before && !joined_after
            }
        };
        ok.then_some(at)
    }
}
