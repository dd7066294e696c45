//! Frames spread over several fragments, with and without a Basic Offset
//! Table, and hostile compressed frames: corrupted bytes must give an
//! error (or a frame), never a panic escaping `decode_frame`.

use gantry_codec::{
    Frame, Operation, PixelData, PixelFormat, PixelValue, decapsulate, decode_frame, encode,
    require,
};

use crate::decode_corpus::{corpus_dir, load};

const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";
const J2K: &str = "1.2.840.10008.1.2.4.90";

fn item(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// An encapsulated value whose frames are each cut into fragments of at
/// most `piece` bytes (even lengths), with or without an offset table.
fn fragmented(frames: &[Vec<u8>], piece: usize, with_table: bool) -> Vec<u8> {
    let mut items = Vec::new();
    let mut table = Vec::new();
    for frame in frames {
        table.extend_from_slice(&(items.len() as u32).to_le_bytes());
        let mut frame = frame.clone();
        if frame.len() % 2 == 1 {
            frame.push(0);
        }
        for chunk in frame.chunks(piece) {
            item(&mut items, chunk);
        }
    }
    let mut value = Vec::new();
    item(&mut value, if with_table { &table } else { &[] });
    value.extend_from_slice(&items);
    value.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    value
}

fn test_frames(format: PixelFormat) -> Vec<Frame> {
    (0..3u16)
        .map(|k| {
            let samples = (0..format.sample_count())
                .map(|i| (i as u16).wrapping_mul(37).wrapping_add(k * 1000) % 4096)
                .collect();
            Frame {
                format,
                samples: gantry_codec::Samples::U16(samples),
            }
        })
        .collect()
}

fn format() -> PixelFormat {
    PixelFormat {
        rows: 40,
        columns: 30,
        samples_per_pixel: 1,
        bits_allocated: 16,
        bits_stored: 12,
        signed: false,
        planar_configuration: 0,
        photometric: gantry_codec::Photometric::Monochrome2,
    }
}

#[test]
fn multi_fragment_frames_decode_with_and_without_offset_table() {
    for ts in [JPEG_LS, J2K] {
        if require(ts, Operation::Encode).is_err() {
            eprintln!("skipping fragmented {ts}: no encoder in this build");
            continue;
        }
        let frames = test_frames(format());
        let encoded = encode(ts, frames.iter().cloned().map(Ok)).unwrap();
        let codestreams: Vec<Vec<u8>> = decapsulate(&encoded.value)
            .unwrap()
            .fragments
            .iter()
            .map(|f| f.to_vec())
            .collect();
        for with_table in [true, false] {
            let value = fragmented(&codestreams, 100, with_table);
            let data = PixelData {
                transfer_syntax: ts,
                format: format(),
                frames: 3,
                value: PixelValue::Encapsulated(&value),
            };
            assert!(decapsulate(&value).unwrap().fragments.len() > 6);
            for (i, want) in frames.iter().enumerate() {
                assert_eq!(
                    &decode_frame(&data, i as u32).unwrap(),
                    want,
                    "{ts} frame {i} table {with_table}"
                );
            }
        }
    }
}

#[test]
fn jpeg_frames_split_over_fragments_without_offset_table() {
    let Some(dir) = corpus_dir() else { return };
    if require("1.2.840.10008.1.2.4.50", Operation::Decode).is_err() {
        return;
    }
    let source = load(
        &dir.join("pydicom-data_color3d_jpeg_baseline.dcm"),
        "color3d",
    )
    .unwrap();
    let codestreams: Vec<Vec<u8>> = decapsulate(&source.value)
        .unwrap()
        .fragments
        .iter()
        .take(4)
        .map(|f| f.to_vec())
        .collect();
    let value = fragmented(&codestreams, 4000, false);
    let data = PixelData {
        transfer_syntax: &source.transfer_syntax,
        format: source.format,
        frames: 4,
        value: PixelValue::Encapsulated(&value),
    };
    for i in 0..4 {
        assert_eq!(
            decode_frame(&data, i).unwrap(),
            decode_frame(&source.pixel_data(), i).unwrap(),
            "frame {i}"
        );
    }
}

/// Flips bytes all over compressed frames of each codec and decodes:
/// every outcome must be a frame or an error naming the frame, and
/// nothing may panic out of `decode_frame`.
#[test]
fn corrupted_codestreams_never_panic() {
    let Some(dir) = corpus_dir() else { return };
    let files = [
        "pydicom_SC_rgb_jpeg_dcmtk.dcm",
        "pydicom-data_JPEG-LL.dcm",
        "pydicom_MR_small_jpeg_ls_lossless.dcm",
        "pydicom_SC_rgb_jls_lossy_line.dcm",
        "pydicom_MR_small_jp2klossless.dcm",
        "pydicom_GDCMJ2K_TextGBR.dcm",
        "pydicom_MR_small_RLE.dcm",
    ];
    let mut outcomes = [0usize; 2];
    for name in files {
        let source = load(&dir.join(name), name).unwrap();
        if require(&source.transfer_syntax, Operation::Decode).is_err() {
            continue;
        }
        let codestream = decapsulate(&source.value).unwrap().fragments[0].to_vec();
        let started = std::time::Instant::now();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..40 {
            let mut corrupted = codestream.clone();
            for _ in 0..(1 + round % 4) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % corrupted.len();
                corrupted[at] ^= (state >> 32) as u8 | 1;
            }
            if round % 5 == 0 {
                corrupted.truncate(corrupted.len() * (round + 1) / 45);
            }
            let value = fragmented(&[corrupted], usize::MAX, true);
            let data = PixelData {
                transfer_syntax: &source.transfer_syntax,
                format: source.format,
                frames: 1,
                value: PixelValue::Encapsulated(&value),
            };
            let result = std::panic::catch_unwind(|| decode_frame(&data, 0));
            let Ok(result) = result else {
                panic!("{name} round {round}: a panic escaped decode_frame");
            };
            match result {
                Ok(frame) => {
                    assert_eq!(frame.samples.len(), frame.format.sample_count());
                    outcomes[0] += 1;
                }
                Err(e) => {
                    let message = e.to_string();
                    assert!(
                        message.contains("of transfer syntax") && message.contains("frame 1"),
                        "{name}: {message}"
                    );
                    outcomes[1] += 1;
                }
            }
        }
        // CharLS used to spin for a minute on truncated streams: every
        // file's 40 corrupted frames must now take seconds at most, even
        // in a debug build.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name}: corrupted frames took {:?}",
            started.elapsed()
        );
    }
    eprintln!(
        "corrupted frames: {} decoded, {} refused",
        outcomes[0], outcomes[1]
    );
}
