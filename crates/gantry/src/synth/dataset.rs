//! Small helpers over `InMemDicomObject`, the modules shared by every
//! synthetic SOP class, and Part 10 encoding.

use std::io;
use std::path::Path;

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{FileDicomObject, InMemDicomObject};

use super::fake::{Equipment, Institution, Patient, Series, Study};
use super::rng::{da, ds, tm};

pub(crate) type Obj = InMemDicomObject;

/// Our implementation class UID (a fixed 2.25 UID) and version name, so that
/// output bytes do not change when dicom-rs bumps its own.
pub(crate) const IMPLEMENTATION_CLASS_UID: &str = "2.25.195841604771346187239880592340163214091";
pub(crate) const IMPLEMENTATION_VERSION_NAME: &str = "GANTRY_SYNTH_1";

pub(crate) fn put(obj: &mut Obj, tag: Tag, vr: VR, value: impl Into<PrimitiveValue>) {
    obj.put(DataElement::new(tag, vr, value.into()));
}

pub(crate) fn put_seq(obj: &mut Obj, tag: Tag, items: Vec<Obj>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// A code sequence item (CodeValue, CodingSchemeDesignator, CodeMeaning).
pub(crate) fn code_item(value: &str, scheme: &str, meaning: &str) -> Obj {
    let mut item = Obj::new_empty();
    put(&mut item, tags::CODE_VALUE, VR::SH, value);
    put(&mut item, tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme);
    put(&mut item, tags::CODE_MEANING, VR::LO, meaning);
    item
}

/// Private creator at (group,0010) and the block's elements at (group,10xx).
pub(crate) struct PrivateBlock<'a> {
    obj: &'a mut Obj,
    group: u16,
}

impl<'a> PrivateBlock<'a> {
    pub(crate) fn new(obj: &'a mut Obj, group: u16, creator: &str) -> Self {
        put(obj, Tag(group, 0x0010), VR::LO, creator);
        PrivateBlock { obj, group }
    }

    pub(crate) fn tag(&self, element: u8) -> Tag {
        Tag(self.group, 0x1000 | u16::from(element))
    }

    pub(crate) fn put(
        &mut self,
        element: u8,
        vr: VR,
        value: impl Into<PrimitiveValue>,
    ) -> &mut Self {
        let tag = self.tag(element);
        put(self.obj, tag, vr, value);
        self
    }

    pub(crate) fn seq(&mut self, element: u8, items: Vec<Obj>) -> &mut Self {
        let tag = self.tag(element);
        put_seq(self.obj, tag, items);
        self
    }

    /// Adds filler elements to the block (skipping element numbers in use)
    /// until the data set has `target` top-level elements or the block is full.
    /// `extra` counts elements that will be added later (e.g. Pixel Data).
    pub(crate) fn pad_to(&mut self, target: usize, extra: usize, salt: u64) {
        let mut count = self.obj.iter().count() + extra;
        for element in 0x40..=0xFFu8 {
            if count >= target {
                break;
            }
            let tag = self.tag(element);
            if self.obj.get(tag).is_some() {
                continue;
            }
            let n = salt.wrapping_mul(31).wrapping_add(u64::from(element));
            match element % 5 {
                0 => put(self.obj, tag, VR::DS, ds((n % 10_000) as f64 / 8.0, 3)),
                1 => put(self.obj, tag, VR::SL, (n % 100_000) as i32 - 50_000),
                2 => put(self.obj, tag, VR::SS, (n % 4_000) as i16 - 2_000),
                3 => put(
                    self.obj,
                    tag,
                    VR::LO,
                    format!("PARAM_{:02X}_{}", element, n % 97),
                ),
                _ => put(self.obj, tag, VR::FL, (n % 1_000) as f32 / 4.0),
            }
            count += 1;
        }
    }
}

