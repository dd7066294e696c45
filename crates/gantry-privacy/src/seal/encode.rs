//! The sealed plaintext, encoded straight from the original elements.
//!
//! The plaintext is the data set `(0400,0550)` with one item of originals,
//! in Explicit VR Little Endian. It used to be written by building an
//! `InMemDicomObject` (a copy of every original element) and running
//! dicom-object's data set writer over it; sealed bytes must stay what that
//! writer produced (exports are byte-identical across runs and versions).
//! This module writes the same bytes from borrowed elements, following the
//! writer's rules (dicom-parser's `DataSetWriter` and `StatefulEncoder`
//! with the default options):
//!
//! - sequences and items are written with undefined length and delimiters,
//!   whatever length they were read with;
//! - text is encoded in the default repertoire for AE, AS, CS, DA, DS, DT,
//!   IS, TM and UI, otherwise in the current character set, which starts as
//!   the default one and becomes the one a Specific Character Set element
//!   names, from that element on, in document order and across item
//!   boundaries (an unknown name leaves it as it was); values are joined
//!   with `\` and padded to even length with a space (NUL for UI);
//! - binary DS and IS values are written as text; other values through
//!   dicom-encoding's primitive encoder, with the length it computes and a
//!   padding byte (space for DA, DT, TM) when odd.
//!
//! Element headers, item headers, delimiters and binary values go through
//! dicom-encoding's own Explicit VR Little Endian encoder. ASCII text is the
//! same bytes in every character set the writer supports, so it is copied;
//! other text goes through the character set's encoder.
//!
//! Anything else (encapsulated pixel fragments, a VR that disagrees with
//! the kind of value, a value the writer refuses) makes [`modified_item`]
//! return `None`, and the caller falls back to the writer itself.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Length, Tag, VR};
use dicom_encoding::encode::Encode;
use dicom_encoding::encode::explicit_le::ExplicitVRLittleEndianEncoder;
use dicom_encoding::text::{DefaultCharacterSetCodec, SpecificCharacterSet, TextCodec};
use dicom_object::mem::InMemElement;

use super::MODIFIED_ATTRIBUTES_SEQUENCE;

const SPECIFIC_CHARACTER_SET: Tag = Tag(0x0008, 0x0005);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// Append the data set `(0400,0550)` holding one item of `elements` (in
/// tag order) to `out`. `None` when the writer must do it: `out` is then as it was.
pub(super) fn modified_item<'e>(
    out: &mut Vec<u8>,
    elements: impl Iterator<Item = &'e InMemElement>,
) -> Option<()> {
    let start = out.len();
    let mut writer = Writer {
        out,
        charset: SpecificCharacterSet::default(),
    };
    let written = writer.modified_item(elements);
    if written.is_none() {
        zeroize::Zeroize::zeroize(&mut out[start..]);
        out.truncate(start);
    }
    written
}

struct Writer<'o> {
    out: &'o mut Vec<u8>,
    charset: SpecificCharacterSet,
}

