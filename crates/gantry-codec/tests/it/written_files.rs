//! Our RLE output read back by independent decoders: whole DICOM files
//! (dicom-object header + our encapsulated Pixel Data) decoded by dicom-rs,
//! pydicom and dcmtk, compared byte for byte with the frames we encoded.

use std::path::PathBuf;

use dicom_pixeldata::PixelDecoder;
use gantry_codec::{FrameLayout, decode_rle_frame, encode_rle_frame};

use crate::dicom_files::{dataset, dicom_rs_rle_object, native_file, spliced_rle_file};
use crate::images::{all_formats, layout, patterns, with_planar};
use crate::oracles;

/// One test file: its layout and native frames.
struct Case {
    layout: FrameLayout,
    frames: Vec<Vec<u8>>,
}

impl Case {
    /// All frames, in planar configuration `planar`.
    fn expected(&self, planar: u16) -> Vec<u8> {
        self.frames
            .iter()
            .flat_map(|f| with_planar(f, self.layout, planar))
            .collect()
    }
}

/// Every format at an odd size (3 x 5: odd 8-bit frames), plus long rows
/// with runs over 128 and a single pixel; several patterns as frames.
fn cases() -> Vec<Case> {
    let mut layouts = all_formats(3, 5);
    layouts.extend([
        layout(16, 300, 1, 16, 0),
        layout(9, 257, 3, 8, 1),
        layout(7, 131, 3, 16, 0),
        layout(1, 1, 3, 32, 1),
    ]);
    layouts
        .into_iter()
        .map(|layout| Case {
            layout,
            frames: patterns(layout).into_iter().map(|(_, f)| f).collect(),
        })
        .collect()
}

/// Writes every case as a spliced RLE file; returns the paths.
fn write_files(dir: &std::path::Path, cases: &[Case]) -> Vec<PathBuf> {
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let fragments: Vec<Vec<u8>> = case
                .frames
                .iter()
                .map(|f| encode_rle_frame(f, case.layout).unwrap())
                .collect();
            let obj = dataset(
                case.layout,
                fragments.len() as u32,
                &format!("2.25.{}", 1000 + i),
            );
            let path = dir.join(format!("case{i}.dcm"));
            std::fs::write(&path, spliced_rle_file(obj, &fragments)).unwrap();
            path
        })
        .collect()
}

#[test]
fn dicom_rs_writes_the_same_bytes_and_decodes_them() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let paths = write_files(dir.path(), &cases);
    for (i, (case, path)) in cases.iter().zip(&paths).enumerate() {
        let fragments: Vec<Vec<u8>> = case
            .frames
            .iter()
            .map(|f| encode_rle_frame(f, case.layout).unwrap())
            .collect();
        let obj = dataset(
            case.layout,
            fragments.len() as u32,
            &format!("2.25.{}", 1000 + i),
        );
        let in_memory = dicom_rs_rle_object(obj, &fragments);

        // dicom-object's writer, given the fragments in a
        // PixelFragmentSequence, produces our encapsulation byte for byte.
        let mut written = Vec::new();
        in_memory.write_all(&mut written).unwrap();
        assert!(
            written == std::fs::read(path).unwrap(),
            "case {i} ({}): dicom-object writes different bytes",
            case.layout
        );

        if case.layout.bits_allocated == 32 {
            // dicom-rs 0.10's RLE decoder: "BitsAllocated other than 8 or
            // 16 is not supported". pydicom and dcmtk cover 32 bits.
            continue;
        }
        let from_memory = in_memory.decode_pixel_data().unwrap().data().to_vec();
        let from_file = oracles::dicom_rs(path);
        let expected = case.expected(0);
        assert!(
            from_memory == expected,
            "case {i} ({}): dicom-rs (in memory) differs",
            case.layout
        );
        assert!(
            from_file.pixels == expected,
            "case {i} ({}): dicom-rs (file) differs",
            case.layout
        );
    }
}

#[test]
fn dcmtk_dcmdrle_decodes_our_files() {
    if !oracles::dcmtk() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let paths = write_files(dir.path(), &cases);
    for (i, (case, path)) in cases.iter().zip(&paths).enumerate() {
        let decoded = oracles::dcmdrle(path);
        let expected = case.expected(decoded.planar);
        // dcmtk pads an odd Pixel Data value to even length.
        let padded = expected.len() + expected.len() % 2;
        assert_eq!(decoded.pixels.len(), padded, "case {i} ({})", case.layout);
        assert!(
            decoded.pixels[..expected.len()] == expected[..],
            "case {i} ({}): dcmdrle decodes different pixels (planar {})",
            case.layout,
            decoded.planar
        );
    }
}

#[test]
fn pydicom_decodes_our_files() {
    if !oracles::pydicom() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let paths = write_files(dir.path(), &cases);
    for (i, (case, decoded)) in cases.iter().zip(oracles::pydicom_many(&paths)).enumerate() {
        assert!(
            decoded.pixels == case.expected(decoded.planar),
            "case {i} ({}): pydicom decodes different pixels (planar {})",
            case.layout,
            decoded.planar
        );
    }
}

#[test]
fn our_decoder_reads_dcmtk_dcmcrle_output() {
    if !oracles::dcmtk() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases().iter().enumerate() {
        let path = dir.path().join(format!("native{i}.dcm"));
        std::fs::write(
            &path,
            native_file(case.layout, &case.frames, &format!("2.25.{}", 2000 + i)),
        )
        .unwrap();
        let (fragments, planar) = oracles::dcmcrle(&path);
        assert_eq!(
            fragments.len(),
            case.frames.len(),
            "case {i}: one fragment per frame"
        );
        let layout = FrameLayout {
            planar_configuration: planar,
            ..case.layout
        };
        let decoded: Vec<u8> = fragments
            .iter()
            .flat_map(|f| decode_rle_frame(f, layout).unwrap())
            .collect();
        assert!(
            decoded == case.expected(planar),
            "case {i} ({}): our decoder reads dcmcrle's output differently",
            case.layout
        );
    }
}
