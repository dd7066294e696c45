//! Date arithmetic for `@incrementdate`, `@hashdate` and `@modifydate`.
//!
//! A value is `YYYYMMDD` (DA), or `YYYY-MM-DD` (CTP's "ISO" form) or
//! `YYYY.MM.DD` (ACR-NEMA), optionally followed by the time part of a DT
//! value (digits, `.`, `+`, `-`, `:`, `T`, spaces), which is kept as it
//! is; the result is written in the form the value was in. Multi-valued
//! elements (`\`-separated) are changed value by value; empty values stay
//! empty.
//!
//! Where CTP differs:
//!
//! - CTP strips every non-digit from the whole value and wants exactly 8
//!   digits left, so it *empties* every DT value with a time (and the
//!   stock script's `@incrementdate` on AcquisitionDateTime empties it);
//!   Gantry shifts the date and keeps the time.
//! - CTP's calendar is lenient (`20230230` is 2 March) and turns years
//!   `00xx` into `19xx`; Gantry rejects a date that does not exist, and a
//!   rejected value empties the element, as CTP does with what it cannot
//!   parse. Free text after a date is rejected the same way, so nothing
//!   but a time passes through.
//! - `@modifydate` stays lenient like Java's `Calendar.set`, which CTP
//!   uses: month 13 is January of the next year, day 0 the last day of
//!   the previous month.
//! - Results outside the years 0000–9999 are rejected (empty), where
//!   Java's calendar would print a negative or five-digit year.

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::text::java_trim;

/// What to do to each date.
#[derive(Debug, Clone, Copy)]
pub(super) enum Change {
    /// Add this many days (negative: earlier).
    Shift(i64),
    /// Set the fields that are `Some` (month 1-based), leniently.
    Set {
        year: Option<i64>,
        month: Option<i64>,
        day: Option<i64>,
    },
}

/// `value` with `change` applied to each of its dates; `None` when one
/// of them is not a date or the result is out of range.
pub(super) fn apply(value: &str, change: Change) -> Option<String> {
    let mut out = Vec::new();
    for one in value.split('\\') {
        let one = java_trim(one);
        if one.is_empty() {
            out.push(String::new());
            continue;
        }
        let (date, sep, rest) = parse(one)?;
        let changed = match change {
            Change::Shift(days) => date.checked_add_signed(TimeDelta::try_days(days)?)?,
            Change::Set { year, month, day } => set(date, year, month, day)?,
        };
        out.push(format(changed, sep, rest)?);
    }
    Some(out.join("\\"))
}

/// The date at the start of `s`, its separator, and what follows it.
fn parse(s: &str) -> Option<(NaiveDate, Option<char>, &str)> {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0u32, |n, d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    };
    let separated = b.len() >= 10 && matches!(b[4], b'-' | b'.') && b[7] == b[4];
    let (year, month, day, sep, len) = if separated {
        (
            digits(0..4)?,
            digits(5..7)?,
            digits(8..10)?,
            Some(char::from(b[4])),
            10,
        )
    } else {
        (digits(0..4)?, digits(4..6)?, digits(6..8)?, None, 8)
    };
    // Bytes 0..len are ASCII, so `len` is a character boundary.
    let rest = &s[len..];
    let time_like = |c: char| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | ':' | 'T' | ' ');
    if !rest.chars().all(time_like) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some((date, sep, rest))
}

/// Java's lenient `Calendar.set(year, month - 1, day)`.
fn set(
    date: NaiveDate,
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
) -> Option<NaiveDate> {
    let year = year.unwrap_or(i64::from(date.year()));
    let month = month.unwrap_or(i64::from(date.month()));
    let day = day.unwrap_or(i64::from(date.day()));
    let months = year.checked_mul(12)?.checked_add(month.checked_sub(1)?)?;
    let year = i32::try_from(months.div_euclid(12)).ok()?;
    let month0 = u32::try_from(months.rem_euclid(12)).ok()?;
    let first = NaiveDate::from_ymd_opt(year, month0 + 1, 1)?;
    first.checked_add_signed(TimeDelta::try_days(day.checked_sub(1)?)?)
}

/// `date` written as `YYYYMMDD` (or with `sep` between the fields),
/// followed by `rest`; `None` outside the years 0000–9999.
fn format(date: NaiveDate, sep: Option<char>, rest: &str) -> Option<String> {
    if !(0..=9999).contains(&date.year()) {
        return None;
    }
    let sep = sep.map(String::from).unwrap_or_default();
    Some(format!(
        "{:04}{sep}{:02}{sep}{:02}{rest}",
        date.year(),
        date.month(),
        date.day()
    ))
}
