//! Shifting and validating DA, DT and TM values (SPEC §6.3).
//!
//! A date shift moves every date of a patient by the same whole number of
//! days (the offset comes from [`Keyring::date_offset_days`]); times of day,
//! fractions of seconds and time-zone offsets are kept exactly, so
//! intervals within a patient's record survive.
//!
//! - [`shift_da`] shifts a DA value `YYYYMMDD`. The ACR-NEMA form
//!   `YYYY.MM.DD` is accepted too and written back as `YYYYMMDD`.
//! - [`shift_dt`] shifts the date part of a DT value
//!   `YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]` and keeps the rest of the
//!   text unchanged. Partial precision is still shifted, never kept as is:
//!   a `YYYYMM` value is shifted as if it were the 15th of its month and a
//!   `YYYY` value as if it were 2 July, then truncated back to the original
//!   precision. The value therefore moves by the nearest whole number of
//!   months or years, and an offset smaller than about half the period
//!   leaves it unchanged (exact round trips are guaranteed only for values
//!   with a day).
//! - TM values carry no date, so a whole-day shift leaves them unchanged;
//!   [`validate_tm`] checks them.
//!
//! Values are trimmed of spaces and NULs (DICOM padding) on both ends, and
//! results are never padded: padding to even length is the writer's job.
//! An empty value stays empty. Multi-valued elements (values separated by
//! `\`) are shifted one value at a time with [`shift_multi`].
//!
//! Errors say what kind of problem a value has, never the value.
//!
//! [`Keyring::date_offset_days`]: crate::keys::Keyring::date_offset_days

use dicom_core::chrono::{Datelike, NaiveDate, TimeDelta};

#[cfg(test)]
mod tests;

/// Why a date could not be shifted; never carries the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not a valid DA value (`YYYYMMDD` with a real calendar date).
    #[error("not a valid DA value (expected YYYYMMDD, a real calendar date)")]
    InvalidDate,
    /// Not a valid DT value.
    #[error("not a valid DT value (expected YYYY[MM[DD[HH[MM[SS[.F{{1-6}}]]]]]][&ZZXX])")]
    InvalidDateTime,
    /// The shifted date falls outside the years 0001–9999.
    #[error("the shifted date falls outside the years 0001-9999")]
    OutOfRange,
}

/// Shift a DA value by `days` (added; negative moves into the past).
///
/// Accepts `YYYYMMDD` and the ACR-NEMA form `YYYY.MM.DD`; returns
/// `YYYYMMDD`. An empty (or all-padding) value returns an empty string.
pub fn shift_da(value: &str, days: i32) -> Result<String, DateError> {
    let value = trim(value);
    if value.is_empty() {
        return Ok(String::new());
    }
    let date = parse_da(value).ok_or(DateError::InvalidDate)?;
    let shifted = add_days(date, days)?;
    Ok(format_ymd(shifted))
}

/// Shift the date part of a DT value by `days`, keeping the time,
/// fraction and time-zone suffix exactly as written.
///
/// Values with only a year or a year and month are shifted from the middle
/// of their period and truncated back (see the [module docs](self)). An
/// empty (or all-padding) value returns an empty string.
pub fn shift_dt(value: &str, days: i32) -> Result<String, DateError> {
    let value = trim(value);
    if value.is_empty() {
        return Ok(String::new());
    }
    let parts = parse_dt(value).ok_or(DateError::InvalidDateTime)?;
    let digits = &value[..parts.date_len];
    let rest = &value[parts.date_len..];
    let shifted = match parts.date_len {
        8 => format_ymd(add_days(parts.date, days)?),
        6 => {
            let mid = NaiveDate::from_ymd_opt(parts.date.year(), parts.date.month(), 15)
                .ok_or(DateError::InvalidDateTime)?;
            let moved = add_days(mid, days)?;
            format!("{:04}{:02}", moved.year(), moved.month())
        }
        _ => {
            let mid = NaiveDate::from_ymd_opt(parts.date.year(), 7, 2)
                .ok_or(DateError::InvalidDateTime)?;
            let moved = add_days(mid, days)?;
            format!("{:04}", moved.year())
        }
    };
    debug_assert_eq!(shifted.len(), digits.len());
    Ok(format!("{shifted}{rest}"))
}

/// Apply `shift` to each `\`-separated value of a multi-valued element and
/// join the results with `\`; the first failure is returned.
///
/// ```
/// use gantry_privacy::dates::{shift_da, shift_multi};
/// assert_eq!(shift_multi("20240101\\20240229", 1, shift_da).unwrap(), "20240102\\20240301");
/// ```
pub fn shift_multi<F>(value: &str, days: i32, shift: F) -> Result<String, DateError>
where
    F: Fn(&str, i32) -> Result<String, DateError>,
{
    let mut out = String::with_capacity(value.len());
    for (index, item) in value.split('\\').enumerate() {
        if index > 0 {
            out.push('\\');
        }
        out.push_str(&shift(item, days)?);
    }
    Ok(out)
}

