//! `--where` filters over indexed attributes (SPEC §10), e.g.
//! `Modality = 'CT' AND Manufacturer LIKE 'GE%'`.
//!
//! A small expression language, translated to SQL over the store's
//! columns with every literal bound as a parameter (never spliced in):
//!
//! ```text
//! expr    := or
//! or      := and ("OR" and)*
//! and     := not ("AND" not)*
//! not     := "NOT" not | atom
//! atom    := "(" expr ")" | column op literal | column "IN" "(" literal ("," literal)* ")"
//!          | column "IS" ["NOT"] "NULL"
//! op      := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" | "LIKE" | "NOT LIKE"
//! literal := 'text' ('' escapes a quote) | number
//! ```
//!
//! Keywords are case-insensitive; column names are DICOM keywords of the
//! indexed attributes (listed in [`COLUMNS`]).

/// Filterable attributes: keyword → SQL column.
pub const COLUMNS: &[(&str, &str)] = &[
    ("Modality", "i.modality"),
    ("Manufacturer", "e.manufacturer"),
    ("ManufacturerModelName", "e.model"),
    ("DeviceSerialNumber", "e.serial"),
    ("SOPClassUID", "i.sop_class_uid"),
    ("TransferSyntaxUID", "i.transfer_syntax"),
    ("Rows", "i.rows"),
    ("Columns", "i.columns"),
    ("NumberOfFrames", "i.frames"),
    ("BitsAllocated", "i.bits_allocated"),
    ("PhotometricInterpretation", "i.photometric"),
    ("BurnedInAnnotation", "i.burned_in_annotation"),
    ("ImageType", "i.image_type"),
    ("SoftwareVersions", "i.software_versions"),
    ("SeriesNumber", "s.series_number"),
    ("InstanceNumber", "i.instance_number"),
    ("StudyDate", "st.study_date"),
];

