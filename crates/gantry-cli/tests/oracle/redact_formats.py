#!/usr/bin/env python3
"""Oracle for pixel redaction across formats (issue "Burned-in text: pixel
redaction"), independent of Gantry: pydicom + numpy write the sources,
dcmtk and GDCM compress them, pydicom (pylibjpeg) and dcmtk/GDCM read the
outputs.

Usage:
  redact_formats.py generate DIR
      Write uncompressed sources (Explicit VR Little Endian) with text-like
      blocks inside the redaction zones and control blocks outside, then
      compressed copies made by dcmcrle, dcmcjpls, dcmcjpeg and gdcmconv,
      into DIR/sources. Writes DIR/manifest.json (one entry per source
      file: path, transfer syntax, lossy, zone mask as rectangles, fill,
      control blocks) and DIR/config.yaml (the machine entry with the
      zones). Prints a one-line JSON summary.

  redact_formats.py check MANIFEST MAPPING_JSON OUT [--native]
      For every source in MANIFEST, the output that `gantry mapping --json`
      names under OUT: read by pydicom and dcmtk (dcmdump; the pixels
      decoded again by dcmdrle / dcmdjpls / dcmdjpeg or gdcmconv --raw must
      equal pydicom's), in every frame every zone pixel holds the fill and
      every other pixel equals the source as pydicom decodes it (exactly for
      lossless sources; for lossy ones within TOLERANCE of pydicom's and of
      dcmdjpeg's or gdcmconv's decode, mean under MEAN_TOLERANCE), the output
      transfer syntax is the one Gantry documents (or Explicit VR Little
      Endian with --native), BurnedInAnnotation NO, code 113101 present,
      ImageType value 1 DERIVED, LossyImageCompression 01 and the method
      kept for lossy sources. Prints one JSON object; exit 1 on any
      failure, each named by file and check.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import convert_color_space
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROWS, COLS = 64, 80
# Zones as configured. Gantry form [r1, r2, c1, c2] (end-exclusive) and a
# CTP region counted from the bottom-right corner.
GANTRY_ZONE = [2, 12, 4, 52]
CTP_REGION = {"x": -30, "y": -11, "w": 26, "h": 9}
MANUFACTURER = "ACME"
MODEL = "Redactor 1"

EXPLICIT_LE = "1.2.840.10008.1.2.1"
RLE = "1.2.840.10008.1.2.5"
JPEG_LS = "1.2.840.10008.1.2.4.80"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"

# Lossy sources: the maximum absolute difference allowed outside the zones
# between the output and each reference decode of the source. Gantry
# decodes JPEG with jpeg-decoder and JPEG 2000 with OpenJPEG; pydicom uses
# libjpeg (pylibjpeg-libjpeg) and OpenJPEG (pylibjpeg-openjpeg), dcmtk's
# dcmdjpeg the IJG library, GDCM OpenJPEG. JPEG decoders differ in IDCT
# rounding and chroma upsampling: on these sharp-edged colour images
# libjpeg and IJG themselves differ by up to 14, so pydicom gets 16 and the
# IJG decoder 4. OpenJPEG is exact. The mean absolute difference must stay
# under MEAN_TOLERANCE. The actual maxima are reported.
TOLERANCE = {
    JPEG_BASELINE: {"pydicom": 16, "dcmdjpeg": 4},
    J2K: {"pydicom": 1, "gdcmconv": 1},
}
MEAN_TOLERANCE = 1.0


def zone_rects():
    """The configured zones as (r1, r2, c1, c2) rectangles on ROWS x COLS."""
    r1, r2, c1, c2 = GANTRY_ZONE
    x, y, w, h = CTP_REGION["x"], CTP_REGION["y"], CTP_REGION["w"], CTP_REGION["h"]
    x0 = COLS + x if x < 0 else x
    y0 = ROWS + y if y < 0 else y
    return [(r1, r2, c1, c2), (y0, min(y0 + h, ROWS), x0, min(x0 + w, COLS))]


# Control blocks: text-like patterns outside the zones that must survive.
# The first sits on the row right after the first zone ends (end-exclusive),
# the second in the middle, the third just left of the CTP region.
CONTROL_RECTS = [(12, 20, 4, 52), (28, 36, 12, 60), (53, 62, 20, 50)]


def zone_mask():
    mask = np.zeros((ROWS, COLS), dtype=bool)
    for r1, r2, c1, c2 in zone_rects():
        mask[r1:r2, c1:c2] = True
    return mask


def glyph_mask(rect, seed):
    """A text-like pattern: 5x7 'glyphs' with one-pixel gaps, inside rect."""
    rng = np.random.default_rng(seed)
    r1, r2, c1, c2 = rect
    mask = np.zeros((ROWS, COLS), dtype=bool)
    top = r1 + (r2 - r1 - 7) // 2 if r2 - r1 >= 7 else r1
    for left in range(c1 + 1, c2 - 5, 6):
        glyph = rng.random((7, 5)) < 0.45
        glyph[:, 0] |= rng.random() < 0.5  # a vertical stroke, like many letters
        h = min(7, r2 - top)
        mask[top:top + h, left:left + 5] = glyph[:h]
    return mask


def content(frame):
    """Background (0..1 smooth gradient), text mask in the zones, control mask."""
    rr, cc = np.mgrid[0:ROWS, 0:COLS].astype(np.float64)
    phase = frame * 0.7
    background = 0.25 + 0.2 * np.sin(rr / 9.0 + phase) + 0.2 * np.cos(cc / 13.0 - phase) + 0.1 * (rr + cc) / (ROWS + COLS)
    background = np.clip(background, 0.05, 0.75)
    text = np.zeros((ROWS, COLS), dtype=bool)
    for i, rect in enumerate(zone_rects()):
        r1, r2, c1, c2 = rect
        text |= glyph_mask((r1, r2, c1 + 1, c2 - 1), 100 + 10 * frame + i)
    control = np.zeros((ROWS, COLS), dtype=bool)
    for i, rect in enumerate(CONTROL_RECTS):
        control |= glyph_mask(rect, 500 + 10 * frame + i)
    return background, text, control


def grey_frames(frames, lo, hi, bright_is_high=True):
    """Integer frames: gradient in [lo, hi], text at the bright end."""
    out = []
    for f in range(frames):
        background, text, control = content(f)
        img = lo + background * (hi - lo)
        bright = hi if bright_is_high else lo
        img[text] = bright
        img[control] = bright - 0.1 * (bright - lo) if bright_is_high else lo + 0.1 * (hi - lo)
        out.append(np.rint(img))
    return np.stack(out)


def rgb_frames(frames):
    out = []
    for f in range(frames):
        background, text, control = content(f)
        img = np.stack(
            [background * 255, (1 - background) * 200, np.full_like(background, 60 + 30 * f)], axis=-1
        )
        img[text] = (255, 255, 240)
        img[control] = (250, 220, 30)
        out.append(np.rint(img))
    return np.stack(out).astype(np.uint8)


# name: (description, builder)
SOURCES = {}


def source(name):
    def register(fn):
        SOURCES[name] = fn
        return fn
    return register


@source("u8_mono2")
def _u8_mono2():
    return dict(frames=grey_frames(1, 10, 250).astype(np.uint8), photometric="MONOCHROME2", bits=8, signed=False)


@source("u8_mono2_mf")
def _u8_mono2_mf():
    return dict(frames=grey_frames(4, 10, 250).astype(np.uint8), photometric="MONOCHROME2", bits=8, signed=False)


@source("s12_mono2")
def _s12_mono2():
    return dict(frames=grey_frames(1, -1500, 2047).astype(np.int16), photometric="MONOCHROME2", bits=12, signed=True)


@source("s16_mono2")
def _s16_mono2():
    return dict(frames=grey_frames(1, -20000, 32767).astype(np.int16), photometric="MONOCHROME2", bits=16, signed=True)


@source("u16_mono1")
def _u16_mono1():
    # MONOCHROME1: low values are bright; the text is bright (low).
    return dict(frames=grey_frames(1, 0, 60000, bright_is_high=False).astype(np.uint16), photometric="MONOCHROME1", bits=16, signed=False)


@source("u12_mono2")
def _u12_mono2():
    return dict(frames=grey_frames(1, 100, 4095).astype(np.uint16), photometric="MONOCHROME2", bits=12, signed=False)


@source("rgb_planar0")
def _rgb0():
    return dict(frames=rgb_frames(1), photometric="RGB", bits=8, signed=False, planar=0)


@source("rgb_planar1")
def _rgb1():
    return dict(frames=rgb_frames(1), photometric="RGB", bits=8, signed=False, planar=1)


@source("ybr_full")
def _ybr():
    ybr = convert_color_space(rgb_frames(1), "RGB", "YBR_FULL", per_frame=True)
    return dict(frames=ybr.astype(np.uint8), photometric="YBR_FULL", bits=8, signed=False, planar=0)


@source("rgb_mf")
def _rgb_mf():
    return dict(frames=rgb_frames(3), photometric="RGB", bits=8, signed=False, planar=0)


def fill_for(photometric, bits, signed):
    if photometric == "MONOCHROME1":
        return [(1 << (bits - 1)) - 1 if signed else (1 << bits) - 1]
    if photometric == "RGB":
        return [0, 0, 0]
    if photometric.startswith("YBR"):
        return [0, 1 << (bits - 1), 1 << (bits - 1)]
    return [-(1 << (bits - 1)) if signed else 0]


def write_native(path, spec, sop_uid, study, series, number):
    frames = spec["frames"]
    nframes = frames.shape[0]
    colour = frames.ndim == 4
    meta = FileMetaDataset()
    sop_class = "1.2.840.10008.5.1.4.1.1.7" if not colour or nframes == 1 else "1.2.840.10008.5.1.4.1.1.7.4"
    if not colour and nframes > 1:
        sop_class = "1.2.840.10008.5.1.4.1.1.7.2"  # Multi-frame Grayscale Byte SC
    if not colour and spec["bits"] > 8 and nframes > 1:
        sop_class = "1.2.840.10008.5.1.4.1.1.7.3"
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.8.498.1"
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = "20240102"
    ds.StudyTime = "101500"
    ds.AccessionNumber = "ACC0042"
    ds.Modality = "OT"
    ds.ConversionType = "WSD"
    ds.Manufacturer = MANUFACTURER
    ds.ManufacturerModelName = MODEL
    ds.PatientName = "Fake^Patient^Redact"
    ds.PatientID = "FAKE-REDACT-001"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = number
    ds.BurnedInAnnotation = "YES"
    bits = spec["bits"]
    alloc = 8 if bits <= 8 else 16
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = spec["photometric"]
    if colour:
        ds.PlanarConfiguration = spec.get("planar", 0)
    if nframes > 1:
        ds.NumberOfFrames = nframes
        ds.FrameIncrementPointer = 0x00181063
        ds.FrameTime = 40
    ds.Rows = ROWS
    ds.Columns = COLS
    ds.BitsAllocated = alloc
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if spec["signed"] else 0
    if not colour:
        lo, hi = int(frames.min()), int(frames.max())
        ds.WindowCenter = (lo + hi) // 2
        ds.WindowWidth = max(hi - lo, 1)
    arr = frames
    if colour and spec.get("planar", 0) == 1:
        arr = np.ascontiguousarray(np.moveaxis(frames, -1, 1))  # frames, samples, rows, cols
    dtype = {(8, False): "<u1", (8, True): "<i1", (16, False): "<u2", (16, True): "<i2"}[(alloc, spec["signed"])]
    ds.PixelData = np.ascontiguousarray(arr).astype(dtype).tobytes()
    ds["PixelData"].VR = "OB" if alloc == 8 else "OW"
    ds.save_as(path, enforce_file_format=True)


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, (p.stdout + p.stderr).strip()[-400:]


# (label, transfer syntax, lossy, command) — {i} input, {o} output.
COMPRESSIONS = [
    ("rle", RLE, False, ["dcmcrle", "+un", "{i}", "{o}"]),
    ("jls", JPEG_LS, False, ["dcmcjpls", "+un", "{i}", "{o}"]),
    ("j2k", J2K_LOSSLESS, False, ["gdcmconv", "--j2k", "{i}", "{o}"]),
    ("j2k_lossy", J2K, True, ["gdcmconv", "--j2k", "--lossy", "-q", "30", "{i}", "{o}"]),
    ("jpeg_lossless", JPEG_LOSSLESS_SV1, False, ["dcmcjpeg", "+e1", "+un", "{i}", "{o}"]),
    ("jpeg_baseline", JPEG_BASELINE, True, ["dcmcjpeg", "+eb", "+q", "85", "+un", "{i}", "{o}"]),
]

# Which compressions each source gets; a planned pair the tool refuses
# fails `generate`. JPEG baseline is 8-bit only. JPEG extended (12-bit DCT,
# 1.2.840.10008.1.2.4.51) is left out: Gantry's JPEG decoder (jpeg-decoder)
# decodes 8-bit DCT frames only, as gantry-codec documents, so such sources
# fail export.
PLAN = {
    "u8_mono2": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless", "jpeg_baseline"],
    "u8_mono2_mf": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless", "jpeg_baseline"],
    "s12_mono2": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless"],
    "s16_mono2": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless"],
    "u16_mono1": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless"],
    "u12_mono2": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless"],
    "rgb_planar0": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless", "jpeg_baseline"],
    "rgb_planar1": ["rle", "jls", "j2k", "jpeg_lossless", "jpeg_baseline"],
    "ybr_full": ["rle", "jls", "j2k", "jpeg_baseline"],
    "rgb_mf": ["rle", "jls", "j2k", "j2k_lossy", "jpeg_lossless", "jpeg_baseline"],
}


def transfer_syntax_of(path):
    return str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def generate(directory):
    sources_dir = os.path.join(directory, "sources")
    scratch = tempfile.mkdtemp(prefix="redact-formats-")
    os.makedirs(sources_dir, exist_ok=True)
    study = generate_uid()
    manifest = {"rows": ROWS, "columns": COLS, "zones": zone_rects(), "controls": CONTROL_RECTS,
                "tolerance": TOLERANCE, "mean_tolerance": MEAN_TOLERANCE, "files": []}
    number = 0
    mask = zone_mask()
    for name, build in SOURCES.items():
        spec = build()
        series = generate_uid()
        frames = spec["frames"]
        fill = fill_for(spec["photometric"], spec["bits"], spec["signed"])
        # Sanity: the zones hold something other than the fill in every
        # frame, and every control block differs from the fill.
        for f in range(frames.shape[0]):
            zone_values = frames[f][mask].reshape(-1, len(fill))
            assert (zone_values != np.array(fill)).any(axis=1).sum() > 50, (name, f)
            control = frames[f][content(f)[2]].reshape(-1, len(fill))
            assert (control != np.array(fill)).any(axis=1).all(), (name, f)
        entry = dict(photometric=spec["photometric"], bits_stored=spec["bits"], signed=spec["signed"],
                     planar=spec.get("planar"), frames=int(frames.shape[0]),
                     samples=3 if frames.ndim == 4 else 1, fill=fill, kind=name)
        for label, ts, lossy, command in [("native", EXPLICIT_LE, False, None)] + [
            c for c in COMPRESSIONS if c[0] in PLAN[name]
        ]:
            number += 1
            out = os.path.join(sources_dir, f"{name}__{label}.dcm")
            uid = generate_uid()
            if command is None:
                write_native(out, spec, uid, study, series, number)
            else:
                native = os.path.join(scratch, f"{name}__{label}.dcm")
                write_native(native, spec, uid, study, series, number)
                code, text = run([a.replace("{i}", native).replace("{o}", out) for a in command])
                got = transfer_syntax_of(out) if code == 0 and os.path.exists(out) else None
                if code != 0 or got != ts:
                    if os.path.exists(out):
                        os.remove(out)
                    reason = f"{command[0]} exit {code}, transfer syntax {got}: {text}"
                    print(json.dumps({"error": f"{name}__{label}: {reason}"}))
                    sys.exit(2)
            manifest["files"].append(dict(entry, path=os.path.abspath(out), label=label,
                                          transfer_syntax=ts, lossy=lossy))
    shutil.rmtree(scratch, ignore_errors=True)
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    r = CTP_REGION
    with open(os.path.join(directory, "config.yaml"), "w") as f:
        f.write(
            "machines:\n"
            f"  - manufacturer: \"{MANUFACTURER}\"\n"
            f"    model_name: \"{MODEL}\"\n"
            f"    redaction_zones: [[{', '.join(map(str, GANTRY_ZONE))}]]\n"
            f"    regions: [{{x: {r['x']}, y: {r['y']}, w: {r['w']}, h: {r['h']}}}]\n"
        )
    print(json.dumps({"sources": len(manifest["files"])}))


# ---------------------------------------------------------------- check

def frames_of(ds, raw):
    """Pixel data as (frames, rows, cols, samples)."""
    ds.pixel_array_options(raw=raw)
    arr = ds.pixel_array
    nframes = int(getattr(ds, "NumberOfFrames", 1) or 1)
    samples = int(ds.SamplesPerPixel)
    if nframes == 1:
        arr = arr[np.newaxis]
    if samples == 1:
        arr = arr[..., np.newaxis]
    return arr.astype(np.int64)


def comparable(path):
    """Decoded as pydicom shows it by default (colour as RGB)."""
    ds = pydicom.dcmread(path)
    return ds, frames_of(ds, raw=False)


def expected_output_ts(source_ts, grey):
    if source_ts in (EXPLICIT_LE, RLE, JPEG_LS, J2K_LOSSLESS):
        return source_ts
    return JPEG_LS if grey else RLE


DECODERS = {RLE: ["dcmdrle"], JPEG_LS: ["dcmdjpls"], JPEG_BASELINE: ["dcmdjpeg"],
            JPEG_LOSSLESS_SV1: ["dcmdjpeg"], J2K_LOSSLESS: ["gdcmconv", "--raw"], J2K: ["gdcmconv", "--raw"]}


def second_decoder(path, ts, scratch):
    """Decode with dcmtk (GDCM for JPEG 2000) into a native file: the
    tool's name and the file, or an error message instead of the file."""
    tool = DECODERS.get(ts)
    if tool is None:
        return None, None
    out = os.path.join(scratch, "second.dcm")
    if os.path.exists(out):
        os.remove(out)
    code, text = run(tool + [path, out])
    if code != 0 or not os.path.exists(out):
        return tool[0], f"{tool[0]} exit {code}: {text}"
    return tool[0], out


