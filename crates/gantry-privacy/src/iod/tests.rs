use super::*;
use AttributeType::{Type1, Type1C, Type2, Type2C, Type3};

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const ENHANCED_CT: &str = "1.2.840.10008.5.1.4.1.1.2.1";
const MR: &str = "1.2.840.10008.5.1.4.1.1.4";
const ENHANCED_MR: &str = "1.2.840.10008.5.1.4.1.1.4.1";
const CR: &str = "1.2.840.10008.5.1.4.1.1.1";
const DX_PRESENTATION: &str = "1.2.840.10008.5.1.4.1.1.1.1";
const MG_PRESENTATION: &str = "1.2.840.10008.5.1.4.1.1.1.2";
const US: &str = "1.2.840.10008.5.1.4.1.1.6.1";
const US_MULTIFRAME: &str = "1.2.840.10008.5.1.4.1.1.3.1";
const SC: &str = "1.2.840.10008.5.1.4.1.1.7";
const PT: &str = "1.2.840.10008.5.1.4.1.1.128";
const NM: &str = "1.2.840.10008.5.1.4.1.1.20";
const XA: &str = "1.2.840.10008.5.1.4.1.1.12.1";
const RF: &str = "1.2.840.10008.5.1.4.1.1.12.2";
const BASIC_TEXT_SR: &str = "1.2.840.10008.5.1.4.1.1.88.11";
const ENHANCED_SR: &str = "1.2.840.10008.5.1.4.1.1.88.22";
const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
const ENHANCED_PET: &str = "1.2.840.10008.5.1.4.1.1.130";

fn ty(sop: &str, group: u16, element: u16) -> Requirement {
    requirement(sop, Tag(group, element))
}

fn known(ty: AttributeType) -> Requirement {
    Requirement::Known(ty)
}

/// The SOP classes whose type tables the spec requires, with their IOD.
const REQUIRED: [(&str, &str); 21] = [
    (CT, "CT Image"),
    (MR, "MR Image"),
    (CR, "Computed Radiography Image"),
    (DX_PRESENTATION, "Digital X-Ray Image"),
    ("1.2.840.10008.5.1.4.1.1.1.1.1", "Digital X-Ray Image"),
    (MG_PRESENTATION, "Digital Mammography X-Ray Image"),
    (US, "Ultrasound Image"),
    (US_MULTIFRAME, "Ultrasound Multi-frame Image"),
    (SC, "Secondary Capture Image"),
    (
        "1.2.840.10008.5.1.4.1.1.7.1",
        "Multi-frame Single Bit Secondary Capture Image",
    ),
    (
        "1.2.840.10008.5.1.4.1.1.7.2",
        "Multi-frame Grayscale Byte Secondary Capture Image",
    ),
    (
        "1.2.840.10008.5.1.4.1.1.7.3",
        "Multi-frame Grayscale Word Secondary Capture Image",
    ),
    (
        "1.2.840.10008.5.1.4.1.1.7.4",
        "Multi-frame True Color Secondary Capture Image",
    ),
    (PT, "Positron Emission Tomography Image"),
    (NM, "Nuclear Medicine Image"),
    (XA, "X-Ray Angiographic Image"),
    (RF, "X-Ray Radiofluoroscopic Image"),
    (BASIC_TEXT_SR, "Basic Text SR"),
    (ENHANCED_SR, "Enhanced SR"),
    (COMPREHENSIVE_SR, "Comprehensive SR"),
    (ENHANCED_CT, "Enhanced CT Image"),
];

