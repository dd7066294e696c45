//! Building RLE Lossless DICOM files around our fragments.

use dicom_core::value::PixelFragmentSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileDicomObject, FileMetaTableBuilder, InMemDicomObject};
use gantry_codec::{FrameLayout, RLE_LOSSLESS, encapsulate};

/// Header of an encapsulated Pixel Data element in explicit VR little
/// endian: (7FE0,0010) OB, reserved, undefined length.
const PIXEL_DATA_HEADER: [u8; 12] = [
    0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
];

/// A Secondary Capture data set describing `frames` frames in `layout`,
/// without Pixel Data.
pub(crate) fn dataset(layout: FrameLayout, frames: u32, instance_uid: &str) -> InMemDicomObject {
    let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
    let mut obj = InMemDicomObject::new_empty();
    obj.put(DataElement::new(
        tags::SOP_CLASS_UID,
        VR::UI,
        PrimitiveValue::from(uids::SECONDARY_CAPTURE_IMAGE_STORAGE),
    ));
    obj.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from(instance_uid),
    ));
    obj.put(DataElement::new(
        tags::MODALITY,
        VR::CS,
        PrimitiveValue::from("OT"),
    ));
    obj.put(us(tags::SAMPLES_PER_PIXEL, layout.samples_per_pixel));
    let photometric = if layout.samples_per_pixel == 3 {
        "RGB"
    } else {
        "MONOCHROME2"
    };
    obj.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(photometric),
    ));
    if layout.samples_per_pixel > 1 {
        obj.put(us(tags::PLANAR_CONFIGURATION, layout.planar_configuration));
    }
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from(frames.to_string()),
    ));
    obj.put(us(tags::ROWS, layout.rows));
    obj.put(us(tags::COLUMNS, layout.columns));
    obj.put(us(tags::BITS_ALLOCATED, layout.bits_allocated));
    obj.put(us(tags::BITS_STORED, layout.bits_allocated));
    obj.put(us(tags::HIGH_BIT, layout.bits_allocated - 1));
    obj.put(us(tags::PIXEL_REPRESENTATION, 0));
    obj
}

fn with_rle_meta(obj: InMemDicomObject) -> FileDicomObject<InMemDicomObject> {
    let sop_class = obj
        .element(tags::SOP_CLASS_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .into_owned();
    let instance = obj
        .element(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .into_owned();
    obj.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax(RLE_LOSSLESS)
            .media_storage_sop_class_uid(sop_class)
            .media_storage_sop_instance_uid(instance),
    )
    .expect("a valid file meta group")
}

/// A whole RLE Lossless file: `obj` (without Pixel Data) written by
/// dicom-object, then the Pixel Data element spliced on from our
/// [`encapsulate`] — the export path's splice pattern.
pub(crate) fn spliced_rle_file(obj: InMemDicomObject, fragments: &[Vec<u8>]) -> Vec<u8> {
    spliced(&with_rle_meta(obj), fragments)
}

/// `file` (an RLE Lossless file object without Pixel Data) written by
/// dicom-object, then our Pixel Data element.
pub(crate) fn spliced(file: &FileDicomObject<InMemDicomObject>, fragments: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(file.meta().transfer_syntax(), RLE_LOSSLESS);
    assert!(file.element_opt(tags::PIXEL_DATA).unwrap().is_none());
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes.extend_from_slice(&PIXEL_DATA_HEADER);
    bytes.extend_from_slice(&encapsulate(fragments).unwrap());
    bytes
}

/// The Basic Offset Table for `fragments`, computed independently of
/// [`encapsulate`]: each item is an 8-byte header plus its even length.
pub(crate) fn offset_table(fragments: &[Vec<u8>]) -> Vec<u32> {
    let mut at = 0u32;
    fragments
        .iter()
        .map(|f| {
            let offset = at;
            at += 8 + (f.len() as u32).div_ceil(2) * 2;
            offset
        })
        .collect()
}

/// The same file built entirely by dicom-object, the fragments held in a
/// [`PixelFragmentSequence`].
pub(crate) fn dicom_rs_rle_object(
    mut obj: InMemDicomObject,
    fragments: &[Vec<u8>],
) -> FileDicomObject<InMemDicomObject> {
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(offset_table(fragments), fragments.to_vec()),
    ));
    with_rle_meta(obj)
}

/// A native (Explicit VR Little Endian) file holding `frames`.
pub(crate) fn native_file(layout: FrameLayout, frames: &[Vec<u8>], instance_uid: &str) -> Vec<u8> {
    let mut obj = dataset(layout, frames.len() as u32, instance_uid);
    let mut pixels = frames.concat();
    if pixels.len() % 2 == 1 {
        pixels.push(0);
    }
    let vr = if layout.bits_allocated == 8 {
        VR::OB
    } else {
        VR::OW
    };
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        vr,
        PrimitiveValue::from(pixels),
    ));
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(uids::SECONDARY_CAPTURE_IMAGE_STORAGE)
                .media_storage_sop_instance_uid(instance_uid),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}
