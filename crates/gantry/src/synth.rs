//! Synthetic DICOM with fake PHI, for benchmarks, the shipped samples and
//! tests (feature `synth`).
//!
//! Two entry points:
//!
//! - [`generate_corpus`] writes a CT corpus described by a [`CorpusSpec`]:
//!   Part 10 files, Explicit VR Little Endian, CT Image Storage, 512×512
//!   signed 16-bit MONOCHROME2 pixels by default (≈ 0.5 MB per file), with
//!   realistic headers (≈ 200 top-level elements: patient, study, series,
//!   equipment, CT acquisition, nested sequences, vendor private blocks with
//!   a private sequence) and realistic PHI, including the patient's name in
//!   free text now and then. Files go to
//!   `dir/patient-NNNN/study-NN/series-NN/NNNNN.dcm`: counters only, no
//!   identifying values in paths. Existing files of the right size are
//!   reused, so re-running is cheap.
//! - [`write_samples`] writes the handful of small quick-start files shipped
//!   in `samples/` (two patients; CT, MR, US, SC; one Implicit VR file; one
//!   with burned-in text).
//!
//! Output is deterministic: the same spec and seed give the same bytes on
//! every run (no clock, no OS randomness). All names, IDs, addresses and
//! UIDs are invented.
//!
//! ```no_run
//! use gantry::synth::{CorpusSpec, generate_corpus};
//!
//! let spec = CorpusSpec::with_files(200);
//! let summary = generate_corpus(std::path::Path::new("bench-data/ct-200"), &spec)?;
//! assert_eq!(summary.files, 200);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::uids;
use rayon::prelude::*;

mod ct;
mod dataset;
mod fake;
mod font;
mod rng;
mod samples;
#[cfg(test)]
mod tests;

pub use samples::write_samples;

/// What [`generate_corpus`] writes.
///
/// Files are spread evenly over `patients × studies_per_patient ×
/// series_per_study` series, in order: the first series gets the first
/// files, and so on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Number of files (instances).
    pub files: usize,
    /// Number of distinct patients.
    pub patients: usize,
    /// Studies per patient.
    pub studies_per_patient: usize,
    /// Series per study.
    pub series_per_study: usize,
    /// Image rows.
    pub rows: u16,
    /// Image columns.
    pub columns: u16,
    /// Seed for every name, number, UID and pixel.
    pub seed: u64,
    /// Top-level elements per data set, Pixel Data included; vendor private
    /// padding elements are added up to this count (the natural header has
    /// about 150).
    pub header_elements: usize,
}

impl Default for CorpusSpec {
    /// 2,000 files of 512×512, 20 patients × 2 studies × 2 series.
    fn default() -> Self {
        CorpusSpec::with_files(2_000)
    }
}

impl CorpusSpec {
    /// A 512×512 corpus of `files` files with about 25 images per series and
    /// 2 studies × 2 series per patient.
    pub fn with_files(files: usize) -> Self {
        CorpusSpec {
            files,
            patients: files.div_ceil(100).max(1),
            studies_per_patient: 2,
            series_per_study: 2,
            rows: 512,
            columns: 512,
            seed: 0x6761_6E74_7279, // "gantry"
            header_elements: 200,
        }
    }

    /// Total number of series.
    pub fn series_count(&self) -> usize {
        self.patients * self.studies_per_patient * self.series_per_study
    }

    fn validate(&self) -> io::Result<()> {
        if self.patients == 0 || self.studies_per_patient == 0 || self.series_per_study == 0 {
            return Err(invalid(
                "patients, studies_per_patient and series_per_study must be at least 1",
            ));
        }
        if self.rows == 0 || self.columns == 0 {
            return Err(invalid("rows and columns must be at least 1"));
        }
        Ok(())
    }

    /// Where instance `index` sits in the patient/study/series tree, or
    /// `None` if `index >= files`.
    pub fn locate(&self, index: usize) -> Option<InstanceLocation> {
        if index >= self.files || self.series_count() == 0 {
            return None;
        }
        let (files, total) = (self.files as u128, self.series_count() as u128);
        let global = (index as u128 * total / files) as usize;
        let first = |g: usize| ((g as u128 * files).div_ceil(total)) as usize;
        let per_patient = self.studies_per_patient * self.series_per_study;
        Some(InstanceLocation {
            patient: global / per_patient,
            study: (global / self.series_per_study) % self.studies_per_patient,
            series: global % self.series_per_study,
            instance: (index - first(global) + 1) as u32,
            instances_in_series: (first(global + 1) - first(global)) as u32,
        })
    }

    /// Path of instance `index` relative to the corpus directory:
    /// `patient-NNNN/study-NN/series-NN/NNNNN.dcm`.
    pub fn relative_path(&self, index: usize) -> Option<PathBuf> {
        let at = self.locate(index)?;
        Some(
            [
                format!("patient-{:04}", at.patient + 1),
                format!("study-{:02}", at.study + 1),
                format!("series-{:02}", at.series + 1),
                format!("{:05}.dcm", at.instance),
            ]
            .iter()
            .collect(),
        )
    }

    /// Size in bytes of the Pixel Data value of one instance.
    pub fn pixel_bytes(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.columns) * 2
    }
}

/// Position of one instance in a [`CorpusSpec`]'s tree. Indices are 0-based,
/// `instance` (the InstanceNumber) is 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceLocation {
    /// Patient index.
    pub patient: usize,
    /// Study index within the patient.
    pub study: usize,
    /// Series index within the study.
    pub series: usize,
    /// InstanceNumber, from 1.
    pub instance: u32,
    /// Number of instances in this series.
    pub instances_in_series: u32,
}

