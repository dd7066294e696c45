//! Blanking regions of a decoded frame.

use gantry_codec::{Frame, PixelFormat, Samples};

use crate::error::{Error, Result};
use crate::fill::Fill;
use crate::layout::{Arrangement, Layout, arrangement, check};
use crate::region::{Placement, Rect, Region};

/// What [`redact_frame`] did to one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRedaction {
    /// One outcome per region given, in the same order.
    pub regions: Vec<RegionOutcome>,
    /// Distinct pixels inside at least one region as applied (overlaps
    /// counted once).
    pub pixels: u64,
    /// Samples whose value changed: 0 when the frame was already redacted
    /// with the same regions and fill.
    pub changed: u64,
    /// The value of each sample of a blanked pixel
    /// ([`Fill::resolve`]).
    pub fill: Vec<i64>,
}

/// A region and where it fell on the frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionOutcome {
    /// The region as given.
    pub region: Region,
    /// The pixels blanked, or [`Placement::Outside`].
    pub placement: Placement,
}

/// Sets every pixel of `regions` in `frame` to the `fill`, and reports
/// what it did.
///
/// Every format [`Frame`] carries is handled: 1, 8, 16 or 32 bits
/// allocated, signed or unsigned, MONOCHROME1/2, PALETTE COLOR, RGB,
/// YBR_FULL and YBR_FULL_422, planar configuration 0 or 1. Regions are
/// clipped to the frame; one wholly outside blanks nothing and is reported
/// as [`Placement::Outside`]. The inner loop fills one slice per row of a
/// region (per row and plane when planar), with no per-pixel branching.
///
/// **YBR_FULL_422:** two horizontally adjacent pixels share their Cb and
/// Cr samples, so the pair is the smallest unit that can be blanked. A
/// region that covers only one pixel of a pair blanks the whole pair: its
/// columns are widened to even bounds, and the reported [`Placement`]
/// shows the widened rectangle. Blanking the covered pixel's Y alone would
/// leave the pair's chroma (and with it a trace of the text) in place.
///
/// Redaction is idempotent: applying the same regions and fill again
/// changes nothing ([`FrameRedaction::changed`] is then 0).
///
/// # Errors
///
/// [`Error::UnsupportedFormat`](crate::Error::UnsupportedFormat),
/// [`Error::SampleType`](crate::Error::SampleType) or
/// [`Error::SampleCount`](crate::Error::SampleCount) when the frame is not
/// one of the formats above or its samples do not match its format, and
/// the errors of [`Fill::resolve`]. The frame is unchanged on error.
pub fn redact_frame(frame: &mut Frame, regions: &[Region], fill: &Fill) -> Result<FrameRedaction> {
    let layout = check(frame)?;
    let values = fill.resolve(&frame.format)?;
    let outcomes: Vec<RegionOutcome> = regions
        .iter()
        .map(|region| RegionOutcome {
            region: *region,
            placement: place(region, &layout),
        })
        .collect();
    let rects: Vec<&Rect> = outcomes.iter().filter_map(|o| o.placement.rect()).collect();
    let changed = match &mut frame.samples {
        Samples::Bits(v) | Samples::U8(v) => fill_rects(v, &layout, &rects, pattern(&values)),
        Samples::I8(v) => fill_rects(v, &layout, &rects, pattern(&values)),
        Samples::U16(v) => fill_rects(v, &layout, &rects, pattern(&values)),
        Samples::I16(v) => fill_rects(v, &layout, &rects, pattern(&values)),
        Samples::U32(v) => fill_rects(v, &layout, &rects, pattern(&values)),
        Samples::I32(v) => fill_rects(v, &layout, &rects, pattern(&values)),
    };
    Ok(FrameRedaction {
        pixels: union_pixels(&rects),
        changed,
        fill: values,
        regions: outcomes,
    })
}

/// Whether [`redact_native_le`] handles frames of `format` (every format
/// [`redact_frame`] does, except 1-bit data).
pub fn redacts_native(format: &PixelFormat) -> bool {
    format.bits_allocated != 1 && arrangement(format).is_ok()
}

/// [`redact_frame`] on a native little-endian frame as it sits in a Pixel
/// Data value (Explicit VR Little Endian bytes), without converting it to
/// typed samples and back: each sample is handled as its `N` bytes. Export
/// uses it when pixels stay native, which saves two passes over the frame.
///
/// Handles every format [`redact_frame`] does except 1-bit data (whose
/// pixels are not whole bytes); `bytes` must be exactly
/// [`PixelFormat::native_frame_len`] long. Same outcome, fill and
/// idempotence as [`redact_frame`] on the decoded frame.
///
/// # Errors
///
/// As [`redact_frame`]; [`Error::UnsupportedFormat`] for 1-bit data and
/// [`Error::SampleCount`] when `bytes` has the wrong length. `bytes` is
/// unchanged on error.
pub fn redact_native_le(
    bytes: &mut [u8],
    format: &PixelFormat,
    regions: &[Region],
    fill: &Fill,
) -> Result<FrameRedaction> {
    let arrangement = arrangement(format)?;
    if format.bits_allocated == 1 {
        return Err(Error::UnsupportedFormat {
            format: *format,
            reason: "1-bit pixels are not whole bytes: redact the decoded frame",
        });
    }
    let expected = format.native_frame_len();
    if bytes.len() != expected {
        return Err(Error::SampleCount {
            format: *format,
            expected,
            actual: bytes.len(),
        });
    }
    let layout = Layout {
        rows: usize::from(format.rows),
        columns: usize::from(format.columns),
        arrangement,
    };
    let values = fill.resolve(format)?;
    let outcomes: Vec<RegionOutcome> = regions
        .iter()
        .map(|region| RegionOutcome {
            region: *region,
            placement: place(region, &layout),
        })
        .collect();
    let rects: Vec<&Rect> = outcomes.iter().filter_map(|o| o.placement.rect()).collect();
    // Stored values are in range, so the casts below keep their low bytes:
    // two's complement for signed samples.
    let p16 = pattern::<i64>(&values).map(|v| (v as u16).to_le_bytes());
    let p32 = pattern::<i64>(&values).map(|v| (v as u32).to_le_bytes());
    let p8 = pattern::<i64>(&values).map(|v| [v as u8]);
    let changed = match format.bits_allocated {
        8 => fill_rects(bytes.as_chunks_mut::<1>().0, &layout, &rects, p8),
        16 => fill_rects(bytes.as_chunks_mut::<2>().0, &layout, &rects, p16),
        _ => fill_rects(bytes.as_chunks_mut::<4>().0, &layout, &rects, p32),
    };
    Ok(FrameRedaction {
        pixels: union_pixels(&rects),
        changed,
        fill: values,
        regions: outcomes,
    })
}

