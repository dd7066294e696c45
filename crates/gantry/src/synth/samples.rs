//! The small quick-start files shipped in `samples/`.

use std::io;
use std::path::{Path, PathBuf};

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};

use super::ct::CtInstance;
use super::dataset::{
    Obj, PrivateBlock, code_item, encode, equipment_module, image_pixel_module, patient_module,
    put, put_pixel_data, put_seq, study_module, with_meta, write_atomically,
};
use super::fake::{
    CT_EQUIPMENT, CT_PROTOCOLS, Equipment, INSTITUTIONS, Patient, Protocol, Series, Study, Vendor,
};
use super::font;
use super::rng::{Rng, da, days_from_civil, ds, tm, uid};

/// Seed of the samples; changing it changes every UID in `samples/`.
const SEED: u64 = 0x5341_4D50_4C45; // "SAMPLE"

/// One shipped sample: file name and what it shows.
struct Sample {
    name: &'static str,
    transfer_syntax: &'static str,
    obj: Obj,
}

/// Writes the quick-start samples into `dir` and returns their paths (sorted
/// by name). Seven small files (about 200 KB together) for two fake
/// patients:
///
/// | file | patient | what |
/// |---|---|---|
/// | `ct-ge-1.dcm`, `ct-ge-2.dcm` | Doe^Jane | CT chest, GE, private groups 0009/0019/0043 with a private sequence; name in ImageComments |
/// | `ct-siemens.dcm` | Doe^Jane | follow-up CT at another site, Siemens private groups |
/// | `mr-implicit.dcm` | Doe^Jane | MR brain, **Implicit VR Little Endian**, private elements without VRs |
/// | `ct-philips.dcm` | Müller^Jörg | CT abdomen, `ISO_IR 192`, Philips private sequence holding name and birth date |
/// | `us-rgb-burned-in.dcm` | Müller^Jörg | ultrasound, RGB, BurnedInAnnotation YES, name/ID/date burned into pixels |
/// | `sc-dose-report.dcm` | Müller^Jörg | secondary capture of a dose screen, text burned in |
///
/// Output is byte-for-byte deterministic.
pub fn write_samples(dir: &Path) -> io::Result<Vec<PathBuf>> {
    fs_err::create_dir_all(dir)?;
    let jane = jane_doe();
    let jorg = jorg_muller();
    let mut samples = Vec::new();

    // Patient A: two CT images of one series (GE), a follow-up CT (Siemens),
    // an MR in Implicit VR.
    let ct_study = Study {
        uid: uid(SEED, &[1, 1]),
        date: days_from_civil(2023, 4, 15),
        time: 9 * 3600 + 12 * 60 + 5,
        accession: "A20230415017".to_owned(),
        id: "48211".to_owned(),
        protocol: &CT_PROTOCOLS[0],
        equipment: &CT_EQUIPMENT[0],
        referring: "Okafor^Amara^^^MD".to_owned(),
        referring_phone: "541-555-0123".to_owned(),
        requesting: "Okafor^Amara^^^MD".to_owned(),
        reading: "Lindqvist^Henrik^^^MD".to_owned(),
        placer_order: "ORD77310452".to_owned(),
        filler_order: "A20230415017-1".to_owned(),
        requested_procedure_id: "RP301845".to_owned(),
        sps_id: "SPS301845".to_owned(),
        pps_id: "PPS552190".to_owned(),
        pps_uid: uid(SEED, &[1, 1, 1]),
    };
    let ct_series = Series {
        uid: uid(SEED, &[1, 1, 2]),
        frame_of_reference: uid(SEED, &[1, 1, 3]),
        localizer_uid: uid(SEED, &[1, 1, 4]),
        number: 2,
        time: ct_study.time + 95,
        description: "Axial 5mm STANDARD".to_owned(),
        kernel: "STANDARD",
        thickness: 5.0,
        operator: "Brennan^Rosa".to_owned(),
        performing: "Brennan^Rosa^^^RT".to_owned(),
        kvp: 120,
        ma: 310,
        exposure_time_ms: 800,
        recon_diameter: 360.0,
        table_height: 152.5,
        start_z: -40.0,
        leak_percent: 50,
    };
    for number in 1..=2 {
        let ct = CtInstance {
            seed: SEED,
            path: [1, 1, 2, u64::from(number)],
            patient: &jane,
            study: &ct_study,
            series: &ct_series,
            number,
            rows: 128,
            columns: 128,
            target_elements: 170,
        };
        let mut obj = ct.header();
        if number == 1 {
            put(
                &mut obj,
                tags::IMAGE_COMMENTS,
                VR::LT,
                format!(
                    "Pt {}, {} - motion artifact, repeat advised",
                    jane.family.to_uppercase(),
                    jane.given.to_uppercase()
                ),
            );
        }
        put_pixel_data(&mut obj, 16, ct.pixels());
        samples.push(Sample {
            name: if number == 1 {
                "ct-ge-1.dcm"
            } else {
                "ct-ge-2.dcm"
            },
            transfer_syntax: uids::EXPLICIT_VR_LITTLE_ENDIAN,
            obj,
        });
    }

    let followup = Study {
        uid: uid(SEED, &[1, 2]),
        date: days_from_civil(2024, 1, 22),
        time: 14 * 3600 + 3 * 60 + 41,
        accession: "A20240122008".to_owned(),
        id: "50377".to_owned(),
        protocol: &CT_PROTOCOLS[0],
        equipment: &CT_EQUIPMENT[2],
        referring: "Okafor^Amara^^^MD".to_owned(),
        referring_phone: "541-555-0123".to_owned(),
        requesting: "Okafor^Amara^^^MD".to_owned(),
        reading: "Castillo^Diego^^^MD".to_owned(),
        placer_order: "ORD78022193".to_owned(),
        filler_order: "A20240122008-1".to_owned(),
        requested_procedure_id: "RP318210".to_owned(),
        sps_id: "SPS318210".to_owned(),
        pps_id: "PPS560114".to_owned(),
        pps_uid: uid(SEED, &[1, 2, 1]),
    };
    let followup_series = Series {
        uid: uid(SEED, &[1, 2, 2]),
        frame_of_reference: uid(SEED, &[1, 2, 3]),
        localizer_uid: uid(SEED, &[1, 2, 4]),
        description: "Axial 3.0mm B30f".to_owned(),
        kernel: "B30f",
        thickness: 3.0,
        operator: "Walsh^Noor".to_owned(),
        performing: "Walsh^Noor^^^RT".to_owned(),
        time: followup.time + 70,
        leak_percent: 0,
        ..ct_series
    };
    let ct = CtInstance {
        seed: SEED,
        path: [1, 2, 2, 1],
        patient: &jane,
        study: &followup,
        series: &followup_series,
        number: 1,
        rows: 128,
        columns: 128,
        target_elements: 150,
    };
    let mut obj = ct.header();
    put(
        &mut obj,
        tags::IMAGE_COMMENTS,
        VR::LT,
        "Compare with prior 04/15/2023",
    );
    put_pixel_data(&mut obj, 16, ct.pixels());
    samples.push(Sample {
        name: "ct-siemens.dcm",
        transfer_syntax: uids::EXPLICIT_VR_LITTLE_ENDIAN,
        obj,
    });

    samples.push(Sample {
        name: "mr-implicit.dcm",
        transfer_syntax: uids::IMPLICIT_VR_LITTLE_ENDIAN,
        obj: mr_brain(&jane),
    });

    // Patient B: CT (Philips) and a dose screen capture in one study, an
    // ultrasound the day before.
    let abd = Study {
        uid: uid(SEED, &[2, 1]),
        date: days_from_civil(2023, 5, 12),
        time: 7 * 3600 + 48 * 60 + 19,
        accession: "CV2305120044".to_owned(),
        id: "7731".to_owned(),
        protocol: &CT_PROTOCOLS[2],
        equipment: &CT_EQUIPMENT[3],
        referring: "Haddad^Omar^^^MD".to_owned(),
        referring_phone: "319-555-0199".to_owned(),
        requesting: "Haddad^Omar^^^MD".to_owned(),
        reading: "Nguyen^Mei^^^MD".to_owned(),
        placer_order: "CVORD-2219034".to_owned(),
        filler_order: "CV2305120044".to_owned(),
        requested_procedure_id: "CVRP-88210".to_owned(),
        sps_id: "CVSPS-88210".to_owned(),
        pps_id: "CVPPS-41277".to_owned(),
        pps_uid: uid(SEED, &[2, 1, 1]),
    };
    let abd_series = Series {
        uid: uid(SEED, &[2, 1, 2]),
        frame_of_reference: uid(SEED, &[2, 1, 3]),
        localizer_uid: uid(SEED, &[2, 1, 4]),
        number: 3,
        time: abd.time + 240,
        description: "Portal venous 3mm B".to_owned(),
        kernel: "B",
        thickness: 3.0,
        operator: "Kim^Grace".to_owned(),
        performing: "Kim^Grace^^^RT".to_owned(),
        kvp: 120,
        ma: 250,
        exposure_time_ms: 750,
        recon_diameter: 420.0,
        table_height: 160.0,
        start_z: 60.0,
        leak_percent: 0,
    };
    let ct = CtInstance {
        seed: SEED,
        path: [2, 1, 2, 12],
        patient: &jorg,
        study: &abd,
        series: &abd_series,
        number: 12,
        rows: 128,
        columns: 128,
        target_elements: 160,
    };
    let mut obj = ct.header();
    put(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    put_pixel_data(&mut obj, 16, ct.pixels());
    samples.push(Sample {
        name: "ct-philips.dcm",
        transfer_syntax: uids::EXPLICIT_VR_LITTLE_ENDIAN,
        obj,
    });

    samples.push(Sample {
        name: "sc-dose-report.dcm",
        transfer_syntax: uids::EXPLICIT_VR_LITTLE_ENDIAN,
        obj: dose_screen(&jorg, &abd),
    });
    samples.push(Sample {
        name: "us-rgb-burned-in.dcm",
        transfer_syntax: uids::EXPLICIT_VR_LITTLE_ENDIAN,
        obj: ultrasound(&jorg),
    });

    let mut paths = Vec::with_capacity(samples.len());
    for sample in samples {
        let path = dir.join(sample.name);
        let file = with_meta(sample.obj, sample.transfer_syntax, &path)?;
        let bytes = encode(&file, &path)?;
        write_atomically(&path, &bytes)?;
        paths.push(path);
    }
    paths.sort();
    Ok(paths)
}

fn jane_doe() -> Patient {
    Patient {
        family: "Doe".to_owned(),
        given: "Jane".to_owned(),
        middle: "M".to_owned(),
        id: "4829137".to_owned(),
        issuer: "RIVERSIDE_MC".to_owned(),
        birth: days_from_civil(1962, 3, 14),
        sex: "F",
        weight_kg: 64.5,
        height_m: 1.68,
        address: "17 Maple St, Springfield, OR 97477".to_owned(),
        phone: "(541) 555-0187".to_owned(),
        other_id: "HC482913705".to_owned(),
        mother_birth_name: "Roe^Mary".to_owned(),
        ethnic: "",
        occupation: "TEACHER",
    }
}

fn jorg_muller() -> Patient {
    Patient {
        family: "Müller".to_owned(),
        given: "Jörg".to_owned(),
        middle: String::new(),
        id: "PID-88301".to_owned(),
        issuer: "CVUH".to_owned(),
        birth: days_from_civil(1948, 7, 29),
        sex: "M",
        weight_kg: 82.0,
        height_m: 1.79,
        address: "300 Elm St, Cedar Falls, IA 50613".to_owned(),
        phone: "(319) 555-0142".to_owned(),
        other_id: "INS771203984".to_owned(),
        mother_birth_name: "Schmidt^Ingrid".to_owned(),
        ethnic: "W",
        occupation: "RETIRED",
    }
}

static MR_SCANNER: Equipment = Equipment {
    vendor: Vendor::Siemens,
    manufacturer: "SIEMENS",
    model: "Skyra",
    serial: "45190",
    software: "syngo MR E11",
    station: "MRC45190",
    institution: 0,
    kernels: &[],
};

static MR_BRAIN: Protocol = Protocol {
    description: "MRI BRAIN WO CONTRAST",
    code: "IMG5002",
    body_part: "HEAD",
    protocol_name: "t2_tse_tra",
    contrast: false,
    reason: "Recurrent headaches",
    body: (0.32, 0.40),
};

fn mr_brain(patient: &Patient) -> Obj {
    let study = Study {
        uid: uid(SEED, &[1, 3]),
        date: days_from_civil(2023, 6, 2),
        time: 16 * 3600 + 30 * 60,
        accession: "A20230602031".to_owned(),
        id: "49012".to_owned(),
        protocol: &MR_BRAIN,
        equipment: &MR_SCANNER,
        referring: "Tanaka^Kenji^^^MD".to_owned(),
        referring_phone: "541-555-0164".to_owned(),
        requesting: "Tanaka^Kenji^^^MD".to_owned(),
        reading: "Lindqvist^Henrik^^^MD".to_owned(),
        placer_order: "ORD77452310".to_owned(),
        filler_order: "A20230602031-1".to_owned(),
        requested_procedure_id: "RP304417".to_owned(),
        sps_id: "SPS304417".to_owned(),
        pps_id: "PPS553801".to_owned(),
        pps_uid: uid(SEED, &[1, 3, 1]),
    };
    let (rows, cols) = (128_u16, 128_u16);
    let mut obj = Obj::new_empty();
    put(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    put(
        &mut obj,
        tags::IMAGE_TYPE,
        VR::CS,
        "ORIGINAL\\PRIMARY\\M\\ND\\NORM",
    );
    put(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        uids::MR_IMAGE_STORAGE,
    );
    put(
        &mut obj,
        tags::SOP_INSTANCE_UID,
        VR::UI,
        uid(SEED, &[1, 3, 2, 1]),
    );
    put(&mut obj, tags::SERIES_DATE, VR::DA, da(study.date));
    put(&mut obj, tags::ACQUISITION_DATE, VR::DA, da(study.date));
    put(&mut obj, tags::CONTENT_DATE, VR::DA, da(study.date));
    put(&mut obj, tags::SERIES_TIME, VR::TM, tm(study.time + 300, 0));
    put(
        &mut obj,
        tags::ACQUISITION_TIME,
        VR::TM,
        tm(study.time + 310, 250),
    );
    put(
        &mut obj,
        tags::CONTENT_TIME,
        VR::TM,
        tm(study.time + 330, 0),
    );
    put(&mut obj, tags::MODALITY, VR::CS, "MR");
    study_module(&mut obj, &study, patient, "MR");
    equipment_module(&mut obj, study.equipment, &INSTITUTIONS[0]);
    patient_module(&mut obj, patient, study.date, false);
    put(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, "t2_tse_tra_p2");
    put(&mut obj, tags::OPERATORS_NAME, VR::PN, "Larsen^Felix");
    put(
        &mut obj,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        uid(SEED, &[1, 3, 2]),
    );
    put(&mut obj, tags::SERIES_NUMBER, VR::IS, "4");
    put(&mut obj, tags::INSTANCE_NUMBER, VR::IS, "9");
    put(&mut obj, tags::PATIENT_POSITION, VR::CS, "HFS");
    put(&mut obj, tags::BODY_PART_EXAMINED, VR::CS, "BRAIN");
    put(&mut obj, tags::PROTOCOL_NAME, VR::LO, "t2_tse_tra");
    put(
        &mut obj,
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        uid(SEED, &[1, 3, 3]),
    );
    put(&mut obj, tags::POSITION_REFERENCE_INDICATOR, VR::LO, "");
    put(&mut obj, tags::SCANNING_SEQUENCE, VR::CS, "SE");
    put(&mut obj, tags::SEQUENCE_VARIANT, VR::CS, "SK\\SP\\OSP");
    put(&mut obj, tags::SCAN_OPTIONS, VR::CS, "PFP\\SAT1");
    put(&mut obj, tags::MR_ACQUISITION_TYPE, VR::CS, "2D");
    put(&mut obj, tags::SLICE_THICKNESS, VR::DS, "5");
    put(&mut obj, tags::REPETITION_TIME, VR::DS, "6000");
    put(&mut obj, tags::ECHO_TIME, VR::DS, "95");
    put(&mut obj, tags::ECHO_TRAIN_LENGTH, VR::IS, "16");
    put(&mut obj, tags::NUMBER_OF_AVERAGES, VR::DS, "1");
    put(&mut obj, tags::IMAGING_FREQUENCY, VR::DS, "123.2567");
    put(&mut obj, tags::IMAGED_NUCLEUS, VR::SH, "1H");
    put(&mut obj, tags::MAGNETIC_FIELD_STRENGTH, VR::DS, "3");
    put(&mut obj, tags::FLIP_ANGLE, VR::DS, "150");
    put(
        &mut obj,
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        "-115\\-128.5\\12.5",
    );
    put(
        &mut obj,
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        "1\\0\\0\\0\\1\\0",
    );
    put(&mut obj, tags::SLICE_LOCATION, VR::DS, "12.5");
    put(&mut obj, tags::PIXEL_SPACING, VR::DS, "1.796875\\1.796875");
    image_pixel_module(&mut obj, rows, cols, 1, 16, false);
    put(&mut obj, tags::WINDOW_CENTER, VR::DS, "400");
    put(&mut obj, tags::WINDOW_WIDTH, VR::DS, "900");
    put(
        &mut obj,
        tags::IMAGE_COMMENTS,
        VR::LT,
        format!(
            "{} {} claustrophobic, mild sedation",
            patient.given, patient.family
        ),
    );
    // Private elements: in Implicit VR a reader without Siemens' dictionary
    // sees them as UN.
    let mut b = PrivateBlock::new(&mut obj, 0x0019, "SIEMENS MR HEADER");
    b.put(0x08, VR::CS, "IMAGE NUM 4")
        .put(0x09, VR::LO, "1.0")
        .put(0x0B, VR::DS, "40")
        .put(0x0F, VR::SH, "Fast*")
        .put(0x12, VR::SL, 0_i32);

    let mut pixels = Vec::with_capacity(usize::from(rows) * usize::from(cols) * 2);
    let mut rng = Rng::stream(SEED, &[1, 3, 9]);
    for y in 0..rows {
        let v = (f64::from(y) + 0.5) / f64::from(rows) - 0.5;
        for x in 0..cols {
            let u = (f64::from(x) + 0.5) / f64::from(cols) - 0.5;
            let r = (u / 0.32).powi(2) + (v / 0.40).powi(2);
            let base: i64 = if r > 1.0 {
                0
            } else if r > 0.88 {
                250
            } else if (u.abs() < 0.05) && v.abs() < 0.12 {
                900 // ventricles: bright on T2
            } else {
                420 + ((u * 40.0).sin() * 60.0) as i64
            };
            let value = (base + rng.range(0, 24)) as u16;
            pixels.extend_from_slice(&value.to_le_bytes());
        }
    }
    put_pixel_data(&mut obj, 16, pixels);
    obj
}

static US_SCANNER: Equipment = Equipment {
    vendor: Vendor::Ge,
    manufacturer: "GE Healthcare",
    model: "LOGIQ E9",
    serial: "LE9-204417",
    software: "R6.1.0",
    station: "US-ROOM3",
    institution: 3,
    kernels: &[],
};

static US_ABDOMEN: Protocol = Protocol {
    description: "US ABDOMEN COMPLETE",
    code: "IMG7010",
    body_part: "ABDOMEN",
    protocol_name: "ABD",
    contrast: false,
    reason: "Elevated LFTs",
    body: (0.5, 0.5),
};

fn ultrasound(patient: &Patient) -> Obj {
    let study = Study {
        uid: uid(SEED, &[2, 2]),
        date: days_from_civil(2023, 5, 11),
        time: 10 * 3600 + 5 * 60 + 12,
        accession: "CV2305110107".to_owned(),
        id: "7702".to_owned(),
        protocol: &US_ABDOMEN,
        equipment: &US_SCANNER,
        referring: "Haddad^Omar^^^MD".to_owned(),
        referring_phone: "319-555-0199".to_owned(),
        requesting: "Haddad^Omar^^^MD".to_owned(),
        reading: "Nguyen^Mei^^^MD".to_owned(),
        placer_order: "CVORD-2218870".to_owned(),
        filler_order: "CV2305110107".to_owned(),
        requested_procedure_id: "CVRP-88154".to_owned(),
        sps_id: "CVSPS-88154".to_owned(),
        pps_id: "CVPPS-41205".to_owned(),
        pps_uid: uid(SEED, &[2, 2, 1]),
    };
    let (rows, cols) = (120_u16, 160_u16);
    let mut obj = Obj::new_empty();
    put(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    put(
        &mut obj,
        tags::IMAGE_TYPE,
        VR::CS,
        "ORIGINAL\\PRIMARY\\ABDOMINAL\\0001",
    );
    put(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        uids::ULTRASOUND_IMAGE_STORAGE,
    );
    put(
        &mut obj,
        tags::SOP_INSTANCE_UID,
        VR::UI,
        uid(SEED, &[2, 2, 2, 1]),
    );
    put(&mut obj, tags::SERIES_DATE, VR::DA, da(study.date));
    put(&mut obj, tags::CONTENT_DATE, VR::DA, da(study.date));
    put(&mut obj, tags::SERIES_TIME, VR::TM, tm(study.time, 0));
    put(
        &mut obj,
        tags::CONTENT_TIME,
        VR::TM,
        tm(study.time + 143, 0),
    );
    put(&mut obj, tags::MODALITY, VR::CS, "US");
    study_module(&mut obj, &study, patient, "US");
    equipment_module(&mut obj, study.equipment, study.institution());
    patient_module(&mut obj, patient, study.date, false);
    put(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, "Abdomen");
    put(&mut obj, tags::OPERATORS_NAME, VR::PN, "Achebe^Amara");
    put(
        &mut obj,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        uid(SEED, &[2, 2, 2]),
    );
    put(&mut obj, tags::SERIES_NUMBER, VR::IS, "1");
    put(&mut obj, tags::LATERALITY, VR::CS, "");
    put(&mut obj, tags::INSTANCE_NUMBER, VR::IS, "1");
    put(&mut obj, tags::PATIENT_ORIENTATION, VR::CS, "");
    put(&mut obj, tags::TRANSDUCER_DATA, VR::LO, "C1-6-D");
    put(&mut obj, tags::PROCESSING_FUNCTION, VR::LO, "Abdomen");
    image_pixel_module(&mut obj, rows, cols, 3, 8, false);
    put(&mut obj, tags::BURNED_IN_ANNOTATION, VR::CS, "YES");
    put(&mut obj, tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");
    let mut region = Obj::new_empty();
    put(&mut region, tags::REGION_SPATIAL_FORMAT, VR::US, 1_u16);
    put(&mut region, tags::REGION_DATA_TYPE, VR::US, 1_u16);
    put(&mut region, tags::REGION_FLAGS, VR::UL, 2_u32);
    put(&mut region, tags::REGION_LOCATION_MIN_X0, VR::UL, 20_u32);
    put(&mut region, tags::REGION_LOCATION_MIN_Y0, VR::UL, 30_u32);
    put(&mut region, tags::REGION_LOCATION_MAX_X1, VR::UL, 139_u32);
    put(&mut region, tags::REGION_LOCATION_MAX_Y1, VR::UL, 110_u32);
    put(&mut region, tags::PHYSICAL_UNITS_X_DIRECTION, VR::US, 3_u16);
    put(&mut region, tags::PHYSICAL_UNITS_Y_DIRECTION, VR::US, 3_u16);
    put(&mut region, tags::PHYSICAL_DELTA_X, VR::FD, 0.12_f64);
    put(&mut region, tags::PHYSICAL_DELTA_Y, VR::FD, 0.12_f64);
    put_seq(&mut obj, tags::SEQUENCE_OF_ULTRASOUND_REGIONS, vec![region]);

    // Pixels: a speckled sector, then the annotation burned in on top.
    let (w, h) = (usize::from(cols), usize::from(rows));
    let mut rgb = vec![0_u8; w * h * 3];
    let mut rng = Rng::stream(SEED, &[2, 2, 9]);
    let (apex_x, apex_y) = (w as f64 / 2.0, 22.0);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f64 - apex_x, y as f64 - apex_y);
            let r = (dx * dx + dy * dy).sqrt();
            if dy > 0.0 && dx.abs() < dy * 0.8 && (8.0..95.0).contains(&r) {
                let depth = 1.0 - r / 110.0;
                let gray = (rng.below(160) as f64 * depth + 30.0) as u8;
                let i = (y * w + x) * 3;
                rgb[i..i + 3].copy_from_slice(&[gray, gray, gray]);
            }
        }
    }
    let dob = {
        let (y, m, d) = super::rng::civil_from_days(patient.birth);
        format!("{y:04}/{m:02}/{d:02}")
    };
    let lines = [
        (
            2,
            2,
            format!("{} {}", patient.family, patient.given),
            [255, 255, 255],
        ),
        (2, 11, format!("ID {} {}", patient.id, dob), [255, 255, 255]),
        (
            2,
            111,
            format!("CVUH {}", "2023/05/11 10:07"),
            [255, 255, 0],
        ),
    ];
    for (x, y, text, color) in lines {
        font::draw(&text, x, y, |px, py| {
            if px < w && py < h {
                let i = (py * w + px) * 3;
                rgb[i..i + 3].copy_from_slice(&color);
            }
        });
    }
    put_pixel_data(&mut obj, 8, rgb);
    obj
}

static SC_DEVICE: Equipment = Equipment {
    vendor: Vendor::Philips,
    manufacturer: "Philips",
    model: "Brilliance 64",
    serial: "10187",
    software: "4.1.6",
    station: "HOST-10187",
    institution: 3,
    kernels: &[],
};

fn dose_screen(patient: &Patient, study: &Study) -> Obj {
    let (rows, cols) = (96_u16, 128_u16);
    let mut obj = Obj::new_empty();
    put(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    put(
        &mut obj,
        tags::IMAGE_TYPE,
        VR::CS,
        "DERIVED\\SECONDARY\\OTHER",
    );
    put(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
    );
    put(
        &mut obj,
        tags::SOP_INSTANCE_UID,
        VR::UI,
        uid(SEED, &[2, 1, 9, 1]),
    );
    put(&mut obj, tags::CONTENT_DATE, VR::DA, da(study.date));
    put(
        &mut obj,
        tags::CONTENT_TIME,
        VR::TM,
        tm(study.time + 900, 0),
    );
    put(&mut obj, tags::MODALITY, VR::CS, "CT");
    put(&mut obj, tags::CONVERSION_TYPE, VR::CS, "WSD");
    study_module(&mut obj, study, patient, "CT");
    equipment_module(&mut obj, &SC_DEVICE, study.institution());
    patient_module(&mut obj, patient, study.date, false);
    put(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, "Dose Report");
    put(
        &mut obj,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        uid(SEED, &[2, 1, 9]),
    );
    put(&mut obj, tags::SERIES_NUMBER, VR::IS, "999");
    put(&mut obj, tags::INSTANCE_NUMBER, VR::IS, "1");
    put(&mut obj, tags::PATIENT_ORIENTATION, VR::CS, "");
    put(
        &mut obj,
        tags::DATE_OF_SECONDARY_CAPTURE,
        VR::DA,
        da(study.date),
    );
    put(
        &mut obj,
        tags::TIME_OF_SECONDARY_CAPTURE,
        VR::TM,
        tm(study.time + 900, 0),
    );
    put(
        &mut obj,
        tags::SECONDARY_CAPTURE_DEVICE_MANUFACTURER,
        VR::LO,
        "Philips",
    );
    put_seq(
        &mut obj,
        tags::ANATOMIC_REGION_SEQUENCE,
        vec![code_item("T-D4000", "SRT", "Abdomen")],
    );
    image_pixel_module(&mut obj, rows, cols, 1, 8, false);
    put(&mut obj, tags::BURNED_IN_ANNOTATION, VR::CS, "YES");
    put(&mut obj, tags::IMAGE_COMMENTS, VR::LT, "Dose info");

    let (w, h) = (usize::from(cols), usize::from(rows));
    let mut gray = vec![16_u8; w * h];
    for px in gray.iter_mut().take(w * 12) {
        *px = 70; // title bar
    }
    let lines = [
        (2, 2, "DOSE REPORT".to_owned()),
        (2, 16, format!("{}^{}", patient.family, patient.given)),
        (2, 26, format!("ID {}", patient.id)),
        (2, 36, format!("ACC {}", study.accession)),
        (2, 50, "SERIES  CTDIVOL  DLP".to_owned()),
        (2, 60, "3       12.4     512".to_owned()),
        (2, 74, format!("TOTAL DLP {} MGY-CM", 512)),
        (2, 86, da(study.date)),
    ];
    for (x, y, text) in lines {
        font::draw(&text, x, y, |px, py| {
            if px < w && py < h {
                gray[py * w + px] = 235;
            }
        });
    }
    put(&mut obj, tags::WINDOW_CENTER, VR::DS, ds(127.5, 1));
    put(&mut obj, tags::WINDOW_WIDTH, VR::DS, "256");
    put_pixel_data(&mut obj, 8, gray);
    obj
}
