use std::collections::HashMap;
use std::path::{Path, PathBuf};

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn pixels(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("session.pixels")
}

/// Deterministic incompressible bytes (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Compressible bytes that still vary, like a smooth 16-bit image.
fn image_like(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i / 7) % 251) as u8 & 0xF0).collect()
}

#[track_caller]
fn assert_damaged<T: std::fmt::Debug>(result: Result<T>) {
    match result {
        Err(Error::DamagedRecord { .. }) => {}
        Err(other) => panic!("expected DamagedRecord, got {other:?}"),
        Ok(_) => panic!("expected DamagedRecord, got data"),
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).expect("metadata").len()
}

#[test]
fn sidecar_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Sidecar>();
}

#[test]
fn new_sidecar_has_just_the_file_header() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let sidecar = Sidecar::open(&path, 0).expect("open");
    assert_eq!(sidecar.end(), Sidecar::FILE_HEADER_LEN);
    assert_eq!(file_len(&path), Sidecar::FILE_HEADER_LEN);
    assert_eq!(sidecar.path(), path);
    assert_eq!(&std::fs::read(&path).expect("read")[..8], b"GANTRYPX");
}

#[test]
fn round_trip_uncompressed() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let mut sidecar = Sidecar::open(&path, 0).expect("open");
    let payload = noise(1000, 1);
    let id = sidecar.append(&payload, Compression::None).expect("append");
    assert_eq!(id, SidecarRecordId(Sidecar::FILE_HEADER_LEN));
    assert_eq!(sidecar.end(), 16 + 32 + 1000);
    sidecar.flush().expect("flush");
    assert_eq!(file_len(&path), sidecar.end());
    assert_eq!(sidecar.read(id).expect("read"), payload);
}

#[test]
fn round_trip_zlib_compresses() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let mut sidecar = Sidecar::open(&path, 0).expect("open");
    let payload = image_like(100_000);
    let id = sidecar.append(&payload, Compression::Zlib).expect("append");
    sidecar.flush().expect("flush");
    assert!(
        sidecar.end() < 50_000,
        "zlib did not shrink: {}",
        sidecar.end()
    );
    assert_eq!(sidecar.read(id).expect("read"), payload);
}

#[test]
fn zlib_falls_back_to_uncompressed_for_incompressible_data() {
    let dir = temp_dir();
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let payload = noise(10_000, 7);
    let id = sidecar.append(&payload, Compression::Zlib).expect("append");
    assert_eq!(sidecar.end(), 16 + 32 + 10_000);
    assert_eq!(sidecar.read(id).expect("read"), payload);
}

#[test]
fn empty_payloads_round_trip() {
    let dir = temp_dir();
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let a = sidecar.append(&[], Compression::None).expect("append");
    let b = sidecar.append(&[], Compression::Zlib).expect("append");
    assert_eq!(b.0, a.0 + 32);
    assert_eq!(sidecar.read(a).expect("read"), Vec::<u8>::new());
    assert_eq!(sidecar.read(b).expect("read"), Vec::<u8>::new());
}

#[test]
fn large_payloads_round_trip() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let mut sidecar = Sidecar::open(&path, 0).expect("open");
    let smooth = image_like(6 << 20);
    let rough = noise(5 << 20, 3);
    let a = sidecar.append(&smooth, Compression::Zlib).expect("append");
    let b = sidecar.append(&rough, Compression::None).expect("append");
    let c = sidecar.append(&smooth, Compression::None).expect("append");
    let mut out = Vec::new();
    sidecar.read_into(a, &mut out).expect("read");
    assert!(out == smooth);
    sidecar.read_into(b, &mut out).expect("read");
    assert!(out == rough);
    sidecar.read_into(c, &mut out).expect("read");
    assert!(out == smooth);
}

#[test]
fn reads_see_unflushed_appends() {
    let dir = temp_dir();
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let first = sidecar.append(b"first", Compression::None).expect("append");
    assert_eq!(sidecar.read(first).expect("read"), b"first");
    let second = sidecar
        .append(b"second", Compression::Zlib)
        .expect("append");
    assert_eq!(sidecar.read(second).expect("read"), b"second");
    assert_eq!(sidecar.read(first).expect("read"), b"first");
}

