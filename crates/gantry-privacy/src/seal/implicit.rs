//! Reading the Encrypted Attributes data sets GDCM writes for implicit-VR
//! sources.
//!
//! GDCM copies the original elements into the Modified Attributes Sequence
//! item as they were read; from an Implicit VR Little Endian file they have
//! no VR, so its Explicit VR Little Endian plaintext labels every one `UN`,
//! and a sequence becomes a `UN` of undefined length whose items are, as
//! PS3.5 §6.2.2 prescribes, in Implicit VR Little Endian. dicom-rs cannot
//! read such a `UN`, and a `UN` read as bytes would lose its real VR and
//! its character set. So such a plaintext is re-encoded here, structurally
//! and without interpreting any value, into Implicit VR Little Endian, which
//! dicom-rs then reads with the dictionary's VRs and the file's character
//! set — exactly how the original implicit-VR file was read.

/// Explicit VRs with a 2-byte reserved field and a 4-byte length.
const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
];
const UNDEFINED: u32 = 0xFFFF_FFFF;
const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQUENCE_END: (u16, u16) = (0xFFFE, 0xE0DD);
/// Deeper nesting than this is not a real data set.
const MAX_DEPTH: usize = 64;

/// What the walk of an Explicit VR Little Endian data set found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Apart from sequences, every element is `UN` (and there is one):
    /// GDCM's encoding of an implicit-VR source.
    pub(crate) all_un: bool,
    /// Some `UN` has undefined length (an implicit-VR sequence inside).
    pub(crate) undefined_un: bool,
}

impl Shape {
    /// Whether to read it as the implicit-VR data set it was.
    pub(crate) fn implicit(self) -> bool {
        self.all_un || self.undefined_un
    }
}

/// Walk an Explicit VR Little Endian data set without reading any value;
/// `None` when it is not well formed (a length past the end, a missing
/// delimiter), so nothing is handed to a parser that would trust it.
pub(crate) fn shape(plaintext: &[u8]) -> Option<Shape> {
    let (mut un, mut other, mut undefined_un) = (0usize, 0usize, false);
    let mut reader = Reader(plaintext);
    walk_vrs(
        &mut reader,
        &mut |vr, len| match vr {
            b"UN" => {
                un += 1;
                undefined_un |= len == UNDEFINED;
            }
            b"SQ" => {}
            _ => other += 1,
        },
        false,
        0,
    )?;
    Some(Shape {
        all_un: un > 0 && other == 0,
        undefined_un,
    })
}

/// Re-encode an Explicit VR Little Endian data set in Implicit VR Little
/// Endian. `None` when it is not well formed.
pub(crate) fn to_implicit(plaintext: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(plaintext.len());
    let mut reader = Reader(plaintext);
    elements(&mut reader, &mut out, false, 0)?;
    Some(out)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn tag(&mut self) -> Option<(u16, u16)> {
        Some((self.u16()?, self.u16()?))
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn put_tag(out: &mut Vec<u8>, (group, element): (u16, u16)) {
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&element.to_le_bytes());
}

/// Explicit elements until the end of input, or until an item delimiter
/// when `in_item`.
fn elements(r: &mut Reader<'_>, out: &mut Vec<u8>, in_item: bool, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    loop {
        if r.is_empty() {
            return (!in_item).then_some(());
        }
        let tag = r.tag()?;
        if tag == ITEM_END {
            r.u32()?;
            put_tag(out, ITEM_END);
            out.extend_from_slice(&0u32.to_le_bytes());
            return in_item.then_some(());
        }
        let vr: &[u8; 2] = r.take(2)?.try_into().ok()?;
        let len = if LONG_VRS.contains(&vr) {
            r.take(2)?;
            r.u32()?
        } else {
            u32::from(r.u16()?)
        };
        put_tag(out, tag);
        match (vr, len) {
            (b"SQ", UNDEFINED) => {
                out.extend_from_slice(&UNDEFINED.to_le_bytes());
                items(r, out, depth + 1)?;
            }
            (b"SQ", len) => {
                let mut inner = Reader(r.take(len as usize)?);
                let mut converted = Vec::new();
                while !inner.is_empty() {
                    item(&mut inner, &mut converted, depth + 1)?;
                }
                out.extend_from_slice(&u32::try_from(converted.len()).ok()?.to_le_bytes());
                out.extend_from_slice(&converted);
            }
            (b"UN", UNDEFINED) => {
                // Already implicit inside: copy through.
                out.extend_from_slice(&UNDEFINED.to_le_bytes());
                let start = r.0;
                implicit_items(r, depth + 1)?;
                out.extend_from_slice(&start[..start.len() - r.0.len()]);
            }
            (_, UNDEFINED) => return None, // encapsulated pixel data has no place here
            (_, len) => {
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(r.take(len as usize)?);
            }
        }
    }
}