#[test]
fn required_iods_are_complete() {
    for (sop, name) in REQUIRED.iter().chain(&[(ENHANCED_MR, "Enhanced MR Image")]) {
        let iod = iod(sop).unwrap_or_else(|| panic!("{sop} unknown"));
        assert_eq!(iod.name(), *name, "{sop}");
        assert!(iod.is_complete(), "{name}: {:?}", iod.unmapped_modules());
        // Patient, study and series basics resolve everywhere.
        assert_eq!(ty(sop, 0x0010, 0x0010), known(Type2), "{name} PatientName");
        assert_eq!(ty(sop, 0x0010, 0x0020), known(Type2), "{name} PatientID");
        assert_eq!(
            ty(sop, 0x0020, 0x000D),
            known(Type1),
            "{name} StudyInstanceUID"
        );
        assert_eq!(ty(sop, 0x0008, 0x0020), known(Type2), "{name} StudyDate");
        assert_eq!(
            ty(sop, 0x0008, 0x0050),
            known(Type2),
            "{name} AccessionNumber"
        );
        assert_eq!(
            ty(sop, 0x0020, 0x000E),
            known(Type1),
            "{name} SeriesInstanceUID"
        );
        assert_eq!(ty(sop, 0x0008, 0x0060), known(Type1), "{name} Modality");
        assert_eq!(ty(sop, 0x0008, 0x0016), known(Type1), "{name} SOPClassUID");
        assert_eq!(
            ty(sop, 0x0008, 0x0018),
            known(Type1),
            "{name} SOPInstanceUID"
        );
    }
}

#[test]
fn ct_image() {
    assert_eq!(iod_name(CT), Some("CT Image"));
    assert_eq!(ty(CT, 0x0010, 0x0010), known(Type2)); // PatientName
    assert_eq!(ty(CT, 0x0010, 0x0020), known(Type2)); // PatientID
    assert_eq!(ty(CT, 0x0010, 0x0030), known(Type2)); // PatientBirthDate
    assert_eq!(ty(CT, 0x0010, 0x0040), known(Type2)); // PatientSex
    assert_eq!(ty(CT, 0x0010, 0x1010), known(Type3)); // PatientAge
    assert_eq!(ty(CT, 0x0020, 0x000D), known(Type1)); // StudyInstanceUID
    assert_eq!(ty(CT, 0x0008, 0x0020), known(Type2)); // StudyDate
    assert_eq!(ty(CT, 0x0008, 0x0030), known(Type2)); // StudyTime
    assert_eq!(ty(CT, 0x0008, 0x0050), known(Type2)); // AccessionNumber
    assert_eq!(ty(CT, 0x0008, 0x0090), known(Type2)); // ReferringPhysicianName
    assert_eq!(ty(CT, 0x0020, 0x0010), known(Type2)); // StudyID
    assert_eq!(ty(CT, 0x0008, 0x1030), known(Type3)); // StudyDescription
    assert_eq!(ty(CT, 0x0008, 0x0080), known(Type3)); // InstitutionName
    assert_eq!(ty(CT, 0x0008, 0x0070), known(Type2)); // Manufacturer
    assert_eq!(ty(CT, 0x0008, 0x1010), known(Type3)); // StationName
    assert_eq!(ty(CT, 0x0018, 0x1000), known(Type3)); // DeviceSerialNumber
    assert_eq!(ty(CT, 0x0020, 0x000E), known(Type1)); // SeriesInstanceUID
    assert_eq!(ty(CT, 0x0020, 0x0011), known(Type2)); // SeriesNumber
    assert_eq!(ty(CT, 0x0008, 0x0021), known(Type3)); // SeriesDate
    assert_eq!(ty(CT, 0x0008, 0x1070), known(Type3)); // OperatorsName
    assert_eq!(ty(CT, 0x0018, 0x1030), known(Type3)); // ProtocolName
    assert_eq!(ty(CT, 0x0020, 0x0052), known(Type1)); // FrameOfReferenceUID
    assert_eq!(ty(CT, 0x0020, 0x0013), known(Type2)); // InstanceNumber
    assert_eq!(ty(CT, 0x0008, 0x0023), known(Type2C)); // ContentDate
    assert_eq!(ty(CT, 0x0008, 0x0033), known(Type2C)); // ContentTime
    assert_eq!(ty(CT, 0x0008, 0x0022), known(Type3)); // AcquisitionDate
    assert_eq!(ty(CT, 0x0008, 0x002A), known(Type3)); // AcquisitionDateTime
    assert_eq!(ty(CT, 0x0008, 0x1140), known(Type3)); // ReferencedImageSequence
    assert_eq!(ty(CT, 0x0008, 0x2112), known(Type3)); // SourceImageSequence
    assert_eq!(ty(CT, 0x0008, 0x0012), known(Type3)); // InstanceCreationDate
    // Type 3 in General Image, Type 2 in the CT Image Module: the strictest wins.
    assert_eq!(ty(CT, 0x0020, 0x0012), known(Type2)); // AcquisitionNumber
    assert_eq!(ty(CT, 0x0008, 0x0008), known(Type1)); // ImageType
    assert_eq!(ty(CT, 0x0018, 0x0060), known(Type2)); // KVP
    assert_eq!(ty(CT, 0x0028, 0x0010), known(Type1)); // Rows
    assert_eq!(ty(CT, 0x7FE0, 0x0010), known(Type1C)); // PixelData
    assert_eq!(ty(CT, 0x0018, 0x0010), known(Type2)); // ContrastBolusAgent
    // Overlay Plane Module, any overlay group.
    assert_eq!(ty(CT, 0x6000, 0x0010), known(Type1)); // OverlayRows
    assert_eq!(ty(CT, 0x6002, 0x3000), known(Type1)); // OverlayData
    // Supplemented modules: Specimen, Multi-energy CT Image.
    assert_eq!(ty(CT, 0x0040, 0x0512), known(Type1)); // ContainerIdentifier
    assert_eq!(ty(CT, 0x0018, 0x9362), known(Type1)); // MultienergyCTAcquisitionSequence
    // Not in the CT Image IOD.
    assert_eq!(ty(CT, 0x3008, 0x0250), Requirement::NotInIod); // TreatmentDate
    assert_eq!(ty(CT, 0x0040, 0xA491), Requirement::NotInIod); // CompletionFlag
    assert_eq!(ty(CT, 0x0010, 0x2203), known(Type2C)); // PatientSexNeutered
}

