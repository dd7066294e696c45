//! Pixel redaction (SPEC §7): blanking zones in one decoded 512×512 16-bit
//! frame (fill computation included), the preview PNG of that frame, and
//! choosing a rule — CTP first-match evaluation of the built-in knowledge
//! base (52 signatures) against a typical attribute set.
//!
//! The redaction target is ≥ 500 uncompressed 512×512 16-bit images/s end
//! to end on 2 cores, decode and write included; blanking itself should be
//! a small fraction of the 2 ms per image that leaves.
#![allow(clippy::unwrap_used)] // fixed valid inputs

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry::codec::{Frame, Photometric, PixelFormat, Samples};
use gantry::ctp::{Operand, parse_pixel_script};
use gantry::redact::{Fill, KnowledgeBase, Region, Window, redact_frame, render_preview_png};

/// A CT-like signed 16-bit frame: a disc of tissue in air.
fn ct_frame() -> Frame {
    let format = PixelFormat {
        rows: 512,
        columns: 512,
        samples_per_pixel: 1,
        bits_allocated: 16,
        bits_stored: 16,
        signed: true,
        planar_configuration: 0,
        photometric: Photometric::Monochrome2,
    };
    let samples = (0..512 * 512_i32)
        .map(|i| {
            let (r, c) = (i / 512 - 256, i % 512 - 256);
            if r * r + c * c < 200 * 200 {
                40 + (i % 37) as i16
            } else {
                -1000
            }
        })
        .collect();
    Frame {
        format,
        samples: Samples::I16(samples),
    }
}

/// Typical burned-in text zones: a banner across the top (a Gantry zone)
/// and a block in the bottom-right corner (a CTP region from the edge).
fn zones() -> Vec<Region> {
    vec![
        Region::from_gantry([0, 40, 0, 512]).unwrap(),
        Region::from_ctp(gantry::ctp::Region {
            x: -160,
            y: -48,
            w: 160,
            h: 48,
        })
        .unwrap(),
    ]
}

fn redact(c: &mut Criterion) {
    let mut group = c.benchmark_group("redact");
    group.throughput(Throughput::Elements(1));
    let regions = zones();
    let mut frame = ct_frame();
    // The same frame each time: after the first pass nothing changes, but
    // the work (resolve the fill, place, compare and fill each row) is
    // the same, and no 512 KiB copy is timed.
    group.bench_function("frame_512x512_i16_two_zones", |b| {
        b.iter(|| black_box(redact_frame(&mut frame, black_box(&regions), &Fill::Darkest).unwrap()))
    });
    let frame = ct_frame();
    group.bench_function("preview_png_512x512_i16", |b| {
        let window = Some(Window {
            center: 40.0,
            width: 400.0,
        });
        b.iter(|| black_box(render_preview_png(black_box(&frame), &regions, window, None).unwrap()))
    });
    group.finish();
}

fn rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("ctp_rules");
    group.throughput(Throughput::Elements(1));
    // A GE CT image: no stock signature matches, so all 52 are evaluated
    // (the common case, and the slowest).
    let attributes: HashMap<&str, &str> = [
        ("Manufacturer", "GE MEDICAL SYSTEMS"),
        ("ManufacturerModelName", "LightSpeed VCT"),
        ("Modality", "CT"),
        ("Rows", "512"),
        ("Columns", "512"),
        ("ImageType", r"ORIGINAL\PRIMARY\AXIAL"),
        ("SeriesDescription", "Abdomen 5.0 mm"),
        ("SoftwareVersions", "LightSpeedverrel"),
    ]
    .into();
    let lookup = |op: &Operand| {
        op.as_keyword()
            .and_then(|k| attributes.get(k))
            .map(|v| (*v).to_owned())
    };
    let kb = KnowledgeBase::builtin();
    group.bench_function("first_match_builtin_no_match", |b| {
        b.iter(|| black_box(kb.first_match(black_box(&lookup))))
    });
    // A Philips iU22 image of 768 rows: matched part-way down the script.
    let iu22 = |op: &Operand| match op.as_keyword()? {
        "Manufacturer" => Some("Philips Medical Systems".to_owned()),
        "ManufacturerModelName" => Some("iU22".to_owned()),
        "Modality" => Some("US".to_owned()),
        "Rows" => Some("768".to_owned()),
        _ => None,
    };
    assert!(kb.first_match(&iu22).is_some());
    group.bench_function("first_match_builtin_iu22", |b| {
        b.iter(|| black_box(kb.first_match(black_box(&iu22))))
    });
    let script = KnowledgeBase::builtin_script();
    group.bench_function("parse_stock_script", |b| {
        b.iter(|| black_box(parse_pixel_script(black_box(script))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = redact, rules
}
criterion_main!(benches);
