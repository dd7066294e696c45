//! One Enhanced CT Image Storage instance: a multi-frame header with
//! functional groups, and the frames' pixels.
//!
//! Why it exists: real archives hold large multi-frame files next to
//! single-frame ones, and they stress Gantry differently — one instance of
//! tens of MiB whose Pixel Data is read, spliced or redacted frame by
//! frame, and PHI (dates, UIDs, private data) nested two sequences deep in
//! the Per-frame Functional Groups, where the Basic profile must reach it
//! too (`FrameAcquisitionDateTime`, `FrameReferenceDateTime`). The
//! benchmark corpus and the tests get a few of them from here.
//!
//! A multi-frame instance is a new series in a study of one of the corpus's
//! patients: it uses the generator's patient, study and series facts
//! (`fake.rs`) and the single-frame CT's modules (`dataset.rs`), vendor
//! private blocks and per-slice geometry and phantom (`ct.rs`): frame `f`
//! is what slice `f` of a single-frame series would be. dciodvfy
//! (dicom3tools) finds no errors in the result; the Enhanced Contrast/Bolus
//! module is left out even for contrast protocols.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};

use super::ct::{CtInstance, localizer, window};
use super::dataset::{
    Obj, PrivateBlock, code_item, equipment_module, image_pixel_module, patient_module, put,
    put_seq, series_module, sop_common, study_module,
};
use super::fake::Vendor;
use super::rng::{Rng, da, ds, ds_multi, dt, tm, uid};

/// Stream identifier of the multi-frame header's random choices and UIDs.
const ENHANCED: u64 = 5;

/// Stream path element of the study's localizer series UID (the
/// single-frame files reference the localizer's instance only).
const LOCALIZER_SERIES: u64 = u64::MAX;

/// Image Type and Frame Type of every frame: acquired axial slices.
const FRAME_TYPE: &str = "ORIGINAL\\PRIMARY\\AXIAL\\NONE";

/// Table speed (mm/s) of the helical acquisition; with the slice thickness
/// it spaces the frames' acquisition times.
const TABLE_SPEED: f64 = 78.75;

/// Everything that determines one Enhanced CT instance.
#[derive(Debug)]
pub(crate) struct EnhancedCtInstance<'a> {
    /// Frame 1, as a single-frame slice: patient, study, series, size,
    /// header size target, and the instance's path (its InstanceNumber is
    /// 1).
    pub(crate) first: CtInstance<'a>,
    /// NumberOfFrames.
    pub(crate) frames: u32,
}