/// Patient module plus the patient-related PHI that real headers carry.
pub(crate) fn patient_module(obj: &mut Obj, patient: &Patient, study_date: i64, full: bool) {
    put(obj, tags::PATIENT_NAME, VR::PN, patient.pn());
    put(obj, tags::PATIENT_ID, VR::LO, patient.id.as_str());
    put(
        obj,
        tags::ISSUER_OF_PATIENT_ID,
        VR::LO,
        patient.issuer.as_str(),
    );
    put(obj, tags::PATIENT_BIRTH_DATE, VR::DA, da(patient.birth));
    put(obj, tags::PATIENT_SEX, VR::CS, patient.sex);
    put(obj, tags::PATIENT_AGE, VR::AS, patient.age_at(study_date));
    put(obj, tags::PATIENT_SIZE, VR::DS, ds(patient.height_m, 2));
    put(obj, tags::PATIENT_WEIGHT, VR::DS, ds(patient.weight_kg, 1));
    if !full {
        return;
    }
    // Retired Other Patient IDs (0010,1000) and Ethnic Group (0010,2160):
    // retired, yet everywhere in real archives.
    put(obj, Tag(0x0010, 0x1000), VR::LO, patient.other_id.as_str());
    let mut other = Obj::new_empty();
    put(
        &mut other,
        tags::PATIENT_ID,
        VR::LO,
        patient.other_id.as_str(),
    );
    put(&mut other, tags::ISSUER_OF_PATIENT_ID, VR::LO, "STATE_HIE");
    put(&mut other, tags::TYPE_OF_PATIENT_ID, VR::CS, "TEXT");
    put_seq(obj, tags::OTHER_PATIENT_I_DS_SEQUENCE, vec![other]);
    put(obj, tags::PATIENT_ADDRESS, VR::LO, patient.address.as_str());
    put(
        obj,
        tags::PATIENT_MOTHER_BIRTH_NAME,
        VR::PN,
        patient.mother_birth_name.as_str(),
    );
    put(
        obj,
        tags::PATIENT_TELEPHONE_NUMBERS,
        VR::SH,
        patient.phone.as_str(),
    );
    if !patient.ethnic.is_empty() {
        put(obj, Tag(0x0010, 0x2160), VR::SH, patient.ethnic);
    }
    if !patient.occupation.is_empty() {
        put(obj, tags::OCCUPATION, VR::SH, patient.occupation);
    }
}

