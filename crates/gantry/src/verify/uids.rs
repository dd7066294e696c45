//! The session's original UIDs, as `verify` searches for them.
//!
//! A session knows one original SOP Instance UID per instance — 10M of
//! them for a large collection — so they are not fed to the Aho-Corasick
//! matcher with the names and IDs (its automaton, and the strings
//! themselves, would grow with the collection: 197 MiB at 100k
//! instances). Each UID is kept as a 64-bit hash in a sorted vector (8
//! bytes per UID), with the set of lengths that occur.
//!
//! A UID is made of digits and dots, so an original UID appearing in
//! output bytes as a whole token (not glued to a letter or digit, the
//! rule every verify match follows) lies inside a maximal run of digits
//! and dots, starting at the run's start or just after a dot and ending at
//! its end or just before a dot. [`OriginalUids::find`] enumerates exactly
//! those spans, leftmost-longest and non-overlapping, as the matcher does
//! for strings. A false hit needs a 64-bit hash collision with one of the
//! session's UIDs.

use std::hash::{Hash as _, Hasher as _};

/// Original UIDs, hashed.
#[derive(Debug, Default)]
pub(crate) struct OriginalUids {
    hashes: Vec<u64>,
    /// Bit `n` set when some UID is `n` bytes long (UIDs have at most 64).
    lengths: u128,
}

impl OriginalUids {
    /// Collects UIDs one at a time; call [`OriginalUids::finish`] after.
    pub(crate) fn insert(&mut self, uid: &str) {
        let len = uid.len();
        if len < 128 {
            self.lengths |= 1 << len;
            self.hashes.push(hash(uid.as_bytes()));
        }
    }

    /// Sort and deduplicate; the set is ready for [`OriginalUids::find`].
    pub(crate) fn finish(&mut self) {
        self.hashes.sort_unstable();
        self.hashes.dedup();
        self.hashes.shrink_to_fit();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    fn contains(&self, candidate: &[u8]) -> bool {
        let len = candidate.len();
        len < 128
            && self.lengths & (1 << len) != 0
            && self.hashes.binary_search(&hash(candidate)).is_ok()
    }

    /// Byte spans of `bytes` that are original UIDs as whole tokens.
    pub(crate) fn find(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut hits = Vec::new();
        if self.is_empty() {
            return hits;
        }
        let uid_byte = |b: &u8| b.is_ascii_digit() || *b == b'.';
        let mut i = 0;
        while i < bytes.len() {
            if !uid_byte(&bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && uid_byte(&bytes[i]) {
                i += 1;
            }
            // A run glued to a letter cannot match at that edge.
            let open_start = !start
                .checked_sub(1)
                .is_some_and(|j| bytes[j].is_ascii_alphabetic());
            let open_end = !bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
            self.find_in_run(&bytes[start..i], start, (open_start, open_end), &mut hits);
        }
        hits
    }

    /// Leftmost-longest spans of `run` (digits and dots only) that start
    /// at its start (when `open.0`) or after a dot and end at its end
    /// (when `open.1`) or before a dot.
    fn find_in_run(
        &self,
        run: &[u8],
        offset: usize,
        open: (bool, bool),
        hits: &mut Vec<(usize, usize)>,
    ) {
        let mut start = 0;
        if !open.0 {
            match run.iter().position(|&b| b == b'.') {
                Some(dot) => start = dot + 1,
                None => return,
            }
        }
        while start < run.len() {
            let longest = (start + 1..=run.len())
                .rev()
                .filter(|&end| (end == run.len() && open.1) || run.get(end) == Some(&b'.'))
                .find(|&end| self.contains(&run[start..end]));
            match longest {
                Some(end) => {
                    hits.push((offset + start, offset + end));
                    start = end + 1;
                }
                None => match run[start..].iter().position(|&b| b == b'.') {
                    Some(dot) => start += dot + 1,
                    None => break,
                },
            }
        }
    }
}

fn hash(bytes: &[u8]) -> u64 {
    // SipHash with fixed keys: deterministic, and collision-resistant
    // enough that a false hit needs a 64-bit collision.
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(uids: &[&str]) -> OriginalUids {
        let mut set = OriginalUids::default();
        for uid in uids {
            set.insert(uid);
        }
        set.finish();
        set
    }

    fn found<'a>(set: &OriginalUids, text: &'a str) -> Vec<&'a str> {
        set.find(text.as_bytes())
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn whole_values_and_embedded_tokens() {
        let set = set(&["1.2.840.1234.5", "1.3.6.1.4.1.9590.100.1.2.77"]);
        assert_eq!(found(&set, "1.2.840.1234.5"), ["1.2.840.1234.5"]);
        assert_eq!(found(&set, "ref 1.2.840.1234.5, seen"), ["1.2.840.1234.5"]);
        assert_eq!(
            found(&set, "1.2.840.1234.5\\1.3.6.1.4.1.9590.100.1.2.77"),
            ["1.2.840.1234.5", "1.3.6.1.4.1.9590.100.1.2.77"]
        );
        // A derived UID that keeps the original as its root still leaks it.
        assert_eq!(found(&set, "1.2.840.1234.5.99"), ["1.2.840.1234.5"]);
        assert_eq!(found(&set, "7.1.2.840.1234.5"), ["1.2.840.1234.5"]);
    }

    #[test]
    fn glued_or_partial_is_no_hit() {
        let set = set(&["1.2.840.1234.5"]);
        assert!(found(&set, "1.2.840.1234.55").is_empty());
        assert!(found(&set, "11.2.840.1234.5").is_empty());
        assert!(found(&set, "X1.2.840.1234.5").is_empty());
        assert!(found(&set, "1.2.840.1234.5X").is_empty());
        // Glued at one end only: the span after a dot still stands alone.
        assert_eq!(found(&set, "X9.1.2.840.1234.5"), ["1.2.840.1234.5"]);
        assert!(found(&set, "1.2.840.1234").is_empty());
        assert!(found(&set, "2.25.123456789").is_empty());
    }

    #[test]
    fn longest_wins_and_hits_do_not_overlap() {
        let set = set(&["1.2.3.4", "1.2.3.4.5.6"]);
        assert_eq!(found(&set, "1.2.3.4.5.6"), ["1.2.3.4.5.6"]);
        assert_eq!(found(&set, "1.2.3.4.5"), ["1.2.3.4"]);
    }

    #[test]
    fn empty_set_finds_nothing() {
        assert!(OriginalUids::default().find(b"1.2.3.4").is_empty());
    }

    proptest! {
        /// Every span found is an original UID standing as a token, and
        /// an original UID placed between separators is always found.
        #[test]
        fn finds_planted_uids(
            uids in prop::collection::vec("[1-9][0-9]{0,3}(\\.[1-9][0-9]{0,5}){2,8}", 1..8),
            noise in "[ -~]{0,40}",
            pick in any::<prop::sample::Index>(),
        ) {
            let set = set(&uids.iter().map(String::as_str).collect::<Vec<_>>());
            let planted = pick.get(&uids);
            let text = format!("{noise} {planted}\\{noise}");
            let hits = set.find(text.as_bytes());
            for &(s, e) in &hits {
                prop_assert!(set.contains(&text.as_bytes()[s..e]));
                prop_assert!(s == 0 || !text.as_bytes()[s - 1].is_ascii_alphanumeric());
                prop_assert!(e == text.len() || !text.as_bytes()[e].is_ascii_alphanumeric());
            }
            let at = noise.len() + 1;
            prop_assert!(
                hits.iter().any(|&(s, e)| s <= at && e >= at + planted.len()),
                "planted UID not found"
            );
        }
    }
}
