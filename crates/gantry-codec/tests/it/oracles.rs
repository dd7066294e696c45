//! Independent RLE decoders: dicom-rs (dicom-pixeldata), pydicom, dcmtk.
//!
//! Each returns native pixel bytes with the planar configuration they are
//! in, so tests can compare against the original frames exactly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dicom_dictionary_std::tags;
use dicom_pixeldata::PixelDecoder;

/// Says loudly (past the test harness's output capture) that a check is
/// skipped, or fails when `GANTRY_REQUIRE_ORACLES` is set.
fn skip(oracle: &str, install: &str) {
    if std::env::var_os("GANTRY_REQUIRE_ORACLES").is_some() {
        panic!("oracle {oracle} is required (GANTRY_REQUIRE_ORACLES) but not available");
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPING gantry-codec checks with {oracle}: not available ({install}) !!!\n"
    );
}

/// Whether dcmtk's `dcmdrle` and `dcmcrle` run (checked once; skips
/// loudly once).
pub(crate) fn dcmtk() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let runs = |program| {
            Command::new(program)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let ok = runs("dcmdrle") && runs("dcmcrle");
        if !ok {
            skip("dcmtk dcmdrle/dcmcrle", "apt-get install dcmtk");
        }
        ok
    })
}

/// Whether pydicom imports (checked once; skips loudly once). Its RLE
/// decoder is pure Python; `Decoder.as_buffer` needs no numpy.
pub(crate) fn pydicom() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let ok = Command::new("python3")
            .args(["-c", "import pydicom.pixels"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip("pydicom", "python3 -m pip install pydicom");
        }
        ok
    })
}

/// Native pixel bytes as an oracle returned them.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) pixels: Vec<u8>,
    /// Planar configuration of `pixels` (0 when one sample per pixel).
    pub(crate) planar: u16,
}

/// dicom-rs: dicom-object reads the file, dicom-pixeldata decodes it
/// (always interleaved). dicom-rs 0.10 decodes RLE of 8 or 16 bits only.
pub(crate) fn dicom_rs(path: &Path) -> Decoded {
    let obj = dicom_object::open_file(path).expect("dicom-object reads the file");
    let decoded = obj
        .decode_pixel_data()
        .unwrap_or_else(|e| panic!("dicom-pixeldata decodes {}: {e}", path.display()));
    Decoded {
        pixels: decoded.data().to_vec(),
        planar: 0,
    }
}

