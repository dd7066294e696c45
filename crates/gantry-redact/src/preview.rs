//! Preview images: a frame as a person sees it, with the regions outlined.

use gantry_codec::{Frame, Photometric, PixelFormat, Samples};

use crate::error::{Error, Result};
use crate::fill::Palette;
use crate::layout::{Arrangement, Layout, check, stored_range};
use crate::redact::place;
use crate::region::Region;

/// Previews are at most this many pixels wide: wider frames are scaled
/// down by a whole factor, averaging each block of pixels.
pub const PREVIEW_MAX_WIDTH: u32 = 512;

/// The outline colour of regions in a preview.
const OUTLINE: [u8; 3] = [255, 0, 0];

/// A display window over stored sample values (PS3.3 C.11.2.1.2, linear).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Window Center.
    pub center: f64,
    /// Window Width (at least 1).
    pub width: f64,
}

/// Renders `frame` as an 8-bit PNG with each region's outline drawn in red,
/// for a person to check the zones by eye (`gantry redact --preview`).
///
/// - Grey images are windowed: by `window` (in stored values: convert a
///   window in rescaled units with `(center − intercept) / slope` and
///   `width / |slope|`) or, without one, from the frame's minimum to its
///   maximum. MONOCHROME1 is inverted, so both look as a viewer shows them.
/// - RGB is scaled from Bits Stored to 8 bits; YBR_FULL and YBR_FULL_422
///   are converted to RGB.
/// - PALETTE COLOR goes through `palette` when given, else is shown as
///   grey indices.
/// - Frames wider than [`PREVIEW_MAX_WIDTH`] are scaled down by the
///   smallest whole factor that fits, averaging blocks of pixels (so thin
///   text stays visible).
///
/// Regions are placed as [`redact_frame`](crate::redact_frame) places
/// them (clipped; widened to pixel pairs for YBR_FULL_422); a region
/// wholly outside the frame is not drawn. The PNG is RGB when a region is
/// drawn or the image is in colour, else grey.
///
/// # Errors
///
/// As [`redact_frame`](crate::redact_frame) for unsupported or
/// inconsistent frames; [`Error::UnsupportedFormat`] for a frame without
/// pixels.
pub fn render_preview_png(
    frame: &Frame,
    regions: &[Region],
    window: Option<Window>,
    palette: Option<&Palette>,
) -> Result<Vec<u8>> {
    let layout = check(frame)?;
    if layout.rows == 0 || layout.columns == 0 {
        return Err(Error::UnsupportedFormat {
            format: frame.format,
            reason: "the frame has no pixels to preview",
        });
    }
    let image = match &frame.samples {
        Samples::Bits(v) | Samples::U8(v) => render(v, &frame.format, &layout, window, palette),
        Samples::I8(v) => render(v, &frame.format, &layout, window, palette),
        Samples::U16(v) => render(v, &frame.format, &layout, window, palette),
        Samples::I16(v) => render(v, &frame.format, &layout, window, palette),
        Samples::U32(v) => render(v, &frame.format, &layout, window, palette),
        Samples::I32(v) => render(v, &frame.format, &layout, window, palette),
    };
    let mut image = image;
    let mut outlined = false;
    for region in regions {
        if let Some(rect) = place(region, &layout).rect() {
            let scale = image.scale as u32;
            image.outline(
                (rect.rows.start / scale) as usize,
                ((rect.rows.end - 1) / scale) as usize,
                (rect.columns.start / scale) as usize,
                ((rect.columns.end - 1) / scale) as usize,
            );
            outlined = true;
        }
    }
    let colour = outlined || !image.grey;
    encode(&image, colour)
}

/// A preview being drawn: RGB, already scaled down.
struct Image {
    width: usize,
    height: usize,
    /// The scale-down factor.
    scale: usize,
    /// Whether every pixel is grey (R = G = B).
    grey: bool,
    rgb: Vec<u8>,
}

impl Image {
    fn set(&mut self, row: usize, column: usize) {
        let at = (row * self.width + column) * 3;
        if let Some(pixel) = self.rgb.get_mut(at..at + 3) {
            pixel.copy_from_slice(&OUTLINE);
        }
    }

    /// Draws the border of the inclusive rectangle `r0..=r1` × `c0..=c1`,
    /// two pixels thick when it is large enough.
    fn outline(&mut self, r0: usize, r1: usize, c0: usize, c1: usize) {
        let (r1, c1) = (r1.min(self.height - 1), c1.min(self.width - 1));
        let rings = if r1 - r0 >= 3 && c1 - c0 >= 3 { 2 } else { 1 };
        for k in 0..rings {
            let (r0, r1, c0, c1) = (r0 + k, r1 - k, c0 + k, c1 - k);
            for c in c0..=c1 {
                self.set(r0, c);
                self.set(r1, c);
            }
            for r in r0..=r1 {
                self.set(r, c0);
                self.set(r, c1);
            }
        }
    }
}

/// How a pixel's samples become a displayed colour.
enum Display<'a> {
    Grey { lo: f64, width: f64, invert: bool },
    Palette(&'a Palette),
    Rgb,
    Ybr,
}