#[test]
fn mr_image() {
    assert_eq!(ty(MR, 0x0018, 0x0020), known(Type1)); // ScanningSequence
    assert_eq!(ty(MR, 0x0018, 0x0021), known(Type1)); // SequenceVariant
    assert_eq!(ty(MR, 0x0018, 0x0081), known(Type2)); // EchoTime
    assert_eq!(ty(MR, 0x0018, 0x0087), known(Type3)); // MagneticFieldStrength
    assert_eq!(ty(MR, 0x0008, 0x0023), known(Type2C)); // ContentDate
    assert_eq!(ty(MR, 0x0008, 0x0080), known(Type3)); // InstitutionName
    assert_eq!(ty(MR, 0x0018, 0x0060), Requirement::NotInIod); // KVP
}

#[test]
fn ultrasound() {
    assert_eq!(ty(US, 0x0028, 0x0004), known(Type1)); // PhotometricInterpretation
    assert_eq!(ty(US, 0x0008, 0x0023), known(Type2C)); // ContentDate
    assert_eq!(ty(US, 0x0008, 0x002A), known(Type1C)); // AcquisitionDateTime (IVUS)
    // Type 1 in the (optional) US Region Calibration Module.
    assert_eq!(ty(US, 0x0018, 0x6011), known(Type1)); // SequenceOfUltrasoundRegions
    assert_eq!(ty(US_MULTIFRAME, 0x0028, 0x0008), known(Type1)); // NumberOfFrames
    assert_eq!(ty(US_MULTIFRAME, 0x0028, 0x0009), known(Type1)); // FrameIncrementPointer
    assert_eq!(ty(US, 0x0028, 0x0008), Requirement::NotInIod);
    // The retired SOP classes map to the current IODs.
    assert_eq!(
        iod_name("1.2.840.10008.5.1.4.1.1.6"),
        Some("Ultrasound Image")
    );
    assert_eq!(
        iod_name("1.2.840.10008.5.1.4.1.1.3"),
        Some("Ultrasound Multi-frame Image")
    );
    assert_eq!(
        iod_name("1.2.840.10008.5.1.4.1.1.5"),
        Some("Nuclear Medicine Image")
    );
}

