//! One CT Image Storage instance: header and pixels.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};

use super::dataset::{
    Obj, PrivateBlock, code_item, equipment_module, image_pixel_module, patient_module, put,
    put_seq, series_module, sop_common, study_module,
};
use super::fake::{Patient, Series, Study, Vendor};
use super::rng::{Rng, da, ds, ds_multi, tm, uid};

/// Everything that determines one CT instance.
#[derive(Debug)]
pub(crate) struct CtInstance<'a> {
    pub(crate) seed: u64,
    /// Stream path of this instance (patient, study, series, instance).
    pub(crate) path: [u64; 4],
    pub(crate) patient: &'a Patient,
    pub(crate) study: &'a Study,
    pub(crate) series: &'a Series,
    /// 1-based.
    pub(crate) number: u32,
    pub(crate) rows: u16,
    pub(crate) columns: u16,
    /// Target number of top-level elements, Pixel Data included.
    pub(crate) target_elements: usize,
}

const INSTANCE: u64 = 4;

impl CtInstance<'_> {
    pub(crate) fn sop_instance_uid(&self) -> String {
        uid(
            self.seed,
            &[
                INSTANCE,
                self.path[0],
                self.path[1],
                self.path[2],
                self.path[3],
            ],
        )
    }

    pub(crate) fn pixel_spacing(&self) -> f64 {
        self.series.recon_diameter / f64::from(self.columns.max(1))
    }

    /// Table position of this slice (mm).
    pub(crate) fn z(&self) -> f64 {
        self.series.start_z - f64::from(self.number - 1) * self.series.thickness
    }

    /// ImagePositionPatient: the centre of the first pixel (mm).
    pub(crate) fn image_position(&self) -> [f64; 3] {
        let (spacing, half) = (self.pixel_spacing(), self.series.recon_diameter / 2.0);
        [
            -half + spacing / 2.0,
            -half + spacing / 2.0 + 20.0,
            self.z(),
        ]
    }

    /// The data set without Pixel Data.
    pub(crate) fn header(&self) -> Obj {
        let (patient, study, series) = (self.patient, self.study, self.series);
        let equipment = study.equipment;
        let institution = study.institution();
        let mut rng = Rng::stream(
            self.seed,
            &[
                INSTANCE,
                self.path[0],
                self.path[1],
                self.path[2],
                self.path[3],
            ],
        );
        let mut obj = Obj::new_empty();
        let acquisition = series.time + 5 + i64::from(self.number - 1) / 2;
        let acq_ms = i64::from((self.number - 1) % 2) * 500;

        // SOP Common, General Image, dates and times.
        sop_common(
            &mut obj,
            uids::CT_IMAGE_STORAGE,
            self.sop_instance_uid(),
            study.date,
            tm(acquisition + 40, acq_ms),
        );
        put(
            &mut obj,
            tags::IMAGE_TYPE,
            VR::CS,
            "ORIGINAL\\PRIMARY\\AXIAL",
        );
        put(&mut obj, tags::SERIES_DATE, VR::DA, da(study.date));
        put(&mut obj, tags::ACQUISITION_DATE, VR::DA, da(study.date));
        put(&mut obj, tags::CONTENT_DATE, VR::DA, da(study.date));
        put(&mut obj, tags::SERIES_TIME, VR::TM, tm(series.time, 0));
        put(
            &mut obj,
            tags::ACQUISITION_TIME,
            VR::TM,
            tm(acquisition, acq_ms),
        );
        put(
            &mut obj,
            tags::CONTENT_TIME,
            VR::TM,
            tm(acquisition + 20, acq_ms),
        );
        put(&mut obj, tags::MODALITY, VR::CS, "CT");

        study_module(&mut obj, study, patient, "CT");
        equipment_module(&mut obj, equipment, institution);
        patient_module(&mut obj, patient, study.date, true);

        // General Series, Frame of Reference.
        series_module(&mut obj, study, series);
        put_seq(
            &mut obj,
            tags::ANATOMIC_REGION_SEQUENCE,
            vec![code_item("T-D3000", "SRT", study.protocol.body_part)],
        );

        // CT Image.
        if study.protocol.contrast {
            put(
                &mut obj,
                tags::CONTRAST_BOLUS_AGENT,
                VR::LO,
                "OMNIPAQUE 350 100ML IV",
            );
            put(&mut obj, tags::CONTRAST_BOLUS_ROUTE, VR::LO, "IV");
            put(&mut obj, tags::CONTRAST_BOLUS_VOLUME, VR::DS, "100");
        }
        put(&mut obj, tags::SCAN_OPTIONS, VR::CS, "HELICAL MODE");
        put(
            &mut obj,
            tags::SLICE_THICKNESS,
            VR::DS,
            ds(series.thickness, 3),
        );
        put(&mut obj, tags::KVP, VR::DS, series.kvp.to_string());
        put(
            &mut obj,
            tags::SPACING_BETWEEN_SLICES,
            VR::DS,
            ds(series.thickness, 3),
        );
        put(&mut obj, tags::DATA_COLLECTION_DIAMETER, VR::DS, "500");
        put(
            &mut obj,
            tags::RECONSTRUCTION_DIAMETER,
            VR::DS,
            ds(series.recon_diameter, 1),
        );
        put(
            &mut obj,
            tags::DISTANCE_SOURCE_TO_DETECTOR,
            VR::DS,
            "949.075012",
        );
        put(&mut obj, tags::DISTANCE_SOURCE_TO_PATIENT, VR::DS, "541");
        put(&mut obj, tags::GANTRY_DETECTOR_TILT, VR::DS, "0");
        put(
            &mut obj,
            tags::TABLE_HEIGHT,
            VR::DS,
            ds(series.table_height, 1),
        );
        put(&mut obj, tags::ROTATION_DIRECTION, VR::CS, "CW");
        put(
            &mut obj,
            tags::EXPOSURE_TIME,
            VR::IS,
            series.exposure_time_ms.to_string(),
        );
        put(
            &mut obj,
            tags::X_RAY_TUBE_CURRENT,
            VR::IS,
            series.ma.to_string(),
        );
        put(&mut obj, tags::EXPOSURE, VR::IS, series.mas().to_string());
        put(&mut obj, tags::FILTER_TYPE, VR::SH, "BODY FILTER");
        put(
            &mut obj,
            tags::GENERATOR_POWER,
            VR::IS,
            (series.kvp * series.ma / 1000).to_string(),
        );
        put(&mut obj, tags::FOCAL_SPOTS, VR::DS, "0.7");
        put(&mut obj, tags::CONVOLUTION_KERNEL, VR::SH, series.kernel);
        put(&mut obj, tags::REVOLUTION_TIME, VR::FD, 0.5_f64);
        put(&mut obj, tags::SINGLE_COLLIMATION_WIDTH, VR::FD, 0.625_f64);
        put(&mut obj, tags::TOTAL_COLLIMATION_WIDTH, VR::FD, 40.0_f64);
        put(&mut obj, tags::TABLE_SPEED, VR::FD, 78.75_f64);
        put(&mut obj, tags::TABLE_FEED_PER_ROTATION, VR::FD, 39.375_f64);
        put(&mut obj, tags::SPIRAL_PITCH_FACTOR, VR::FD, 0.984_375_f64);
        put(&mut obj, tags::CTD_IVOL, VR::FD, series.ctdi_vol());
        put(&mut obj, tags::ACQUISITION_NUMBER, VR::IS, "1");
        put(
            &mut obj,
            tags::INSTANCE_NUMBER,
            VR::IS,
            self.number.to_string(),
        );

        // Image Plane.
        let spacing = self.pixel_spacing();
        put(
            &mut obj,
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            ds_multi(&self.image_position(), 6),
        );
        put(
            &mut obj,
            tags::IMAGE_ORIENTATION_PATIENT,
            VR::DS,
            "1\\0\\0\\0\\1\\0",
        );
        put(&mut obj, tags::SLICE_LOCATION, VR::DS, ds(self.z(), 3));
        put(
            &mut obj,
            tags::PIXEL_SPACING,
            VR::DS,
            ds_multi(&[spacing, spacing], 6),
        );

        // A localizer the image was planned on.
        put_seq(
            &mut obj,
            tags::REFERENCED_IMAGE_SEQUENCE,
            vec![localizer(series)],
        );

        // Image Pixel, VOI LUT, Modality LUT.
        image_pixel_module(&mut obj, self.rows, self.columns, 1, 16, true);
        put(&mut obj, tags::PIXEL_PADDING_VALUE, VR::SS, -2000_i16);
        put(&mut obj, tags::BURNED_IN_ANNOTATION, VR::CS, "NO");
        let (center, width, explanation) = window(study, series);
        put(&mut obj, tags::WINDOW_CENTER, VR::DS, center);
        put(&mut obj, tags::WINDOW_WIDTH, VR::DS, width);
        put(&mut obj, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
        put(&mut obj, tags::RESCALE_SLOPE, VR::DS, "1");
        put(&mut obj, tags::RESCALE_TYPE, VR::LO, "HU");
        put(
            &mut obj,
            tags::WINDOW_CENTER_WIDTH_EXPLANATION,
            VR::LO,
            explanation,
        );
        put(&mut obj, tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");

        self.free_text_and_private_blocks(&mut obj, &mut rng);
        obj
    }

    /// The last of a header: free text, sometimes leaking the patient's
    /// identity, then the vendor's private blocks, padded up to
    /// `target_elements` top-level elements.
    pub(crate) fn free_text_and_private_blocks(&self, obj: &mut Obj, rng: &mut Rng) {
        if let Some(comment) = self.image_comment(rng) {
            put(obj, tags::IMAGE_COMMENTS, VR::LT, comment);
        }
        if rng.chance(20) {
            put(
                obj,
                tags::PATIENT_COMMENTS,
                VR::LT,
                format!(
                    "Transferred from {}; MRN {}",
                    self.study.institution().name,
                    self.patient.id
                ),
            );
        }
        self.private_blocks(obj, rng);
    }

    /// ImageComments, now and then naming the patient.
    fn image_comment(&self, rng: &mut Rng) -> Option<String> {
        let patient = self.patient;
        if rng.chance(self.series.leak_percent) {
            let text = match rng.below(4) {
                0 => format!(
                    "Pt {}, {} - motion artifact",
                    patient.family.to_uppercase(),
                    patient.given.to_uppercase()
                ),
                1 => format!(
                    "{} {} DOB {}",
                    patient.given,
                    patient.family,
                    patient.birth_us()
                ),
                2 => format!(
                    "repeat for {} per Dr. {}",
                    patient.family,
                    self.study.reading.split('^').next().unwrap_or("")
                ),
                _ => format!(
                    "{} {} tolerated contrast well",
                    patient.given, patient.family
                ),
            };
            return Some(text);
        }
        match rng.below(4) {
            0 => Some("Recon 2".to_owned()),
            1 => Some(format!("DLP {} mGy-cm", rng.range(150, 900))),
            _ => None,
        }
    }

    /// The vendor's private blocks (one with a private sequence), padded
    /// with filler elements up to `target_elements` top-level elements.
    fn private_blocks(&self, obj: &mut Obj, rng: &mut Rng) {
        let (study, series, patient) = (self.study, self.series, self.patient);
        let salt = rng.next_u64();
        match study.equipment.vendor {
            Vendor::Ge => {
                let mut item = Obj::new_empty();
                {
                    let mut b = PrivateBlock::new(&mut item, 0x0009, "GEMS_IDEN_01");
                    b.put(0x11, VR::LO, "GE_GENESIS_EXAM")
                        .put(0x12, VR::DA, da(study.date))
                        .put(0x13, VR::LO, format!("Exam for {}", patient.id))
                        .put(0x14, VR::SL, rng.range(10_000, 99_999) as i32);
                }
                let mut b = PrivateBlock::new(obj, 0x0009, "GEMS_IDEN_01");
                b.put(0x01, VR::LO, "GE_GENESIS_FF")
                    .put(0x02, VR::SH, "CT01")
                    .put(0x04, VR::SH, study.equipment.model)
                    .seq(0x10, vec![item])
                    .put(
                        0x27,
                        VR::SL,
                        1_400_000_000_i32 + (study.date as i32 % 100_000) * 86,
                    )
                    .put(
                        0xE3,
                        VR::UI,
                        uid(self.seed, &[9, study.equipment.serial.len() as u64]),
                    )
                    .put(0xE6, VR::SH, "LX")
                    .put(0xE9, VR::SL, 1_400_000_000_i32 + series.time as i32);
                let mut b = PrivateBlock::new(obj, 0x0019, "GEMS_ACQU_01");
                b.put(0x02, VR::SL, 912_i32)
                    .put(0x03, VR::DS, ds(rng.decimal(0.0, 100.0, 100), 2))
                    .put(0x04, VR::DS, "1.0239")
                    .put(0x0F, VR::DS, ds(series.start_z + 30.0, 2))
                    .put(0x11, VR::SS, i16::from(study.protocol.contrast))
                    .put(0x18, VR::LO, format!("{} CT", study.institution().issuer))
                    .put(0x23, VR::DS, "39.375")
                    .put(0x24, VR::DS, ds(f64::from(self.number) * 0.25, 3))
                    .put(0x27, VR::DS, "0.5")
                    .put(0x9E, VR::LO, "HELICAL");
                let mut b = PrivateBlock::new(obj, 0x0043, "GEMS_PARM_01");
                b.put(0x27, VR::SH, "/0.984:1")
                    .put(0x39, VR::IS, "0\\0\\0\\0");
                b.pad_to(self.target_elements, 1, salt);
            }
            Vendor::Siemens => {
                let mut item = Obj::new_empty();
                {
                    let mut b = PrivateBlock::new(&mut item, 0x0019, "SIEMENS CT VA0  COAD");
                    b.put(0xF2, VR::LO, series.operator.as_str())
                        .put(0xF3, VR::DS, "1");
                }
                let mut b = PrivateBlock::new(obj, 0x0019, "SIEMENS CT VA0  COAD");
                b.put(0x10, VR::IS, "0")
                    .put(0x11, VR::IS, format!("{:.0}", series.table_height))
                    .put(0x13, VR::DS, "0")
                    .put(0x15, VR::DS, ds(self.z(), 2))
                    .seq(0xF0, vec![item])
                    .put(0xF1, VR::LO, study.accession.as_str());
                let mut b = PrivateBlock::new(obj, 0x0029, "SIEMENS CSA HEADER");
                b.put(0x08, VR::CS, "IMAGE NUM 4")
                    .put(0x09, VR::LO, "20230901")
                    .put(0x10, VR::OB, PrimitiveBytes::csa(salt));
                let mut b = PrivateBlock::new(obj, 0x0021, "SIEMENS MED");
                b.put(0x11, VR::DS, "0\\0")
                    .pad_to(self.target_elements, 1, salt);
            }
            Vendor::Philips => {
                let mut item = Obj::new_empty();
                {
                    let mut b = PrivateBlock::new(&mut item, 0x00E1, "ELSCINT1");
                    b.put(0xA2, VR::LO, patient.pn())
                        .put(0xA3, VR::DA, da(patient.birth));
                }
                let mut b = PrivateBlock::new(obj, 0x00E1, "ELSCINT1");
                b.put(0x21, VR::DS, ds(f64::from(series.ma) * 1.7, 1))
                    .put(0x40, VR::SH, "IMG")
                    .put(
                        0x50,
                        VR::DS,
                        ds(f64::from(series.exposure_time_ms) / 100.0, 2),
                    )
                    .seq(0xA1, vec![item]);
                let mut b = PrivateBlock::new(obj, 0x01F1, "ELSCINT1");
                b.put(0x01, VR::CS, "SPIRAL")
                    .put(0x07, VR::DS, "78.75")
                    .put(0x26, VR::DS, "0.984")
                    .put(0x27, VR::DS, "0.5");
                let mut b = PrivateBlock::new(obj, 0x01F7, "ELSCINT1");
                b.pad_to(self.target_elements, 1, salt);
            }
        }
    }

    /// Little-endian signed 16-bit pixels: a cheap phantom (FOV circle, body
    /// outline, lungs/skull/spine by body part) with a little noise.
    pub(crate) fn pixels(&self) -> Vec<u8> {
        let (rows, cols) = (usize::from(self.rows), usize::from(self.columns));
        let mut out = Vec::with_capacity(rows * cols * 2);
        let (ax, ay) = self.study.protocol.body;
        let body_part = self.study.protocol.body_part;
        // Anatomy changes slowly along the series.
        let phase = (f64::from(self.number) * 0.07).sin().abs() as f32;
        let mut noise = (Rng::stream(self.seed, &self.path).next_u64() as u32) | 1;
        let (inv_ax, inv_ay) = (1.0 / ax as f32, 1.0 / ay as f32);
        for y in 0..rows {
            let v = (y as f32 + 0.5) / rows as f32 - 0.5;
            for x in 0..cols {
                let u = (x as f32 + 0.5) / cols as f32 - 0.5;
                // xorshift32
                noise ^= noise << 13;
                noise ^= noise >> 17;
                noise ^= noise << 5;
                let jitter = (noise & 31) as i32 - 16;
                let hu: i32 = if u * u + v * v > 0.25 {
                    out.extend_from_slice(&(-2000_i16).to_le_bytes());
                    continue;
                } else {
                    let body = (u * inv_ax).powi(2) + (v * inv_ay).powi(2);
                    if body > 1.0 {
                        -1000
                    } else {
                        tissue(body_part, u, v, body, phase)
                    }
                };
                let stored = (hu + 1024 + jitter).clamp(-2000, 4000) as i16;
                out.extend_from_slice(&stored.to_le_bytes());
            }
        }
        out
    }
}

/// A reference to the localizer a series was planned on: its SOP class
/// and instance UIDs.
pub(crate) fn localizer(series: &Series) -> Obj {
    let mut item = Obj::new_empty();
    put(
        &mut item,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        uids::CT_IMAGE_STORAGE,
    );
    put(
        &mut item,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        series.localizer_uid.as_str(),
    );
    item
}

/// Window center, width and explanation for a series' kernel and body part.
pub(crate) fn window(study: &Study, series: &Series) -> (&'static str, &'static str, &'static str) {
    match series.kernel {
        "LUNG" | "B70f" | "L" => ("-600", "1600", "LUNG"),
        "BONE" | "BONEPLUS" => ("300", "1500", "BONE"),
        _ if study.protocol.body_part == "HEAD" => ("40", "80", "BRAIN"),
        _ => ("40", "400", "SOFT TISSUE"),
    }
}

fn tissue(body_part: &str, u: f32, v: f32, body: f32, phase: f32) -> i32 {
    let spine = (u * u + (v - 0.2) * (v - 0.2)) < 0.0022;
    match body_part {
        "HEAD" => {
            if body > 0.86 {
                1100
            } else if (u * u + v * v) < 0.004 {
                8
            } else {
                35
            }
        }
        "CHEST" => {
            let lung = |cx: f32| {
                let (du, dv) = ((u - cx) / (0.11 + 0.04 * phase), (v + 0.02) / 0.19);
                du * du + dv * dv < 1.0
            };
            if spine {
                700
            } else if lung(-0.17) || lung(0.17) {
                -850
            } else if body > 0.85 {
                -90
            } else {
                45
            }
        }
        _ => {
            let liver = {
                let (du, dv) = ((u + 0.14) / 0.14, (v + 0.03) / (0.12 + 0.03 * phase));
                du * du + dv * dv < 1.0
            };
            if spine {
                650
            } else if liver {
                60
            } else if body > 0.8 {
                -100
            } else {
                30
            }
        }
    }
}

/// Binary blobs for OB elements.
struct PrimitiveBytes;

impl PrimitiveBytes {
    /// A Siemens-CSA-looking blob: "SV10" magic and some deterministic bytes.
    fn csa(salt: u64) -> dicom_core::value::PrimitiveValue {
        let mut bytes = b"SV10\x04\x03\x02\x01".to_vec();
        let mut rng = Rng::stream(salt, &[]);
        bytes.extend((0..120).map(|_| rng.below(256) as u8));
        dicom_core::value::PrimitiveValue::U8(bytes.into())
    }
}
