//! Fake people, places and machines, and the facts of one synthetic
//! patient / study / series derived deterministically from a seed.
//!
//! Every name, number and address here is invented. They are meant to look
//! like PHI so that Gantry's detectors have something realistic to find.

use super::rng::{Rng, days_from_civil, uid};

pub(crate) const FEMALE_GIVEN: &[&str] = &[
    "Jane", "Maria", "Olivia", "Emma", "Sofia", "Hannah", "Grace", "Chloe", "Aisha", "Mei",
    "Priya", "Ingrid", "Lucia", "Fatima", "Noor", "Elena", "Rosa", "Yuki", "Amara", "Beatrice",
];
pub(crate) const MALE_GIVEN: &[&str] = &[
    "John", "Liam", "Noah", "James", "Lucas", "Mateo", "Omar", "Wei", "Arjun", "Henrik", "Diego",
    "Samuel", "Kwame", "Tomasz", "Ravi", "Hugo", "Felix", "Kenji", "Andre", "Walter",
];
pub(crate) const FAMILY: &[&str] = &[
    "Doe",
    "Roe",
    "Smith",
    "Johnson",
    "Garcia",
    "Nguyen",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Rossi",
    "Tanaka",
    "Patel",
    "Schmidt",
    "O'Brien",
    "MacLeod",
    "Fernandes",
    "Novak",
    "Ibrahim",
    "Brennan",
    "Castillo",
    "Yamamoto",
    "Achebe",
    "Larsen",
    "Dubois",
    "Kim",
    "Chen",
    "Murphy",
    "Walsh",
];
const STREETS: &[&str] = &[
    "Maple St",
    "Oak Ave",
    "Birch Ln",
    "Elm St",
    "Harbor Rd",
    "Mill Pond Dr",
    "Sunset Blvd",
    "Cedar Ct",
    "Lakeview Ter",
    "Quarry Rd",
];
const TOWNS: &[&str] = &[
    "Springfield, OR 97477",
    "Port Clement, ME 04101",
    "Lakeview, MN 55044",
    "Cedar Falls, IA 50613",
    "Fairhaven, MA 02719",
    "Greenfield, WI 53220",
];
const ETHNIC: &[&str] = &["", "", "W", "B", "H", "A", "UNKNOWN"];
const OCCUPATIONS: &[&str] = &["TEACHER", "RETIRED", "NURSE", "ELECTRICIAN", "STUDENT", ""];

/// A (fake) hospital or imaging centre.
#[derive(Debug)]
pub(crate) struct Institution {
    pub(crate) name: &'static str,
    pub(crate) address: &'static str,
    pub(crate) department: &'static str,
    pub(crate) issuer: &'static str,
    pub(crate) phone_prefix: &'static str,
}

pub(crate) const INSTITUTIONS: &[Institution] = &[
    Institution {
        name: "Riverside Medical Center",
        address: "1200 River Rd, Springfield, OR 97477",
        department: "Diagnostic Radiology",
        issuer: "RIVERSIDE_MC",
        phone_prefix: "541-555",
    },
    Institution {
        name: "St. Aurelia General Hospital",
        address: "45 Harbor Ave, Port Clement, ME 04101",
        department: "Radiology - CT",
        issuer: "STAURELIA",
        phone_prefix: "207-555",
    },
    Institution {
        name: "Northgate Imaging Associates",
        address: "9 Commerce Pkwy Suite 210, Lakeview, MN 55044",
        department: "Outpatient Imaging",
        issuer: "NGIA",
        phone_prefix: "952-555",
    },
    Institution {
        name: "Cedar Valley University Hospital",
        address: "300 University Blvd, Cedar Falls, IA 50613",
        department: "Dept. of Radiology",
        issuer: "CVUH",
        phone_prefix: "319-555",
    },
];

/// Which private dictionary a scanner writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vendor {
    Ge,
    Siemens,
    Philips,
}

/// One scanner: the (Manufacturer, Model, Serial) equipment key plus what
/// goes with it.
#[derive(Debug)]
pub(crate) struct Equipment {
    pub(crate) vendor: Vendor,
    pub(crate) manufacturer: &'static str,
    pub(crate) model: &'static str,
    pub(crate) serial: &'static str,
    pub(crate) software: &'static str,
    pub(crate) station: &'static str,
    pub(crate) institution: usize,
    pub(crate) kernels: &'static [&'static str],
}