/// Where `region` falls on a frame of `layout`, widened to whole pixel
/// pairs for YBR_FULL_422.
pub(crate) fn place(region: &Region, layout: &Layout) -> Placement {
    let rows = u32::try_from(layout.rows).unwrap_or(u32::MAX);
    let columns = u32::try_from(layout.columns).unwrap_or(u32::MAX);
    let placement = region.place(rows, columns);
    if layout.arrangement != Arrangement::Ybr422 {
        return placement;
    }
    // Columns are even for YBR_FULL_422, so rounding the end up stays on
    // the frame.
    let widen = |rect: Rect| Rect {
        rows: rect.rows,
        columns: (rect.columns.start & !1)..(rect.columns.end.saturating_add(1) & !1),
    };
    match placement {
        Placement::Inside(rect) => Placement::Inside(widen(rect)),
        Placement::Clipped(rect) => Placement::Clipped(widen(rect)),
        Placement::Outside => Placement::Outside,
    }
}

/// The fill values as samples of type `T` (the values were checked against
/// the stored range, which every sample type holds).
fn pattern<T: TryFrom<i64> + Copy + Default>(values: &[i64]) -> [T; 3] {
    let at = |i: usize| {
        values
            .get(i)
            .or(values.first())
            .and_then(|&v| T::try_from(v).ok())
            .unwrap_or_default()
    };
    [at(0), at(1), at(2)]
}

/// Fills the rectangles; returns the number of samples changed.
fn fill_rects<T: Copy + PartialEq>(
    samples: &mut [T],
    layout: &Layout,
    rects: &[&Rect],
    p: [T; 3],
) -> u64 {
    let (rows, columns) = (layout.rows, layout.columns);
    let mut changed = 0;
    for rect in rects {
        let c0 = rect.columns.start as usize;
        let c1 = rect.columns.end as usize;
        for r in rect.rows.start as usize..rect.rows.end as usize {
            let row = r * columns;
            changed += match layout.arrangement {
                Arrangement::Single => set(samples.get_mut(row + c0..row + c1), p[0]),
                Arrangement::Planar => (0..3)
                    .map(|k| {
                        let base = k * rows * columns + row;
                        set(samples.get_mut(base + c0..base + c1), p[k])
                    })
                    .sum(),
                Arrangement::Interleaved => {
                    set_pattern(samples.get_mut((row + c0) * 3..(row + c1) * 3), &p)
                }
                Arrangement::Ybr422 => {
                    // Y1 Y2 Cb Cr per pair; a row holds 2 × columns samples
                    // and c0, c1 are even.
                    let pair = [p[0], p[0], p[1], p[2]];
                    set_pattern(samples.get_mut(2 * (row + c0)..2 * (row + c1)), &pair)
                }
            };
        }
    }
    changed
}

fn set<T: Copy + PartialEq>(slice: Option<&mut [T]>, value: T) -> u64 {
    let Some(slice) = slice else { return 0 };
    let changed = slice.iter().filter(|&&s| s != value).count();
    slice.fill(value);
    changed as u64
}

fn set_pattern<T: Copy + PartialEq, const N: usize>(slice: Option<&mut [T]>, p: &[T; N]) -> u64 {
    let Some(slice) = slice else { return 0 };
    let changed: usize = slice
        .chunks_exact(N)
        .map(|pixel| pixel.iter().zip(p).filter(|(a, b)| a != b).count())
        .sum();
    for pixel in slice.chunks_exact_mut(N) {
        pixel.copy_from_slice(p);
    }
    changed as u64
}

/// Pixels in the union of the rectangles: per band of rows between
/// consecutive rectangle edges, the merged column intervals.
fn union_pixels(rects: &[&Rect]) -> u64 {
    let mut edges: Vec<u32> = rects
        .iter()
        .flat_map(|r| [r.rows.start, r.rows.end])
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let mut total = 0u64;
    for band in edges.windows(2) {
        let (top, bottom) = (band[0], band[1]);
        let mut spans: Vec<(u32, u32)> = rects
            .iter()
            .filter(|r| r.rows.start <= top && r.rows.end >= bottom)
            .map(|r| (r.columns.start, r.columns.end))
            .collect();
        spans.sort_unstable();
        let mut width = 0u64;
        let mut current: Option<(u32, u32)> = None;
        for (start, end) in spans {
            match current {
                Some((s, e)) if start <= e => current = Some((s, e.max(end))),
                _ => {
                    if let Some((s, e)) = current {
                        width += u64::from(e - s);
                    }
                    current = Some((start, end));
                }
            }
        }
        if let Some((s, e)) = current {
            width += u64::from(e - s);
        }
        total += width * u64::from(bottom - top);
    }
    total
}
