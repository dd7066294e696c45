//! Test images: layouts, sample patterns, and planar/interleaved reordering.

use gantry_codec::FrameLayout;

pub(crate) fn layout(
    rows: u16,
    columns: u16,
    samples_per_pixel: u16,
    bits_allocated: u16,
    planar_configuration: u16,
) -> FrameLayout {
    FrameLayout {
        rows,
        columns,
        samples_per_pixel,
        bits_allocated,
        planar_configuration,
    }
}

/// Every supported (samples, bits, planar) combination at the given size.
pub(crate) fn all_formats(rows: u16, columns: u16) -> Vec<FrameLayout> {
    let mut out = Vec::new();
    for bits in [8, 16, 32] {
        out.push(layout(rows, columns, 1, bits, 0));
        for planar in [0, 1] {
            out.push(layout(rows, columns, 3, bits, planar));
        }
    }
    out
}

/// A deterministic xorshift64* generator: noise without a dependency.
pub(crate) struct Noise(u64);

impl Noise {
    pub(crate) fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }
}

/// The native frame whose sample `s` of pixel `p` is `value(p, s)`,
/// truncated to the layout's bits, stored little-endian in the layout's
/// planar configuration.
pub(crate) fn frame(layout: FrameLayout, mut value: impl FnMut(usize, usize) -> u32) -> Vec<u8> {
    let pixels = usize::from(layout.rows) * usize::from(layout.columns);
    let samples = usize::from(layout.samples_per_pixel);
    let bytes = usize::from(layout.bits_allocated / 8);
    let mut out = vec![0u8; layout.frame_len().unwrap()];
    for p in 0..pixels {
        for s in 0..samples {
            let v = value(p, s).to_le_bytes();
            let at = if layout.planar_configuration == 1 {
                (s * pixels + p) * bytes
            } else {
                (p * samples + s) * bytes
            };
            out[at..at + bytes].copy_from_slice(&v[..bytes]);
        }
    }
    out
}

/// Named sample patterns: constant, noise, long runs (> 128 pixels),
/// gradient, stripes, and noise with runs of 2 and 3 mixed in.
pub(crate) fn patterns(layout: FrameLayout) -> Vec<(&'static str, Vec<u8>)> {
    let columns = usize::from(layout.columns);
    let mut noise = Noise::new(u64::from(layout.rows) << 32 | u64::from(layout.columns));
    let mut short_runs = Noise::new(7);
    let mut last = 0u32;
    vec![
        ("zero", frame(layout, |_, _| 0)),
        ("constant", frame(layout, |_, s| 0xA5C3_5A3C ^ s as u32)),
        ("noise", frame(layout, |_, _| noise.next_u32())),
        (
            "long runs",
            frame(layout, |p, s| {
                ((p / 200) as u32 + s as u32).wrapping_mul(0x0101_0101)
            }),
        ),
        (
            "gradient",
            frame(layout, |p, s| {
                ((p % columns) * 1031 + (p / columns) * 7 + s) as u32
            }),
        ),
        (
            "stripes",
            frame(layout, |p, _| {
                if (p / 3).is_multiple_of(2) {
                    0xFFFF_FFFF
                } else {
                    0
                }
            }),
        ),
        (
            "short runs",
            frame(layout, |_, _| {
                if !short_runs.next_u32().is_multiple_of(3) {
                    last = short_runs.next_u32();
                }
                last
            }),
        ),
    ]
}

/// A native frame in planar configuration 0, whatever the layout's.
pub(crate) fn interleaved(frame: &[u8], layout: FrameLayout) -> Vec<u8> {
    reorder(frame, layout, 1, 0)
}

/// A native frame in planar configuration 1, whatever the layout's.
pub(crate) fn planar(frame: &[u8], layout: FrameLayout) -> Vec<u8> {
    reorder(frame, layout, 0, 1)
}

fn reorder(frame: &[u8], layout: FrameLayout, from: u16, to: u16) -> Vec<u8> {
    if layout.samples_per_pixel == 1 || layout.planar_configuration == to {
        return frame.to_vec();
    }
    assert_eq!(layout.planar_configuration, from);
    let pixels = usize::from(layout.rows) * usize::from(layout.columns);
    let samples = usize::from(layout.samples_per_pixel);
    let bytes = usize::from(layout.bits_allocated / 8);
    let mut out = vec![0u8; frame.len()];
    for p in 0..pixels {
        for s in 0..samples {
            let planar_at = (s * pixels + p) * bytes;
            let interleaved_at = (p * samples + s) * bytes;
            let (src, dst) = if to == 0 {
                (planar_at, interleaved_at)
            } else {
                (interleaved_at, planar_at)
            };
            out[dst..dst + bytes].copy_from_slice(&frame[src..src + bytes]);
        }
    }
    out
}

/// The same frame as `frame` (in `layout`) in planar configuration `to`.
pub(crate) fn with_planar(frame: &[u8], layout: FrameLayout, to: u16) -> Vec<u8> {
    if to == 0 {
        interleaved(frame, layout)
    } else {
        planar(frame, layout)
    }
}