pub(crate) const CT_EQUIPMENT: &[Equipment] = &[
    Equipment {
        vendor: Vendor::Ge,
        manufacturer: "GE MEDICAL SYSTEMS",
        model: "LightSpeed VCT",
        serial: "VCT04471CT",
        software: "LightSpeedverrel",
        station: "CTAWP04471",
        institution: 0,
        kernels: &["STANDARD", "LUNG", "BONE", "SOFT"],
    },
    Equipment {
        vendor: Vendor::Ge,
        manufacturer: "GE MEDICAL SYSTEMS",
        model: "Revolution CT",
        serial: "RV17C0233",
        software: "revo_ct_22mw.38",
        station: "REVCT-ED1",
        institution: 1,
        kernels: &["STANDARD", "LUNG", "BONEPLUS"],
    },
    Equipment {
        vendor: Vendor::Siemens,
        manufacturer: "SIEMENS",
        model: "SOMATOM Definition AS+",
        serial: "64523",
        software: "syngo CT VA48A",
        station: "CTAS64523",
        institution: 2,
        kernels: &["B30f", "B70f", "I30f\\3"],
    },
    Equipment {
        vendor: Vendor::Philips,
        manufacturer: "Philips",
        model: "Brilliance 64",
        serial: "10187",
        software: "4.1.6",
        station: "HOST-10187",
        institution: 3,
        kernels: &["B", "C", "L"],
    },
    Equipment {
        vendor: Vendor::Ge,
        manufacturer: "GE MEDICAL SYSTEMS",
        model: "LightSpeed VCT",
        serial: "VCT05802CT",
        software: "LightSpeedverrel",
        station: "CTAWP05802",
        institution: 3,
        kernels: &["STANDARD", "LUNG", "BONE"],
    },
];

/// An orderable CT procedure.
#[derive(Debug)]
pub(crate) struct Protocol {
    pub(crate) description: &'static str,
    pub(crate) code: &'static str,
    pub(crate) body_part: &'static str,
    pub(crate) protocol_name: &'static str,
    pub(crate) contrast: bool,
    pub(crate) reason: &'static str,
    /// Half-axes of the body outline as fractions of the field of view.
    pub(crate) body: (f64, f64),
}

pub(crate) const CT_PROTOCOLS: &[Protocol] = &[
    Protocol {
        description: "CT CHEST WITH CONTRAST",
        code: "IMG1021",
        body_part: "CHEST",
        protocol_name: "5.1 CHEST W",
        contrast: true,
        reason: "Persistent cough, r/o mass",
        body: (0.42, 0.30),
    },
    Protocol {
        description: "CT CHEST LOW DOSE SCREENING",
        code: "IMG1108",
        body_part: "CHEST",
        protocol_name: "LDCT LUNG SCREEN",
        contrast: false,
        reason: "Lung cancer screening, 30 pack-years",
        body: (0.42, 0.30),
    },
    Protocol {
        description: "CT ABDOMEN PELVIS WITH CONTRAST",
        code: "IMG2040",
        body_part: "ABDOMEN",
        protocol_name: "6.2 ABD/PEL W",
        contrast: true,
        reason: "RLQ pain, fever",
        body: (0.40, 0.32),
    },
    Protocol {
        description: "CT HEAD WO CONTRAST",
        code: "IMG3001",
        body_part: "HEAD",
        protocol_name: "1.1 ROUTINE HEAD",
        contrast: false,
        reason: "Fall, headache",
        body: (0.30, 0.36),
    },
    Protocol {
        description: "CTA CHEST PE PROTOCOL",
        code: "IMG1150",
        body_part: "CHEST",
        protocol_name: "CTA PE",
        contrast: true,
        reason: "SOB, elevated D-dimer",
        body: (0.42, 0.30),
    },
];

/// A fake patient. `birth` and all other dates are day numbers since 1970.
#[derive(Debug)]
pub(crate) struct Patient {
    pub(crate) family: String,
    pub(crate) given: String,
    pub(crate) middle: String,
    pub(crate) id: String,
    pub(crate) issuer: String,
    pub(crate) birth: i64,
    pub(crate) sex: &'static str,
    pub(crate) weight_kg: f64,
    pub(crate) height_m: f64,
    pub(crate) address: String,
    pub(crate) phone: String,
    pub(crate) other_id: String,
    pub(crate) mother_birth_name: String,
    pub(crate) ethnic: &'static str,
    pub(crate) occupation: &'static str,
}

impl Patient {
    /// DICOM PN: `Family^Given^Middle`.
    pub(crate) fn pn(&self) -> String {
        if self.middle.is_empty() {
            format!("{}^{}", self.family, self.given)
        } else {
            format!("{}^{}^{}", self.family, self.given, self.middle)
        }
    }

