"""Dump pydicom's decoded pixels, frame by frame, for gantry-codec's tests.

Usage: python3 pydicom_frames.py OUT_DIR (rgb|raw) FILE [FILE ...]

For the k-th FILE (0-based) writes OUT_DIR/k.json:
  {"ok": true, "frames": N, "shape": [...one frame...], "dtype": "<u2",
   "photometric": "..."}
and OUT_DIR/k_I.raw for each frame I: the frame's samples as pydicom's
pixel_array holds them (interleaved colour), little endian; or
  {"ok": false, "reason": "..."} when pydicom cannot decode the file.

"rgb" converts YCbCr photometric interpretations to RGB as pydicom does
by default (used for compressed syntaxes, whose decoders convert); "raw"
keeps samples as stored (as_rgb=False), for native and RLE data.
"""

import json
import os
import sys

import pydicom
from pydicom.pixels import iter_pixels


def frames_of(path, as_rgb):
    """pydicom's frames: iter_pixels, else the data set's pixel_array
    (iter_pixels cannot stream deflated data sets, nor 1-bit frames that
    do not start on a byte boundary)."""
    try:
        return list(iter_pixels(path, as_rgb=as_rgb))
    except (AttributeError, ValueError):
        pass
    ds = pydicom.dcmread(path)
    ds.pixel_array_options(as_rgb=as_rgb)
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        return list(arr)
    return [arr]


def main():
    out_dir, mode, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    as_rgb = mode == "rgb"
    for k, path in enumerate(paths):
        meta = {"ok": False, "reason": ""}
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            frames = 0
            shape = None
            dtype = None
            for frame in frames_of(path, as_rgb):
                little = frame.astype(frame.dtype.newbyteorder("<"), copy=False)
                with open(os.path.join(out_dir, f"{k}_{frames}.raw"), "wb") as f:
                    f.write(little.tobytes())
                shape = list(frame.shape)
                dtype = little.dtype.str
                frames += 1
            meta = {
                "ok": True,
                "frames": frames,
                "shape": shape,
                "dtype": dtype,
                "photometric": str(ds.get("PhotometricInterpretation", "")),
            }
        except Exception as e:  # report, never crash: the test names the reason
            meta = {"ok": False, "reason": f"{type(e).__name__}: {e}"}
        with open(os.path.join(out_dir, f"{k}.json"), "w") as f:
            json.dump(meta, f)


if __name__ == "__main__":
    main()