/// Explicit items of an undefined-length sequence, through its delimiter.
fn items(r: &mut Reader<'_>, out: &mut Vec<u8>, depth: usize) -> Option<()> {
    loop {
        let tag = r.tag()?;
        if tag == SEQUENCE_END {
            r.u32()?;
            put_tag(out, SEQUENCE_END);
            out.extend_from_slice(&0u32.to_le_bytes());
            return Some(());
        }
        item_after_tag(tag, r, out, depth)?;
    }
}

fn item(r: &mut Reader<'_>, out: &mut Vec<u8>, depth: usize) -> Option<()> {
    let tag = r.tag()?;
    item_after_tag(tag, r, out, depth)
}

fn item_after_tag(
    tag: (u16, u16),
    r: &mut Reader<'_>,
    out: &mut Vec<u8>,
    depth: usize,
) -> Option<()> {
    if tag != ITEM {
        return None;
    }
    let len = r.u32()?;
    put_tag(out, ITEM);
    if len == UNDEFINED {
        out.extend_from_slice(&UNDEFINED.to_le_bytes());
        elements(r, out, true, depth + 1)
    } else {
        let mut inner = Reader(r.take(len as usize)?);
        let mut converted = Vec::new();
        elements(&mut inner, &mut converted, false, depth + 1)?;
        out.extend_from_slice(&u32::try_from(converted.len()).ok()?.to_le_bytes());
        out.extend_from_slice(&converted);
        Some(())
    }
}

/// Skip implicit items through the sequence delimiter.
fn implicit_items(r: &mut Reader<'_>, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    loop {
        let tag = r.tag()?;
        let len = r.u32()?;
        match tag {
            SEQUENCE_END => return Some(()),
            ITEM if len == UNDEFINED => implicit_elements(r, depth + 1)?,
            ITEM => {
                r.take(len as usize)?;
            }
            _ => return None,
        }
    }
}

/// Skip implicit elements through the item delimiter.
fn implicit_elements(r: &mut Reader<'_>, depth: usize) -> Option<()> {
    loop {
        let tag = r.tag()?;
        let len = r.u32()?;
        if tag == ITEM_END {
            return Some(());
        }
        if len == UNDEFINED {
            implicit_items(r, depth + 1)?;
        } else {
            r.take(len as usize)?;
        }
    }
}

/// Visit the VR and length of every explicit element, recursively (not
/// inside `UN`).
fn walk_vrs(
    r: &mut Reader<'_>,
    visit: &mut dyn FnMut(&[u8; 2], u32),
    in_item: bool,
    depth: usize,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    loop {
        if r.is_empty() {
            return (!in_item).then_some(());
        }
        let tag = r.tag()?;
        if tag == ITEM_END {
            r.u32()?;
            return in_item.then_some(());
        }
        let vr: &[u8; 2] = r.take(2)?.try_into().ok()?;
        let len = if LONG_VRS.contains(&vr) {
            r.take(2)?;
            r.u32()?
        } else {
            u32::from(r.u16()?)
        };
        visit(vr, len);
        match (vr, len) {
            (b"SQ", UNDEFINED) => loop {
                let tag = r.tag()?;
                let len = r.u32()?;
                match tag {
                    SEQUENCE_END => break,
                    ITEM if len == UNDEFINED => walk_vrs(r, visit, true, depth + 1)?,
                    ITEM => {
                        let mut inner = Reader(r.take(len as usize)?);
                        walk_vrs(&mut inner, visit, false, depth + 1)?;
                    }
                    _ => return None,
                }
            },
            (b"SQ", len) => {
                let mut inner = Reader(r.take(len as usize)?);
                while !inner.is_empty() {
                    if inner.tag()? != ITEM {
                        return None;
                    }
                    let len = inner.u32()?;
                    if len == UNDEFINED {
                        walk_vrs(&mut inner, visit, true, depth + 1)?;
                    } else {
                        let mut item = Reader(inner.take(len as usize)?);
                        walk_vrs(&mut item, visit, false, depth + 1)?;
                    }
                }
            }
            (b"UN", UNDEFINED) => implicit_items(r, depth + 1)?,
            (_, UNDEFINED) => return None,
            (_, len) => {
                r.take(len as usize)?;
            }
        }
    }
}