fn render<T: Copy + Into<i64>>(
    samples: &[T],
    format: &PixelFormat,
    layout: &Layout,
    window: Option<Window>,
    palette: Option<&Palette>,
) -> Image {
    let (rows, columns) = (layout.rows, layout.columns);
    let display = match (format.photometric, palette) {
        (Photometric::Rgb, _) => Display::Rgb,
        (Photometric::YbrFull | Photometric::YbrFull422, _) => Display::Ybr,
        (Photometric::PaletteColor, Some(palette)) => Display::Palette(palette),
        (photometric, _) => {
            // DICOM's linear window: ((x − (c − 0.5)) / (w − 1) + 0.5) × 255,
            // clamped; written as (x − lo) / width.
            let (center, width) = match window {
                Some(w) => (w.center, w.width.max(1.0)),
                None => {
                    let (min, max) = samples
                        .iter()
                        .map(|&s| s.into())
                        .fold((i64::MAX, i64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
                    let width = (max - min) as f64 + 1.0;
                    (min as f64 + 0.5 + (width - 1.0) / 2.0, width)
                }
            };
            // 0 for a one-value window: then a threshold at `lo`.
            let span = width - 1.0;
            Display::Grey {
                lo: center - 0.5 - span / 2.0,
                width: span,
                invert: photometric == Photometric::Monochrome1,
            }
        }
    };
    let (_, max) = stored_range(format);
    let to8 = |v: i64| (v.clamp(0, max) as f64 * 255.0 / max as f64).round();
    let pixels = rows * columns;
    let sample = |i: usize| samples.get(i).map_or(0, |&s| s.into());
    // Samples of pixel (r, c): the first, and for colour all three.
    let channels = |r: usize, c: usize| -> [i64; 3] {
        let i = r * columns + c;
        match layout.arrangement {
            Arrangement::Single => [sample(i); 3],
            Arrangement::Interleaved => [sample(3 * i), sample(3 * i + 1), sample(3 * i + 2)],
            Arrangement::Planar => [sample(i), sample(pixels + i), sample(2 * pixels + i)],
            Arrangement::Ybr422 => {
                let pair = 2 * (r * columns + (c & !1));
                [sample(pair + (c & 1)), sample(pair + 2), sample(pair + 3)]
            }
        }
    };
    let colour = |[a, b, c]: [i64; 3]| -> [u8; 3] {
        match &display {
            Display::Grey { lo, width, invert } => {
                let y = if *width <= 0.0 {
                    if a as f64 > *lo { 255.0 } else { 0.0 }
                } else {
                    ((a as f64 - lo) / width * 255.0).clamp(0.0, 255.0).round()
                };
                let y = if *invert { 255.0 - y } else { y } as u8;
                [y; 3]
            }
            Display::Palette(palette) => palette.rgb8(a),
            Display::Rgb => [to8(a) as u8, to8(b) as u8, to8(c) as u8],
            Display::Ybr => {
                let (y, cb, cr) = (to8(a), to8(b) - 128.0, to8(c) - 128.0);
                let clamp = |v: f64| v.round().clamp(0.0, 255.0) as u8;
                [
                    clamp(y + 1.402 * cr),
                    clamp(y - 0.344_136 * cb - 0.714_136 * cr),
                    clamp(y + 1.772 * cb),
                ]
            }
        }
    };

    let max_width = PREVIEW_MAX_WIDTH as usize;
    let scale = columns.div_ceil(max_width).max(1);
    let (width, height) = (columns.div_ceil(scale), rows.div_ceil(scale));
    // Sums of R, G, B and the pixel count per output pixel.
    let mut sums = vec![[0u32; 4]; width * height];
    for r in 0..rows {
        let out_row = (r / scale) * width;
        for c in 0..columns {
            let [red, green, blue] = colour(channels(r, c));
            let sum = &mut sums[out_row + c / scale];
            sum[0] += u32::from(red);
            sum[1] += u32::from(green);
            sum[2] += u32::from(blue);
            sum[3] += 1;
        }
    }
    let mut grey = true;
    let mut rgb = Vec::with_capacity(width * height * 3);
    for [red, green, blue, n] in sums {
        let n = n.max(1);
        let pixel = [red, green, blue].map(|v| u8::try_from((v + n / 2) / n).unwrap_or(u8::MAX));
        grey &= pixel[0] == pixel[1] && pixel[1] == pixel[2];
        rgb.extend_from_slice(&pixel);
    }
    Image {
        width,
        height,
        scale,
        grey,
        rgb,
    }
}

fn encode(image: &Image, colour: bool) -> Result<Vec<u8>> {
    let png_error = |e: png::EncodingError| Error::Png(e.to_string());
    let (data, color_type) = if colour {
        (image.rgb.clone(), png::ColorType::Rgb)
    } else {
        (
            image.rgb.chunks_exact(3).map(|p| p[0]).collect(),
            png::ColorType::Grayscale,
        )
    };
    let dimension = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, dimension(image.width), dimension(image.height));
    encoder.set_color(color_type);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&data).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}