/// Whether a value is a conformant DA: empty, or `YYYYMMDD` naming a real
/// date in the years 0001–9999 (padding ignored). The legacy `YYYY.MM.DD`
/// form, which [`shift_da`] accepts and rewrites, is *not* conformant.
pub fn validate_da(value: &str) -> bool {
    let value = trim(value);
    value.is_empty() || (value.len() == 8 && parse_da(value).is_some())
}

/// Whether a value is a conformant DT:
/// `YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]` with real calendar and clock
/// values (seconds up to 60 for leap seconds; offsets from `-1200` to
/// `+1400`), or empty. Padding is ignored.
pub fn validate_dt(value: &str) -> bool {
    let value = trim(value);
    value.is_empty() || parse_dt(value).is_some()
}

/// Whether a value is a conformant TM: `HH[MM[SS[.F{1-6}]]]` with hours
/// 00–23, minutes 00–59 and seconds 00–60, or empty. Padding is ignored;
/// the ACR-NEMA form `HH:MM:SS` is not conformant.
pub fn validate_tm(value: &str) -> bool {
    let value = trim(value);
    value.is_empty() || valid_time(value)
}

fn trim(value: &str) -> &str {
    value.trim_matches([' ', '\0'])
}

fn add_days(date: NaiveDate, days: i32) -> Result<NaiveDate, DateError> {
    let shifted = date
        .checked_add_signed(TimeDelta::days(i64::from(days)))
        .ok_or(DateError::OutOfRange)?;
    if (1..=9999).contains(&shifted.year()) {
        Ok(shifted)
    } else {
        Err(DateError::OutOfRange)
    }
}

fn format_ymd(date: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// Parse `digits` (all ASCII digits, checked by the caller or here).
fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn ymd(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    if !(1..=9999).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `YYYYMMDD` or legacy `YYYY.MM.DD`.
fn parse_da(value: &str) -> Option<NaiveDate> {
    if !value.is_ascii() {
        return None;
    }
    let bytes = value.as_bytes();
    let (year, month, day) = match bytes.len() {
        8 => (&value[0..4], &value[4..6], &value[6..8]),
        10 if bytes[4] == b'.' && bytes[7] == b'.' => (&value[0..4], &value[5..7], &value[8..10]),
        _ => return None,
    };
    ymd(number(year)?, number(month)?, number(day)?)
}

/// A parsed DT: the date part (partial precision filled with month 1 /
/// day 1) and how many leading characters hold it (4, 6 or 8).
struct DtParts {
    date: NaiveDate,
    date_len: usize,
}

fn parse_dt(value: &str) -> Option<DtParts> {
    if !value.is_ascii() {
        return None;
    }
    // Time-zone suffix: the only place a sign may appear.
    let (body, offset) = match value.find(['+', '-']) {
        Some(at) => (&value[..at], Some(&value[at + 1..])),
        None => (value, None),
    };
    if let Some(offset) = offset {
        if offset.len() != 4 {
            return None;
        }
        let hours = number(&offset[..2])?;
        let minutes = number(&offset[2..])?;
        let sign_negative = value.as_bytes()[body.len()] == b'-';
        let total = hours * 60 + minutes;
        let limit = if sign_negative { 12 * 60 } else { 14 * 60 };
        if minutes > 59 || total > limit {
            return None;
        }
    }
    let (digits, fraction) = match body.split_once('.') {
        Some((digits, fraction)) => (digits, Some(fraction)),
        None => (body, None),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() % 2 != 0 {
        return None;
    }
    if let Some(fraction) = fraction {
        if digits.len() != 14 || !(1..=6).contains(&fraction.len()) {
            return None;
        }
        number(fraction)?;
    }
    let year = number(digits.get(0..4)?)?;
    let month = match digits.get(4..6) {
        Some(month) => number(month)?,
        None => 1,
    };
    let day = match digits.get(6..8) {
        Some(day) => number(day)?,
        None => 1,
    };
    let date = ymd(year, month, day)?;
    if digits.len() > 14 {
        return None;
    }
    if digits.len() > 8 && !valid_time(&body[8..]) {
        return None;
    }
    Some(DtParts {
        date,
        date_len: digits.len().min(8),
    })
}

/// `HH[MM[SS[.F{1-6}]]]` (the time part of a TM or of a DT body).
fn valid_time(value: &str) -> bool {
    let (digits, fraction) = match value.split_once('.') {
        Some((digits, fraction)) => (digits, Some(fraction)),
        None => (value, None),
    };
    if !matches!(digits.len(), 2 | 4 | 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if let Some(fraction) = fraction
        && (digits.len() != 6
            || !(1..=6).contains(&fraction.len())
            || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let field = |range: std::ops::Range<usize>| digits.get(range).and_then(number);
    let hours_ok = field(0..2).is_some_and(|h| h <= 23);
    let minutes_ok = digits.len() < 4 || field(2..4).is_some_and(|m| m <= 59);
    let seconds_ok = digits.len() < 6 || field(4..6).is_some_and(|s| s <= 60);
    hours_ok && minutes_ok && seconds_ok
}