#[test]
fn secondary_capture() {
    assert_eq!(ty(SC, 0x0008, 0x0064), known(Type1)); // ConversionType
    // Type 3 in SC Equipment, Type 1 in General Series.
    assert_eq!(ty(SC, 0x0008, 0x0060), known(Type1)); // Modality
    assert_eq!(ty(SC, 0x0018, 0x1012), known(Type3)); // DateOfSecondaryCapture
    assert_eq!(ty(SC, 0x0008, 0x0023), known(Type2C)); // ContentDate
    // Frame of Reference is a conditional module of SC since 2008.
    assert_eq!(ty(SC, 0x0020, 0x0052), known(Type1)); // FrameOfReferenceUID
    assert_eq!(ty(SC, 0x0018, 0x0060), Requirement::NotInIod); // KVP
    assert_eq!(ty(SC, 0x0008, 0x0070), known(Type2)); // Manufacturer (General Equipment)
    assert_eq!(
        ty("1.2.840.10008.5.1.4.1.1.7.4", 0x0028, 0x0008),
        known(Type1)
    );
}

#[test]
fn structured_reports() {
    for sop in [BASIC_TEXT_SR, ENHANCED_SR, COMPREHENSIVE_SR] {
        let name = iod_name(sop).unwrap();
        assert_eq!(ty(sop, 0x0008, 0x0023), known(Type1), "{name} ContentDate");
        assert_eq!(ty(sop, 0x0008, 0x0033), known(Type1), "{name} ContentTime");
        assert_eq!(ty(sop, 0x0020, 0x0011), known(Type1), "{name} SeriesNumber");
        assert_eq!(
            ty(sop, 0x0020, 0x0013),
            known(Type1),
            "{name} InstanceNumber"
        );
        assert_eq!(
            ty(sop, 0x0040, 0xA491),
            known(Type1),
            "{name} CompletionFlag"
        );
        assert_eq!(
            ty(sop, 0x0040, 0xA493),
            known(Type1),
            "{name} VerificationFlag"
        );
        assert_eq!(ty(sop, 0x0040, 0xA040), known(Type1), "{name} ValueType");
        assert_eq!(
            ty(sop, 0x0040, 0xA073),
            known(Type1C),
            "{name} VerifyingObserverSequence"
        );
        // Referenced Performed Procedure Step Sequence: Type 2 in the SR
        // Document Series Module.
        assert_eq!(
            ty(sop, 0x0008, 0x1111),
            known(Type2),
            "{name} RefPPSSequence"
        );
        assert_eq!(ty(sop, 0x0008, 0x0021), known(Type3), "{name} SeriesDate");
        assert_eq!(
            ty(sop, 0x0008, 0x0080),
            known(Type3),
            "{name} InstitutionName"
        );
        assert_eq!(
            ty(sop, 0x0020, 0x0052),
            Requirement::NotInIod,
            "{name} FrameOfReferenceUID"
        );
    }
}

#[test]
fn other_images() {
    // PET Series and PET Image make series and acquisition dates mandatory.
    assert_eq!(ty(PT, 0x0008, 0x0021), known(Type1)); // SeriesDate
    assert_eq!(ty(PT, 0x0008, 0x0031), known(Type1)); // SeriesTime
    assert_eq!(ty(PT, 0x0008, 0x0022), known(Type2)); // AcquisitionDate
    assert_eq!(ty(PT, 0x0054, 0x1001), known(Type1)); // Units
    assert_eq!(ty(NM, 0x0028, 0x0008), known(Type1)); // NumberOfFrames
    // X-Ray Image Module: Referenced Image Sequence is 1C (biplane).
    assert_eq!(ty(XA, 0x0008, 0x1140), known(Type1C));
    assert_eq!(ty(RF, 0x0008, 0x1140), known(Type1C));
    assert_eq!(ty(CR, 0x0018, 0x0015), known(Type2)); // BodyPartExamined
    assert_eq!(ty(CR, 0x0018, 0x1400), known(Type3)); // AcquisitionDeviceProcessingDescription
    assert_eq!(ty(DX_PRESENTATION, 0x0018, 0x700A), known(Type3)); // DetectorID
    assert_eq!(ty(DX_PRESENTATION, 0x0008, 0x1111), known(Type1C)); // RefPPSSequence
    assert_eq!(ty(MG_PRESENTATION, 0x0008, 0x0008), known(Type1)); // ImageType
}