/// dcmtk: `dcmdrle in out`, then the native Pixel Data of `out`, read with
/// dicom-object, and its PlanarConfiguration.
pub(crate) fn dcmdrle(path: &Path) -> Decoded {
    let out = path.with_extension("dcmdrle.dcm");
    let status = Command::new("dcmdrle")
        .arg(path)
        .arg(&out)
        .output()
        .expect("dcmdrle runs");
    assert!(
        status.status.success(),
        "dcmdrle failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    let obj = dicom_object::open_file(&out).expect("dicom-object reads dcmdrle's output");
    assert_eq!(obj.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
    let pixels = obj
        .element(tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned();
    let planar = obj
        .element_opt(tags::PLANAR_CONFIGURATION)
        .unwrap()
        .map_or(0, |e| e.to_int::<u16>().unwrap());
    Decoded { pixels, planar }
}

/// pydicom: `dcmread` and the RLE decoder's buffer for every file, in one
/// Python process.
pub(crate) fn pydicom_many(paths: &[PathBuf]) -> Vec<Decoded> {
    const SCRIPT: &str = r#"
import sys, pydicom
from pydicom.pixels import get_decoder
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    buf, meta = get_decoder(ds.file_meta.TransferSyntaxUID).as_buffer(ds)
    with open(path + ".pydicom.raw", "wb") as f:
        f.write(buf)
    print(meta.get("planar_configuration", 0) or 0)
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(paths)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "pydicom failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let planars: Vec<u16> = stdout.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(planars.len(), paths.len());
    paths
        .iter()
        .zip(planars)
        .map(|(path, planar)| {
            let mut raw = path.as_os_str().to_owned();
            raw.push(".pydicom.raw");
            Decoded {
                pixels: std::fs::read(raw).unwrap(),
                planar,
            }
        })
        .collect()
}

/// dcmtk's encoder: `dcmcrle in out`; the RLE fragments of `out` and its
/// PlanarConfiguration.
pub(crate) fn dcmcrle(path: &Path) -> (Vec<Vec<u8>>, u16) {
    let out = path.with_extension("dcmcrle.dcm");
    let status = Command::new("dcmcrle")
        .arg(path)
        .arg(&out)
        .output()
        .expect("dcmcrle runs");
    assert!(
        status.status.success(),
        "dcmcrle failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    let obj = dicom_object::open_file(&out).expect("dicom-object reads dcmcrle's output");
    assert_eq!(obj.meta().transfer_syntax(), gantry_codec::RLE_LOSSLESS);
    let fragments = match obj.element(tags::PIXEL_DATA).unwrap().value() {
        dicom_core::value::Value::PixelSequence(seq) => seq.fragments().to_vec(),
        _ => panic!("dcmcrle wrote native pixel data"),
    };
    let planar = obj
        .element_opt(tags::PLANAR_CONFIGURATION)
        .unwrap()
        .map_or(0, |e| e.to_int::<u16>().unwrap());
    (fragments, planar)
}

/// pydicom's decoding of one file, frame by frame
/// (`tests/oracle/pydicom_frames.py`).
#[derive(Debug)]
pub(crate) enum PydicomFrames {
    /// Each frame's samples as pixel_array holds them (interleaved),
    /// little endian, and the array's dtype (`"<u2"`, `"|u1"`, …).
    Decoded { frames: Vec<Vec<u8>>, dtype: String },
    /// pydicom could not decode the file; its error.
    Failed(String),
}

/// Runs the pydicom frame dumper over `paths` in one Python process.
/// `as_rgb` converts YCbCr to RGB as pydicom does by default (compressed
/// syntaxes); without it samples stay as stored (native and RLE).
pub(crate) fn pydicom_frames(paths: &[PathBuf], as_rgb: bool) -> Vec<PydicomFrames> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/pydicom_frames.py");
    let out = tempfile::tempdir().unwrap();
    let output = Command::new("python3")
        .arg(&script)
        .arg(out.path())
        .arg(if as_rgb { "rgb" } else { "raw" })
        .args(paths)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "pydicom_frames.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (0..paths.len())
        .map(|k| {
            let meta: serde_json::Value = serde_json::from_slice(
                &std::fs::read(out.path().join(format!("{k}.json"))).unwrap(),
            )
            .unwrap();
            if meta["ok"] != serde_json::Value::Bool(true) {
                return PydicomFrames::Failed(meta["reason"].as_str().unwrap_or("").to_owned());
            }
            let count = meta["frames"].as_u64().unwrap();
            PydicomFrames::Decoded {
                frames: (0..count)
                    .map(|i| std::fs::read(out.path().join(format!("{k}_{i}.raw"))).unwrap())
                    .collect(),
                dtype: meta["dtype"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

/// Whether pylibjpeg and its OpenJPEG and libjpeg plugins import (pydicom
/// needs them for JPEG, JPEG-LS and JPEG 2000); checked once, skips loudly.
pub(crate) fn pylibjpeg() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let ok = pydicom()
            && Command::new("python3")
                .args(["-c", "import pylibjpeg, openjpeg, libjpeg"])
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            skip(
                "pydicom + pylibjpeg",
                "python3 -m pip install pylibjpeg pylibjpeg-openjpeg pylibjpeg-libjpeg",
            );
        }
        ok
    })
}

/// Whether a command-line tool runs (`program args`), checked once per
/// name; skips loudly (or fails under GANTRY_REQUIRE_ORACLES) when not.
pub(crate) fn tool(program: &'static str, args: &[&str], install: &str) -> bool {
    static CHECKED: std::sync::Mutex<Vec<(&'static str, bool)>> = std::sync::Mutex::new(Vec::new());
    let mut checked = CHECKED.lock().unwrap();
    if let Some(&(_, ok)) = checked.iter().find(|(p, _)| *p == program) {
        return ok;
    }
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty());
    if !ok {
        skip(program, install);
    }
    checked.push((program, ok));
    ok
}

/// The native Pixel Data bytes and Planar Configuration of an Explicit VR
/// Little Endian file (what a decompressing tool wrote).
pub(crate) fn native_pixels(path: &Path) -> Decoded {
    let obj = dicom_object::open_file(path).expect("dicom-object reads the tool's output");
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_owned();
    assert!(
        ts == "1.2.840.10008.1.2.1" || ts == "1.2.840.10008.1.2",
        "{}: expected a native little-endian output, got {ts}",
        path.display()
    );
    let pixels = obj
        .element(tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned();
    let planar = obj
        .element_opt(tags::PLANAR_CONFIGURATION)
        .unwrap()
        .map_or(0, |e| e.to_int::<u16>().unwrap());
    Decoded { pixels, planar }
}

/// Decompresses `path` with `program in out` (dcmtk's dcmdrle,
/// dcmdjpls; GDCM's `gdcmconv --raw`) and returns the native pixels.
pub(crate) fn decompress_with(program: &str, extra: &[&str], path: &Path) -> Decoded {
    let out = path.with_extension(format!("{}.dcm", program.replace('/', "_")));
    let output = Command::new(program)
        .args(extra)
        .arg(path)
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        output.status.success(),
        "{program} failed on {}: {}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    native_pixels(&out)
}
