//! The AES-SIV here is the aes-siv crate's, bit for bit.
#![allow(clippy::unwrap_used)]

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use proptest::prelude::*;

use super::SivKey;

const AD0: &[u8] = b"GANTRY-SIV1";

fn reference(key: &[u8; 64], ad1: &[u8], plaintext: &[u8]) -> Vec<u8> {
    Aes256Siv::new_from_slice(key)
        .unwrap()
        .encrypt([AD0, ad1], plaintext)
        .unwrap()
}

/// Ours, the plaintext written in one go.
fn ours(key: &[u8; 64], ad1: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut sealed = b"head".to_vec();
    let tag = SivKey::new(key, AD0)
        .encrypt_appended::<()>(ad1, &mut sealed, |out, _| {
            out.extend_from_slice(plaintext);
            Ok(())
        })
        .unwrap();
    assert_eq!(&sealed[..4], b"head");
    sealed.splice(..4, tag);
    sealed
}

/// Ours, the plaintext written in pieces with progress reported after
/// each, after a false start of `false_start` bytes.
fn ours_in_pieces(
    key: &[u8; 64],
    ad1: &[u8],
    plaintext: &[u8],
    pieces: &[usize],
    false_start: usize,
) -> Vec<u8> {
    let mut sealed = b"head".to_vec();
    let tag = SivKey::new(key, AD0)
        .encrypt_appended::<()>(ad1, &mut sealed, |out, progress| {
            out.extend(std::iter::repeat_n(0xEE, false_start));
            progress(out);
            out.truncate(4);
            progress(out);
            let mut rest = plaintext;
            for &piece in pieces.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at(piece.clamp(1, rest.len()));
                out.extend_from_slice(now);
                progress(out);
                rest = later;
            }
            Ok(())
        })
        .unwrap();
    sealed.splice(..4, tag);
    sealed
}

#[test]
fn every_length_around_block_and_batch_boundaries() {
    let key: [u8; 64] = std::array::from_fn(|i| (i * 37 + 11) as u8);
    let sop = b"2.25.329800735698586629295641978511506172918";
    let lengths = (0..=80)
        .chain([127, 128, 129, 255, 256, 257])
        .chain((1000..1060).step_by(3))
        .chain([2047, 2048, 2049, 3500, 5000]);
    for len in lengths {
        let plaintext: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        for ad1 in [
            &sop[..0],
            &sop[..1],
            &sop[..15],
            &sop[..16],
            &sop[..17],
            &sop[..],
        ] {
            assert_eq!(
                ours(&key, ad1, &plaintext),
                reference(&key, ad1, &plaintext),
                "plaintext of {len} bytes, associated data of {}",
                ad1.len()
            );
        }
    }
}

#[test]
fn a_prepared_key_seals_many_messages_alike() {
    let key = [0xA5; 64];
    let prepared = SivKey::new(&key, AD0);
    for len in [0, 5, 16, 100, 3000] {
        let plaintext = vec![0x5A; len];
        let mut sealed = Vec::new();
        let tag = prepared
            .encrypt_appended::<()>(b"1.2.3", &mut sealed, |out, _| {
                out.extend_from_slice(&plaintext);
                Ok(())
            })
            .unwrap();
        sealed.splice(..0, tag);
        assert_eq!(sealed, reference(&key, b"1.2.3", &plaintext));
    }
}

#[test]
fn a_failed_write_is_returned() {
    let mut buffer = b"head".to_vec();
    let failed = SivKey::new(&[1; 64], AD0).encrypt_appended(b"1.2.3", &mut buffer, |out, _| {
        out.extend_from_slice(b"partial");
        Err("no")
    });
    assert_eq!(failed, Err("no"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn random_keys_data_and_associated_data(
        key in proptest::collection::vec(any::<u8>(), 64),
        ad1 in proptest::collection::vec(any::<u8>(), 0..80),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2200),
    ) {
        let key: [u8; 64] = key.try_into().unwrap();
        prop_assert_eq!(ours(&key, &ad1, &plaintext), reference(&key, &ad1, &plaintext));
    }

    /// However the plaintext is written and reported (false start
    /// included), the MAC is the same.
    #[test]
    fn progress_reports_do_not_change_the_result(
        plaintext in proptest::collection::vec(any::<u8>(), 0..700),
        pieces in proptest::collection::vec(1usize..70, 1..8),
        false_start in 0usize..300,
    ) {
        let key = [0x3C; 64];
        prop_assert_eq!(
            ours_in_pieces(&key, b"2.25.77", &plaintext, &pieces, false_start),
            reference(&key, b"2.25.77", &plaintext)
        );
    }
}
