//! Writing a parsed rule back as CTP rule text, so that Gantry can store
//! a rule in its own configs and read it back unchanged:
//! `Script::parse(&script.to_string())` gives `script` back (positions
//! aside) for every script [`Script::parse`] or
//! [`parse_anonymizer_script`](super::parse_anonymizer_script) returns
//! without an error diagnostic.
//!
//! Escapes are written where CTP's reader needs them: `\` and `@` in text,
//! a leading blank of a script (CTP trims rules and clauses), `\` and a
//! `,` or `)` outside quotes, brackets and parentheses in arguments, a
//! leading blank of an argument, and an empty last argument (`\ `, which
//! CTP trims to empty; a bare `@f(a,)` has one argument). Some scripts have
//! no text form at all, and none comes out of the parser: trailing blanks
//! at the end of a script or clause (CTP trims them), braces that do not
//! balance inside a clause (CTP counts braces to find a clause's end,
//! escaped or not), an argument with an unclosed `"`, `[` or `(`, a
//! [`Call`] with other than [`Function::clause_count`](super::Function::clause_count)
//! clauses, an unknown function name containing `(` or blanks, and
//! arguments that read as another kind (`Arg::Bare("this")`).

use std::fmt::{self, Write};

use super::parse::ArgState;
use super::{Arg, Call, Part, Script, ScriptTag};

impl fmt::Display for Script {
    /// The rule text, e.g. `@always()@append(){Gantry}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, part) in self.parts.iter().enumerate() {
            match part {
                Part::Text(text) => {
                    for (i, c) in text.chars().enumerate() {
                        if c == '\\' || c == '@' || (k == 0 && i == 0 && c <= ' ') {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                }
                Part::Call(call) => call.fmt(f)?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Call {
    /// `@name(arg,…){clause}…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}(", self.function.name())?;
        for (k, arg) in self.args.iter().enumerate() {
            if k > 0 {
                f.write_char(',')?;
            }
            if k + 1 == self.args.len() && *arg == Arg::Bare(String::new()) {
                f.write_str("\\ ")?;
            } else {
                arg.fmt(f)?;
            }
        }
        f.write_char(')')?;
        for clause in &self.clauses {
            write!(f, "{{{clause}}}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    /// The argument as written in a call: `this`, `@NAME`, `"text"`, or
    /// bare text, escaped as needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Arg::This => "this".to_owned(),
            Arg::Param(name) => format!("@{name}"),
            Arg::Quoted(text) => format!("\"{text}\""),
            Arg::Bare(text) => text.clone(),
        };
        let mut state = ArgState::default();
        for (i, c) in text.chars().enumerate() {
            let leading_blank = i == 0 && (c <= ' ' || c.is_whitespace());
            if c == '\\' || leading_blank || (state.at_level_zero() && (c == ',' || c == ')')) {
                f.write_char('\\')?;
            }
            f.write_char(c)?;
            state.take(c);
        }
        Ok(())
    }
}

impl fmt::Display for ScriptTag {
    /// Gantry's tag form: `(GGGG,EEEE)`, or `(GGGG,{CREATOR}EE)` for a
    /// private element by creator.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptTag::Tag { group, element } => write!(f, "({group:04X},{element:04X})"),
            ScriptTag::Private {
                group,
                creator,
                element,
            } => write!(f, "({group:04X},{{{creator}}}{element:02X})"),
        }
    }
}
