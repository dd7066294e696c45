//! What blanked pixels are set to.

use gantry_codec::{Photometric, PixelFormat};

use crate::error::{Error, Result};
use crate::layout::{arrangement, stored_range};

/// The value blanked pixels get.
///
/// The default, [`Fill::Darkest`], is the darkest value a viewer displays,
/// so a blanked region looks like the black background burned-in text
/// usually sits on:
///
/// | Photometric Interpretation | fill |
/// |---|---|
/// | MONOCHROME2 | the minimum of the stored range: 0 unsigned, −2^(BitsStored−1) signed |
/// | MONOCHROME1 | the maximum of the stored range: 2^BitsStored − 1 unsigned, 2^(BitsStored−1) − 1 signed |
/// | RGB | (0, 0, 0) (the minimum of each sample's range) |
/// | YBR_FULL, YBR_FULL_422 | Y = 0, Cb = Cr = 2^(BitsStored−1) (128 for 8 bits): black, no colour |
/// | PALETTE COLOR | index 0, or with [`Fill::DarkestInPalette`] the index of the darkest entry |
/// | 1-bit | 0 (1 for MONOCHROME1) — the same rule with BitsStored 1 |
///
/// The minimum of the *stored range* rather than of the frame's pixels:
/// it is darkest under any window and any monotonic modality LUT, it does
/// not depend on what else is in the frame (so every frame of an instance
/// and every instance of a machine gets the same fill), and it keeps
/// redaction idempotent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fill {
    /// The darkest displayed value (the table above).
    #[default]
    Darkest,
    /// As [`Fill::Darkest`], but PALETTE COLOR images get the index of the
    /// palette's darkest entry.
    DarkestInPalette(Palette),
    /// Explicit values: one per sample of a pixel (R, G, B or Y, Cb, Cr;
    /// for YBR_FULL_422 both Y of a pair get the Y value), or a single
    /// value for every sample. Each must fit the stored range.
    Values(Vec<i64>),
}

/// A palette colour lookup table (PALETTE COLOR images): the red, green
/// and blue entries for stored values `first_mapped`,
/// `first_mapped + 1`, ….
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Palette {
    /// The stored value of the first entry (the LUT descriptor's second
    /// value).
    pub first_mapped: i64,
    /// Bits per entry, 8 or 16 (the descriptor's third value).
    pub bits: u8,
    /// `[red, green, blue]` per entry.
    pub entries: Vec<[u16; 3]>,
}

impl Palette {
    /// Index into [`Palette::entries`] of the darkest entry (least
    /// luminance, Rec. 601 weights; the first of equals), or `None` for an
    /// empty palette.
    pub fn darkest_index(&self) -> Option<usize> {
        self.entries
            .iter()
            .enumerate()
            .min_by_key(|&(i, &[r, g, b])| {
                let luma = 299 * u64::from(r) + 587 * u64::from(g) + 114 * u64::from(b);
                (luma, i)
            })
            .map(|(i, _)| i)
    }

    /// The 8-bit colour displayed for a stored value (clamped to the
    /// table's ends, as PS3.3 C.7.6.3.1.5 says).
    pub(crate) fn rgb8(&self, value: i64) -> [u8; 3] {
        let Some(last) = self.entries.len().checked_sub(1) else {
            return [0; 3];
        };
        let index = usize::try_from(value.saturating_sub(self.first_mapped).max(0))
            .unwrap_or(usize::MAX)
            .min(last);
        let shift = if self.bits > 8 { 8 } else { 0 };
        self.entries[index].map(|v| u8::try_from((v >> shift).min(255)).unwrap_or(u8::MAX))
    }
}

impl Fill {
    /// The value of each sample of a blanked pixel of `format`: one value
    /// for grey, palette and 1-bit images, three (R, G, B or Y, Cb, Cr)
    /// for colour.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedFormat`] for a format redaction does not handle;
    /// [`Error::FillArity`] or [`Error::FillRange`] when explicit values
    /// (or a palette's darkest index) do not fit it.
    pub fn resolve(&self, format: &PixelFormat) -> Result<Vec<i64>> {
        arrangement(format)?;
        let (min, max) = stored_range(format);
        let samples = usize::from(format.samples_per_pixel);
        let values = match self {
            Fill::Values(values) => match values.len() {
                1 => vec![values[0]; samples],
                n if n == samples => values.clone(),
                given => {
                    return Err(Error::FillArity {
                        format: *format,
                        given,
                        samples_per_pixel: format.samples_per_pixel,
                    });
                }
            },
            Fill::DarkestInPalette(palette) if format.photometric == Photometric::PaletteColor => {
                let index = palette.darkest_index().unwrap_or(0);
                let index = i64::try_from(index).unwrap_or(i64::MAX);
                vec![palette.first_mapped.saturating_add(index)]
            }
            Fill::Darkest | Fill::DarkestInPalette(_) => darkest(format, min, max),
        };
        for (sample, &value) in values.iter().enumerate() {
            if !(min..=max).contains(&value) {
                return Err(Error::FillRange {
                    format: *format,
                    sample,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(values)
    }
}

fn darkest(format: &PixelFormat, min: i64, max: i64) -> Vec<i64> {
    match format.photometric {
        Photometric::Monochrome1 => vec![max],
        Photometric::Rgb => vec![min; 3],
        Photometric::YbrFull | Photometric::YbrFull422 => {
            // Neutral chroma: the middle of the unsigned range, 0 when the
            // samples are (unusually) signed.
            let mid = if min < 0 { 0 } else { (max + 1) / 2 };
            vec![min, mid, mid]
        }
        // MONOCHROME2, and PALETTE COLOR without a palette: index 0.
        Photometric::PaletteColor => vec![0],
        _ => vec![min],
    }
}