impl<'a> EnhancedCtInstance<'a> {
    /// Frame `number` (1-based) as a slice: its position, and its pixels
    /// (phantom phase and noise vary with the frame).
    fn frame(&self, number: u32) -> CtInstance<'a> {
        let path = self.first.path;
        CtInstance {
            path: [path[0], path[1], path[2], u64::from(number)],
            number,
            ..self.first
        }
    }

    /// Milliseconds from the series time to the start of frame `number`.
    fn frame_offset_ms(&self, number: u32) -> i64 {
        let interval = (self.first.series.thickness / TABLE_SPEED * 1000.0).round() as i64;
        5_000 + i64::from(number - 1) * interval
    }

    /// The data set without Pixel Data.
    pub(crate) fn header(&self) -> Obj {
        let first = &self.first;
        let (patient, study, series) = (first.patient, first.study, first.series);
        let institution = study.institution();
        let [p, s, k, _] = first.path;
        let mut rng = Rng::stream(first.seed, &[ENHANCED, p, s, k]);
        let mut obj = Obj::new_empty();
        let start_ms = series.time * 1000 + self.frame_offset_ms(1);
        let end_ms = series.time * 1000 + self.frame_offset_ms(self.frames) + 500;
        let seconds = |ms: i64| (ms.div_euclid(1000), ms.rem_euclid(1000));

        // SOP Common, Enhanced CT Image, dates and times.
        let (created, created_ms) = seconds(end_ms + 40_000);
        sop_common(
            &mut obj,
            uids::ENHANCED_CT_IMAGE_STORAGE,
            first.sop_instance_uid(),
            study.date,
            tm(created, created_ms),
        );
        put(&mut obj, tags::IMAGE_TYPE, VR::CS, FRAME_TYPE);
        put(&mut obj, tags::SERIES_DATE, VR::DA, da(study.date));
        put(&mut obj, tags::SERIES_TIME, VR::TM, tm(series.time, 0));
        put(&mut obj, tags::CONTENT_DATE, VR::DA, da(study.date));
        let (content, content_ms) = seconds(end_ms + 20_000);
        put(
            &mut obj,
            tags::CONTENT_TIME,
            VR::TM,
            tm(content, content_ms),
        );
        put(
            &mut obj,
            tags::ACQUISITION_DATE_TIME,
            VR::DT,
            dt(study.date, 0, start_ms),
        );
        put(
            &mut obj,
            tags::ACQUISITION_DURATION,
            VR::FD,
            (end_ms - start_ms) as f64 / 1000.0,
        );
        put(&mut obj, tags::ACQUISITION_NUMBER, VR::IS, "1");
        put(&mut obj, tags::CONTENT_QUALIFICATION, VR::CS, "PRODUCT");
        put(&mut obj, tags::PIXEL_PRESENTATION, VR::CS, "MONOCHROME");
        put(&mut obj, tags::VOLUMETRIC_PROPERTIES, VR::CS, "VOLUME");
        put(
            &mut obj,
            tags::VOLUME_BASED_CALCULATION_TECHNIQUE,
            VR::CS,
            "NONE",
        );
        put(&mut obj, tags::MODALITY, VR::CS, "CT");

        // Patient, study, equipment (General and Enhanced General: the
        // same attributes), series, frame of reference.
        study_module(&mut obj, study, patient, "CT");
        equipment_module(&mut obj, study.equipment, institution);
        patient_module(&mut obj, patient, study.date, true);
        series_module(&mut obj, study, series);

        // Image Pixel and the rest of Enhanced CT Image.
        image_pixel_module(&mut obj, first.rows, first.columns, 1, 16, true);
        put(&mut obj, tags::PIXEL_PADDING_VALUE, VR::SS, -2000_i16);
        put(&mut obj, tags::BURNED_IN_ANNOTATION, VR::CS, "NO");
        put(&mut obj, tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");
        put(&mut obj, tags::PRESENTATION_LUT_SHAPE, VR::CS, "IDENTITY");
        put_seq(&mut obj, tags::ACQUISITION_CONTEXT_SEQUENCE, Vec::new());
        self.localizer_evidence(&mut obj);

        // Multi-frame Functional Groups and Multi-frame Dimension.
        put(&mut obj, tags::INSTANCE_NUMBER, VR::IS, "1");
        put(
            &mut obj,
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            self.frames.to_string(),
        );
        put_seq(
            &mut obj,
            tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
            vec![self.shared_groups()],
        );
        let per_frame = (1..=self.frames)
            .map(|number| self.frame_groups(number))
            .collect();
        put_seq(
            &mut obj,
            tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
            per_frame,
        );
        self.dimensions(&mut obj);

        first.free_text_and_private_blocks(&mut obj, &mut rng);
        obj
    }

    /// Referenced Image Evidence: the study, series and instance of the
    /// localizer the shared Referenced Image group points at.
    fn localizer_evidence(&self, obj: &mut Obj) {
        let (study, series) = (self.first.study, self.first.series);
        let [p, s, _, _] = self.first.path;
        let mut localizer_series = Obj::new_empty();
        put(
            &mut localizer_series,
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            uid(self.first.seed, &[ENHANCED, p, s, LOCALIZER_SERIES]),
        );
        put_seq(
            &mut localizer_series,
            tags::REFERENCED_SOP_SEQUENCE,
            vec![localizer(series)],
        );
        let mut evidence = Obj::new_empty();
        put(
            &mut evidence,
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            study.uid.as_str(),
        );
        put_seq(
            &mut evidence,
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![localizer_series],
        );
        put_seq(
            obj,
            tags::REFERENCED_IMAGE_EVIDENCE_SEQUENCE,
            vec![evidence],
        );
    }

    /// Dimension Organization: frames indexed by stack and position in it.
    fn dimensions(&self, obj: &mut Obj) {
        let [p, s, k, _] = self.first.path;
        let organization = uid(self.first.seed, &[ENHANCED, p, s, k, 1]);
        let mut item = Obj::new_empty();
        put(
            &mut item,
            tags::DIMENSION_ORGANIZATION_UID,
            VR::UI,
            organization.as_str(),
        );
        put_seq(obj, tags::DIMENSION_ORGANIZATION_SEQUENCE, vec![item]);
        put(obj, tags::DIMENSION_ORGANIZATION_TYPE, VR::CS, "3D");
        let index = [
            (tags::STACK_ID, "Stack ID"),
            (tags::IN_STACK_POSITION_NUMBER, "In-Stack Position Number"),
        ]
        .into_iter()
        .map(|(pointer, label)| {
            let mut item = Obj::new_empty();
            put(&mut item, tags::DIMENSION_INDEX_POINTER, VR::AT, pointer);
            put(
                &mut item,
                tags::FUNCTIONAL_GROUP_POINTER,
                VR::AT,
                tags::FRAME_CONTENT_SEQUENCE,
            );
            put(
                &mut item,
                tags::DIMENSION_ORGANIZATION_UID,
                VR::UI,
                organization.as_str(),
            );
            put(&mut item, tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label);
            item
        })
        .collect();
        put_seq(obj, tags::DIMENSION_INDEX_SEQUENCE, index);
    }

    /// The Shared Functional Groups Sequence's item: what every frame has
    /// in common.
    fn shared_groups(&self) -> Obj {
        let first = &self.first;
        let (study, series) = (first.study, first.series);
        let [p, s, k, _] = first.path;
        let spacing = first.pixel_spacing();
        let mut shared = Obj::new_empty();
        let mut group = |tag, item: Obj| put_seq(&mut shared, tag, vec![item]);

        let mut item = Obj::new_empty();
        put(
            &mut item,
            tags::PIXEL_SPACING,
            VR::DS,
            ds_multi(&[spacing, spacing], 6),
        );
        put(
            &mut item,
            tags::SLICE_THICKNESS,
            VR::DS,
            ds(series.thickness, 3),
        );
        put(
            &mut item,
            tags::SPACING_BETWEEN_SLICES,
            VR::DS,
            ds(series.thickness, 3),
        );
        group(tags::PIXEL_MEASURES_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(&mut item, tags::FRAME_TYPE, VR::CS, FRAME_TYPE);
        put(&mut item, tags::PIXEL_PRESENTATION, VR::CS, "MONOCHROME");
        put(&mut item, tags::VOLUMETRIC_PROPERTIES, VR::CS, "VOLUME");
        put(
            &mut item,
            tags::VOLUME_BASED_CALCULATION_TECHNIQUE,
            VR::CS,
            "NONE",
        );
        group(tags::CT_IMAGE_FRAME_TYPE_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put_seq(
            &mut item,
            tags::ANATOMIC_REGION_SEQUENCE,
            vec![code_item("T-D3000", "SRT", study.protocol.body_part)],
        );
        put(&mut item, tags::FRAME_LATERALITY, VR::CS, "U");
        group(tags::FRAME_ANATOMY_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(&mut item, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
        put(&mut item, tags::RESCALE_SLOPE, VR::DS, "1");
        put(&mut item, tags::RESCALE_TYPE, VR::LO, "HU");
        group(tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE, item);

        let (center, width, explanation) = window(study, series);
        let mut item = Obj::new_empty();
        put(&mut item, tags::WINDOW_CENTER, VR::DS, center);
        put(&mut item, tags::WINDOW_WIDTH, VR::DS, width);
        put(
            &mut item,
            tags::WINDOW_CENTER_WIDTH_EXPLANATION,
            VR::LO,
            explanation,
        );
        group(tags::FRAME_VOILUT_SEQUENCE, item);

        // The localizer the series was planned on.
        let mut item = localizer(series);
        put_seq(
            &mut item,
            tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
            vec![code_item("121311", "DCM", "Localizer")],
        );
        group(tags::REFERENCED_IMAGE_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(&mut item, tags::ACQUISITION_TYPE, VR::CS, "SPIRAL");
        put(&mut item, tags::CONSTANT_VOLUME_FLAG, VR::CS, "NO");
        put(&mut item, tags::FLUOROSCOPY_FLAG, VR::CS, "NO");
        group(tags::CT_ACQUISITION_TYPE_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(&mut item, tags::DATA_COLLECTION_DIAMETER, VR::DS, "500");
        put(&mut item, tags::ROTATION_DIRECTION, VR::CS, "CW");
        put(&mut item, tags::REVOLUTION_TIME, VR::FD, 0.5_f64);
        put(&mut item, tags::SINGLE_COLLIMATION_WIDTH, VR::FD, 0.625_f64);
        put(&mut item, tags::TOTAL_COLLIMATION_WIDTH, VR::FD, 40.0_f64);
        put(
            &mut item,
            tags::TABLE_HEIGHT,
            VR::DS,
            ds(series.table_height, 1),
        );
        put(&mut item, tags::GANTRY_DETECTOR_TILT, VR::DS, "0");
        group(tags::CT_ACQUISITION_DETAILS_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(&mut item, tags::TABLE_SPEED, VR::FD, TABLE_SPEED);
        put(&mut item, tags::TABLE_FEED_PER_ROTATION, VR::FD, 39.375_f64);
        put(&mut item, tags::SPIRAL_PITCH_FACTOR, VR::FD, 0.984_375_f64);
        group(tags::CT_TABLE_DYNAMICS_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(
            &mut item,
            tags::DISTANCE_SOURCE_TO_DETECTOR,
            VR::DS,
            "949.075012",
        );
        put(
            &mut item,
            tags::DISTANCE_SOURCE_TO_DATA_COLLECTION_CENTER,
            VR::FL,
            541.0_f32,
        );
        group(tags::CT_GEOMETRY_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(
            &mut item,
            tags::RECONSTRUCTION_ALGORITHM,
            VR::CS,
            "FILTER_BACK_PROJ",
        );
        put(&mut item, tags::CONVOLUTION_KERNEL, VR::SH, series.kernel);
        let kernel_group = match explanation {
            "LUNG" => "LUNG",
            "BONE" => "SKELETON",
            "BRAIN" => "BRAIN",
            _ => "SOFT_TISSUE",
        };
        put(
            &mut item,
            tags::CONVOLUTION_KERNEL_GROUP,
            VR::CS,
            kernel_group,
        );
        put(
            &mut item,
            tags::RECONSTRUCTION_DIAMETER,
            VR::DS,
            ds(series.recon_diameter, 1),
        );
        put(
            &mut item,
            tags::RECONSTRUCTION_PIXEL_SPACING,
            VR::FD,
            [spacing, spacing],
        );
        put(&mut item, tags::RECONSTRUCTION_ANGLE, VR::FD, 360.0_f64);
        put(&mut item, tags::IMAGE_FILTER, VR::SH, "NONE");
        group(tags::CT_RECONSTRUCTION_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(
            &mut item,
            tags::EXPOSURE_TIME_INMS,
            VR::FD,
            f64::from(series.exposure_time_ms),
        );
        put(
            &mut item,
            tags::X_RAY_TUBE_CURRENT_INM_A,
            VR::FD,
            f64::from(series.ma),
        );
        put(
            &mut item,
            tags::EXPOSURE_INM_AS,
            VR::FD,
            f64::from(series.mas()),
        );
        put(&mut item, tags::EXPOSURE_MODULATION_TYPE, VR::CS, "NONE");
        put(&mut item, tags::CTD_IVOL, VR::FD, series.ctdi_vol());
        let phantom = if study.protocol.body_part == "HEAD" {
            code_item("113690", "DCM", "IEC Head Dosimetry Phantom")
        } else {
            code_item("113691", "DCM", "IEC Body Dosimetry Phantom")
        };
        put_seq(
            &mut item,
            tags::CTDI_PHANTOM_TYPE_CODE_SEQUENCE,
            vec![phantom],
        );
        group(tags::CT_EXPOSURE_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(&mut item, tags::KVP, VR::DS, series.kvp.to_string());
        put(&mut item, tags::FOCAL_SPOTS, VR::DS, "0.7");
        put(&mut item, tags::FILTER_TYPE, VR::SH, "BODY FILTER");
        put(&mut item, tags::FILTER_MATERIAL, VR::CS, "ALUMINUM");
        group(tags::CTX_RAY_DETAILS_SEQUENCE, item);

        let mut item = Obj::new_empty();
        put(
            &mut item,
            tags::IRRADIATION_EVENT_UID,
            VR::UI,
            uid(first.seed, &[ENHANCED, p, s, k, 2]),
        );
        group(tags::IRRADIATION_EVENT_IDENTIFICATION_SEQUENCE, item);
        shared
    }

    /// One item of the Per-frame Functional Groups Sequence: frame
    /// content (with its acquisition and reference DateTimes), position,
    /// orientation, table position, and a vendor private block.
    fn frame_groups(&self, number: u32) -> Obj {
        let frame = self.frame(number);
        let (study, series) = (frame.study, frame.series);
        let start_ms = series.time * 1000 + self.frame_offset_ms(number);
        let mut groups = Obj::new_empty();

        let mut content = Obj::new_empty();
        put(&mut content, tags::FRAME_ACQUISITION_NUMBER, VR::US, 1_u16);
        put(
            &mut content,
            tags::FRAME_REFERENCE_DATE_TIME,
            VR::DT,
            dt(study.date, 0, start_ms + 250),
        );
        put(
            &mut content,
            tags::FRAME_ACQUISITION_DATE_TIME,
            VR::DT,
            dt(study.date, 0, start_ms),
        );
        put(
            &mut content,
            tags::FRAME_ACQUISITION_DURATION,
            VR::FD,
            500.0_f64,
        );
        put(
            &mut content,
            tags::DIMENSION_INDEX_VALUES,
            VR::UL,
            [1_u32, number],
        );
        put(&mut content, tags::STACK_ID, VR::SH, "1");
        put(&mut content, tags::IN_STACK_POSITION_NUMBER, VR::UL, number);
        put_seq(&mut groups, tags::FRAME_CONTENT_SEQUENCE, vec![content]);

        let [x, y, z] = frame.image_position();
        let mut position = Obj::new_empty();
        put(
            &mut position,
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            ds_multi(&[x, y, z], 6),
        );
        put_seq(&mut groups, tags::PLANE_POSITION_SEQUENCE, vec![position]);

        let mut orientation = Obj::new_empty();
        put(
            &mut orientation,
            tags::IMAGE_ORIENTATION_PATIENT,
            VR::DS,
            "1\\0\\0\\0\\1\\0",
        );
        put_seq(
            &mut groups,
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![orientation],
        );

        let mut table = Obj::new_empty();
        put(&mut table, tags::TABLE_POSITION, VR::FD, z);
        put(
            &mut table,
            tags::RECONSTRUCTION_TARGET_CENTER_PATIENT,
            VR::FD,
            [0.0, 20.0, z],
        );
        put(
            &mut table,
            tags::DATA_COLLECTION_CENTER_PATIENT,
            VR::FD,
            [0.0, 0.0, z],
        );
        put_seq(&mut groups, tags::CT_POSITION_SEQUENCE, vec![table]);

        let (group, creator) = match study.equipment.vendor {
            Vendor::Ge => (0x0021, "GEMS_RELA_01"),
            Vendor::Siemens => (0x0021, "SIEMENS MED"),
            Vendor::Philips => (0x01F1, "ELSCINT1"),
        };
        let mut private = PrivateBlock::new(&mut groups, group, creator);
        private
            .put(0x50, VR::DS, ds(z, 3))
            .put(0x51, VR::SL, number as i32)
            .put(0x52, VR::TM, tm(start_ms / 1000, start_ms % 1000));
        groups
    }

    /// Little-endian signed 16-bit pixels of every frame, frame 1 first.
    pub(crate) fn pixels(&self) -> Vec<u8> {
        let frame_bytes = usize::from(self.first.rows) * usize::from(self.first.columns) * 2;
        let mut out = Vec::with_capacity(frame_bytes * self.frames as usize);
        for number in 1..=self.frames {
            out.extend_from_slice(&self.frame(number).pixels());
        }
        out
    }
}
