//! Pixel codecs, one 512×512 16-bit CT frame (the Pixel Data of a
//! generated file): RLE Lossless (built in) and JPEG-LS Lossless (CharLS)
//! encoding a frame and decoding it back through `decode_frame`.
//! Throughput is in uncompressed bytes.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry::codec::{
    Encoder, Frame, Operation, Photometric, PixelData, PixelFormat, PixelValue, decode_frame,
    require,
};

const RLE: &str = "1.2.840.10008.1.2.5";
const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";

fn codec(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pixels = gantry_bench::ct_pixels(&dir.path().join("in"));
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
    let frame = Frame::from_native_le(format, &pixels).unwrap();

    let mut group = c.benchmark_group("codec");
    group.throughput(Throughput::Bytes(pixels.len() as u64));
    for (name, ts) in [("rle", RLE), ("jpeg_ls", JPEG_LS)] {
        if require(ts, Operation::Encode).is_err() {
            continue; // a build without the backend's feature
        }
        group.bench_function(format!("{name}_encode_512x512x16"), |b| {
            b.iter(|| {
                let mut encoder = Encoder::new(ts).unwrap();
                encoder.push(black_box(&frame)).unwrap();
                black_box(encoder.finish().unwrap())
            })
        });
        let mut encoder = Encoder::new(ts).unwrap();
        encoder.push(&frame).unwrap();
        let encoded = encoder.finish().unwrap();
        let pixel_data = PixelData {
            transfer_syntax: ts,
            format,
            frames: 1,
            value: PixelValue::Encapsulated(&encoded.value),
        };
        group.bench_function(format!("{name}_decode_512x512x16"), |b| {
            b.iter(|| black_box(decode_frame(black_box(&pixel_data), 0).unwrap()))
        });
        assert_eq!(decode_frame(&pixel_data, 0).unwrap(), frame);
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
