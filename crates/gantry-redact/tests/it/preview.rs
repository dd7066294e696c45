//! Preview PNGs: windowing, inversion, colour conversion, outlines, size.

use gantry_codec::{Frame, Photometric, Samples};
use gantry_redact::{PREVIEW_MAX_WIDTH, Palette, Region, Window, render_preview_png};

use crate::{format, frame_with};

/// Decoded PNG: width, height, channels, bytes.
fn decode(png: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected colour type {other:?}"),
    };
    (info.width, info.height, channels, buf)
}

fn pixel(image: &(u32, u32, usize, Vec<u8>), row: usize, column: usize) -> Vec<u8> {
    let (width, _, channels, bytes) = image;
    let at = (row * *width as usize + column) * channels;
    bytes[at..at + channels].to_vec()
}

fn zone(r1: u32, r2: u32, c1: u32, c2: u32) -> Region {
    Region::from_gantry([r1, r2, c1, c2]).unwrap()
}

#[test]
fn grey_without_regions_is_a_grey_png_windowed_min_to_max() {
    // A ramp 1000..1000+15 over 4 × 4.
    let frame = frame_with(format(4, 4, Photometric::Monochrome2, 16, true, 0), |i| {
        1000 + i as i64
    });
    let image = decode(&render_preview_png(&frame, &[], None, None).unwrap());
    assert_eq!((image.0, image.1, image.2), (4, 4, 1));
    assert_eq!(pixel(&image, 0, 0), [0]);
    assert_eq!(pixel(&image, 3, 3), [255]);
    assert_eq!(pixel(&image, 1, 3), [119]); // 7/15 × 255 = 119
}

#[test]
fn explicit_window_and_monochrome1_inversion() {
    let f = format(1, 3, Photometric::Monochrome2, 16, false, 0);
    let frame = Frame {
        format: f,
        samples: Samples::U16(vec![0, 100, 1000]),
    };
    let window = Window {
        center: 100.5,
        width: 101.0,
    };
    let image = decode(&render_preview_png(&frame, &[], Some(window), None).unwrap());
    // 50..150 maps to 0..255: 100 is mid-grey, 0 black, 1000 white.
    assert_eq!(image.3, [0, 128, 255]);
    let inverted = Frame {
        format: format(1, 3, Photometric::Monochrome1, 16, false, 0),
        samples: frame.samples.clone(),
    };
    let image = decode(&render_preview_png(&inverted, &[], Some(window), None).unwrap());
    assert_eq!(image.3, [255, 127, 0]);
}

#[test]
fn regions_are_outlined_in_red() {
    let frame = frame_with(format(20, 20, Photometric::Monochrome2, 8, false, 0), |_| 0);
    // Outside regions are not drawn and do not fail the preview.
    let regions = [zone(2, 10, 3, 15), zone(30, 40, 0, 5)];
    let image = decode(&render_preview_png(&frame, &regions, None, None).unwrap());
    assert_eq!(image.2, 3, "RGB once a region is drawn");
    let red = vec![255, 0, 0];
    let black = vec![0, 0, 0];
    assert_eq!(pixel(&image, 2, 3), red); // corners
    assert_eq!(pixel(&image, 9, 14), red);
    assert_eq!(pixel(&image, 2, 9), red); // top edge
    assert_eq!(pixel(&image, 3, 4), red); // second ring
    assert_eq!(pixel(&image, 5, 9), black); // inside
    assert_eq!(pixel(&image, 1, 3), black); // outside
    assert_eq!(pixel(&image, 10, 14), black);
}

#[test]
fn colour_frames_render_as_rgb() {
    // RGB 16-bit planar: full red in every pixel.
    let f = format(2, 2, Photometric::Rgb, 16, false, 1);
    let frame = frame_with(f, |i| if i < 4 { 65535 } else { 0 });
    let image = decode(&render_preview_png(&frame, &[], None, None).unwrap());
    assert_eq!((image.2, pixel(&image, 1, 1)), (3, vec![255, 0, 0]));

    // YBR_FULL (Y, Cb, Cr) = (76, 85, 255) is pure red; (0, 128, 128) black.
    let f = format(1, 2, Photometric::YbrFull, 8, false, 0);
    let frame = Frame {
        format: f,
        samples: Samples::U8(vec![76, 85, 255, 0, 128, 128]),
    };
    let image = decode(&render_preview_png(&frame, &[], None, None).unwrap());
    let red = pixel(&image, 0, 0);
    assert!(red[0] >= 253 && red[1] <= 2 && red[2] <= 2, "{red:?}");
    assert_eq!(pixel(&image, 0, 1), [0, 0, 0]);

    // YBR_FULL_422: one pair, both pixels white (a grey PNG: nothing is
    // coloured).
    let f = format(1, 2, Photometric::YbrFull422, 8, false, 0);
    let frame = Frame {
        format: f,
        samples: Samples::U8(vec![255, 255, 128, 128]),
    };
    let image = decode(&render_preview_png(&frame, &[], None, None).unwrap());
    assert_eq!((image.2, image.3), (1, vec![255; 2]));
}

#[test]
fn palette_colour_uses_the_palette() {
    let palette = Palette {
        first_mapped: 0,
        bits: 16,
        entries: vec![[0, 0, 0], [65535, 32768, 0]],
    };
    let f = format(1, 2, Photometric::PaletteColor, 8, false, 0);
    let frame = Frame {
        format: f,
        samples: Samples::U8(vec![0, 1]),
    };
    let image = decode(&render_preview_png(&frame, &[], None, Some(&palette)).unwrap());
    assert_eq!(image.3, [0, 0, 0, 255, 128, 0]);
}

#[test]
fn large_frames_are_scaled_down() {
    // 1024 × 1100 → factor 3 → 342 × 367 (whole blocks averaged).
    let f = format(1024, 1100, Photometric::Monochrome2, 8, false, 0);
    let frame = frame_with(f, |i| if (i % 1100) < 550 { 0 } else { 255 });
    let image = decode(&render_preview_png(&frame, &[zone(0, 75, 0, 1100)], None, None).unwrap());
    assert!(image.0 <= PREVIEW_MAX_WIDTH);
    assert_eq!((image.0, image.1), (367, 342));
    assert_eq!(pixel(&image, 100, 10), [0, 0, 0]);
    assert_eq!(pixel(&image, 100, 360), [255, 255, 255]);
    // The zone's outline, scaled: rows 0..=24, columns 0..=366.
    assert_eq!(pixel(&image, 24, 100), [255, 0, 0]);
    assert_eq!(pixel(&image, 0, 366), [255, 0, 0]);
}

#[test]
fn empty_frames_are_errors() {
    let frame = frame_with(format(0, 0, Photometric::Monochrome2, 8, false, 0), |_| 0);
    assert!(render_preview_png(&frame, &[], None, None).is_err());
}
