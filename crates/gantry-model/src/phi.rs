//! A wrapper for values that may identify a person.
//!
//! `Phi<T>` keeps the value usable by code (`expose`) but its `Debug` and
//! `Display` print only a length, so a value can never slip into a log
//! line, an error message or a panic by formatting.

use std::fmt;

/// A value that may identify a person; formatting never shows it.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phi<T>(T);

impl<T> Phi<T> {
    /// Wrap a value.
    pub fn new(value: T) -> Self {
        Phi(value)
    }

    /// The value itself, for code that must use it (indexing, hashing,
    /// comparing). Never format what this returns.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwrap the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: AsRef<str>> Phi<T> {
    /// A masked preview such as `J*** D**, 8 chars`: the first character of
    /// each word, stars for the rest, and the length.
    pub fn masked(&self) -> String {
        let text = self.0.as_ref();
        let mut out = String::new();
        for (i, word) in text.split([' ', '^']).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first);
                out.extend(chars.map(|_| '*'));
            }
        }
        format!("{out}, {} chars", text.chars().count())
    }
}

impl<T: AsRef<str>> fmt::Debug for Phi<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phi(<{} chars>)", self.0.as_ref().chars().count())
    }
}

impl<T: AsRef<str>> fmt::Display for Phi<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} chars>", self.0.as_ref().chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::Phi;

    #[test]
    fn formatting_never_shows_the_value() {
        let name = Phi::new("Doe^John".to_string());
        assert_eq!(format!("{name}"), "<redacted, 8 chars>");
        assert_eq!(format!("{name:?}"), "Phi(<8 chars>)");
        assert_eq!(name.masked(), "D** J***, 8 chars");
    }
}
