//! Pixel redaction of burned-in text (SPEC §7): which pixels to blank, with
//! what, and blanking them in a decoded frame. Pure: no file, database or
//! codec I/O — callers decode frames with `gantry-codec`, look attribute
//! values up in the header, and record the outcome.
//!
//! # The model
//!
//! - A [`Rule`] pairs a machine **signature** — a CTP [`Condition`] over
//!   any attributes (Manufacturer, ManufacturerModelName, Rows, ImageType,
//!   software versions, private tags, …), evaluated through a [`Lookup`]
//!   callback — with the [`Region`]s to blank, for every frame or for
//!   listed frames. Its [`Origin`] says where it comes from: a config
//!   machine, or a line of a CTP script.
//! - A [`Region`] is one typed representation of both ways of writing a
//!   zone: Gantry's `[r1, r2, c1, c2]` (end-exclusive rows and columns)
//!   and CTP's `(x, y, w, h)`, whose negative `x`/`y` count from the
//!   right/bottom edge. On an image it resolves to a [`Placement`]: the
//!   pixels ([`Rect`]), clipped if need be, or [`Placement::Outside`] —
//!   reported, never silently dropped.
//! - A [`RuleSet`] is tried in order and the **first match wins**, as in
//!   CTP's DicomPixelAnonymizer: the user's config rules first, then the
//!   built-in [`KnowledgeBase`] — RSNA's stock `DicomPixelAnonymizer.script`,
//!   compiled in — so the config overrides the knowledge base machine by
//!   machine.
//! - A [`Fill`] is the value blanked pixels get: by default the darkest
//!   displayed value for the photometric interpretation (see its table).
//! - [`redact_frame`] blanks regions in a [`Frame`] of any format the codec
//!   decodes to, and returns a [`FrameRedaction`]: each region as placed,
//!   the pixels covered and the samples changed. Redaction is idempotent.
//! - [`render_preview_png`] draws a frame, windowed, with its regions
//!   outlined, for a person to check the zones by eye.
//!
//! Errors ([`Error`]) name the frame, the rule's origin and the format,
//! never a pixel value.
//!
//! ```
//! use gantry_codec::{Frame, Photometric, PixelFormat, Samples};
//! use gantry_ctp::Operand;
//! use gantry_redact::{Fill, KnowledgeBase, Placement, Region, redact_frame};
//!
//! // Which built-in signature matches a Philips iU22 image of 480 rows?
//! let lookup = |operand: &Operand| match operand.as_keyword()? {
//!     "Manufacturer" => Some("Philips Medical Systems".to_owned()),
//!     "ManufacturerModelName" => Some("iU22".to_owned()),
//!     "Rows" => Some("480".to_owned()),
//!     _ => None,
//! };
//! let rule = KnowledgeBase::builtin().first_match(&lookup).expect("a known machine");
//! assert_eq!(rule.origin.to_string(), "CTP DicomPixelAnonymizer.script line 150");
//! assert_eq!(rule.regions[0].to_string(), "[0, 47, 0, 640]");
//!
//! // Blank the top-right corner of a small 8-bit grey frame.
//! let format = PixelFormat {
//!     rows: 4,
//!     columns: 6,
//!     samples_per_pixel: 1,
//!     bits_allocated: 8,
//!     bits_stored: 8,
//!     signed: false,
//!     planar_configuration: 0,
//!     photometric: Photometric::Monochrome2,
//! };
//! let mut frame = Frame { format, samples: Samples::U8(vec![200; 24]) };
//! let corner = Region::from_ctp(gantry_ctp::Region { x: -2, y: 0, w: 2, h: 1 })?;
//! let report = redact_frame(&mut frame, &[corner], &Fill::Darkest)?;
//! assert_eq!(report.pixels, 2);
//! assert!(matches!(&report.regions[0].placement, Placement::Inside(r) if r.columns == (4..6)));
//! assert_eq!(frame.samples, Samples::U8([&[200; 4][..], &[0, 0], &[200; 18]].concat()));
//! # Ok::<(), gantry_redact::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod fill;
mod knowledge;
mod layout;
mod preview;
mod redact;
mod region;
mod rule;

pub use error::{Error, Result};
pub use fill::{Fill, Palette};
pub use knowledge::KnowledgeBase;
pub use preview::{PREVIEW_MAX_WIDTH, Window, render_preview_png};
pub use redact::{FrameRedaction, RegionOutcome, redact_frame, redact_native_le, redacts_native};
pub use region::{Edge, Placement, Rect, Region, Span};
pub use rule::{Lookup, Origin, Rule, RuleSet};

/// Re-export of `gantry-codec`, whose [`Frame`] and
/// [`PixelFormat`](gantry_codec::PixelFormat) this crate's API takes.
pub use gantry_codec;
/// Re-export of `gantry-ctp`, whose [`Condition`] signatures are and whose
/// scripts the knowledge base reads.
pub use gantry_ctp;

#[doc(no_inline)]
pub use gantry_codec::Frame;
#[doc(no_inline)]
pub use gantry_ctp::Condition;