/// A filter that does not parse, with the column (1-based) where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--where, column {column}: {message}")]
pub struct FilterError {
    /// 1-based character position.
    pub column: usize,
    /// What was expected.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(String),
    Symbol(&'static str),
}

fn tokenize(input: &str) -> Result<Vec<(usize, Token)>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(FilterError {
                            column: at,
                            message: "unterminated string literal".into(),
                        });
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        text.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        text.push(c);
                        i += 1;
                    }
                }
            }
            out.push((at, Token::Text(text)));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while chars
                .get(i)
                .is_some_and(|d| d.is_ascii_digit() || *d == '.')
            {
                i += 1;
            }
            out.push((at, Token::Number(chars[start..i].iter().collect())));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
            {
                i += 1;
            }
            out.push((at, Token::Word(chars[start..i].iter().collect())));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = match two.as_str() {
                "!=" => Some("!="),
                "<>" => Some("<>"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(s) = symbol {
                out.push((at, Token::Symbol(s)));
                i += 2;
                continue;
            }
            let one = match c {
                '=' => "=",
                '<' => "<",
                '>' => ">",
                '(' => "(",
                ')' => ")",
                ',' => ",",
                _ => {
                    return Err(FilterError {
                        column: at,
                        message: format!("unexpected character '{c}'"),
                    });
                }
            };
            out.push((at, Token::Symbol(one)));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
    params: Vec<String>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }
    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(c, _)| *c)
    }
    fn error<T>(&self, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError {
            column: self.column(),
            message: message.into(),
        })
    }
    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn symbol(&mut self, symbol: &str) -> bool {
        if matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<String, FilterError> {
        let mut sql = self.and()?;
        while self.keyword("OR") {
            sql = format!("{sql} OR {}", self.and()?);
        }
        Ok(sql)
    }
    fn and(&mut self) -> Result<String, FilterError> {
        let mut sql = self.not()?;
        while self.keyword("AND") {
            sql = format!("{sql} AND {}", self.not()?);
        }
        Ok(sql)
    }
    fn not(&mut self) -> Result<String, FilterError> {
        if self.keyword("NOT") {
            return Ok(format!("NOT ({})", self.not()?));
        }
        self.atom()
    }
    fn literal(&mut self) -> Result<(), FilterError> {
        match self.peek().cloned() {
            Some(Token::Text(t) | Token::Number(t)) => {
                self.at += 1;
                self.params.push(t);
                Ok(())
            }
            _ => self.error("expected a 'quoted' text or a number"),
        }
    }
    fn atom(&mut self) -> Result<String, FilterError> {
        if self.symbol("(") {
            let inner = self.or()?;
            if !self.symbol(")") {
                return self.error("expected ')'");
            }
            return Ok(format!("({inner})"));
        }
        let Some(Token::Word(name)) = self.peek().cloned() else {
            return self.error("expected an attribute name");
        };
        let Some(&(_, column)) = COLUMNS.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name)) else {
            return self.error(format!(
                "'{name}' is not a filterable attribute (one of: {})",
                COLUMNS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        self.at += 1;
        if self.keyword("IS") {
            let not = self.keyword("NOT");
            if !self.keyword("NULL") {
                return self.error("expected NULL");
            }
            return Ok(format!("{column} IS {}NULL", if not { "NOT " } else { "" }));
        }
        if self.keyword("IN") {
            if !self.symbol("(") {
                return self.error("expected '(' after IN");
            }
            let mut marks = Vec::new();
            loop {
                self.literal()?;
                marks.push("?");
                if self.symbol(")") {
                    break;
                }
                if !self.symbol(",") {
                    return self.error("expected ',' or ')'");
                }
            }
            return Ok(format!("{column} IN ({})", marks.join(", ")));
        }
        let op = if self.keyword("LIKE") {
            "LIKE"
        } else if self.keyword("NOT") {
            if !self.keyword("LIKE") {
                return self.error("expected LIKE after NOT");
            }
            "NOT LIKE"
        } else if let Some(Token::Symbol(s)) = self.peek().cloned() {
            match s {
                "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" => {
                    self.at += 1;
                    if s == "!=" { "<>" } else { s }
                }
                _ => {
                    return self.error("expected a comparison (=, !=, <, <=, >, >=, LIKE, IN, IS)");
                }
            }
        } else {
            return self.error("expected a comparison (=, !=, <, <=, >, >=, LIKE, IN, IS)");
        };
        self.literal()?;
        Ok(format!("{column} {op} ?"))
    }
}

/// Parse a filter into SQL (with `?` placeholders) and its parameters.
pub fn parse(input: &str) -> Result<(String, Vec<String>), FilterError> {
    let tokens = tokenize(input)?;
    let mut parser = Parser {
        end: input.chars().count() + 1,
        tokens,
        at: 0,
        params: Vec::new(),
    };
    let sql = parser.or()?;
    if parser.at < parser.tokens.len() {
        return parser.error("unexpected text after the end of the expression");
    }
    Ok((sql, parser.params))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn translates_with_bound_parameters() {
        assert_eq!(
            parse("Modality = 'CT' AND Manufacturer LIKE 'GE%'").unwrap(),
            (
                "i.modality = ? AND e.manufacturer LIKE ?".to_string(),
                vec!["CT".to_string(), "GE%".to_string()]
            )
        );
        assert_eq!(
            parse(
                "not (rows >= 512 or modality in ('US','SC')) and BurnedInAnnotation is not null"
            )
            .unwrap()
            .0,
            "NOT ((i.rows >= ? OR i.modality IN (?, ?))) AND i.burned_in_annotation IS NOT NULL"
        );
        assert_eq!(
            parse("Modality = 'O''Neil'").unwrap().1,
            vec!["O'Neil".to_string()]
        );
    }

    #[test]
    fn errors_name_the_column() {
        assert_eq!(
            parse("Modality == 'CT'").unwrap_err().to_string(),
            "--where, column 11: expected a 'quoted' text or a number"
        );
        assert!(
            parse("PatientName = 'x'")
                .unwrap_err()
                .message
                .starts_with("'PatientName' is not a filterable attribute")
        );
        assert_eq!(parse("Modality = 'CT").unwrap_err().column, 12);
        assert_eq!(
            parse("(Modality = 'CT'").unwrap_err().message,
            "expected ')'"
        );
        assert_eq!(parse("Modality = 'CT' junk").unwrap_err().column, 17);
    }
}