def check(manifest_path, mapping_path, out_root, native):
    manifest = json.load(open(manifest_path))
    mapping = json.load(open(mapping_path))
    by_source = {os.path.realpath(row["source"]): row for row in mapping}
    mask = zone_mask()
    failures = []
    results = []
    scratch = tempfile.mkdtemp(prefix="redact-check-")
    for entry in manifest["files"]:
        name = os.path.basename(entry["path"])

        def fail(what):
            failures.append(f"{name}: {what}")

        row = by_source.get(os.path.realpath(entry["path"]))
        if row is None or row.get("status") != "written":
            fail(f"not written (mapping: {row})")
            continue
        out = os.path.join(out_root, row["output"])
        result = {"file": name, "source_ts": entry["transfer_syntax"], "lossy": entry["lossy"]}
        # dcmtk reads the whole file.
        code, text = run(["dcmdump", "-E", out])
        if code != 0:
            fail(f"dcmdump exit {code}: {text}")
        try:
            src_ds, src = comparable(entry["path"])
            out_ds, got = comparable(out)
            out_raw = frames_of(pydicom.dcmread(out), raw=True)
        except Exception as e:
            fail(f"pydicom cannot decode: {type(e).__name__}: {e}")
            continue
        out_ts = str(out_ds.file_meta.TransferSyntaxUID)
        result["output_ts"] = out_ts
        result["output_photometric"] = str(out_ds.PhotometricInterpretation)
        grey = entry["samples"] == 1
        want_ts = EXPLICIT_LE if native else expected_output_ts(entry["transfer_syntax"], grey)
        if out_ts != want_ts:
            fail(f"transfer syntax {out_ts}, expected {want_ts}")
        # Header.
        if str(out_ds.get("BurnedInAnnotation", "")) != "NO":
            fail(f"BurnedInAnnotation is {out_ds.get('BurnedInAnnotation')!r}, not NO")
        codes = [str(item.get("CodeValue", "")) for item in out_ds.get("DeidentificationMethodCodeSequence", [])]
        if "113101" not in codes:
            fail(f"113101 missing from DeidentificationMethodCodeSequence {codes}")
        image_type = [str(v).strip() for v in out_ds.get("ImageType", [])]
        if not image_type or image_type[0] != "DERIVED":
            fail(f"ImageType {image_type}: value 1 is not DERIVED")
        # A lossy history is kept through the lossless rewrite.
        lossy_flag = str(out_ds.get("LossyImageCompression", "")).strip()
        if entry["lossy"]:
            method = {JPEG_BASELINE: "ISO_10918_1", J2K: "ISO_15444_1"}[entry["transfer_syntax"]]
            methods = [str(v).strip() for v in (out_ds.get("LossyImageCompressionMethod") or [])]
            if isinstance(out_ds.get("LossyImageCompressionMethod"), str):
                methods = [out_ds.LossyImageCompressionMethod.strip()]
            if lossy_flag != "01":
                fail(f"LossyImageCompression {lossy_flag!r} for a lossy source, not 01")
            if method not in methods:
                fail(f"LossyImageCompressionMethod {methods} lacks {method}")
        elif lossy_flag == "01":
            fail("LossyImageCompression 01 for a lossless source")
        for keyword in ("Rows", "Columns", "SamplesPerPixel", "BitsStored", "PixelRepresentation"):
            if out_ds.get(keyword) != src_ds.get(keyword):
                fail(f"{keyword} {out_ds.get(keyword)} != source {src_ds.get(keyword)}")
        if got.shape != src.shape:
            fail(f"shape {got.shape} != source {src.shape}")
            continue
        nframes = got.shape[0]
        if nframes != entry["frames"]:
            fail(f"{nframes} frames, expected {entry['frames']}")
        # Fill, in the output's own photometric interpretation.
        photometric = str(out_ds.PhotometricInterpretation)
        bits = int(out_ds.BitsStored)
        signed = int(out_ds.PixelRepresentation) == 1
        if photometric in ("RGB", "YBR_RCT", "YBR_ICT"):
            fill, zone_pixels = [0, 0, 0], got  # pydicom shows these as RGB
        else:
            fill, zone_pixels = fill_for(photometric, bits, signed), out_raw
        if photometric == entry["photometric"] and fill != entry["fill"]:
            fail(f"fill {fill} for {photometric} differs from the manifest's {entry['fill']}")
        result["fill"] = fill
        bad_zone = 0
        for f in range(nframes):
            zone = zone_pixels[f][mask]
            bad_zone += int((zone != np.array(fill)).any(axis=1).sum())
        if bad_zone:
            fail(f"{bad_zone} zone pixels (over {nframes} frames) are not the fill {fill}")
        # Everything outside the zones: the source as pydicom decodes it.
        outside = ~mask
        diff = np.abs(got[:, outside, :] - src[:, outside, :])
        max_diff = int(diff.max()) if diff.size else 0
        result["max_abs_diff_outside"] = max_diff
        result["mean_abs_diff_outside"] = round(float(diff.mean()), 4) if diff.size else 0.0
        if entry["lossy"]:
            limits = TOLERANCE[entry["transfer_syntax"]]
            result["tolerance"] = limits
            result["max_abs_diff_outside_by_reference"] = {"pydicom": max_diff}
            references = [("pydicom", diff)]
            tool, decoded = second_decoder(entry["path"], entry["transfer_syntax"], scratch)
            if tool not in limits or not os.path.exists(decoded or ""):
                fail(f"reference decode of the source: {decoded}")
            else:
                _, ref = comparable(decoded)
                ref_diff = np.abs(got[:, outside, :] - ref[:, outside, :])
                references.append((tool, ref_diff))
                result["max_abs_diff_outside_by_reference"][tool] = int(ref_diff.max())
            for reference, d in references:
                if int(d.max()) > limits[reference]:
                    fail(f"outside the zones max abs diff {int(d.max())} from {reference}'s decode of the (lossy) source > tolerance {limits[reference]} ({int((d > limits[reference]).sum())} samples over)")
                if float(d.mean()) > MEAN_TOLERANCE:
                    fail(f"outside the zones mean abs diff {float(d.mean()):.3f} from {reference}'s decode of the (lossy) source > {MEAN_TOLERANCE}")
        elif max_diff != 0:
            fail(f"{int((diff != 0).sum())} samples outside the zones differ from the source (lossless source; max abs diff {max_diff})")
        # The control blocks (text outside the zones) are intact, not filled.
        for r1, r2, c1, c2 in manifest["controls"]:
            block = got[:, r1:r2, c1:c2, :]
            if (block == np.array(fill if grey else [0, 0, 0])).all(axis=-1).all():
                fail(f"control block {[r1, r2, c1, c2]} is blank")
        # A second decoder (dcmtk, GDCM for JPEG 2000) agrees with pydicom.
        tool, second = second_decoder(out, out_ts, scratch)
        if tool is not None:
            result["second_decoder"] = tool
            if not os.path.exists(second or ""):
                fail(f"second decoder: {second}")
            else:
                try:
                    _, again = comparable(second)
                    if again.shape != got.shape or (again != got).any():
                        fail(f"{tool} decodes the output differently from pydicom")
                except Exception as e:
                    fail(f"pydicom cannot read what {tool} decoded: {e}")
        results.append(result)
    shutil.rmtree(scratch, ignore_errors=True)
    lossy = [r for r in results if r.get("lossy")]
    summary = {
        "checked": len(results),
        "expected": len(manifest["files"]),
        "failures": failures,
        "lossy_max_abs_diff": {
            ts: {ref: max([r["max_abs_diff_outside_by_reference"].get(ref, 0) for r in lossy if r["source_ts"] == ts], default=0)
                 for ref in refs}
            for ts, refs in TOLERANCE.items()
        },
        "results": results,
    }
    print(json.dumps(summary))
    return 1 if failures or len(results) != len(manifest["files"]) else 0


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "generate":
        generate(args[1])
        return 0
    if len(args) in (4, 5) and args[0] == "check":
        native = len(args) == 5 and args[4] == "--native"
        return check(args[1], args[2], args[3], native)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
