//! `redact_frame` on each pixel format, with hand-computed expectations.

use gantry_codec::{Frame, Photometric, Samples};
use gantry_redact::{Error, Fill, Placement, Rect, Region, redact_frame};

use crate::{format, frame_with, values};

fn zone(r1: u32, r2: u32, c1: u32, c2: u32) -> Region {
    Region::from_gantry([r1, r2, c1, c2]).unwrap()
}

#[test]
fn monochrome2_u16() {
    // 3 rows × 4 columns, values 100 + index.
    let mut frame = frame_with(format(3, 4, Photometric::Monochrome2, 16, false, 0), |i| {
        100 + i as i64
    });
    let report = redact_frame(&mut frame, &[zone(1, 3, 1, 3)], &Fill::Darkest).unwrap();
    assert_eq!(
        frame.samples,
        Samples::U16(vec![
            100, 101, 102, 103, //
            104, 0, 0, 107, //
            108, 0, 0, 111,
        ])
    );
    assert_eq!(report.pixels, 4);
    assert_eq!(report.changed, 4);
    assert_eq!(report.fill, [0]);
    assert_eq!(
        report.regions[0].placement,
        Placement::Inside(Rect {
            rows: 1..3,
            columns: 1..3
        })
    );
}

#[test]
fn monochrome_signed_and_32_bit() {
    let cases = [
        (Photometric::Monochrome2, 8, true, -128),
        (Photometric::Monochrome1, 8, true, 127),
        (Photometric::Monochrome2, 16, true, -32768),
        (Photometric::Monochrome2, 32, false, 0),
        (Photometric::Monochrome1, 32, false, i64::from(u32::MAX)),
        (Photometric::Monochrome2, 32, true, i64::from(i32::MIN)),
    ];
    for (photometric, bits, signed, fill) in cases {
        let f = format(2, 3, photometric, bits, signed, 0);
        let mut frame = frame_with(f, |_| 5);
        redact_frame(&mut frame, &[zone(0, 1, 2, 3)], &Fill::Darkest).unwrap();
        assert_eq!(values(&frame.samples), [5, 5, fill, 5, 5, 5], "{f}");
    }
}

