//! A tiny deterministic PRNG (SplitMix64) and helpers derived from it.
//!
//! The generator must produce the same bytes on every run and every
//! platform, so nothing here touches the clock, the OS RNG or floating-point
//! formatting that could differ between targets.

/// SplitMix64: small, fast, and good enough for fake data and pixel noise.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

/// The SplitMix64 finaliser, also used to hash stream identifiers.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A stream determined by `seed` and a path of stream identifiers, e.g.
    /// `[PATIENT, 3]` or `[SERIES, p, s, k]`. Different paths give
    /// independent-looking streams.
    pub(crate) fn stream(seed: u64, path: &[u64]) -> Self {
        let mut state = mix64(seed ^ 0x6A09_E667_F3BC_C908);
        for (i, part) in path.iter().enumerate() {
            state = mix64(state ^ mix64(part.wrapping_add((i as u64 + 1) << 56)));
        }
        Rng(state)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-high (no modulo bias worth
    /// caring about for fake data).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.saturating_sub(lo).max(0) as u64 + 1;
        lo + self.below(span) as i64
    }

    /// Uniform in `lo..hi`, quantised to `1/scale` so that printed values are
    /// exact decimal strings.
    pub(crate) fn decimal(&mut self, lo: f64, hi: f64, scale: u32) -> f64 {
        let s = f64::from(scale);
        let steps = ((hi - lo) * s).round().max(0.0) as i64;
        ((lo * s).round() + self.range(0, steps) as f64) / s
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick_copy<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `n` decimal digits, first one non-zero.
    pub(crate) fn digits(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        for i in 0..n {
            let d = if i == 0 {
                1 + self.below(9)
            } else {
                self.below(10)
            };
            s.push(char::from(b'0' + d as u8));
        }
        s
    }
}

/// A `2.25.<decimal UUID-sized integer>` UID (PS3.5 B.2), fixed by `seed`
/// and `path`. At most 44 characters.
pub(crate) fn uid(seed: u64, path: &[u64]) -> String {
    let mut rng = Rng::stream(seed, path);
    let hi = u128::from(rng.next_u64());
    let lo = u128::from(rng.next_u64());
    // 2.25 UIDs are UUIDs read as integers: 122 random bits are plenty and
    // keep the value below 2^128.
    let value = ((hi << 64) | lo) >> 6;
    format!("2.25.{}", value.max(1))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// DICOM DA (`YYYYMMDD`) of a day number.
pub(crate) fn da(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}")
}

/// DICOM TM (`HHMMSS.ffffff` trimmed to milliseconds) of seconds after midnight
/// plus milliseconds.
pub(crate) fn tm(seconds: i64, millis: i64) -> String {
    let s = seconds.rem_euclid(86_400);
    format!(
        "{:02}{:02}{:02}.{:03}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        millis.rem_euclid(1000)
    )
}

/// DICOM DT (`YYYYMMDDHHMMSS.fff`) of a day number plus seconds and
/// milliseconds after its midnight; either may run past the day.
pub(crate) fn dt(day: i64, seconds: i64, millis: i64) -> String {
    let ms = seconds * 1000 + millis;
    let (day, ms) = (day + ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    format!("{}{}", da(day), tm(ms / 1000, ms % 1000))
}

/// A DS string (at most 16 bytes) for a value with up to `decimals` decimals;
/// trailing zeros are dropped.
pub(crate) fn ds(value: f64, decimals: usize) -> String {
    let mut s = format!("{value:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s.truncate(16);
    s
}

/// Backslash-joined DS values.
pub(crate) fn ds_multi(values: &[f64], decimals: usize) -> String {
    values
        .iter()
        .map(|v| ds(*v, decimals))
        .collect::<Vec<_>>()
        .join("\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for z in [-25_000, -1, 0, 1, 10_957, 19_000, 20_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(da(days_from_civil(2024, 2, 29)), "20240229");
        let day = days_from_civil(2023, 12, 31);
        assert_eq!(dt(day, 86_399, 999), "20231231235959.999");
        assert_eq!(dt(day, 86_399, 1_001), "20240101000000.001");
    }

    #[test]
    fn uids_are_valid_and_stable() {
        let a = uid(7, &[1, 2, 3]);
        assert_eq!(a, uid(7, &[1, 2, 3]));
        assert_ne!(a, uid(7, &[1, 2, 4]));
        assert!(a.len() <= 64 && a.starts_with("2.25."));
        assert!(!a[5..].starts_with('0'));
    }

    #[test]
    fn ds_is_short_and_trimmed() {
        assert_eq!(ds(0.703_125, 6), "0.703125");
        assert_eq!(ds(120.0, 2), "120");
        assert_eq!(ds(-0.0001, 2), "0");
        assert!(ds(-123_456.789_012_3, 6).len() <= 16);
    }
}