/// General Study module, request attributes and the procedure codes.
pub(crate) fn study_module(obj: &mut Obj, study: &Study, patient: &Patient, modality_code: &str) {
    let protocol = study.protocol;
    let institution = study.institution();
    put(obj, tags::STUDY_DATE, VR::DA, da(study.date));
    put(obj, tags::STUDY_TIME, VR::TM, tm(study.time, 0));
    put(
        obj,
        tags::ACCESSION_NUMBER,
        VR::SH,
        study.accession.as_str(),
    );
    put(
        obj,
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        study.referring.as_str(),
    );
    put(
        obj,
        tags::REFERRING_PHYSICIAN_ADDRESS,
        VR::ST,
        institution.address,
    );
    put(
        obj,
        tags::REFERRING_PHYSICIAN_TELEPHONE_NUMBERS,
        VR::SH,
        study.referring_phone.as_str(),
    );
    put(obj, tags::STUDY_DESCRIPTION, VR::LO, protocol.description);
    put(
        obj,
        tags::PHYSICIANS_OF_RECORD,
        VR::PN,
        study.requesting.as_str(),
    );
    put(
        obj,
        tags::NAME_OF_PHYSICIANS_READING_STUDY,
        VR::PN,
        study.reading.as_str(),
    );
    put(obj, tags::STUDY_INSTANCE_UID, VR::UI, study.uid.as_str());
    put(obj, tags::STUDY_ID, VR::SH, study.id.as_str());
    put(
        obj,
        tags::REQUESTING_PHYSICIAN,
        VR::PN,
        study.requesting.as_str(),
    );
    put(obj, tags::REQUESTING_SERVICE, VR::LO, "EMERGENCY DEPT");
    put(
        obj,
        tags::REQUESTED_PROCEDURE_DESCRIPTION,
        VR::LO,
        protocol.description,
    );
    put(
        obj,
        tags::ADDITIONAL_PATIENT_HISTORY,
        VR::LT,
        format!(
            "{} yo {} - {}. Prior imaging {} at {}.",
            patient
                .age_at(study.date)
                .trim_start_matches('0')
                .trim_end_matches('Y'),
            if patient.sex == "F" { "female" } else { "male" },
            protocol.reason,
            da(study.date - 400),
            institution.name,
        ),
    );

    // ProcedureCodeSequence: one item with a nested EquivalentCodeSequence.
    let mut procedure = code_item(protocol.code, "99RIVORD", protocol.description);
    put_seq(
        &mut procedure,
        tags::EQUIVALENT_CODE_SEQUENCE,
        vec![code_item(
            &format!("RPID{}", 100 + protocol.code.len() * 7),
            "RADLEX",
            protocol.description,
        )],
    );
    put_seq(obj, tags::PROCEDURE_CODE_SEQUENCE, vec![procedure]);

    let mut referenced_study = Obj::new_empty();
    put(
        &mut referenced_study,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.3.1.2.3.1",
    );
    put(
        &mut referenced_study,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        study.uid.as_str(),
    );
    put_seq(obj, tags::REFERENCED_STUDY_SEQUENCE, vec![referenced_study]);

    let mut pps = Obj::new_empty();
    put(
        &mut pps,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.3.1.2.3.3",
    );
    put(
        &mut pps,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        study.pps_uid.as_str(),
    );
    put_seq(
        obj,
        tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE,
        vec![pps],
    );

    let mut request = Obj::new_empty();
    put(
        &mut request,
        tags::ACCESSION_NUMBER,
        VR::SH,
        study.accession.as_str(),
    );
    put(
        &mut request,
        tags::REQUESTED_PROCEDURE_ID,
        VR::SH,
        study.requested_procedure_id.as_str(),
    );
    put(
        &mut request,
        tags::SCHEDULED_PROCEDURE_STEP_DESCRIPTION,
        VR::LO,
        protocol.description,
    );
    put(
        &mut request,
        tags::SCHEDULED_PROCEDURE_STEP_ID,
        VR::SH,
        study.sps_id.as_str(),
    );
    put_seq(
        &mut request,
        tags::SCHEDULED_PROTOCOL_CODE_SEQUENCE,
        vec![code_item(protocol.code, "99RIVORD", protocol.protocol_name)],
    );
    put(
        &mut request,
        tags::REASON_FOR_THE_REQUESTED_PROCEDURE,
        VR::LO,
        protocol.reason,
    );
    put_seq(obj, tags::REQUEST_ATTRIBUTES_SEQUENCE, vec![request]);

    put(
        obj,
        tags::PERFORMED_PROCEDURE_STEP_START_DATE,
        VR::DA,
        da(study.date),
    );
    put(
        obj,
        tags::PERFORMED_PROCEDURE_STEP_START_TIME,
        VR::TM,
        tm(study.time, 0),
    );
    put(
        obj,
        tags::PERFORMED_PROCEDURE_STEP_ID,
        VR::SH,
        study.pps_id.as_str(),
    );
    put(
        obj,
        tags::PERFORMED_PROCEDURE_STEP_DESCRIPTION,
        VR::LO,
        protocol.description,
    );
    put(
        obj,
        tags::REQUESTED_PROCEDURE_ID,
        VR::SH,
        study.requested_procedure_id.as_str(),
    );
    put(
        obj,
        tags::PLACER_ORDER_NUMBER_IMAGING_SERVICE_REQUEST,
        VR::LO,
        study.placer_order.as_str(),
    );
    put(
        obj,
        tags::FILLER_ORDER_NUMBER_IMAGING_SERVICE_REQUEST,
        VR::LO,
        study.filler_order.as_str(),
    );
    put(obj, tags::MODALITIES_IN_STUDY, VR::CS, modality_code);
}