#[test]
fn one_bit() {
    let mut f = format(2, 5, Photometric::Monochrome2, 1, false, 0);
    let mut frame = frame_with(f, |_| 1);
    redact_frame(&mut frame, &[zone(1, 2, 0, 2)], &Fill::Darkest).unwrap();
    assert_eq!(
        frame.samples,
        Samples::Bits(vec![1, 1, 1, 1, 1, 0, 0, 1, 1, 1])
    );
    f.photometric = Photometric::Monochrome1;
    let mut frame = frame_with(f, |_| 0);
    redact_frame(&mut frame, &[zone(0, 1, 4, 5)], &Fill::Darkest).unwrap();
    assert_eq!(
        frame.samples,
        Samples::Bits(vec![0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    );
    // The packed bytes round-trip through the codec.
    let bytes = frame.to_native_le();
    assert_eq!(bytes, [0b0001_0000, 0]);
}

#[test]
fn rgb_interleaved() {
    let mut frame = frame_with(format(2, 2, Photometric::Rgb, 8, false, 0), |_| 200);
    let report = redact_frame(&mut frame, &[zone(0, 1, 1, 2)], &Fill::Darkest).unwrap();
    assert_eq!(
        frame.samples,
        Samples::U8(vec![200, 200, 200, 0, 0, 0, 200, 200, 200, 200, 200, 200])
    );
    assert_eq!((report.pixels, report.changed), (1, 3));
    // An explicit colour, interleaved in order.
    redact_frame(
        &mut frame,
        &[zone(1, 2, 0, 1)],
        &Fill::Values(vec![1, 2, 3]),
    )
    .unwrap();
    assert_eq!(
        frame.samples,
        Samples::U8(vec![200, 200, 200, 0, 0, 0, 1, 2, 3, 200, 200, 200])
    );
}

#[test]
fn rgb_planar() {
    let mut frame = frame_with(format(2, 2, Photometric::Rgb, 16, false, 1), |i| {
        i as i64 + 1
    });
    redact_frame(
        &mut frame,
        &[zone(1, 2, 0, 1)],
        &Fill::Values(vec![7, 8, 9]),
    )
    .unwrap();
    // Pixel (1, 0) is index 2 of each plane of 4.
    assert_eq!(
        frame.samples,
        Samples::U16(vec![1, 2, 7, 4, 5, 6, 8, 8, 9, 10, 9, 12])
    );
}

#[test]
fn ybr_full_neutral_chroma() {
    let mut frame = frame_with(format(1, 2, Photometric::YbrFull, 8, false, 0), |_| 50);
    redact_frame(&mut frame, &[zone(0, 1, 0, 1)], &Fill::Darkest).unwrap();
    assert_eq!(frame.samples, Samples::U8(vec![0, 128, 128, 50, 50, 50]));
}

#[test]
fn ybr_full_422_blanks_whole_pixel_pairs() {
    // 2 rows × 4 columns: per row two pairs Y1 Y2 Cb Cr.
    let f = format(2, 4, Photometric::YbrFull422, 8, false, 0);
    let mut frame = frame_with(f, |_| 50);
    // Column 1 only: the second pixel of the first pair.
    let report = redact_frame(&mut frame, &[zone(0, 1, 1, 2)], &Fill::Darkest).unwrap();
    assert_eq!(
        frame.samples,
        Samples::U8(vec![
            0, 0, 128, 128, 50, 50, 50, 50, //
            50, 50, 50, 50, 50, 50, 50, 50,
        ])
    );
    // The report shows the widened rectangle: columns 0..2.
    assert_eq!(
        report.regions[0].placement,
        Placement::Inside(Rect {
            rows: 0..1,
            columns: 0..2
        })
    );
    assert_eq!(report.pixels, 2);
    // Columns 1..3 straddle both pairs of row 1.
    let mut frame = frame_with(f, |_| 50);
    redact_frame(
        &mut frame,
        &[zone(1, 2, 1, 3)],
        &Fill::Values(vec![16, 100, 200]),
    )
    .unwrap();
    assert_eq!(
        frame.samples,
        Samples::U8(vec![
            50, 50, 50, 50, 50, 50, 50, 50, //
            16, 16, 100, 200, 16, 16, 100, 200,
        ])
    );
}

#[test]
fn overlapping_regions_and_outside_ones() {
    let mut frame = frame_with(format(10, 10, Photometric::Monochrome2, 8, false, 0), |_| 9);
    let regions = [
        zone(0, 4, 0, 4),
        zone(2, 6, 2, 6),   // overlaps the first on 2×2
        zone(20, 30, 0, 5), // below the image
        Region::from_ctp(gantry_ctp::Region {
            x: -3,
            y: -3,
            w: 10,
            h: 10,
        })
        .unwrap(),
    ];
    let report = redact_frame(&mut frame, &regions, &Fill::Darkest).unwrap();
    assert_eq!(report.pixels, 16 + 16 - 4 + 9);
    assert_eq!(report.changed, report.pixels);
    assert_eq!(report.regions.len(), 4);
    assert_eq!(report.regions[2].placement, Placement::Outside);
    assert_eq!(
        report.regions[3].placement,
        Placement::Clipped(Rect {
            rows: 7..10,
            columns: 7..10
        })
    );
    assert_eq!(
        values(&frame.samples).iter().filter(|&&v| v == 0).count(),
        37
    );
}

#[test]
fn redaction_is_idempotent() {
    let mut frame = frame_with(format(8, 8, Photometric::Rgb, 8, false, 1), |i| i as i64);
    let regions = [zone(1, 5, 2, 7), zone(3, 8, 0, 3)];
    let first = redact_frame(&mut frame, &regions, &Fill::Darkest).unwrap();
    let after_first = frame.clone();
    let second = redact_frame(&mut frame, &regions, &Fill::Darkest).unwrap();
    assert_eq!(frame, after_first);
    assert!(first.changed > 0);
    assert_eq!(second.changed, 0);
    assert_eq!(second.pixels, first.pixels);
    assert_eq!(second.regions, first.regions);
}

#[test]
fn no_regions_change_nothing() {
    let mut frame = frame_with(format(4, 4, Photometric::Monochrome2, 16, true, 0), |i| {
        i as i64
    });
    let before = frame.clone();
    let report = redact_frame(&mut frame, &[], &Fill::Darkest).unwrap();
    assert_eq!(frame, before);
    assert_eq!((report.pixels, report.changed), (0, 0));
}

#[test]
fn inconsistent_frames_are_errors_and_stay_unchanged() {
    let f = format(2, 2, Photometric::Monochrome2, 16, false, 0);
    let mut frame = Frame {
        format: f,
        samples: Samples::I16(vec![1; 4]),
    };
    let err = redact_frame(&mut frame, &[zone(0, 1, 0, 1)], &Fill::Darkest).unwrap_err();
    assert!(
        matches!(
            err,
            Error::SampleType {
                expected: "U16",
                actual: "I16",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(frame.samples, Samples::I16(vec![1; 4]));

    let mut frame = Frame {
        format: f,
        samples: Samples::U16(vec![1; 3]),
    };
    let err = redact_frame(&mut frame, &[zone(0, 1, 0, 1)], &Fill::Darkest).unwrap_err();
    assert!(
        matches!(
            err,
            Error::SampleCount {
                expected: 4,
                actual: 3,
                ..
            }
        ),
        "{err}"
    );
    // The message names the format, not pixel values.
    assert_eq!(
        err.to_string(),
        "the frame holds 3 samples but its format (2x2 MONOCHROME2 1 sample(s), 16/16 bits \
         unsigned, planar 0) needs 4"
    );

    let mut frame = frame_with(f, |_| 1);
    let err =
        redact_frame(&mut frame, &[zone(0, 1, 0, 1)], &Fill::Values(vec![70000])).unwrap_err();
    assert!(matches!(err, Error::FillRange { .. }), "{err}");
    assert_eq!(frame.samples, Samples::U16(vec![1; 4]));
}
