//! Regions: both notations, negative CTP offsets, clipping, outside.

use gantry_redact::{Edge, Error, Placement, Rect, Region};

fn ctp(x: i32, y: i32, w: u32, h: u32) -> Region {
    Region::from_ctp(gantry_ctp::Region { x, y, w, h }).unwrap()
}

fn rect(rows: std::ops::Range<u32>, columns: std::ops::Range<u32>) -> Rect {
    Rect { rows, columns }
}

#[test]
fn gantry_zone_is_end_exclusive_from_the_top_left() {
    let zone = Region::from_gantry([10, 20, 30, 45]).unwrap();
    assert_eq!(zone.rows().edge(), Edge::Start);
    assert_eq!((zone.rows().start(), zone.rows().end()), (10, 20));
    assert_eq!((zone.columns().start(), zone.columns().end()), (30, 45));
    assert_eq!(
        zone.place(512, 512),
        Placement::Inside(rect(10..20, 30..45))
    );
    assert_eq!(zone.place(512, 512).rect().unwrap().pixels(), 150);
    assert_eq!(zone.to_string(), "[10, 20, 30, 45]");
}

#[test]
fn ctp_region_is_x_y_w_h() {
    // (x, y, w, h) = columns x..x+w, rows y..y+h.
    let region = ctp(350, 0, 162, 30);
    assert_eq!(
        region.place(512, 512),
        Placement::Inside(rect(0..30, 350..512))
    );
    // The same pixels as the Gantry zone [0, 30, 350, 512].
    assert_eq!(region, Region::from_gantry([0, 30, 350, 512]).unwrap());
}

#[test]
fn negative_ctp_offsets_count_from_the_right_and_bottom() {
    let top_right = ctp(-100, 0, 100, 25);
    assert_eq!(top_right.columns().edge(), Edge::End);
    assert_eq!(
        top_right.place(480, 640),
        Placement::Inside(rect(0..25, 540..640))
    );
    // The same region on another geometry follows the edge.
    assert_eq!(
        top_right.place(768, 1024),
        Placement::Inside(rect(0..25, 924..1024))
    );
    let bottom_left = ctp(0, -30, 200, 30);
    assert_eq!(
        bottom_left.place(480, 640),
        Placement::Inside(rect(450..480, 0..200))
    );
    let bottom_right = ctp(-10, -5, 4, 2);
    assert_eq!(
        bottom_right.place(100, 50),
        Placement::Inside(rect(95..97, 40..44))
    );
    assert_eq!(bottom_right.to_string(), "(-10, -5, 4, 2)");
}

#[test]
fn regions_are_clipped_to_the_image() {
    // Wider than the image from the right edge: from column 540 to the end.
    assert_eq!(
        ctp(-100, 0, 300, 25).place(480, 640),
        Placement::Clipped(rect(0..25, 540..640))
    );
    // Starting left of the image (a negative offset larger than the width).
    assert_eq!(
        ctp(-700, 0, 150, 10).place(480, 640),
        Placement::Clipped(rect(0..10, 0..90))
    );
    // A 1024-wide zone on a 640-wide image.
    assert_eq!(
        ctp(0, 0, 1024, 75).place(480, 640),
        Placement::Clipped(rect(0..75, 0..640))
    );
    assert_eq!(
        Region::from_gantry([470, 500, 600, 700])
            .unwrap()
            .place(480, 640),
        Placement::Clipped(rect(470..480, 600..640))
    );
}

#[test]
fn regions_wholly_outside_are_reported() {
    let below = Region::from_gantry([500, 520, 0, 10]).unwrap();
    assert_eq!(below.place(480, 640), Placement::Outside);
    assert_eq!(below.place(480, 640).rect(), None);
    // Just past the right edge: columns 640..650 of a 640-wide image.
    assert_eq!(ctp(640, 0, 10, 10).place(480, 640), Placement::Outside);
    // Entirely left of the image, counted from the right edge.
    assert_eq!(ctp(-1000, 0, 100, 10).place(480, 640), Placement::Outside);
    // An empty image has no pixels at all.
    assert_eq!(ctp(0, 0, 1, 1).place(0, 0), Placement::Outside);
    // Touching the last row and column is inside.
    assert_eq!(
        ctp(-1, -1, 1, 1).place(480, 640),
        Placement::Inside(rect(479..480, 639..640))
    );
}

#[test]
fn empty_regions_are_errors_naming_the_region() {
    let err = Region::from_gantry([10, 10, 0, 5]).unwrap_err();
    assert!(matches!(err, Error::InvalidRegion { .. }));
    assert_eq!(
        err.to_string(),
        "invalid region [10, 10, 0, 5]: the end row must be greater than the start row"
    );
    assert!(Region::from_gantry([0, 5, 7, 3]).is_err());
    let err = Region::from_ctp(gantry_ctp::Region {
        x: -5,
        y: 0,
        w: 0,
        h: 3,
    })
    .unwrap_err();
    assert!(err.to_string().contains("(-5, 0, 0, 3)"), "{err}");
}

#[test]
fn rect_as_gantry_zone() {
    let r = rect(1..2, 3..5);
    assert_eq!(r.to_gantry(), [1, 2, 3, 5]);
    assert_eq!(r.to_string(), "[1, 2, 3, 5]");
    assert!(r.contains(1, 4) && !r.contains(2, 4) && !r.contains(1, 5));
}