#[test]
fn reopen_after_drop() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let payloads: Vec<Vec<u8>> = (0..5).map(|i| image_like(1000 * i + 1)).collect();
    let (ids, end) = {
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        let ids: Vec<_> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let compression = if i % 2 == 0 {
                    Compression::Zlib
                } else {
                    Compression::None
                };
                sidecar.append(p, compression).expect("append")
            })
            .collect();
        sidecar.sync().expect("sync");
        (ids, sidecar.end())
    };
    let mut sidecar = Sidecar::open(&path, end).expect("reopen");
    assert_eq!(sidecar.end(), end);
    for (id, payload) in ids.iter().zip(&payloads) {
        assert_eq!(&sidecar.read(*id).expect("read"), payload);
    }
    let next = sidecar.append(b"more", Compression::None).expect("append");
    assert_eq!(next.0, end);
    assert_eq!(sidecar.read(next).expect("read"), b"more");
}

#[test]
fn open_cuts_off_uncommitted_tail() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let (kept, lost, committed) = {
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        let kept = sidecar
            .append(b"committed", Compression::None)
            .expect("append");
        sidecar.flush().expect("flush");
        let committed = sidecar.end();
        // Appended and flushed, but the process dies before the DB commit.
        let lost = sidecar
            .append(&noise(5000, 9), Compression::Zlib)
            .expect("append");
        sidecar.flush().expect("flush");
        (kept, lost, committed)
    };
    assert!(file_len(&path) > committed);
    let mut sidecar = Sidecar::open(&path, committed).expect("reopen");
    assert_eq!(file_len(&path), committed);
    assert_eq!(sidecar.end(), committed);
    assert_eq!(sidecar.read(kept).expect("read"), b"committed");
    assert_damaged(sidecar.read(lost));
    let again = sidecar.append(b"again", Compression::None).expect("append");
    assert_eq!(again, lost);
    assert_eq!(sidecar.read(again).expect("read"), b"again");
}

#[test]
fn committed_len_below_file_header_keeps_just_the_header() {
    let dir = temp_dir();
    let path = pixels(&dir);
    {
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        sidecar
            .append(b"uncommitted", Compression::None)
            .expect("append");
    }
    for committed in [0, 5, 16] {
        let sidecar = Sidecar::open(&path, committed).expect("reopen");
        assert_eq!(sidecar.end(), Sidecar::FILE_HEADER_LEN);
        assert_eq!(file_len(&path), Sidecar::FILE_HEADER_LEN);
        assert_damaged(sidecar.read(SidecarRecordId(16)));
    }
}

#[test]
fn file_shorter_than_committed_is_damage() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let end = {
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        sidecar
            .append(b"payload", Compression::None)
            .expect("append");
        sidecar.end()
    };
    assert_damaged(Sidecar::open(&path, end + 1));
    // A missing file cannot hold committed records either.
    let missing = dir.path().join("missing.pixels");
    assert_damaged(Sidecar::open(&missing, end));
    assert!(!missing.exists());
    // Nothing was cut off by the failed opens.
    assert_eq!(file_len(&path), end);
}

#[test]
fn wrong_files_are_rejected() {
    let dir = temp_dir();
    let path = pixels(&dir);
    for contents in [
        &b"this is not a gantry pixel sidecar at all"[..],
        b"abc",
        b"GANTRYXX",
        b"GANTRYPX\x02\0\0\0\0\0\0\0", // newer format version
    ] {
        std::fs::write(&path, contents).expect("write");
        assert_damaged(Sidecar::open(&path, 0));
        assert_eq!(
            std::fs::read(&path).expect("read"),
            contents,
            "file was modified"
        );
    }
    // A file header cut short by a crash while creating it is completed.
    std::fs::write(&path, b"GANTRY").expect("write");
    let sidecar = Sidecar::open(&path, 0).expect("open");
    assert_eq!(sidecar.end(), Sidecar::FILE_HEADER_LEN);
}

#[test]
fn second_open_is_refused_while_open() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let first = Sidecar::open(&path, 0).expect("open");
    match Sidecar::open(&path, 0) {
        Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
        other => panic!("expected a lock error, got {other:?}"),
    }
    drop(first);
    Sidecar::open(&path, 0).expect("open after drop");
}

#[test]
fn ids_not_at_a_record_are_damage() {
    let dir = temp_dir();
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let id = sidecar
        .append(&image_like(500), Compression::Zlib)
        .expect("append");
    let end = sidecar.end();
    for offset in [
        0,
        1,
        8,
        15,
        17,
        47,
        48,
        end - 1,
        end,
        end + 1,
        u64::MAX - 8,
        u64::MAX,
    ] {
        assert_damaged(sidecar.read(SidecarRecordId(offset)));
    }
    let mut out = b"stale".to_vec();
    assert_damaged(sidecar.read_into(SidecarRecordId(17), &mut out));
    assert!(out.is_empty());
    assert_eq!(sidecar.read(id).expect("read"), image_like(500));
}