impl Writer<'_> {
    fn modified_item<'e>(
        &mut self,
        elements: impl Iterator<Item = &'e InMemElement>,
    ) -> Option<()> {
        self.header(MODIFIED_ATTRIBUTES_SEQUENCE, VR::SQ, Length::UNDEFINED)?;
        self.encoder()
            .encode_item_header(&mut *self.out, Length::UNDEFINED.0)
            .ok()?;
        for element in elements {
            self.element(element)?;
        }
        self.encoder().encode_item_delimiter(&mut *self.out).ok()?;
        self.encoder()
            .encode_sequence_delimiter(&mut *self.out)
            .ok()
    }

    fn encoder(&self) -> ExplicitVRLittleEndianEncoder {
        ExplicitVRLittleEndianEncoder::default()
    }

    fn element(&mut self, element: &InMemElement) -> Option<()> {
        let header = element.header();
        match element.value() {
            Value::Sequence(sequence) if header.vr == VR::SQ => {
                self.header(header.tag, VR::SQ, Length::UNDEFINED)?;
                for item in sequence.items() {
                    self.encoder()
                        .encode_item_header(&mut *self.out, Length::UNDEFINED.0)
                        .ok()?;
                    for element in item.iter() {
                        self.element(element)?;
                    }
                    self.encoder().encode_item_delimiter(&mut *self.out).ok()?;
                }
                self.encoder()
                    .encode_sequence_delimiter(&mut *self.out)
                    .ok()
            }
            Value::Primitive(value)
                if header.vr != VR::SQ
                    && !(header.vr == VR::OB
                        && header.tag == PIXEL_DATA
                        && header.len.is_undefined()) =>
            {
                self.primitive(header.tag, header.vr, value)
            }
            _ => None,
        }
    }

    fn primitive(&mut self, tag: Tag, vr: VR, value: &PrimitiveValue) -> Option<()> {
        match value {
            PrimitiveValue::Str(text) => {
                self.texts(tag, vr, std::slice::from_ref(text))?;
                if tag == SPECIFIC_CHARACTER_SET {
                    self.switch_charset(text);
                }
                Some(())
            }
            PrimitiveValue::Strs(texts) => {
                self.texts(tag, vr, texts)?;
                if tag == SPECIFIC_CHARACTER_SET
                    && let Some(first) = texts.first()
                {
                    self.switch_charset(first);
                }
                Some(())
            }
            PrimitiveValue::Empty if matches!(vr, VR::DS | VR::IS) => {
                self.header(tag, vr, Length(0))
            }
            PrimitiveValue::U8(_)
            | PrimitiveValue::I16(_)
            | PrimitiveValue::U16(_)
            | PrimitiveValue::I32(_)
            | PrimitiveValue::U32(_)
            | PrimitiveValue::I64(_)
            | PrimitiveValue::U64(_)
            | PrimitiveValue::F32(_)
            | PrimitiveValue::F64(_)
                if matches!(vr, VR::DS | VR::IS) =>
            {
                let text = value.to_str();
                let len = u32::try_from(text.len()).ok()?;
                self.header(tag, vr, Length(even(len)))?;
                self.out.extend_from_slice(text.as_bytes());
                if text.len() % 2 == 1 {
                    self.out.push(b' ');
                }
                Some(())
            }
            _ if matches!(vr, VR::DS | VR::IS) => None,
            _ => {
                let len = u32::try_from(value.calculate_byte_len()).ok()?;
                self.header(tag, vr, Length(even(len)))?;
                let written = self
                    .encoder()
                    .encode_primitive(&mut *self.out, value)
                    .ok()?;
                if written % 2 == 1 {
                    self.out.push(match vr {
                        VR::DA | VR::DT | VR::TM => b' ',
                        _ => 0,
                    });
                }
                Some(())
            }
        }
    }

    /// A text element: values encoded, joined with `\`, padded to even.
    /// The value is encoded in place after its header, whose length is
    /// filled in after.
    fn texts<S: AsRef<str>>(&mut self, tag: Tag, vr: VR, texts: &[S]) -> Option<()> {
        let at = self.out.len();
        self.header(tag, vr, Length(0))?;
        let start = self.out.len();
        for (i, text) in texts.iter().enumerate() {
            if i > 0 {
                self.out.push(b'\\');
            }
            self.text(vr, text.as_ref())?;
        }
        if (self.out.len() - start) % 2 == 1 {
            self.out.push(if vr == VR::UI { 0 } else { b' ' });
        }
        let len = self.out.len() - start;
        // The header's length field is its last 2 or 4 bytes.
        if start - at == SHORT_HEADER {
            let len = u16::try_from(len).ok()?;
            self.out[start - 2..start].copy_from_slice(&len.to_le_bytes());
        } else {
            let len = u32::try_from(len).ok()?;
            self.out[start - 4..start].copy_from_slice(&len.to_le_bytes());
        }
        Some(())
    }

    fn text(&mut self, vr: VR, text: &str) -> Option<()> {
        if text.is_ascii() {
            self.out.extend_from_slice(text.as_bytes());
            return Some(());
        }
        let mut encoded = match vr {
            VR::AE | VR::AS | VR::CS | VR::DA | VR::DS | VR::DT | VR::IS | VR::TM | VR::UI => {
                DefaultCharacterSetCodec.encode(text)
            }
            _ => self.charset.encode(text),
        }
        .ok()?;
        self.out.extend_from_slice(&encoded);
        zeroize::Zeroize::zeroize(&mut encoded);
        Some(())
    }

    fn switch_charset(&mut self, name: &str) {
        if let Some(charset) = SpecificCharacterSet::from_code(name) {
            self.charset = charset;
        }
    }

    /// An element header; a defined length is rounded up to even, as the
    /// writer does. The layout is dicom-encoding's (PS3.5 §7.1.2): a 16-bit
    /// length after the VR for the VRs in [`short_length`], else two
    /// reserved bytes and a 32-bit length; a length that does not fit is
    /// refused, as dicom-encoding refuses it.
    fn header(&mut self, tag: Tag, vr: VR, len: Length) -> Option<()> {
        let len = match len.get() {
            Some(len) => even(len),
            None => len.0,
        };
        let [g0, g1] = tag.group().to_le_bytes();
        let [e0, e1] = tag.element().to_le_bytes();
        let [v0, v1] = vr.to_bytes();
        if short_length(vr) {
            let [l0, l1] = u16::try_from(len).ok()?.to_le_bytes();
            self.out
                .extend_from_slice(&[g0, g1, e0, e1, v0, v1, l0, l1]);
        } else {
            let [l0, l1, l2, l3] = len.to_le_bytes();
            self.out
                .extend_from_slice(&[g0, g1, e0, e1, v0, v1, 0, 0, l0, l1, l2, l3]);
        }
        Some(())
    }
}

/// Length of an element header with a 16-bit length.
const SHORT_HEADER: usize = 8;

/// The VRs whose length is 16 bits in explicit VR (PS3.5 Table 7.1-2), as
/// dicom-encoding's Explicit VR Little Endian encoder lists them.
fn short_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::AT
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::FL
            | VR::FD
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::SL
            | VR::SS
            | VR::ST
            | VR::TM
            | VR::UI
            | VR::UL
            | VR::US
    )
}

fn even(len: u32) -> u32 {
    (len + 1) & !1
}

#[cfg(test)]
mod tests;
