#!/usr/bin/env python3
"""Compare DICOM files pairwise, element for element, with pydicom.

Usage: same_dataset.py [--redacted] ORIGINAL RECOVERED [[--redacted] ORIGINAL RECOVERED ...]

Ignored: the file meta group (and group 0002 elements misplaced in a data
set), group lengths (gggg,0000), the de-identification stamps
(0012,0062), (0012,0063), (0012,0064), (0028,0303), the Encrypted
Attributes Sequence (0400,0500). Values compare by their bytes for binary
VRs and by their text, with padding stripped, otherwise; an element read
as UN on one side compares by bytes with the other side's value.

Pixel redaction is not reversible: for a pair marked --redacted (its export
blanked burned-in text), what describes the pixels as they now are -- Image
Type (0008,0008), Burned In Annotation (0028,0301), Derivation Description
(0008,2111) and Pixel Data -- is not compared.
Prints one line per difference; exit 1 if any.
"""
import sys

import pydicom

IGNORED = {0x00120062, 0x00120063, 0x00120064, 0x00280303, 0x04000500}
REDACTION = {0x00080008, 0x00280301, 0x00082111, 0x7FE00010}


def keep(elem, ignored=IGNORED):
    tag = int(elem.tag)
    return elem.tag.group != 0x0002 and elem.tag.element != 0x0000 and tag not in ignored


def raw(elem):
    value = elem.value
    if isinstance(value, bytes):
        return value.rstrip(b"\0 ")
    return str(value).rstrip("\0 ").encode("utf-8", "replace")


def compare(a, b, where, out, ignored=IGNORED):
    ta = [e.tag for e in a if keep(e, ignored)]
    tb = [e.tag for e in b if keep(e, ignored)]
    if ta != tb:
        out.append(f"{where}: elements differ: only in original {sorted(set(ta) - set(tb))}, only in recovered {sorted(set(tb) - set(ta))}")
        return
    for tag in ta:
        ea, eb = a[tag], b[tag]
        here = f"{where}/{tag}"
        if ea.VR == "SQ" and eb.VR == "SQ":
            if len(ea.value) != len(eb.value):
                out.append(f"{here}: item count differs")
                continue
            for i, (ia, ib) in enumerate(zip(ea.value, eb.value)):
                compare(ia, ib, f"{here}[{i}]", out)
        elif raw(ea) != raw(eb):
            out.append(f"{here}: value differs")


def main():
    args = sys.argv[1:]
    out = []
    while args:
        redacted = args[0] == "--redacted"
        if redacted:
            args = args[1:]
        original, recovered, args = args[0], args[1], args[2:]
        a = pydicom.dcmread(original, force=True)
        b = pydicom.dcmread(recovered)
        compare(a, b, original, out, IGNORED | REDACTION if redacted else IGNORED)
    for line in out:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