/// The bytes of a sidecar holding one record of `payload`.
fn one_record_file(dir: &tempfile::TempDir, payload: &[u8], compression: Compression) -> Vec<u8> {
    let path = dir.path().join("template.pixels");
    let mut sidecar = Sidecar::open(&path, 0).expect("open");
    sidecar.append(payload, compression).expect("append");
    sidecar.flush().expect("flush");
    drop(sidecar);
    std::fs::read(&path).expect("read")
}

#[test]
fn record_cut_at_every_byte_is_damage() {
    let dir = temp_dir();
    let path = pixels(&dir);
    for (payload, compression) in [
        (noise(40, 5), Compression::None),
        (image_like(400), Compression::Zlib),
    ] {
        let full = one_record_file(&dir, &payload, compression);
        let id = SidecarRecordId(Sidecar::FILE_HEADER_LEN);
        for cut in Sidecar::FILE_HEADER_LEN as usize..full.len() {
            std::fs::write(&path, &full[..cut]).expect("write");
            // Opening with the full length is refused outright...
            assert_damaged(Sidecar::open(&path, full.len() as u64));
            // ...and when the committed length itself cuts the record, the
            // read is refused.
            let sidecar = Sidecar::open(&path, cut as u64).expect("open");
            assert_damaged(sidecar.read(id));
        }
        std::fs::write(&path, &full).expect("write");
        let sidecar = Sidecar::open(&path, full.len() as u64).expect("open");
        assert_eq!(sidecar.read(id).expect("read"), payload);
    }
}

#[test]
fn every_flipped_bit_in_a_record_is_damage() {
    let dir = temp_dir();
    let path = pixels(&dir);
    for (payload, compression) in [
        (noise(24, 11), Compression::None),
        (image_like(200), Compression::Zlib),
    ] {
        let full = one_record_file(&dir, &payload, compression);
        let id = SidecarRecordId(Sidecar::FILE_HEADER_LEN);
        for byte in Sidecar::FILE_HEADER_LEN as usize..full.len() {
            for bit in 0..8 {
                let mut damaged = full.clone();
                damaged[byte] ^= 1 << bit;
                std::fs::write(&path, &damaged).expect("write");
                let sidecar = Sidecar::open(&path, full.len() as u64).expect("open");
                assert_damaged(sidecar.read(id));
            }
        }
    }
}

#[test]
fn a_record_copied_to_another_offset_is_not_accepted_there() {
    // A payload that is itself a valid record (e.g. a sidecar stored as
    // pixels) must not be readable at its interior offset.
    let dir = temp_dir();
    let inner = one_record_file(&dir, b"smuggled", Compression::None);
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let outer = sidecar.append(&inner, Compression::None).expect("append");
    // The inner record starts after the outer header and the inner file header.
    let interior = SidecarRecordId(outer.0 + 32 + Sidecar::FILE_HEADER_LEN);
    assert_damaged(sidecar.read(interior));
    assert_eq!(sidecar.read(outer).expect("read"), inner);
}

