//! Property tests over random formats, frames, regions and fills, against
//! an independent per-pixel model: every pixel in a region holds the fill,
//! every other sample is unchanged, and a second application changes
//! nothing.

use gantry_codec::{Photometric, PixelFormat};
use gantry_redact::{Fill, Placement, Region, redact_frame, redact_native_le};
use proptest::prelude::*;

use crate::{frame_with, sample_index, values};

/// A region as written in a config, kept for the model.
#[derive(Clone, Debug)]
enum Written {
    Gantry([u32; 4]),
    Ctp(i32, i32, u32, u32),
}

impl Written {
    fn region(&self) -> Region {
        match *self {
            Written::Gantry(zone) => Region::from_gantry(zone).unwrap(),
            Written::Ctp(x, y, w, h) => {
                Region::from_ctp(gantry_ctp::Region { x, y, w, h }).unwrap()
            }
        }
    }

    /// Whether the region covers pixel (`row`, `column`) of an image of
    /// `rows` × `columns`: the definitions of SPEC §7, pixel by pixel.
    fn covers(&self, rows: i64, columns: i64, row: i64, column: i64) -> bool {
        match *self {
            Written::Gantry([r1, r2, c1, c2]) => {
                (i64::from(r1)..i64::from(r2)).contains(&row)
                    && (i64::from(c1)..i64::from(c2)).contains(&column)
            }
            Written::Ctp(x, y, w, h) => {
                let x0 = if x < 0 {
                    columns + i64::from(x)
                } else {
                    i64::from(x)
                };
                let y0 = if y < 0 {
                    rows + i64::from(y)
                } else {
                    i64::from(y)
                };
                (x0..x0 + i64::from(w)).contains(&column) && (y0..y0 + i64::from(h)).contains(&row)
            }
        }
    }
}

fn written() -> impl Strategy<Value = Written> {
    prop_oneof![
        (0u32..30, 1u32..30, 0u32..30, 1u32..30).prop_map(|(r, h, c, w)| Written::Gantry([
            r,
            r + h,
            c,
            c + w
        ])),
        (-30i32..30, -30i32..30, 1u32..30, 1u32..30)
            .prop_map(|(x, y, w, h)| Written::Ctp(x, y, w, h)),
    ]
}

fn pixel_format() -> impl Strategy<Value = PixelFormat> {
    let photometric = prop::sample::select(vec![
        Photometric::Monochrome1,
        Photometric::Monochrome2,
        Photometric::PaletteColor,
        Photometric::Rgb,
        Photometric::YbrFull,
        Photometric::YbrFull422,
    ]);
    (
        photometric,
        0usize..4,
        any::<bool>(),
        any::<u16>(),
        any::<bool>(),
        0u16..20,
        0u16..20,
    )
        .prop_map(
            |(photometric, bits, signed, stored, planar, rows, columns)| {
                let colour = matches!(
                    photometric,
                    Photometric::Rgb | Photometric::YbrFull | Photometric::YbrFull422
                );
                // 1-bit data is grey only.
                let bits_allocated = [1, 8, 16, 32][if colour { bits.max(1) } else { bits }];
                let ybr422 = photometric == Photometric::YbrFull422;
                PixelFormat {
                    rows,
                    columns: if ybr422 { columns & !1 } else { columns },
                    samples_per_pixel: if colour { 3 } else { 1 },
                    bits_allocated,
                    bits_stored: 1 + stored % bits_allocated,
                    signed: signed && bits_allocated > 1,
                    planar_configuration: u16::from(planar && colour && !ybr422),
                    photometric,
                }
            },
        )
}