    /// DICOM AS at a given day, e.g. `054Y`.
    pub(crate) fn age_at(&self, day: i64) -> String {
        let (by, bm, bd) = super::rng::civil_from_days(self.birth);
        let (y, m, d) = super::rng::civil_from_days(day);
        let mut years = y - by;
        if (m, d) < (bm, bd) {
            years -= 1;
        }
        format!("{:03}Y", years.clamp(0, 999))
    }

    /// `MM/DD/YYYY`, the way people type dates into free text.
    pub(crate) fn birth_us(&self) -> String {
        let (y, m, d) = super::rng::civil_from_days(self.birth);
        format!("{m:02}/{d:02}/{y:04}")
    }
}

/// A PN for a clinician or technologist, optionally with a suffix.
pub(crate) fn staff_pn(rng: &mut Rng, suffix: &str) -> String {
    let family = rng.pick(FAMILY);
    let given = if rng.chance(50) {
        rng.pick(FEMALE_GIVEN)
    } else {
        rng.pick(MALE_GIVEN)
    };
    if suffix.is_empty() {
        format!("{family}^{given}")
    } else {
        format!("{family}^{given}^^^{suffix}")
    }
}

const PATIENT: u64 = 1;
const STUDY: u64 = 2;
const SERIES: u64 = 3;

pub(crate) fn patient(seed: u64, p: usize, institution: &Institution) -> Patient {
    let mut rng = Rng::stream(seed, &[PATIENT, p as u64]);
    let female = rng.chance(50);
    let given = if female {
        rng.pick(FEMALE_GIVEN)
    } else {
        rng.pick(MALE_GIVEN)
    };
    let middle = if rng.chance(40) {
        let m = if female {
            rng.pick(FEMALE_GIVEN)
        } else {
            rng.pick(MALE_GIVEN)
        };
        m[..1].to_owned()
    } else {
        String::new()
    };
    let family = *rng.pick(FAMILY);
    let birth = days_from_civil(
        rng.range(1931, 2006),
        rng.range(1, 12) as u32,
        rng.range(1, 28) as u32,
    );
    let height_m = if female {
        rng.decimal(1.50, 1.80, 100)
    } else {
        rng.decimal(1.60, 1.95, 100)
    };
    let bmi = rng.decimal(19.0, 34.0, 10);
    let weight_kg = ((bmi * height_m * height_m) * 10.0).round() / 10.0;
    Patient {
        family: family.to_owned(),
        given: (*given).to_owned(),
        middle,
        // Unique per patient index: the random part is smaller than the stride.
        id: format!("{:07}", 1_000_000 + p as u64 * 7_919 + rng.below(7_919)),
        issuer: institution.issuer.to_owned(),
        birth,
        sex: if female { "F" } else { "M" },
        weight_kg,
        height_m,
        address: format!(
            "{} {}, {}",
            rng.range(2, 9999),
            rng.pick(STREETS),
            rng.pick(TOWNS)
        ),
        phone: format!("({}) 555-{:04}", rng.range(201, 989), rng.range(100, 9999)),
        other_id: format!("{}{}", rng.pick(&["SSN-", "HC", "INS"]), rng.digits(9)),
        mother_birth_name: format!("{}^{}", rng.pick(FAMILY), rng.pick(FEMALE_GIVEN)),
        ethnic: rng.pick_copy(ETHNIC),
        occupation: rng.pick_copy(OCCUPATIONS),
    }
}

/// Facts shared by every instance of one study.
#[derive(Debug)]
pub(crate) struct Study {
    pub(crate) uid: String,
    pub(crate) date: i64,
    pub(crate) time: i64,
    pub(crate) accession: String,
    pub(crate) id: String,
    pub(crate) protocol: &'static Protocol,
    pub(crate) equipment: &'static Equipment,
    pub(crate) referring: String,
    pub(crate) referring_phone: String,
    pub(crate) requesting: String,
    pub(crate) reading: String,
    pub(crate) placer_order: String,
    pub(crate) filler_order: String,
    pub(crate) requested_procedure_id: String,
    pub(crate) sps_id: String,
    pub(crate) pps_id: String,
    pub(crate) pps_uid: String,
}

impl Study {
    pub(crate) fn institution(&self) -> &'static Institution {
        &INSTITUTIONS[self.equipment.institution % INSTITUTIONS.len()]
    }
}

/// The patient's home institution: where their first study happens.
pub(crate) fn home_equipment(seed: u64, p: usize) -> &'static Equipment {
    let mut rng = Rng::stream(seed, &[STUDY, p as u64, 0]);
    rng.pick(CT_EQUIPMENT)
}