/// What one [`write_ct_instance`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceWrite {
    /// File size in bytes.
    pub bytes: u64,
    /// `true` if an existing file of the expected size was kept.
    pub reused: bool,
}

/// What [`generate_corpus`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorpusSummary {
    /// Files in the corpus (written + reused).
    pub files: usize,
    /// Files written in this run.
    pub written: usize,
    /// Existing files of the expected size that were kept.
    pub reused: usize,
    /// Total size of all files in bytes.
    pub bytes: u64,
    /// Patients with at least one file.
    pub patients: usize,
    /// Studies with at least one file.
    pub studies: usize,
    /// Series with at least one file.
    pub series: usize,
}

/// Writes instance `index` of `spec` to `path` (parents are created),
/// unless a file of exactly the expected size is already there.
///
/// The file is written through a temporary sibling and renamed into place.
pub fn write_ct_instance(
    spec: &CorpusSpec,
    index: usize,
    path: &Path,
) -> io::Result<InstanceWrite> {
    spec.validate()?;
    let at = spec.locate(index).ok_or_else(|| {
        invalid(&format!(
            "instance {index} is out of range for {} files",
            spec.files
        ))
    })?;
    let seed = spec.seed;
    let home = fake::home_equipment(seed, at.patient);
    let patient = fake::patient(seed, at.patient, &fake::INSTITUTIONS[home.institution]);
    let study = fake::study(seed, at.patient, at.study, &patient);
    let series = fake::series(seed, at.patient, at.study, at.series, &study);
    let instance = ct::CtInstance {
        seed,
        path: [
            at.patient as u64,
            at.study as u64,
            at.series as u64,
            u64::from(at.instance),
        ],
        patient: &patient,
        study: &study,
        series: &series,
        number: at.instance,
        rows: spec.rows,
        columns: spec.columns,
        target_elements: spec.header_elements,
    };
    let header = instance.header();

    // Reuse check first: encoding the header alone is cheap, Pixel Data is
    // the last element (12-byte explicit VR element header + value), so an
    // up-to-date file has the expected size and starts with these bytes.
    let header_file = dataset::with_meta(header.clone(), uids::EXPLICIT_VR_LITTLE_ENDIAN, path)?;
    let header_bytes = dataset::encode(&header_file, path)?;
    let expected = header_bytes.len() as u64 + 12 + spec.pixel_bytes();
    if is_up_to_date(path, expected, &header_bytes) {
        return Ok(InstanceWrite {
            bytes: expected,
            reused: true,
        });
    }

    let mut obj = header;
    dataset::put_pixel_data(&mut obj, 16, instance.pixels());
    let file = dataset::with_meta(obj, uids::EXPLICIT_VR_LITTLE_ENDIAN, path)?;
    let bytes = dataset::encode(&file, path)?;
    if bytes.len() as u64 != expected {
        return Err(io::Error::other(format!(
            "{}: encoded {} bytes, expected {expected} (synth size prediction is wrong)",
            path.display(),
            bytes.len()
        )));
    }
    dataset::write_atomically(path, &bytes)?;
    Ok(InstanceWrite {
        bytes: expected,
        reused: false,
    })
}

/// Writes (or reuses) the whole corpus under `dir`, in parallel on the
/// current rayon pool.
pub fn generate_corpus(dir: &Path, spec: &CorpusSpec) -> io::Result<CorpusSummary> {
    spec.validate()?;
    fs_err::create_dir_all(dir)?;
    let (written, reused, bytes) = (0..spec.files)
        .into_par_iter()
        .map(|index| {
            let rel = spec
                .relative_path(index)
                .ok_or_else(|| invalid("instance index out of range"))?;
            let done = write_ct_instance(spec, index, &dir.join(rel))?;
            let counts: (usize, usize, u64) = if done.reused {
                (0, 1, done.bytes)
            } else {
                (1, 0, done.bytes)
            };
            Ok::<_, io::Error>(counts)
        })
        .try_reduce(|| (0, 0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1, a.2 + b.2)))?;

    let used_series = spec.files.min(spec.series_count());
    // With fewer files than series, series are spread out; count them.
    let (mut patients, mut studies, mut series) = (0, 0, 0);
    let mut last: Option<InstanceLocation> = None;
    if spec.files >= spec.series_count() {
        series = used_series;
        studies = spec.patients * spec.studies_per_patient;
        patients = spec.patients;
    } else {
        for at in (0..spec.files).filter_map(|i| spec.locate(i)) {
            let new_patient = last.is_none_or(|l| l.patient != at.patient);
            let new_study = new_patient || last.is_some_and(|l| l.study != at.study);
            let new_series = new_study || last.is_some_and(|l| l.series != at.series);
            patients += usize::from(new_patient);
            studies += usize::from(new_study);
            series += usize::from(new_series);
            last = Some(at);
        }
    }
    Ok(CorpusSummary {
        files: spec.files,
        written,
        reused,
        bytes,
        patients,
        studies,
        series,
    })
}

/// `path` is a file of `len` bytes starting with `prefix`.
fn is_up_to_date(path: &Path, len: u64, prefix: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = fs_err::File::open(path) else {
        return false;
    };
    if file
        .metadata()
        .map_or(true, |m| !m.is_file() || m.len() != len)
    {
        return false;
    }
    let mut head = vec![0; prefix.len()];
    file.read_exact(&mut head).is_ok() && head == prefix
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_owned())
}