#[test]
fn enhanced_images() {
    for sop in [ENHANCED_CT, ENHANCED_MR] {
        let name = iod_name(sop).unwrap();
        // Multi-frame Functional Groups Module.
        assert_eq!(ty(sop, 0x0008, 0x0023), known(Type1), "{name} ContentDate");
        assert_eq!(
            ty(sop, 0x0020, 0x0013),
            known(Type1),
            "{name} InstanceNumber"
        );
        assert_eq!(
            ty(sop, 0x5200, 0x9229),
            known(Type2),
            "{name} SharedFunctionalGroups"
        );
        assert_eq!(
            ty(sop, 0x5200, 0x9230),
            known(Type1),
            "{name} PerFrameFunctionalGroups"
        );
        assert_eq!(
            ty(sop, 0x0008, 0x002A),
            known(Type1C),
            "{name} AcquisitionDateTime"
        );
        // CT Series / MR Series Module.
        assert_eq!(
            ty(sop, 0x0008, 0x1111),
            known(Type1C),
            "{name} RefPPSSequence"
        );
        // Enhanced General Equipment Module.
        assert_eq!(
            ty(sop, 0x0018, 0x1000),
            known(Type1),
            "{name} DeviceSerialNumber"
        );
        assert_eq!(ty(sop, 0x0008, 0x0070), known(Type1), "{name} Manufacturer");
    }
    assert_eq!(ty(ENHANCED_CT, 0x0018, 0x9365), known(Type1)); // multi-energy X-ray sources
}

#[test]
fn unknowns() {
    assert_eq!(ty("1.2.3.4", 0x0010, 0x0010), Requirement::UnknownSopClass);
    assert_eq!(ty("", 0x0010, 0x0010), Requirement::UnknownSopClass);
    assert_eq!(iod_name("1.2.3.4"), None);
    // Padded UI values.
    assert_eq!(iod_name("1.2.840.10008.5.1.4.1.1.2\0"), Some("CT Image"));
    assert_eq!(iod_name("1.2.840.10008.5.1.4.1.1.2 "), Some("CT Image"));
    // Enhanced PET's own modules are newer than the 2008 tables: what is
    // not in the known ones may be in those.
    let pet = iod(ENHANCED_PET).unwrap();
    assert!(!pet.is_complete());
    assert!(pet.unmapped_modules().contains(&"enhanced-pet-series"));
    assert_eq!(ty(ENHANCED_PET, 0x0010, 0x0010), known(Type2));
    assert_eq!(
        ty(ENHANCED_PET, 0x3008, 0x0250),
        Requirement::UnknownAttribute
    );
}

#[test]
fn tables_are_consistent() {
    let mut previous = "";
    for (uid, iod) in sop_classes() {
        assert!(
            uid > previous,
            "SOP classes must be sorted for binary search"
        );
        previous = uid;
        assert_eq!(super::iod(uid).map(Iod::id), Some(iod.id()));
    }
    assert!(sop_classes().count() >= 178);
    for iod in iods() {
        let tags: Vec<u32> = iod.attributes.iter().map(|&(t, _)| t).collect();
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "{}", iod.id());
        assert!(!tags.is_empty(), "{}", iod.id());
    }
    assert!(
        SOP_CLASSES_WITHOUT_IOD.is_empty(),
        "{SOP_CLASSES_WITHOUT_IOD:?}"
    );
    // Only includes that are prose, not a macro.
    assert_eq!(
        UNRESOLVED_INCLUDES,
        [
            "Raw Data Module Attributes: Include any private attributes that contain Raw \
          Data information. See section C.19.1.1 for further explanation."
        ]
    );
}

#[test]
fn supplement_keywords_match_the_dictionary() {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
    use dicom_dictionary_std::StandardDataDictionary;
    for (module, attributes) in SUPPLEMENT {
        for &(tag, keyword, _) in attributes {
            let entry = StandardDataDictionary
                .by_name(keyword)
                .unwrap_or_else(|| panic!("{module}: {keyword} not in the dictionary"));
            let expected = Tag((tag >> 16) as u16, tag as u16);
            assert_eq!(entry.tag(), expected, "{module}: {keyword}");
        }
    }
}