pub(crate) fn study(seed: u64, p: usize, s: usize, patient: &Patient) -> Study {
    let mut rng = Rng::stream(seed, &[STUDY, p as u64, s as u64]);
    let equipment = rng.pick(CT_EQUIPMENT);
    let protocol = rng.pick(CT_PROTOCOLS);
    // Studies of one patient are spread over a few years, after age 18 or so.
    let earliest = (patient.birth + 18 * 365).max(days_from_civil(2012, 1, 1));
    let date = earliest.max(days_from_civil(2015, 1, 1)) + rng.range(0, 9 * 365) + s as i64 * 200;
    let year = super::rng::civil_from_days(date).0;
    let accession = format!("A{year}{}", rng.digits(7));
    Study {
        uid: uid(seed, &[STUDY, p as u64, s as u64]),
        date,
        time: rng.range(6 * 3600, 22 * 3600),
        id: rng.digits(5),
        protocol,
        equipment,
        referring: staff_pn(&mut rng, "MD"),
        referring_phone: format!(
            "{}-{}",
            INSTITUTIONS[equipment.institution].phone_prefix,
            rng.digits(4)
        ),
        requesting: staff_pn(&mut rng, "MD"),
        reading: staff_pn(&mut rng, "MD"),
        placer_order: format!("ORD{}", rng.digits(8)),
        filler_order: format!("{}-{}", accession, rng.range(1, 9)),
        requested_procedure_id: format!("RP{}", rng.digits(6)),
        sps_id: format!("SPS{}", rng.digits(6)),
        pps_id: format!("PPS{}", rng.digits(6)),
        pps_uid: uid(seed, &[STUDY, p as u64, s as u64, 1]),
        accession,
    }
}

/// Facts shared by every instance of one series.
#[derive(Debug)]
pub(crate) struct Series {
    pub(crate) uid: String,
    pub(crate) frame_of_reference: String,
    pub(crate) localizer_uid: String,
    pub(crate) number: u32,
    pub(crate) time: i64,
    pub(crate) description: String,
    pub(crate) kernel: &'static str,
    pub(crate) thickness: f64,
    pub(crate) operator: String,
    pub(crate) performing: String,
    pub(crate) kvp: u32,
    pub(crate) ma: u32,
    pub(crate) exposure_time_ms: u32,
    pub(crate) recon_diameter: f64,
    pub(crate) table_height: f64,
    pub(crate) start_z: f64,
    /// ImageComments leaks the patient's name on this fraction (percent) of
    /// the series' images.
    pub(crate) leak_percent: u64,
}

impl Series {
    /// Exposure in mAs (at least 1).
    pub(crate) fn mas(&self) -> u32 {
        (self.ma * self.exposure_time_ms / 1000).max(1)
    }

    /// CTDIvol in mGy, a plausible function of the tube current.
    pub(crate) fn ctdi_vol(&self) -> f64 {
        f64::from(self.ma) / 25.0
    }
}

pub(crate) fn series(seed: u64, p: usize, s: usize, k: usize, study: &Study) -> Series {
    let mut rng = Rng::stream(seed, &[SERIES, p as u64, s as u64, k as u64]);
    let kernel = study.equipment.kernels[k % study.equipment.kernels.len()];
    let thickness = *rng.pick(&[0.625, 1.25, 2.5, 3.0, 5.0]);
    let plane = if k == 0 {
        "Axial"
    } else {
        *rng.pick(&["Axial", "Recon 2: Axial", "Axial Thin"])
    };
    let recon_diameter = if study.protocol.body_part == "HEAD" {
        rng.decimal(220.0, 250.0, 1)
    } else {
        rng.decimal(320.0, 500.0, 1)
    };
    Series {
        uid: uid(seed, &[SERIES, p as u64, s as u64, k as u64]),
        frame_of_reference: uid(seed, &[SERIES, p as u64, s as u64, 1_000]),
        localizer_uid: uid(seed, &[SERIES, p as u64, s as u64, 2_000]),
        number: 2 + k as u32,
        time: study.time + 60 + k as i64 * 45 + rng.range(0, 30),
        // A kernel like `I30f\3` is two values; a description is one.
        description: format!("{plane} {thickness}mm {}", kernel.replace('\\', " ")),
        kernel,
        thickness,
        operator: staff_pn(&mut rng, ""),
        performing: staff_pn(&mut rng, "RT"),
        kvp: *rng.pick(&[100, 120, 120, 140]),
        ma: rng.range(80, 450) as u32,
        exposure_time_ms: rng.range(500, 1_000) as u32,
        recon_diameter,
        table_height: rng.decimal(120.0, 190.0, 10),
        start_z: rng.decimal(-150.0, 80.0, 10),
        leak_percent: *rng.pick(&[0, 0, 0, 2, 10, 50]),
    }
}
