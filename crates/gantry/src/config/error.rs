//! Configuration errors and warnings, each located in the file.

use std::fmt;
use std::path::{Path, PathBuf};

/// Most problems one [`ConfigError::Invalid`] lists; the rest are counted.
const MAX_PROBLEMS: usize = 50;

/// A 1-based line and column (in characters) in a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextPosition {
    /// Line, from 1.
    pub line: u64,
    /// Column in characters, from 1.
    pub column: u64,
}

impl TextPosition {
    /// The position just after `text`.
    pub(crate) fn end_of(text: &str) -> TextPosition {
        let line = text.matches('\n').count() as u64 + 1;
        let last = text.rsplit('\n').next().unwrap_or_default();
        TextPosition {
            line,
            column: last.chars().count() as u64 + 1,
        }
    }

    /// From a `serde-saphyr` location; `None` when it is unknown.
    pub(crate) fn from_saphyr(location: &serde_saphyr::Location) -> Option<TextPosition> {
        (location.line() > 0).then(|| TextPosition {
            line: location.line(),
            column: location.column().max(1),
        })
    }
}

/// One thing wrong with a configuration: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the file, when known.
    pub position: Option<TextPosition>,
    /// What is wrong and what was expected (quotes configuration text,
    /// never element values).
    pub message: String,
}

impl Problem {
    /// A problem; control characters in `message` are escaped so that one
    /// problem stays one line.
    pub(crate) fn new(position: Option<TextPosition>, message: impl AsRef<str>) -> Self {
        Problem {
            position,
            message: sanitize(message.as_ref()),
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_CONFIG_BYTES`](super::MAX_CONFIG_BYTES).
    #[error(
        "{}: the file is {size} bytes; a configuration is at most {} bytes",
        path.display(),
        super::MAX_CONFIG_BYTES
    )]
    TooLarge {
        /// The configuration file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// The text is not valid YAML or JSON, or does not describe a valid
    /// configuration. One line per problem, each
    /// `FILE:LINE:COLUMN: message`, in file order.
    #[error("{}", render_problems(file, problems, *omitted))]
    Invalid {
        /// The configuration file, as given.
        file: PathBuf,
        /// The problems, in file order (at least one).
        problems: Vec<Problem>,
        /// Problems found but not listed, past the first 50.
        omitted: usize,
    },
}

impl ConfigError {
    pub(crate) fn invalid(file: &Path, problem: Problem) -> Self {
        ConfigError::Invalid {
            file: file.to_path_buf(),
            problems: vec![problem],
            omitted: 0,
        }
    }

    pub(crate) fn invalid_many(file: &Path, mut problems: Vec<Problem>) -> Self {
        // Stable: problems without a position keep their order, at the end.
        problems.sort_by_key(|p| {
            p.position
                .map_or((u64::MAX, u64::MAX), |p| (p.line, p.column))
        });
        let omitted = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        ConfigError::Invalid {
            file: file.to_path_buf(),
            problems,
            omitted,
        }
    }

    /// The problems of an [`Invalid`](Self::Invalid) configuration (empty
    /// for the other variants).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn render_problems(file: &Path, problems: &[Problem], omitted: usize) -> String {
    let mut out = String::new();
    for (i, problem) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&Located(file, problem.position, &problem.message).to_string());
    }
    if omitted > 0 {
        out.push_str(&format!(
            "\n{}: {omitted} more problems not shown",
            file.display()
        ));
    }
    out
}

/// `FILE:LINE:COLUMN: message`, or `FILE: message` without a position.
struct Located<'a>(&'a Path, Option<TextPosition>, &'a str);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Located(file, position, message) = self;
        match position {
            Some(p) => write!(f, "{}:{}:{}: {message}", file.display(), p.line, p.column),
            None => write!(f, "{}: {message}", file.display()),
        }
    }
}

/// Something in a configuration that loaded but deserves a look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The configuration file, as given.
    pub file: PathBuf,
    /// Where in the file, when known.
    pub position: Option<TextPosition>,
    /// What was noticed and what it means.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Located(&self.file, self.position, &self.message).fmt(f)
    }
}

/// A `serde-saphyr` error as a located problem, in this module's words.
pub(crate) fn from_saphyr(err: &serde_saphyr::Error) -> Problem {
    use serde_saphyr::{Error as E, MessageFormatter, UserMessageFormatter};
    let position = err.location().as_ref().and_then(TextPosition::from_saphyr);
    let mut inner = err;
    while let E::WithSnippet { error, .. } | E::AliasError { error, .. } = inner {
        inner = error;
    }
    let message = match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => unknown_key(field, expected),
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => format!(
            "unknown value '{variant}' (expected one of: {})",
            expected.join(", ")
        ),
        E::SerdeMissingField { field, .. } => format!("missing key '{field}'"),
        E::DuplicateMappingKey { key: Some(key), .. } => {
            format!("duplicate key '{key}'")
        }
        other => UserMessageFormatter.format_message(other).into_owned(),
    };
    Problem::new(position, message)
}

/// `unknown key 'k' (expected one of: a, b)`.
pub(crate) fn unknown_key(key: &str, expected: &[&str]) -> String {
    if expected.is_empty() {
        format!("unknown key '{key}' (no keys are allowed here)")
    } else {
        format!(
            "unknown key '{key}' (expected one of: {})",
            expected.join(", ")
        )
    }
}

/// A `serde_json` syntax error as a located problem.
pub(crate) fn from_json(err: &serde_json::Error) -> Problem {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let position = (err.line() > 0).then(|| TextPosition {
        line: err.line() as u64,
        column: err.column().max(1) as u64,
    });
    Problem::new(position, message)
}

/// Control characters (line breaks included) escaped: one problem, one line.
pub(crate) fn sanitize(message: &str) -> String {
    if message.chars().any(char::is_control) {
        message
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_debug().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        message.to_owned()
    }
}
