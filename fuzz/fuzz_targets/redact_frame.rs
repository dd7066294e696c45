//! Fuzz the redaction engine: any pixel format (consistent or not), any
//! regions and fill must give a report or an error — never a panic — and
//! redaction must be idempotent; previews of the same frames must not
//! panic either.
//!
//! Run: `cargo +nightly fuzz run redact_frame` (from `fuzz/`). Crashes land
//! in `artifacts/redact_frame/`; replay them as tests in
//! `crates/gantry-redact/tests/it/`.
#![no_main]

use gantry::codec::{Frame, Photometric, PixelFormat, Samples};
use gantry::redact::{Fill, Region, redact_frame, render_preview_png};
use libfuzzer_sys::fuzz_target;

const PHOTOMETRIC: [Photometric; 9] = [
    Photometric::Monochrome1,
    Photometric::Monochrome2,
    Photometric::PaletteColor,
    Photometric::Rgb,
    Photometric::YbrFull,
    Photometric::YbrFull422,
    Photometric::YbrPartial420,
    Photometric::YbrIct,
    Photometric::YbrRct,
];

/// Bytes read from the front of the input, zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let format = PixelFormat {
        rows: u16::from(input.u8() % 64),
        columns: u16::from(input.u8() % 64),
        samples_per_pixel: u16::from(input.u8() % 4),
        bits_allocated: [1, 8, 16, 32, 12, 0][usize::from(input.u8() % 6)],
        bits_stored: u16::from(input.u8() % 34),
        signed: input.u8() & 1 == 1,
        planar_configuration: u16::from(input.u8() % 3),
        photometric: PHOTOMETRIC[usize::from(input.u8()) % PHOTOMETRIC.len()],
    };
    // Usually the right number of samples, sometimes one too few.
    let count = format.sample_count().saturating_sub(usize::from(input.u8() % 8 == 0));
    let seed = input.u8();
    let values = (0..count).map(|i| (i as u32).wrapping_mul(2_654_435_761) ^ u32::from(seed));
    let samples = match input.u8() % 7 {
        0 => Samples::Bits(values.map(|v| (v & 1) as u8).collect()),
        1 => Samples::U8(values.map(|v| v as u8).collect()),
        2 => Samples::I8(values.map(|v| v as i8).collect()),
        3 => Samples::U16(values.map(|v| v as u16).collect()),
        4 => Samples::I16(values.map(|v| v as i16).collect()),
        5 => Samples::U32(values.collect()),
        _ => Samples::I32(values.map(|v| v as i32).collect()),
    };
    let mut regions = Vec::new();
    for _ in 0..input.u8() % 5 {
        let (a, b, c, d) = (input.i32(), input.i32(), input.i32(), input.i32());
        let region = if input.u8() & 1 == 0 {
            Region::from_gantry([a as u32 % 100, b as u32 % 100, c as u32 % 100, d as u32 % 100])
        } else {
            let (w, h) = (c as u32 % 100, d as u32 % 100);
            Region::from_ctp(gantry::ctp::Region { x: a % 100, y: b % 100, w, h })
        };
        regions.extend(region.ok());
    }
    let fill = match input.u8() % 3 {
        0 => Fill::Darkest,
        1 => Fill::Values(vec![i64::from(input.i32())]),
        _ => Fill::Values(vec![i64::from(input.i32()), i64::from(input.i32()), 0]),
    };

    let mut frame = Frame { format, samples };
    let _ = render_preview_png(&frame, &regions, None, None);
    if let Ok(first) = redact_frame(&mut frame, &regions, &fill) {
        assert!(first.pixels <= format.pixels() as u64);
        let once = frame.clone();
        let second = redact_frame(&mut frame, &regions, &fill).expect("worked once");
        assert_eq!(second.changed, 0);
        assert_eq!(frame, once);
        let _ = render_preview_png(&frame, &regions, None, None);
    }
});
