//! Synthetic DICOM with fake PHI, for benchmarks, the shipped samples and
//! tests (feature `synth`).
//!
//! Two entry points:
//!
//! - [`generate_corpus`] writes a CT corpus described by a [`CorpusSpec`]:
//!   Part 10 files, Explicit VR Little Endian, signed 16-bit MONOCHROME2
//!   pixels, 512×512 by default, with realistic headers and realistic
//!   PHI, including the patient's name in free text now and then. Two
//!   kinds of file:
//!   - `files` single-frame CT Image Storage files (≈ 0.5 MB each): ≈ 200
//!     top-level elements (patient, study, series, equipment, CT
//!     acquisition, nested sequences, vendor private blocks with a private
//!     sequence), in `dir/patient-NNNN/study-NN/series-NN/NNNNN.dcm`;
//!   - `multiframe_files` Enhanced CT Image Storage files of
//!     `frames_per_multiframe` frames each (64 by default, ≈ 32 MiB at
//!     512×512), each a new series in a study of one of the corpus's
//!     patients, with the same names, IDs and UIDs as that patient's
//!     single-frame files, and PHI dates inside the per-frame functional
//!     groups; in `dir/patient-NNNN/study-NN/series-mfNN/00001.dcm`, `NN`
//!     counting the multi-frame files from 1.
//!
//!   Paths hold counters only, never identifying values. Existing files of
//!   the right size that start with the right header are reused, so
//!   re-running is cheap. [`CorpusSpec::with_files`] makes single-frame
//!   files only; [`CorpusSpec::benchmark`] (what `cargo xtask bench` uses)
//!   adds 4 multi-frame files, so that corpus holds `files + 4` files.
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
//! let spec = CorpusSpec::benchmark(200);
//! let summary = generate_corpus(std::path::Path::new("bench-data/ct-200"), &spec)?;
//! assert_eq!(summary.files, 200 + 4);
//! assert_eq!(summary.frames, 200 + 4 * 64);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::uids;
use rayon::prelude::*;

mod ct;
mod dataset;
mod fake;
mod font;
mod multiframe;
mod rng;
mod samples;
#[cfg(test)]
mod tests;

pub use samples::write_samples;

/// What [`generate_corpus`] writes.
///
/// Instances `0..files` are single-frame: they are spread evenly over
/// `patients × studies_per_patient × series_per_study` series, in order:
/// the first series gets the first files, and so on. Instances
/// `files..files + multiframe_files` are multi-frame, one per series:
/// multi-frame file `j` joins patient `j × patients / multiframe_files`,
/// in study `j mod studies_per_patient`, as series `series_per_study + j`
/// of that study.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Number of single-frame files (instances).
    pub files: usize,
    /// Number of multi-frame (Enhanced CT) files, on top of `files`.
    pub multiframe_files: usize,
    /// Frames of each multi-frame file.
    pub frames_per_multiframe: u32,
    /// Number of distinct patients.
    pub patients: usize,
    /// Studies per patient.
    pub studies_per_patient: usize,
    /// Series of single-frame files per study.
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
    /// The benchmark corpus: 2,000 single-frame files of 512×512 (20
    /// patients × 2 studies × 2 series) and 4 multi-frame files of 64
    /// frames.
    fn default() -> Self {
        CorpusSpec::benchmark(2_000)
    }
}

impl CorpusSpec {
    /// A 512×512 corpus of `files` single-frame files with about 25 images
    /// per series and 2 studies × 2 series per patient; no multi-frame
    /// files (`frames_per_multiframe` is 64, for specs that add some).
    pub fn with_files(files: usize) -> Self {
        CorpusSpec {
            files,
            multiframe_files: 0,
            frames_per_multiframe: 64,
            patients: files.div_ceil(100).max(1),
            studies_per_patient: 2,
            series_per_study: 2,
            rows: 512,
            columns: 512,
            seed: 0x6761_6E74_7279, // "gantry"
            header_elements: 200,
        }
    }

    /// The benchmark corpus (`cargo xtask bench`): [`with_files`] plus 4
    /// multi-frame files of 64 frames (≈ 32 MiB each at 512×512), so
    /// `files + 4` files in all.
    ///
    /// [`with_files`]: CorpusSpec::with_files
    pub fn benchmark(files: usize) -> Self {
        CorpusSpec {
            multiframe_files: 4,
            ..CorpusSpec::with_files(files)
        }
    }

    /// All files: single-frame and multi-frame.
    pub fn total_files(&self) -> usize {
        self.files + self.multiframe_files
    }

    /// All frames (images): one per single-frame file plus those of the
    /// multi-frame files.
    pub fn total_frames(&self) -> u64 {
        self.files as u64 + self.multiframe_files as u64 * u64::from(self.frames_per_multiframe)
    }

    /// Total number of series: those of the single-frame files, plus one
    /// per multi-frame file.
    pub fn series_count(&self) -> usize {
        self.single_frame_series() + self.multiframe_files
    }

    fn single_frame_series(&self) -> usize {
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
        if self.multiframe_files > 0 {
            // Native Pixel Data has a 32-bit even length.
            let bytes = self.pixel_bytes() * u64::from(self.frames_per_multiframe);
            if bytes == 0 || bytes >= u64::from(u32::MAX) {
                return Err(invalid(
                    "frames_per_multiframe must be at least 1 and its Pixel Data under 4 GiB",
                ));
            }
        }
        Ok(())
    }

