//! `gantry redact --preview DIR`: one PNG per machine and rule — a sample
//! frame, windowed, with the regions that will be blanked outlined — and
//! an `index.html` listing machines, rules and images, so a person can
//! check the zones by eye before export (SPEC §7).
//!
//! The images show source pixels, burned-in text included: the directory
//! is as private as the source data. The page names machines by
//! manufacturer and model only (serial numbers are identifiers in
//! PS3.15); it is self-contained (no scripts, no remote resources).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry_redact::{Region, Window};
use gantry_store::{Candidate, Selection, Store};

use crate::export::pixels::{self, FrameReader, SourceValue};
use crate::{Error, Result};

/// What the preview wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PreviewReport {
    /// Machine and rule pairs shown.
    pub machines: usize,
    /// The HTML page.
    pub index: PathBuf,
    /// Samples whose frame could not be decoded (shown as text instead).
    pub undecodable: usize,
}

struct Entry {
    manufacturer: String,
    model: String,
    rule: Option<String>,
    regions: Vec<[u32; 4]>,
    instances: u64,
    sample: Candidate,
}

pub(crate) fn write(store: &Store, dir: &Path) -> Result<PreviewReport> {
    fs_err::create_dir_all(dir).map_err(|source| Error::Input {
        path: dir.to_path_buf(),
        source,
    })?;
    // (manufacturer, model, serial, rule) → entry.
    let mut entries: BTreeMap<(String, String, String, String), Entry> = BTreeMap::new();
    let selection = Selection::default();
    let mut after = 0;
    loop {
        let page = store.candidates(&selection, after, 512)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;
        let ids: Vec<_> = page.iter().map(|c| c.id).collect();
        let redactions = store.redactions_for(&ids)?;
        for candidate in page {
            let Ok(header) = candidate.header.decode() else {
                continue;
            };
            let text = |tag| {
                header
                    .get(tag)
                    .and_then(|e| e.to_str().ok())
                    .map(|s| s.trim_end_matches(['\0', ' ']).trim().to_string())
                    .unwrap_or_default()
            };
            let redaction = redactions.get(&candidate.id);
            let rule = redaction.map(|r| r.rule.clone());
            let key = (
                text(tags::MANUFACTURER),
                text(tags::MANUFACTURER_MODEL_NAME),
                text(tags::DEVICE_SERIAL_NUMBER),
                rule.clone().unwrap_or_default(),
            );
            match entries.get_mut(&key) {
                Some(entry) => entry.instances += 1,
                None => {
                    entries.insert(
                        key.clone(),
                        Entry {
                            manufacturer: key.0,
                            model: key.1,
                            rule,
                            regions: redaction.map(|r| r.regions.clone()).unwrap_or_default(),
                            instances: 1,
                            sample: candidate,
                        },
                    );
                }
            }
        }
    }

    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Gantry redaction preview</title>\
         <style>body{font-family:sans-serif;margin:2em}section{margin-bottom:2em}\
         img{border:1px solid #888;max-width:100%}td,th{padding:0 1em 0 0;text-align:left}</style>\
         </head><body>\n<h1>Gantry redaction preview</h1>\n\
         <p>One sample image per machine and rule; red outlines are the regions that will be blanked. \
         These images show source pixels: keep this page private.</p>\n",
    );
    let mut undecodable = 0;
    for (number, entry) in entries.values().enumerate() {
        let name = format!("machine-{:03}.png", number + 1);
        let png = render(&entry.sample, &entry.regions);
        let _ = write!(
            html,
            "<section class=\"machine\" id=\"machine-{}\">\n<h2>{} / {}</h2>\n<table>\
             <tr><th>Instances</th><td>{}</td></tr>\
             <tr><th>Rule</th><td>{}</td></tr>\
             <tr><th>Regions [r1, r2, c1, c2]</th><td>{}</td></tr></table>\n",
            number + 1,
            escape(or_unknown(&entry.manufacturer)),
            escape(or_unknown(&entry.model)),
            entry.instances,
            escape(entry.rule.as_deref().unwrap_or("none: no rule matches")),
            escape(
                &entry
                    .regions
                    .iter()
                    .map(|r| format!("[{}, {}, {}, {}]", r[0], r[1], r[2], r[3]))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
        match png {
            Ok(bytes) => {
                let path = dir.join(&name);
                crate::export::write_file_atomically(&path, &bytes)?;
                let _ = writeln!(
                    html,
                    "<img src=\"{name}\" alt=\"sample frame of machine {}\">",
                    number + 1
                );
            }
            Err(reason) => {
                undecodable += 1;
                let _ = writeln!(
                    html,
                    "<p class=\"undecodable\">No image: {}</p>",
                    escape(&reason)
                );
            }
        }
        html.push_str("</section>\n");
    }
    html.push_str("</body></html>\n");
    let index = dir.join("index.html");
    crate::export::write_file_atomically(&index, html.as_bytes())?;
    Ok(PreviewReport {
        machines: entries.len(),
        index,
        undecodable,
    })
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() { "(unknown)" } else { s }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The PNG of the sample's middle frame with `regions` outlined.
fn render(candidate: &Candidate, regions: &[[u32; 4]]) -> std::result::Result<Vec<u8>, String> {
    let header = candidate
        .header
        .decode()
        .map_err(|e| format!("header does not decode: {e}"))?;
    let pixel_ref = candidate
        .pixels
        .as_ref()
        .ok_or("the instance has no pixel data")?;
    let format = pixels::pixel_format(&header)?;
    let frames = pixels::number_of_frames(&header);
    let source = match pixel_ref.location {
        gantry_model::PixelLocation::Source { offset, length } => SourceValue::File {
            path: Path::new(&candidate.path),
            offset,
            length,
        },
        gantry_model::PixelLocation::Sidecar(_) => {
            return Err("pixels are in the session sidecar (preview reads source files)".into());
        }
    };
    let ts = match candidate.transfer_syntax.as_str() {
        pixels::DEFLATED => pixels::EXPLICIT_VR_LE,
        ts => ts,
    };
    let mut reader = FrameReader::open(
        source,
        ts,
        pixel_ref.is_encapsulated(),
        pixel_ref.vr == dicom_core::VR::OW,
        format,
        frames,
    )?;
    let frame = reader.frame(frames / 2)?;
    let regions: Vec<Region> = regions
        .iter()
        .filter_map(|&r| Region::from_gantry(r).ok())
        .collect();
    let palette = match super::fill_for(&header) {
        gantry_redact::Fill::DarkestInPalette(palette) => Some(palette),
        _ => None,
    };
    gantry_redact::render_preview_png(&frame, &regions, window(&header), palette.as_ref())
        .map_err(|e| e.to_string())
}

/// The header's first window, in stored values (undoing the rescale).
fn window(header: &InMemDicomObject) -> Option<Window> {
    let first = |tag| {
        header
            .get(tag)
            .and_then(|e| e.to_multi_float64().ok())
            .and_then(|v| v.first().copied())
    };
    let center = first(tags::WINDOW_CENTER)?;
    let width = first(tags::WINDOW_WIDTH)?;
    let slope = first(tags::RESCALE_SLOPE)
        .filter(|s| *s != 0.0)
        .unwrap_or(1.0);
    let intercept = first(tags::RESCALE_INTERCEPT).unwrap_or(0.0);
    Some(Window {
        center: (center - intercept) / slope,
        width: (width / slope.abs()).max(1.0),
    })
}
