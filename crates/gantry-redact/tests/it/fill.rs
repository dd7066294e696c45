//! The default fill per photometric interpretation, and explicit fills.

use gantry_codec::Photometric;
use gantry_redact::{Error, Fill, Palette};

use crate::format;

#[test]
fn darkest_per_photometric_interpretation() {
    use Photometric::*;
    let cases = [
        // (photometric, bits, signed, expected)
        (Monochrome2, 8, false, vec![0]),
        (Monochrome2, 16, false, vec![0]),
        (Monochrome2, 16, true, vec![-32768]),
        (Monochrome2, 32, true, vec![i64::from(i32::MIN)]),
        (Monochrome1, 8, false, vec![255]),
        (Monochrome1, 16, true, vec![32767]),
        (Monochrome1, 32, false, vec![i64::from(u32::MAX)]),
        (Monochrome2, 1, false, vec![0]),
        (Monochrome1, 1, false, vec![1]),
        (Rgb, 8, false, vec![0, 0, 0]),
        (Rgb, 16, false, vec![0, 0, 0]),
        (YbrFull, 8, false, vec![0, 128, 128]),
        (YbrFull422, 8, false, vec![0, 128, 128]),
        (YbrFull, 16, false, vec![0, 32768, 32768]),
        (PaletteColor, 8, false, vec![0]),
        (PaletteColor, 16, false, vec![0]),
    ];
    for (photometric, bits, signed, expected) in cases {
        let f = format(2, 2, photometric, bits, signed, 0);
        assert_eq!(Fill::Darkest.resolve(&f).unwrap(), expected, "{f}");
    }
}

#[test]
fn darkest_follows_bits_stored_not_bits_allocated() {
    // CT: 12 of 16 bits, signed. The minimum of the stored range is -2048.
    let mut f = format(2, 2, Photometric::Monochrome2, 16, true, 0);
    f.bits_stored = 12;
    assert_eq!(Fill::Darkest.resolve(&f).unwrap(), [-2048]);
    f.signed = false;
    f.photometric = Photometric::Monochrome1;
    assert_eq!(Fill::Darkest.resolve(&f).unwrap(), [4095]);
    // 10-bit YBR: neutral chroma is 512.
    let mut f = format(2, 2, Photometric::YbrFull, 16, false, 0);
    f.bits_stored = 10;
    assert_eq!(Fill::Darkest.resolve(&f).unwrap(), [0, 512, 512]);
}

#[test]
fn palette_colour_uses_the_darkest_entry() {
    let palette = Palette {
        first_mapped: 10,
        bits: 16,
        entries: vec![
            [65535, 65535, 65535],
            [0, 0, 30000], // dark blue: luma 114 × 30000
            [0, 5000, 0],  // luma 587 × 5000, less than the blue
            [65535, 0, 0],
        ],
    };
    assert_eq!(palette.darkest_index(), Some(2));
    let f = format(2, 2, Photometric::PaletteColor, 8, false, 0);
    // Stored value = first mapped + index.
    assert_eq!(
        Fill::DarkestInPalette(palette.clone()).resolve(&f).unwrap(),
        [12]
    );
    // Without a palette: index 0.
    assert_eq!(Fill::Darkest.resolve(&f).unwrap(), [0]);
    // A palette does not change other photometric interpretations.
    let grey = format(2, 2, Photometric::Monochrome1, 8, false, 0);
    assert_eq!(
        Fill::DarkestInPalette(palette).resolve(&grey).unwrap(),
        [255]
    );
    let empty = Palette {
        first_mapped: 0,
        bits: 8,
        entries: vec![],
    };
    assert_eq!(empty.darkest_index(), None);
    assert_eq!(Fill::DarkestInPalette(empty).resolve(&f).unwrap(), [0]);
}

#[test]
fn explicit_values() {
    let grey = format(2, 2, Photometric::Monochrome2, 16, true, 0);
    assert_eq!(Fill::Values(vec![-1000]).resolve(&grey).unwrap(), [-1000]);
    let rgb = format(2, 2, Photometric::Rgb, 8, false, 1);
    assert_eq!(
        Fill::Values(vec![255, 0, 0]).resolve(&rgb).unwrap(),
        [255, 0, 0]
    );
    // One value for every sample.
    assert_eq!(Fill::Values(vec![7]).resolve(&rgb).unwrap(), [7, 7, 7]);
    let err = Fill::Values(vec![1, 2]).resolve(&rgb).unwrap_err();
    assert!(
        matches!(
            err,
            Error::FillArity {
                given: 2,
                samples_per_pixel: 3,
                ..
            }
        ),
        "{err}"
    );
    let err = Fill::Values(vec![0, 256, 0]).resolve(&rgb).unwrap_err();
    assert!(
        matches!(
            err,
            Error::FillRange {
                sample: 1,
                value: 256,
                min: 0,
                max: 255,
                ..
            }
        ),
        "{err}"
    );
    // The range is that of Bits Stored.
    let mut ct = grey;
    ct.bits_stored = 12;
    assert!(Fill::Values(vec![-2049]).resolve(&ct).is_err());
    assert!(Fill::Values(vec![2047]).resolve(&ct).is_ok());
    let bits = format(2, 2, Photometric::Monochrome2, 1, false, 0);
    assert!(Fill::Values(vec![2]).resolve(&bits).is_err());
}

#[test]
fn unsupported_formats_are_errors() {
    let mut f = format(2, 2, Photometric::YbrPartial420, 8, false, 0);
    f.samples_per_pixel = 3;
    let err = Fill::Darkest.resolve(&f).unwrap_err();
    assert!(err.to_string().contains("decoded (RGB) frame"), "{err}");
    let mut f = format(2, 2, Photometric::Monochrome2, 12, false, 0);
    assert!(Fill::Darkest.resolve(&f).is_err(), "12 bits allocated");
    f.bits_allocated = 16;
    f.bits_stored = 17;
    assert!(
        Fill::Darkest.resolve(&f).is_err(),
        "bits stored > allocated"
    );
    let mut f = format(2, 2, Photometric::Rgb, 8, false, 0);
    f.samples_per_pixel = 1;
    assert!(Fill::Darkest.resolve(&f).is_err(), "RGB with one sample");
    let f = format(2, 3, Photometric::YbrFull422, 8, false, 0);
    assert!(Fill::Darkest.resolve(&f).is_err(), "odd columns in 4:2:2");
    let f = format(2, 2, Photometric::YbrFull422, 8, false, 1);
    assert!(Fill::Darkest.resolve(&f).is_err(), "planar 4:2:2");
}