#[test]
fn concurrent_reads_across_map_replacements() {
    let dir = temp_dir();
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let big = image_like(9 << 20);
    let small = noise(1000, 2);
    let a = sidecar.append(&big, Compression::None).expect("append");
    let b = sidecar.append(&small, Compression::Zlib).expect("append");
    let sidecar = &sidecar;
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                // 2 threads × 8 × 9 MiB exceeds the map's read budget.
                for _ in 0..8 {
                    assert!(sidecar.read(a).expect("read") == big);
                    assert_eq!(sidecar.read(b).expect("read"), small);
                }
            });
        }
    });
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn compaction_keeps_only_live_records() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let dest = dir.path().join("compacted.pixels");
    let mut sidecar = Sidecar::open(&path, 0).expect("open");
    let payloads: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            if i % 3 == 0 {
                noise(3000 + i, i as u64)
            } else {
                image_like(5000 + 100 * i)
            }
        })
        .collect();
    let ids: Vec<SidecarRecordId> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let compression = if i % 2 == 0 {
                Compression::Zlib
            } else {
                Compression::None
            };
            sidecar.append(p, compression).expect("append")
        })
        .collect();
    let live = [ids[7], ids[1], ids[3], ids[9], ids[3], ids[6]];
    let (mapping, stats) = sidecar.compact(&dest, live).expect("compact");

    let mut expected_old = vec![ids[1], ids[3], ids[6], ids[7], ids[9]];
    expected_old.sort();
    assert_eq!(
        mapping.iter().map(|m| m.0).collect::<Vec<_>>(),
        expected_old
    );
    assert_eq!(stats.records_kept, 5);
    assert_eq!(stats.bytes_before, sidecar.end());
    assert_eq!(stats.bytes_after, file_len(&dest));
    assert!(stats.bytes_after < stats.bytes_before);
    // Only live bytes remain: file header plus each kept record.
    let kept_bytes: u64 = mapping
        .iter()
        .map(|(old, _)| {
            let next = ids
                .iter()
                .find(|id| id.0 > old.0)
                .map_or(sidecar.end(), |id| id.0);
            next - old.0
        })
        .sum();
    assert_eq!(stats.bytes_after, Sidecar::FILE_HEADER_LEN + kept_bytes);
    assert_eq!(
        dir_entries(dir.path()),
        ["compacted.pixels", "session.pixels"]
    );

    let compacted = Sidecar::open(&dest, stats.bytes_after).expect("open compacted");
    for (old, new) in &mapping {
        let index = ids.iter().position(|id| id == old).expect("known id");
        assert_eq!(compacted.read(*new).expect("read new"), payloads[index]);
        assert_eq!(sidecar.read(*old).expect("read old"), payloads[index]);
    }
    // New ids are dense and in order.
    assert_eq!(mapping[0].1, SidecarRecordId(Sidecar::FILE_HEADER_LEN));
    assert!(mapping.windows(2).all(|w| w[0].1 < w[1].1));
}

#[test]
fn compaction_with_nothing_live_leaves_just_the_header() {
    let dir = temp_dir();
    let dest = dir.path().join("compacted.pixels");
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    sidecar.append(b"dead", Compression::None).expect("append");
    let (mapping, stats) = sidecar.compact(&dest, []).expect("compact");
    assert!(mapping.is_empty());
    assert_eq!(stats.records_kept, 0);
    assert_eq!(stats.bytes_after, Sidecar::FILE_HEADER_LEN);
    assert_eq!(file_len(&dest), Sidecar::FILE_HEADER_LEN);
}

#[test]
fn compaction_refuses_damaged_live_records_and_leaves_no_files() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let dest = dir.path().join("compacted.pixels");
    let (good, bad, end) = {
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        let good = sidecar.append(b"good", Compression::None).expect("append");
        let bad = sidecar
            .append(b"will be damaged", Compression::None)
            .expect("append");
        (good, bad, sidecar.end())
    };
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[(bad.0 + 32 + 2) as usize] ^= 0x40;
    std::fs::write(&path, &bytes).expect("write");

    let sidecar = Sidecar::open(&path, end).expect("open");
    assert_damaged(sidecar.compact(&dest, [good, bad]));
    assert_damaged(sidecar.compact(&dest, [good, SidecarRecordId(good.0 + 1)]));
    assert_eq!(dir_entries(dir.path()), ["session.pixels"]);
    // The good record alone compacts fine.
    let (mapping, _) = sidecar.compact(&dest, [good]).expect("compact");
    assert_eq!(mapping, [(good, SidecarRecordId(16))]);
}

fn payload_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..2000),
        (any::<u8>(), 0..4000usize).prop_map(|(b, n)| vec![b; n]),
        vec(0u8..4, 0..3000),
    ]
}

