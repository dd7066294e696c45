//! The pixel sidecar: appending and reading one 512×512 16-bit CT frame
//! (512 KiB, the Pixel Data of a generated file), stored as is and with
//! zlib. Throughput is in uncompressed bytes.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry::store::{Compression, Sidecar};

/// Appends start again from an empty sidecar past this size, so the file
/// stays small however many iterations criterion asks for.
const MAX_SIDECAR: u64 = 256 << 20;

fn sidecar(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pixels = gantry_bench::ct_pixels(&dir.path().join("in"));

    let mut group = c.benchmark_group("sidecar");
    group.throughput(Throughput::Bytes(pixels.len() as u64));
    for (name, compression) in [("none", Compression::None), ("zlib", Compression::Zlib)] {
        let path = dir.path().join(format!("append-{name}.pixels"));
        group.bench_function(format!("append_512KiB_{name}"), |b| {
            b.iter_custom(|iters| {
                // A fresh sidecar per sample, opened outside the timing:
                // committed length 0 cuts off the previous sample's records.
                let mut sidecar = Sidecar::open(&path, 0).unwrap();
                let mut elapsed = Duration::ZERO;
                let mut start = Instant::now();
                for _ in 0..iters {
                    black_box(sidecar.append(black_box(&pixels), compression).unwrap());
                    if sidecar.end() > MAX_SIDECAR {
                        sidecar.flush().unwrap();
                        elapsed += start.elapsed();
                        drop(sidecar);
                        sidecar = Sidecar::open(&path, 0).unwrap();
                        start = Instant::now();
                    }
                }
                // What a writer does before committing the records.
                sidecar.flush().unwrap();
                elapsed + start.elapsed()
            })
        });
    }
    for (name, compression) in [("none", Compression::None), ("zlib", Compression::Zlib)] {
        let path = dir.path().join(format!("read-{name}.pixels"));
        let (sidecar, id) = one_record(&path, &pixels, compression);
        group.bench_function(format!("read_512KiB_{name}"), |b| {
            b.iter(|| black_box(sidecar.read(black_box(id)).unwrap()))
        });
        assert_eq!(sidecar.read(id).unwrap(), pixels);
    }
    group.finish();
}

fn one_record(
    path: &Path,
    payload: &[u8],
    compression: Compression,
) -> (Sidecar, gantry::model::SidecarRecordId) {
    let mut sidecar = Sidecar::open(path, 0).unwrap();
    let id = sidecar.append(payload, compression).unwrap();
    sidecar.flush().unwrap();
    (sidecar, id)
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = sidecar
}
criterion_main!(benches);