    /// Where instance `index` sits in the patient/study/series tree, or
    /// `None` if `index >= total_files()`. Indices from `files` on are the
    /// multi-frame files.
    pub fn locate(&self, index: usize) -> Option<InstanceLocation> {
        if index >= self.files {
            return self.locate_multiframe(index - self.files);
        }
        let (files, total) = (self.files as u128, self.single_frame_series() as u128);
        if total == 0 {
            return None;
        }
        let global = (index as u128 * total / files) as usize;
        let first = |g: usize| ((g as u128 * files).div_ceil(total)) as usize;
        let per_patient = self.studies_per_patient * self.series_per_study;
        Some(InstanceLocation {
            patient: global / per_patient,
            study: (global / self.series_per_study) % self.studies_per_patient,
            series: global % self.series_per_study,
            instance: (index - first(global) + 1) as u32,
            instances_in_series: (first(global + 1) - first(global)) as u32,
            frames: 1,
        })
    }

    fn locate_multiframe(&self, j: usize) -> Option<InstanceLocation> {
        if j >= self.multiframe_files || self.patients == 0 || self.studies_per_patient == 0 {
            return None;
        }
        Some(InstanceLocation {
            patient: ((j as u128 * self.patients as u128) / self.multiframe_files as u128) as usize,
            study: j % self.studies_per_patient,
            series: self.series_per_study + j,
            instance: 1,
            instances_in_series: 1,
            frames: self.frames_per_multiframe,
        })
    }

    /// Path of instance `index` relative to the corpus directory:
    /// `patient-NNNN/study-NN/series-NN/NNNNN.dcm` for single-frame files,
    /// `patient-NNNN/study-NN/series-mfNN/00001.dcm` for multi-frame file
    /// `NN` (counted from 1). Counters only.
    pub fn relative_path(&self, index: usize) -> Option<PathBuf> {
        let at = self.locate(index)?;
        let series = match index.checked_sub(self.files) {
            None => format!("series-{:02}", at.series + 1),
            Some(j) => format!("series-mf{:02}", j + 1),
        };
        Some(
            [
                format!("patient-{:04}", at.patient + 1),
                format!("study-{:02}", at.study + 1),
                series,
                format!("{:05}.dcm", at.instance),
            ]
            .iter()
            .collect(),
        )
    }

    /// Paths of all instances relative to the corpus directory, single-frame
    /// files first.
    pub fn relative_paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        (0..self.total_files()).filter_map(|i| self.relative_path(i))
    }

    /// Size in bytes of the Pixel Data value of one frame (of a single-frame
    /// instance).
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
    /// Series index within the study (multi-frame files come after the
    /// single-frame series).
    pub series: usize,
    /// InstanceNumber, from 1.
    pub instance: u32,
    /// Number of instances in this series.
    pub instances_in_series: u32,
    /// NumberOfFrames: 1 for a single-frame instance.
    pub frames: u32,
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
    /// Files in the corpus (written + reused), multi-frame files included.
    pub files: usize,
    /// Of `files`, the multi-frame ones.
    pub multiframe_files: usize,
    /// Frames (images) in the corpus: one per single-frame file plus every
    /// frame of the multi-frame files.
    pub frames: u64,
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
/// unless a file of exactly the expected size and header is already
/// there: a CT Image Storage file for `index < spec.files`, an Enhanced
/// CT Image Storage multi-frame file after that.
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
            spec.total_files()
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
    if index < spec.files {
        return write_image(path, instance.header(), spec.pixel_bytes(), || {
            instance.pixels()
        });
    }
    let enhanced = multiframe::EnhancedCtInstance {
        first: instance,
        frames: at.frames,
    };
    write_image(
        path,
        enhanced.header(),
        spec.pixel_bytes() * u64::from(at.frames),
        || enhanced.pixels(),
    )
}

/// Writes `header` + Pixel Data (`pixel_bytes` long, made by `pixels`) as
/// an Explicit VR Little Endian Part 10 file at `path`, unless the file
/// there already is exactly that.
fn write_image(
    path: &Path,
    header: dataset::Obj,
    pixel_bytes: u64,
    pixels: impl FnOnce() -> Vec<u8>,
) -> io::Result<InstanceWrite> {
    // Reuse check first: encoding the header alone is cheap, Pixel Data is
    // the last element (12-byte explicit VR element header + value), so an
    // up-to-date file has the expected size and starts with these bytes.
    let header_file = dataset::with_meta(header.clone(), uids::EXPLICIT_VR_LITTLE_ENDIAN, path)?;
    let header_bytes = dataset::encode(&header_file, path)?;
    let expected = header_bytes.len() as u64 + 12 + pixel_bytes;
    if is_up_to_date(path, expected, &header_bytes) {
        return Ok(InstanceWrite {
            bytes: expected,
            reused: true,
        });
    }

    let mut obj = header;
    dataset::put_pixel_data(&mut obj, 16, pixels());
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

/// Writes (or reuses) the whole corpus under `dir`, single-frame and
/// multi-frame files, in parallel on the current rayon pool.
pub fn generate_corpus(dir: &Path, spec: &CorpusSpec) -> io::Result<CorpusSummary> {
    spec.validate()?;
    fs_err::create_dir_all(dir)?;
    let (written, reused, bytes) = (0..spec.total_files())
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

    let (patients, studies, series) = if spec.files >= spec.single_frame_series() {
        // Every single-frame series has files, so every patient and study
        // does; multi-frame files add a series each.
        (
            spec.patients,
            spec.patients * spec.studies_per_patient,
            spec.series_count(),
        )
    } else {
        // Fewer files than series: series are spread out; count them.
        let (mut patients, mut studies, mut series) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for at in (0..spec.total_files()).filter_map(|i| spec.locate(i)) {
            patients.insert(at.patient);
            studies.insert((at.patient, at.study));
            series.insert((at.patient, at.study, at.series));
        }
        (patients.len(), studies.len(), series.len())
    };
    Ok(CorpusSummary {
        files: spec.total_files(),
        multiframe_files: spec.multiframe_files,
        frames: spec.total_frames(),
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