/// SOP Common: character set, instance creation and the SOP class and
/// instance UIDs.
pub(crate) fn sop_common(
    obj: &mut Obj,
    class_uid: &str,
    instance_uid: String,
    created_date: i64,
    created_time: String,
) {
    put(obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    put(obj, tags::INSTANCE_CREATION_DATE, VR::DA, da(created_date));
    put(obj, tags::INSTANCE_CREATION_TIME, VR::TM, created_time);
    put(
        obj,
        tags::INSTANCE_CREATOR_UID,
        VR::UI,
        INSTANCE_CREATOR_UID,
    );
    put(obj, tags::SOP_CLASS_UID, VR::UI, class_uid);
    put(obj, tags::SOP_INSTANCE_UID, VR::UI, instance_uid);
}

/// The InstanceCreatorUID every synthetic scanner writes.
const INSTANCE_CREATOR_UID: &str = "2.25.29349418309164733271016410186573342387";

/// General Series module (CT: head first supine) and Frame of Reference.
pub(crate) fn series_module(obj: &mut Obj, study: &Study, series: &Series) {
    put(
        obj,
        tags::SERIES_DESCRIPTION,
        VR::LO,
        series.description.as_str(),
    );
    put(
        obj,
        tags::PERFORMING_PHYSICIAN_NAME,
        VR::PN,
        series.performing.as_str(),
    );
    put(obj, tags::OPERATORS_NAME, VR::PN, series.operator.as_str());
    put(obj, tags::SERIES_INSTANCE_UID, VR::UI, series.uid.as_str());
    put(obj, tags::SERIES_NUMBER, VR::IS, series.number.to_string());
    put(obj, tags::PATIENT_POSITION, VR::CS, "HFS");
    put(
        obj,
        tags::BODY_PART_EXAMINED,
        VR::CS,
        study.protocol.body_part,
    );
    put(
        obj,
        tags::PROTOCOL_NAME,
        VR::LO,
        study.protocol.protocol_name,
    );
    put(
        obj,
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        series.frame_of_reference.as_str(),
    );
    put(obj, tags::POSITION_REFERENCE_INDICATOR, VR::LO, "SN");
}

/// General Equipment module.
pub(crate) fn equipment_module(obj: &mut Obj, equipment: &Equipment, institution: &Institution) {
    put(obj, tags::MANUFACTURER, VR::LO, equipment.manufacturer);
    put(obj, tags::INSTITUTION_NAME, VR::LO, institution.name);
    put(obj, tags::INSTITUTION_ADDRESS, VR::ST, institution.address);
    put(obj, tags::STATION_NAME, VR::SH, equipment.station);
    put(
        obj,
        tags::INSTITUTIONAL_DEPARTMENT_NAME,
        VR::LO,
        institution.department,
    );
    put(obj, tags::MANUFACTURER_MODEL_NAME, VR::LO, equipment.model);
    put(obj, tags::DEVICE_SERIAL_NUMBER, VR::LO, equipment.serial);
    put(obj, tags::SOFTWARE_VERSIONS, VR::LO, equipment.software);
}

/// Image Pixel module attributes for `samples_per_pixel` × `bits` images.
pub(crate) fn image_pixel_module(
    obj: &mut Obj,
    rows: u16,
    columns: u16,
    samples: u16,
    bits: u16,
    signed: bool,
) {
    put(obj, tags::SAMPLES_PER_PIXEL, VR::US, samples);
    put(
        obj,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        if samples == 3 { "RGB" } else { "MONOCHROME2" },
    );
    if samples == 3 {
        put(obj, tags::PLANAR_CONFIGURATION, VR::US, 0_u16);
    }
    put(obj, tags::ROWS, VR::US, rows);
    put(obj, tags::COLUMNS, VR::US, columns);
    put(obj, tags::BITS_ALLOCATED, VR::US, bits);
    put(obj, tags::BITS_STORED, VR::US, bits);
    put(obj, tags::HIGH_BIT, VR::US, bits - 1);
    put(obj, tags::PIXEL_REPRESENTATION, VR::US, u16::from(signed));
}

/// Pixel Data from raw little-endian bytes (OW for 16-bit, OB for 8-bit).
pub(crate) fn put_pixel_data(obj: &mut Obj, bits: u16, bytes: Vec<u8>) {
    let vr = if bits > 8 { VR::OW } else { VR::OB };
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        vr,
        PrimitiveValue::U8(bytes.into()),
    ));
}

/// Wraps `obj` in a file meta group for `transfer_syntax`.
pub(crate) fn with_meta(
    obj: Obj,
    transfer_syntax: &str,
    path: &Path,
) -> io::Result<FileDicomObject<Obj>> {
    obj.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax(transfer_syntax)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
            .implementation_version_name(IMPLEMENTATION_VERSION_NAME),
    )
    .map_err(|e| io::Error::other(format!("building file meta for {}: {e}", path.display())))
}

/// Encodes a whole Part 10 file (preamble, meta, data set) into memory.
pub(crate) fn encode(file: &FileDicomObject<Obj>, path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)
        .map_err(|e| io::Error::other(format!("encoding {}: {e}", path.display())))?;
    Ok(bytes)
}

/// Writes `bytes` to `path` through a temporary sibling and a rename, so an
/// interrupted run never leaves a file that looks complete.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = std::path::PathBuf::from(tmp);
    fs_err::write(&tmp, bytes)?;
    fs_err::rename(&tmp, path)
}