/// The report of what the 2008 tables cannot say: IODs with modules
/// that are not mapped. Update the list when the data changes.
#[test]
fn incomplete_iods() {
    let incomplete: Vec<&str> = iods()
        .iter()
        .filter(|iod| !iod.is_complete())
        .map(Iod::id)
        .collect();
    for iod in iods().iter().filter(|iod| !iod.is_complete()) {
        println!("{}: {}", iod.id(), iod.unmapped_modules().join(", "));
    }
    assert_eq!(incomplete, INCOMPLETE);
}

const INCOMPLETE: [&str; 81] = [
    "advanced-blending-presentation-state",
    "autorefraction-measurements",
    "basic-structured-display",
    "blending-softcopy-presentation-state",
    "breast-projection-x-ray-image",
    "breast-tomosynthesis-image",
    "c-arm-photon-electron-radiation",
    "c-arm-photon-electron-radiation-record",
    "color-palette",
    "color-softcopy-presentation-state",
    "confocal-microscopy-image",
    "confocal-microscopy-tiled-pyramidal-image",
    "content-assessment-results",
    "corneal-topography-map",
    "ct-defined-procedure-protocol",
    "ct-performed-procedure-protocol",
    "dermoscopic-photography-image",
    "encapsulated-mtl",
    "encapsulated-obj",
    "encapsulated-stl",
    "enhanced-continuous-rt-image",
    "enhanced-pet-image",
    "enhanced-rt-image",
    "enhanced-us-volume",
    "generic-implant-template",
    "grayscale-softcopy-presentation-state",
    "implant-assembly-template",
    "implant-template-group",
    "intraocular-lens-calculations",
    "intravascular-optical-coherence-tomography-image",
    "inventory",
    "keratometry-measurements",
    "legacy-converted-enhanced-pet-image",
    "lensometry-measurements",
    "microscopy-bulk-simple-annotations",
    "ophthalmic-axial-measurements",
    "ophthalmic-optical-coherence-tomography-b-scan-volume-analysis",
    "ophthalmic-optical-coherence-tomography-en-face-image",
    "ophthalmic-thickness-map",
    "ophthalmic-visual-field-static-perimetry-measurements",
    "parametric-map",
    "photoacoustic-image",
    "planar-mpr-volumetric-presentation-state",
    "protocol-approval",
    "pseudo-color-softcopy-presentation-state",
    "real-time-audio-waveform",
    "real-time-video-endoscopic-image",
    "real-time-video-photographic-image",
    "robotic-arm-radiation",
    "robotic-arm-radiation-record",
    "rt-beams-delivery-instruction",
    "rt-brachy-application-setup-delivery-instruction",
    "rt-patient-position-acquisition-instruction",
    "rt-physician-intent",
    "rt-radiation-record-set",
    "rt-radiation-salvage-record",
    "rt-radiation-set",
    "rt-radiation-set-delivery-instruction",
    "rt-segment-annotation",
    "rt-treatment-preparation",
    "segmentation",
    "simplified-adult-echo-sr",
    "subjective-refraction-measurements",
    "surface-scan-mesh",
    "surface-scan-point-cloud",
    "surface-segmentation",
    "tomotherapeutic-radiation",
    "tomotherapeutic-radiation-record",
    "tractography-results",
    "variable-modality-lut-softcopy-presentation-state",
    "visual-acuity-measurements",
    "vl-microscopic-image",
    "vl-photographic-image",
    "vl-slide-coordinates-microscopic-image",
    "vl-whole-slide-microscopy-image",
    "volume-rendering-volumetric-presentation-state",
    "wide-field-ophthalmic-photography-3d-coordinates-image",
    "wide-field-ophthalmic-photography-stereographic-projection-image",
    "xa-defined-procedure-protocol",
    "xa-performed-procedure-protocol",
    "xa-xrf-grayscale-softcopy-presentation-state",
];
