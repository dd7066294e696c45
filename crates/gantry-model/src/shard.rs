//! Partitioning a session's work across machines (SPEC §13): `--shard i/N`
//! takes the studies whose StudyInstanceUID falls in part `i` of `N`.
//!
//! The part is fixed by the UID alone — the first 8 bytes of SHA-256 of
//! the UID (padding trimmed), as a big-endian integer, modulo `N` — so
//! every machine, session and run agrees without coordination, and a study
//! is never split. SHA-256 rather than a keyed hash: shards must agree
//! whatever key each machine holds, and the part number reveals nothing
//! that the de-identified output does not already group.
//!
//! Export and `run` take `--shard`; ingest does not (yet): each machine
//! indexes the whole collection into its own session — headers only, at
//! ≈ 19,000 files/s — and exports its part, where the time goes. With the
//! same project key the parts are, byte for byte, what one unsharded run
//! writes (a CLI test checks it), so they can be copied into one tree.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Part `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Part `index` of `count`, if `1 <= index <= count`.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// This part's number, from 1.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many parts there are.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether the study with this StudyInstanceUID belongs to this part.
    pub fn contains(&self, study_instance_uid: &str) -> bool {
        part_of(study_instance_uid, self.count) + 1 == u64::from(self.index)
    }
}

/// The 0-based part of `count` that a study belongs to.
pub fn part_of(study_instance_uid: &str, count: u32) -> u64 {
    let uid = study_instance_uid.trim_end_matches(['\0', ' ']);
    let digest = Sha256::digest(uid.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % u64::from(count.max(1))
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a `--shard` value is not `i/N` with `1 <= i <= N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard '{0}' is not i/N with 1 <= i <= N (e.g. 2/8)")]
pub struct ShardParseError(String);

impl FromStr for Shard {
    type Err = ShardParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ShardParseError(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(error)?;
        let index = index.trim().parse().map_err(|_| error())?;
        let count = count.trim().parse().map_err(|_| error())?;
        Shard::new(index, count).ok_or_else(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_i_of_n_and_refuses_the_rest() {
        let shard: Shard = "2/8".parse().unwrap();
        assert_eq!((shard.index(), shard.count()), (2, 8));
        assert_eq!(shard.to_string(), "2/8");
        for bad in ["0/4", "5/4", "1/0", "1", "a/4", "1/b", "", "-1/4", "1/4/2"] {
            assert_eq!(
                bad.parse::<Shard>().unwrap_err().to_string(),
                format!("shard '{bad}' is not i/N with 1 <= i <= N (e.g. 2/8)"),
            );
        }
    }

    #[test]
    fn parts_are_fixed_by_the_uid_alone() {
        // Pinned: changing the function would move studies between shards
        // of runs made with different Gantry versions.
        // Values from Python's hashlib (an independent implementation).
        assert_eq!(part_of("1.2.3.4", 1000), 235);
        assert_eq!(part_of("1.2.3.4\0", 1000), 235);
        assert_eq!(part_of("1.2.3.4 ", 1000), 235);
        assert_eq!(
            part_of("1.2.840.113619.2.55.3.604688119.868.1249633385.29", 16),
            3
        );
    }

    proptest::proptest! {
        #[test]
        fn every_study_is_in_exactly_one_part(uid in "[0-9.]{1,64}", count in 1u32..12) {
            let owners = (1..=count)
                .filter(|&i| Shard::new(i, count).unwrap().contains(&uid))
                .count();
            proptest::prop_assert_eq!(owners, 1);
        }
    }
}
