//! The RLE Lossless files of the shared dev corpus: other encoders' output
//! decoded by our decoder and compared with the uncompressed twins shipped
//! beside them; then re-encoded by us and decoded by dicom-rs, pydicom and
//! dcmtk.

use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_pixeldata::PixelDecoder;
use gantry_codec::{FrameLayout, decode_rle_frame, encode_rle_frame};

use crate::dicom_files::spliced;
use crate::images::with_planar;
use crate::oracles;

/// RLE files and their uncompressed twins (checked: same pixels).
/// emri_small has no uncompressed twin in the dev set; dicom-rs's decoder
/// is its reference.
const TWINS: &[(&str, Option<&str>)] = &[
    ("pydicom_MR_small_RLE.dcm", Some("pydicom_MR_small.dcm")),
    ("pydicom_SC_rgb_rle.dcm", Some("pydicom-data_SC_rgb.dcm")),
    (
        "pydicom_SC_rgb_rle_16bit_2frame.dcm",
        Some("pydicom-data_SC_rgb_16bit_2frame.dcm"),
    ),
    (
        "pydicom_SC_rgb_rle_32bit.dcm",
        Some("pydicom-data_SC_rgb_32bit.dcm"),
    ),
    (
        "pydicom-data_OBXXXX1A_rle.dcm",
        Some("pydicom-data_OBXXXX1A.dcm"),
    ),
    ("pydicom_rtdose_rle.dcm", Some("pydicom_rtdose.dcm")),
    ("pydicom-data_emri_small_RLE.dcm", None),
];

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("GANTRY_REQUIRE_ORACLES").is_some() {
        panic!("the shared dev corpus is missing at {}", dir.display());
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPING gantry-codec corpus checks: no corpus at {} !!!\n",
        dir.display()
    );
    None
}

fn int(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Option<u32> {
    obj.element_opt(tag)
        .unwrap()
        .map(|e| e.to_int::<u32>().unwrap())
}

fn frame_layout(obj: &DefaultDicomObject) -> FrameLayout {
    let us = |tag| int(obj, tag).unwrap() as u16;
    FrameLayout {
        rows: us(tags::ROWS),
        columns: us(tags::COLUMNS),
        samples_per_pixel: us(tags::SAMPLES_PER_PIXEL),
        bits_allocated: us(tags::BITS_ALLOCATED),
        planar_configuration: int(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) as u16,
    }
}

fn fragments(obj: &DefaultDicomObject) -> Vec<Vec<u8>> {
    match obj.element(tags::PIXEL_DATA).unwrap().value() {
        Value::PixelSequence(seq) => seq.fragments().to_vec(),
        _ => panic!("not encapsulated"),
    }
}

/// One corpus file: what we decoded, and the pixels it must have.
struct Decoded {
    name: &'static str,
    obj: DefaultDicomObject,
    layout: FrameLayout,
    /// Our decoding, frames concatenated, in the file's planar configuration.
    native: Vec<u8>,
    ours: Vec<Vec<u8>>,
    original_len: usize,
}

fn decode_corpus(dir: &Path) -> Vec<Decoded> {
    TWINS
        .iter()
        .map(|&(name, twin)| {
            let obj = dicom_object::open_file(dir.join(name)).unwrap();
            let layout = frame_layout(&obj);
            let frames = int(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1) as usize;
            let fragments = fragments(&obj);
            assert_eq!(fragments.len(), frames, "{name}: one fragment per frame");
            let native: Vec<u8> = fragments
                .iter()
                .flat_map(|f| decode_rle_frame(f, layout).unwrap())
                .collect();

            let reference = match twin {
                Some(twin) => dicom_object::open_file(dir.join(twin))
                    .unwrap()
                    .element(tags::PIXEL_DATA)
                    .unwrap()
                    .to_bytes()
                    .unwrap()
                    .into_owned(),
                None => obj.decode_pixel_data().unwrap().data().to_vec(),
            };
            assert_eq!(reference.len(), native.len() + native.len() % 2, "{name}");
            assert!(
                reference[..native.len()] == native[..],
                "{name}: our decoder disagrees with {}",
                twin.unwrap_or("dicom-rs")
            );
            let ours: Vec<Vec<u8>> = native
                .chunks(layout.frame_len().unwrap())
                .map(|f| encode_rle_frame(f, layout).unwrap())
                .collect();
            Decoded {
                name,
                layout,
                native,
                original_len: fragments.iter().map(Vec::len).sum(),
                ours,
                obj,
            }
        })
        .collect()
}

/// The corpus file with our fragments in place of its own.
fn reencoded_file(dir: &Path, file: &Decoded) -> PathBuf {
    // The file's own meta group: some corpus files carry their SOP UIDs
    // as UN in the data set.
    let mut without_pixels = file.obj.clone();
    without_pixels.remove_element(tags::PIXEL_DATA);
    let path = dir.join(file.name);
    std::fs::write(&path, spliced(&without_pixels, &file.ours)).unwrap();
    path
}

#[test]
fn our_decoder_matches_the_uncompressed_twins() {
    let Some(dir) = corpus_dir() else { return };
    for file in decode_corpus(&dir) {
        // Our encoder (runs never cross rows, 2-byte repeats merged into
        // literals where G.3.1 suggests) is no worse than the files'.
        assert!(
            file.ours.iter().map(Vec::len).sum::<usize>() <= file.original_len + 64,
            "{}: {} bytes against {}",
            file.name,
            file.ours.iter().map(Vec::len).sum::<usize>(),
            file.original_len
        );
        for (i, fragment) in file.ours.iter().enumerate() {
            let frame_len = file.layout.frame_len().unwrap();
            assert_eq!(
                decode_rle_frame(fragment, file.layout).unwrap(),
                file.native[i * frame_len..(i + 1) * frame_len],
                "{} frame {}",
                file.name,
                i + 1
            );
        }
    }
}

#[test]
fn corpus_reencoded_by_us_decodes_identically_elsewhere() {
    let Some(corpus) = corpus_dir() else { return };
    let files = decode_corpus(&corpus);
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|f| reencoded_file(dir.path(), f))
        .collect();
    let expected = |file: &Decoded, planar: u16| -> Vec<u8> {
        file.native
            .chunks(file.layout.frame_len().unwrap())
            .flat_map(|f| with_planar(f, file.layout, planar))
            .collect()
    };

    for (file, path) in files.iter().zip(&paths) {
        if file.layout.bits_allocated <= 16 {
            assert!(
                oracles::dicom_rs(path).pixels == expected(file, 0),
                "{}: dicom-rs decodes our re-encoding differently",
                file.name
            );
        }
        if oracles::dcmtk() {
            let decoded = oracles::dcmdrle(path);
            let want = expected(file, decoded.planar);
            assert!(
                decoded.pixels[..want.len()] == want[..],
                "{}: dcmdrle decodes our re-encoding differently",
                file.name
            );
        }
    }
    if oracles::pydicom() {
        for (file, decoded) in files.iter().zip(oracles::pydicom_many(&paths)) {
            assert!(
                decoded.pixels == expected(file, decoded.planar),
                "{}: pydicom decodes our re-encoding differently",
                file.name
            );
        }
    }
}