fn compression_strategy() -> impl Strategy<Value = Compression> {
    prop_oneof![Just(Compression::None), Just(Compression::Zlib)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_appends_round_trip(
        records in vec((payload_strategy(), compression_strategy(), any::<bool>()), 0..16),
    ) {
        let dir = temp_dir();
        let path = pixels(&dir);
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        let mut appended = Vec::new();
        for (payload, compression, flush) in &records {
            let id = sidecar.append(payload, *compression).expect("append");
            appended.push((id, payload));
            if *flush {
                sidecar.flush().expect("flush");
            }
        }
        for (id, payload) in &appended {
            prop_assert_eq!(&sidecar.read(*id).expect("read"), *payload);
        }
        let end = sidecar.end();
        sidecar.flush().expect("flush");
        drop(sidecar);
        let sidecar = Sidecar::open(&path, end).expect("reopen");
        for (id, payload) in &appended {
            prop_assert_eq!(&sidecar.read(*id).expect("read"), *payload);
        }
    }

    #[test]
    fn arbitrary_ids_never_return_foreign_data(
        records in vec((payload_strategy(), compression_strategy()), 1..8),
        near in vec(any::<u16>(), 0..64),
        far in vec(any::<u64>(), 0..16),
    ) {
        let dir = temp_dir();
        let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
        let mut appended = HashMap::new();
        for (payload, compression) in &records {
            let id = sidecar.append(payload, *compression).expect("append");
            appended.insert(id, payload);
        }
        let end = sidecar.end();
        let offsets = near
            .iter()
            .map(|&n| u64::from(n) % (end + 64))
            .chain(far.iter().copied());
        for offset in offsets {
            let id = SidecarRecordId(offset);
            match sidecar.read(id) {
                Ok(data) => {
                    let expected = appended.get(&id);
                    prop_assert!(expected.is_some(), "data returned at offset {offset}, no record there");
                    prop_assert_eq!(&data, *expected.expect("checked"));
                }
                Err(Error::DamagedRecord { offset: reported, .. }) => {
                    prop_assert!(!appended.contains_key(&id));
                    prop_assert_eq!(reported, offset);
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }

    #[test]
    fn damaged_bytes_never_come_back(
        records in vec((payload_strategy(), compression_strategy()), 1..6),
        damage in vec((any::<u32>(), 1u8..=255), 1..8),
    ) {
        let dir = temp_dir();
        let path = pixels(&dir);
        let mut sidecar = Sidecar::open(&path, 0).expect("open");
        let mut appended = Vec::new();
        for (payload, compression) in &records {
            appended.push((sidecar.append(payload, *compression).expect("append"), payload));
        }
        let end = sidecar.end();
        sidecar.flush().expect("flush");
        drop(sidecar);

        let mut bytes = std::fs::read(&path).expect("read");
        let body = bytes.len() - Sidecar::FILE_HEADER_LEN as usize;
        for (at, xor) in &damage {
            bytes[Sidecar::FILE_HEADER_LEN as usize + *at as usize % body] ^= xor;
        }
        std::fs::write(&path, &bytes).expect("write");

        let sidecar = Sidecar::open(&path, end).expect("open");
        for (id, payload) in &appended {
            match sidecar.read(*id) {
                Ok(data) => prop_assert_eq!(&data, *payload),
                Err(Error::DamagedRecord { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }
}

#[test]
fn read_only_open_beside_a_writer() {
    let dir = temp_dir();
    let path = pixels(&dir);
    let mut writer = Sidecar::open(&path, 0).expect("open");
    let committed = writer
        .append(b"committed", Compression::Zlib)
        .expect("append");
    writer.flush().expect("flush");
    let end = writer.end();
    let pending = writer
        .append(b"not yet committed", Compression::None)
        .expect("append");
    writer.flush().expect("flush");

    let mut reader = Sidecar::open_read_only(&path, end).expect("open read-only");
    assert_eq!(reader.read(committed).expect("read"), b"committed");
    assert_damaged(reader.read(pending));
    assert!(matches!(
        reader.append(b"x", Compression::None),
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied
    ));
    reader.flush().expect("flush is a no-op");
    reader.sync().expect("sync is a no-op");
    // The reader cut nothing off, and the writer goes on.
    assert!(file_len(&path) > end);
    assert_eq!(writer.read(pending).expect("read"), b"not yet committed");
    let (mapping, _) = reader
        .compact(&dir.path().join("copy.pixels"), [committed])
        .expect("compact");
    assert_eq!(mapping.len(), 1);

    // Read-only opens never create, and refuse what open refuses.
    assert!(Sidecar::open_read_only(&dir.path().join("none.pixels"), 0).is_err());
    assert!(!dir.path().join("none.pixels").exists());
    assert_damaged(Sidecar::open_read_only(&path, file_len(&path) + 1));
}

#[test]
fn stale_compaction_temp_file_is_replaced() {
    let dir = temp_dir();
    let dest = dir.path().join("compacted.pixels");
    std::fs::write(dir.path().join("compacted.pixels.tmp"), b"left by a crash").expect("write");
    let mut sidecar = Sidecar::open(&pixels(&dir), 0).expect("open");
    let id = sidecar.append(b"live", Compression::None).expect("append");
    let (mapping, stats) = sidecar.compact(&dest, [id]).expect("compact");
    assert_eq!(
        dir_entries(dir.path()),
        ["compacted.pixels", "session.pixels"]
    );
    let compacted = Sidecar::open(&dest, stats.bytes_after).expect("open");
    assert_eq!(compacted.read(mapping[0].1).expect("read"), b"live");
}