/// The stored range, computed on its own.
fn range(format: &PixelFormat) -> (i64, i64) {
    let bits = i64::from(format.bits_stored);
    if format.signed {
        (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    } else {
        (0, (1 << bits) - 1)
    }
}

/// SPEC §7's darkest value, per sample of a pixel.
fn darkest(format: &PixelFormat) -> Vec<i64> {
    let (min, max) = range(format);
    match format.photometric {
        Photometric::Monochrome1 => vec![max],
        Photometric::Monochrome2 => vec![min],
        Photometric::PaletteColor => vec![0],
        Photometric::Rgb => vec![min; 3],
        _ if format.signed => vec![min, 0, 0],
        _ => vec![min, (max + 1) / 2, (max + 1) / 2],
    }
}

#[derive(Clone, Debug)]
enum FillChoice {
    Darkest,
    /// Raw numbers, folded into the stored range.
    Values(Vec<i64>),
}

fn fill_choice() -> impl Strategy<Value = FillChoice> {
    prop_oneof![
        Just(FillChoice::Darkest),
        prop::collection::vec(any::<i64>(), 3).prop_map(FillChoice::Values),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn regions_hold_the_fill_and_nothing_else_changes(
        format in pixel_format(),
        seed in any::<u64>(),
        regions in prop::collection::vec(written(), 0..5),
        choice in fill_choice(),
    ) {
        let spp = usize::from(format.samples_per_pixel);
        let (min, max) = range(&format);
        let (fill, expected_fill) = match &choice {
            FillChoice::Darkest => (Fill::Darkest, darkest(&format)),
            FillChoice::Values(raw) => {
                let v: Vec<i64> = raw[..spp]
                    .iter()
                    .map(|r| min + r.rem_euclid(max - min + 1))
                    .collect();
                (Fill::Values(v.clone()), v)
            }
        };
        // Pseudo-random samples (wrapped into the buffer type).
        let original = frame_with(format, |i| {
            (seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).rotate_left(17) as i64
        });
        let written_regions: Vec<Region> = regions.iter().map(Written::region).collect();

        let mut frame = original.clone();
        let report = redact_frame(&mut frame, &written_regions, &fill).unwrap();
        prop_assert_eq!(&report.fill, &expected_fill);

        let (rows, columns) = (usize::from(format.rows), usize::from(format.columns));
        let ybr422 = format.photometric == Photometric::YbrFull422;
        let covered = |r: usize, c: usize| {
            // In 4:2:2, a pixel is blanked with its pair.
            let pair: &[usize] = if ybr422 { &[c & !1, c | 1] } else { &[c] };
            regions.iter().any(|w| {
                pair.iter().any(|&c| {
                    w.covers(rows as i64, columns as i64, r as i64, c as i64)
                })
            })
        };
        let before = values(&original.samples);
        let after = values(&frame.samples);
        let mut expected = before.clone();
        let mut pixels = 0u64;
        for r in 0..rows {
            for c in 0..columns {
                if covered(r, c) {
                    pixels += 1;
                    for (k, &v) in expected_fill.iter().enumerate() {
                        expected[sample_index(&format, r, c, k)] = v;
                    }
                }
            }
        }
        prop_assert_eq!(&after, &expected, "{}", format);
        prop_assert_eq!(report.pixels, pixels);
        let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count() as u64;
        prop_assert_eq!(report.changed, changed);

        // Outside exactly when the region covers no pixel of the image.
        for (w, outcome) in regions.iter().zip(&report.regions) {
            let any = (0..rows).any(|r| (0..columns).any(|c| {
                w.covers(rows as i64, columns as i64, r as i64, c as i64)
            }));
            prop_assert_eq!(outcome.placement == Placement::Outside, !any, "{:?}", w);
        }

        // Idempotent.
        let once = frame.clone();
        let again = redact_frame(&mut frame, &written_regions, &fill).unwrap();
        prop_assert_eq!(&frame, &once);
        prop_assert_eq!(again.changed, 0);
        prop_assert_eq!(again.pixels, report.pixels);
    }

    #[test]
    fn redacting_native_bytes_equals_redacting_the_decoded_frame(
        format in pixel_format(),
        seed in any::<u64>(),
        regions in prop::collection::vec(written(), 0..5),
    ) {
        prop_assume!(format.bits_allocated != 1);
        let original = frame_with(format, |i| {
            (seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).rotate_left(29) as i64
        });
        let regions: Vec<Region> = regions.iter().map(Written::region).collect();
        let mut frame = original.clone();
        let typed = redact_frame(&mut frame, &regions, &Fill::Darkest);
        let mut bytes = original.to_native_le();
        let native = redact_native_le(&mut bytes, &format, &regions, &Fill::Darkest);
        match (typed, native) {
            (Ok(typed), Ok(native)) => {
                prop_assert_eq!(&bytes, &frame.to_native_le(), "{}", format);
                prop_assert_eq!(typed, native);
                // Idempotent on bytes too.
                let again = redact_native_le(&mut bytes, &format, &regions, &Fill::Darkest).unwrap();
                prop_assert_eq!(again.changed, 0);
            }
            (Err(_), Err(_)) => prop_assert_eq!(&bytes, &original.to_native_le()),
            (typed, native) => prop_assert!(false, "typed {:?} vs native {:?}", typed.is_ok(), native.is_ok()),
        }
    }

    #[test]
    fn previews_render_for_every_format(
        format in pixel_format(),
        regions in prop::collection::vec(written(), 0..3),
        seed in any::<u64>(),
    ) {
        let frame = frame_with(format, |i| (seed ^ (i as u64 * 7919)) as i64);
        let regions: Vec<Region> = regions.iter().map(Written::region).collect();
        let png = gantry_redact::render_preview_png(&frame, &regions, None, None);
        if format.rows == 0 || format.columns == 0 {
            prop_assert!(png.is_err());
        } else {
            let png = png.unwrap();
            prop_assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        }
    }
}
