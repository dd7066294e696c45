//! String helpers with CTP's (Java's) meaning, written so that no input
//! can make them panic: Java's `trim`, whole numbers that saturate,
//! arbitrarily long digit strings compared exactly, and the text the
//! name functions (`@hashname`, `@initials`) and `@round` build.

use std::cmp::Ordering;

/// Java's `String.trim`: every character up to U+0020 (controls
/// included) off both ends.
pub(super) fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Java's `\s` in a regular expression: ASCII white space only.
fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// A whole number: optional sign, ASCII digits, white space around
/// ignored. Saturates at the `i64` range instead of failing, so a huge
/// number is still a number. `None` when it is not one.
pub(super) fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        n = if negative {
            n.saturating_mul(10).saturating_sub(d)
        } else {
            n.saturating_mul(10).saturating_add(d)
        };
    }
    Some(n)
}

/// Compare two strings of ASCII digits as non-negative integers of any
/// length (an empty string is zero).
pub(super) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The ASCII digits of `s`, in order.
pub(super) fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The text `@hashname` hashes: the first `words` components of a
/// `^`-separated name (all when `None`), concatenated, without Java
/// white space, `,`, `'`, `^` and `.`, in upper case.
pub(super) fn hashname_text(name: &str, words: Option<usize>) -> String {
    let words = words.unwrap_or(usize::MAX);
    let joined: String = name.split('^').take(words).collect();
    joined
        .chars()
        .filter(|&c| !is_java_space(c) && !matches!(c, ',' | '\'' | '^' | '.'))
        .collect::<String>()
        .to_uppercase()
}

/// CTP's initials: the first character of each word of the name (`^`,
/// `,` and white space separate words), the family name's moved to the
/// end, in upper case; `X` for a name without words. Then, when
/// `offset` is given, a Caesar shift of ASCII letters (within their case)
/// and digits.
pub(super) fn initials(name: &str, offset: Option<i64>) -> String {
    let spaced: String = name
        .chars()
        .map(|c| {
            if matches!(c, '^' | ',') || is_java_space(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut letters: Vec<char> = java_trim(&spaced)
        .split(' ')
        .filter_map(|word| word.chars().next())
        .collect();
    if letters.is_empty() {
        return "X".to_owned();
    }
    letters.rotate_left(1);
    let upper: String = letters.into_iter().collect::<String>().to_uppercase();
    match offset {
        Some(offset) => caesar(&upper, offset),
        None => upper,
    }
}

/// Shift ASCII letters by `offset` within their case and ASCII digits
/// within the digits; everything else as it is.
fn caesar(s: &str, offset: i64) -> String {
    let shift = |c: char, base: u8, n: i64| -> char {
        let k = (i64::from(c as u8 - base) + offset.rem_euclid(n)).rem_euclid(n);
        // `k < n <= 26`, so the sum stays in ASCII.
        char::from(base + k as u8)
    };
    s.chars()
        .map(|c| match c {
            'a'..='z' => shift(c, b'a', 26),
            'A'..='Z' => shift(c, b'A', 26),
            '0'..='9' => shift(c, b'0', 10),
            _ => c,
        })
        .collect()
}

/// CTP's `@round`: the digits of `age` as a number, rounded half up to a
/// multiple of `size`, followed by the characters of `age` that are not
/// digits (`"027Y"`, 5 → `"25Y"`), with a `0` in front when that makes
/// the length odd (`"025Y"`: DICOM values have even lengths). `None`
/// when `age` has no digits or more than fit in 128 bits.
///
/// CTP computes in 32-bit floats, which round the same way for any
/// realistic age; this computes exactly.
pub(super) fn round_age(age: &str, size: u64) -> Option<String> {
    let age = java_trim(age);
    let digits = digits_of(age);
    if digits.is_empty() {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 38 {
        return None;
    }
    let n: u128 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    let size = u128::from(size.max(1));
    // floor(n / size + 1/2) = floor((2n + size) / 2size)
    let rounded = n.checked_mul(2)?.checked_add(size)? / size.checked_mul(2)? * size;
    let suffix: String = age.chars().filter(|c| !c.is_ascii_digit()).collect();
    let mut out = format!("{rounded}{suffix}");
    if out.len() % 2 == 1 {
        out.insert(0, '0');
    }
    Some(out)
}

/// The first `n` characters of `s` (all of it when shorter).
pub(super) fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The last `n` characters of `s` (all of it when shorter).
pub(super) fn last_chars(s: &str, n: usize) -> &str {
    let count = s.chars().count();
    let skip = count.saturating_sub(n);
    match s.char_indices().nth(skip) {
        Some((i, _)) => &s[i..],
        None => "",
    }
}
