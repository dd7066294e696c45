//! The attributes an instance is indexed by.
//!
//! Ingest reads these from the top level of the header while it scans for
//! Pixel Data; the store keeps them in indexed columns so that selection
//! (`--where`), the inventory and the graph need no header decoding. The
//! full header stays authoritative: these are a projection of it.

use crate::Phi;

/// Value of a YES/NO coded string such as BurnedInAnnotation (0028,0301).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum YesNo {
    /// "YES"
    Yes,
    /// "NO"
    No,
}

impl YesNo {
    /// Parse a CS value; anything but YES/NO (any case, padded) is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = crate::keys::trim_dicom(text);
        if text.eq_ignore_ascii_case("YES") {
            Some(YesNo::Yes)
        } else if text.eq_ignore_ascii_case("NO") {
            Some(YesNo::No)
        } else {
            None
        }
    }

    /// The coded string.
    pub fn as_str(self) -> &'static str {
        match self {
            YesNo::Yes => "YES",
            YesNo::No => "NO",
        }
    }
}

/// Top-level attributes of one instance, as text with DICOM padding
/// removed; `None` when the element is absent. Values that can identify a
/// person are wrapped in [`Phi`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexedAttributes {
    /// SpecificCharacterSet (0008,0005), all values joined with `\`.
    pub specific_character_set: Option<String>,
    /// SOPClassUID (0008,0016).
    pub sop_class_uid: Option<String>,
    /// SOPInstanceUID (0008,0018).
    pub sop_instance_uid: Option<Phi<String>>,
    /// StudyInstanceUID (0020,000D).
    pub study_instance_uid: Option<Phi<String>>,
    /// SeriesInstanceUID (0020,000E).
    pub series_instance_uid: Option<Phi<String>>,
    /// PatientID (0010,0020).
    pub patient_id: Option<Phi<String>>,
    /// IssuerOfPatientID (0010,0021).
    pub issuer_of_patient_id: Option<Phi<String>>,
    /// PatientName (0010,0010).
    pub patient_name: Option<Phi<String>>,
    /// PatientBirthDate (0010,0030).
    pub patient_birth_date: Option<Phi<String>>,
    /// StudyDate (0008,0020).
    pub study_date: Option<Phi<String>>,
    /// StudyDescription (0008,1030).
    pub study_description: Option<Phi<String>>,
    /// AccessionNumber (0008,0050).
    pub accession_number: Option<Phi<String>>,
    /// SeriesDescription (0008,103E).
    pub series_description: Option<Phi<String>>,
    /// SeriesNumber (0020,0011).
    pub series_number: Option<String>,
    /// InstanceNumber (0020,0013).
    pub instance_number: Option<String>,
    /// Modality (0008,0060).
    pub modality: Option<String>,
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// ManufacturerModelName (0008,1090).
    pub manufacturer_model_name: Option<String>,
    /// DeviceSerialNumber (0018,1000).
    pub device_serial_number: Option<String>,
    /// SoftwareVersions (0018,1020), values joined with `\`.
    pub software_versions: Option<String>,
    /// StationName (0008,1010).
    pub station_name: Option<Phi<String>>,
    /// InstitutionName (0008,0080).
    pub institution_name: Option<Phi<String>>,
    /// ImageType (0008,0008), values joined with `\`.
    pub image_type: Option<String>,
    /// Rows (0028,0010).
    pub rows: Option<u32>,
    /// Columns (0028,0011).
    pub columns: Option<u32>,
    /// NumberOfFrames (0028,0008); `None` when absent or not a number.
    pub number_of_frames: Option<u32>,
    /// SamplesPerPixel (0028,0002).
    pub samples_per_pixel: Option<u32>,
    /// BitsAllocated (0028,0100).
    pub bits_allocated: Option<u32>,
    /// BitsStored (0028,0101).
    pub bits_stored: Option<u32>,
    /// PixelRepresentation (0028,0103).
    pub pixel_representation: Option<u32>,
    /// PlanarConfiguration (0028,0006).
    pub planar_configuration: Option<u32>,
    /// PhotometricInterpretation (0028,0004).
    pub photometric_interpretation: Option<String>,
    /// BurnedInAnnotation (0028,0301), when YES or NO.
    pub burned_in_annotation: Option<YesNo>,
}
