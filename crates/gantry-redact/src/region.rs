//! Regions: one typed representation for Gantry zones and CTP regions, and
//! their placement on an image of a given size.

use std::fmt;
use std::ops::Range;

use crate::error::{Error, Result};

/// The edge of the image a [`Span`] is counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edge {
    /// The top edge (rows) or the left edge (columns): position 0 is the
    /// first row or column.
    Start,
    /// The bottom edge (rows) or the right edge (columns): position 0 is
    /// just past the last row or column, so `-10..0` is the last ten.
    End,
}

/// An end-exclusive interval of rows or columns, counted from one edge of
/// the image; always at least one row or column long.
///
/// Positions are signed so that a CTP region that starts left of the right
/// edge and is wider than the remaining columns (`x = -100, w = 200`)
/// keeps its meaning until it is clipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    edge: Edge,
    start: i64,
    end: i64,
}

impl Span {
    /// The edge the positions count from.
    pub fn edge(&self) -> Edge {
        self.edge
    }

    /// First position (inclusive), relative to [`Span::edge`].
    pub fn start(&self) -> i64 {
        self.start
    }

    /// Last position (exclusive), relative to [`Span::edge`].
    pub fn end(&self) -> i64 {
        self.end
    }

    /// The absolute interval on an axis of `size` rows or columns, clipped
    /// to `0..size` (empty when the span lies wholly outside).
    pub fn resolve(&self, size: u32) -> Range<u32> {
        let size = i64::from(size);
        let base = match self.edge {
            Edge::Start => 0,
            Edge::End => size,
        };
        // Both ends lie in 0..=size after clamping, so they fit a u32.
        let clamp = |p: i64| u32::try_from((base + p).clamp(0, size)).unwrap_or(0);
        let (start, end) = (clamp(self.start), clamp(self.end));
        start..end.max(start)
    }
}

/// A rectangle of pixels to blank, as a rule states it: rows and columns,
/// each an end-exclusive [`Span`] counted from the top/left or the
/// bottom/right edge.
///
/// This is the one representation of both ways of writing a region:
/// Gantry zones `[r1, r2, c1, c2]` ([`Region::from_gantry`]) and CTP
/// regions `(x, y, w, h)` with negative `x`/`y` counted from the
/// right/bottom edge ([`Region::from_ctp`]). Only on a given image does it
/// become pixels: [`Region::place`] resolves the edges and clips.
///
/// [`Display`](fmt::Display) writes a Gantry zone when both spans count
/// from the top-left corner, else a CTP region (the notation that can
/// count from the right and bottom edges).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    rows: Span,
    columns: Span,
}

impl Region {
    /// A Gantry zone `[r1, r2, c1, c2]`: rows `r1..r2` and columns
    /// `c1..c2`, end-exclusive, from the top-left corner.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRegion`] when `r2 <= r1` or `c2 <= c1` (an empty
    /// zone is a mistake, not a no-op).
    pub fn from_gantry(zone: [u32; 4]) -> Result<Region> {
        let [r1, r2, c1, c2] = zone;
        let invalid = |reason| Error::InvalidRegion {
            region: format!("[{r1}, {r2}, {c1}, {c2}]"),
            reason,
        };
        if r2 <= r1 {
            return Err(invalid("the end row must be greater than the start row"));
        }
        if c2 <= c1 {
            return Err(invalid(
                "the end column must be greater than the start column",
            ));
        }
        let span = |start: u32, end: u32| Span {
            edge: Edge::Start,
            start: start.into(),
            end: end.into(),
        };
        Ok(Region {
            rows: span(r1, r2),
            columns: span(c1, c2),
        })
    }

    /// A CTP region `(x, y, w, h)`: `w` columns from column `x` and `h`
    /// rows from row `y`; a negative `x` (`y`) counts from the right
    /// (bottom) edge, so `(-100, 0, 100, 25)` is the top-right 100×25
    /// pixels of any image at least that large.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRegion`] when `w` or `h` is 0 (the CTP parser never
    /// returns such a region).
    pub fn from_ctp(region: gantry_ctp::Region) -> Result<Region> {
        let gantry_ctp::Region { x, y, w, h } = region;
        if w == 0 || h == 0 {
            return Err(Error::InvalidRegion {
                region: format!("({x}, {y}, {w}, {h})"),
                reason: "the width and height must be positive",
            });
        }
        let span = |at: i32, len: u32| Span {
            edge: if at < 0 { Edge::End } else { Edge::Start },
            start: at.into(),
            end: i64::from(at) + i64::from(len),
        };
        Ok(Region {
            rows: span(y, h),
            columns: span(x, w),
        })
    }

    /// The rows.
    pub fn rows(&self) -> Span {
        self.rows
    }

    /// The columns.
    pub fn columns(&self) -> Span {
        self.columns
    }

    /// Where the region falls on an image of `rows` × `columns` pixels.
    pub fn place(&self, rows: u32, columns: u32) -> Placement {
        let r = self.rows.resolve(rows);
        let c = self.columns.resolve(columns);
        if r.is_empty() || c.is_empty() {
            return Placement::Outside;
        }
        let whole = |span: &Span, got: &Range<u32>| {
            i64::from(got.end) - i64::from(got.start) == span.end - span.start
        };
        let inside = whole(&self.rows, &r) && whole(&self.columns, &c);
        let rect = Rect {
            rows: r,
            columns: c,
        };
        if inside {
            Placement::Inside(rect)
        } else {
            Placement::Clipped(rect)
        }
    }
}

impl fmt::Display for Region {
    /// `[r1, r2, c1, c2]` when both spans count from the top-left corner,
    /// else `(x, y, w, h)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, c) = (self.rows, self.columns);
        if r.edge == Edge::Start && c.edge == Edge::Start {
            write!(f, "[{}, {}, {}, {}]", r.start, r.end, c.start, c.end)
        } else {
            write!(
                f,
                "({}, {}, {}, {})",
                c.start,
                r.start,
                c.end - c.start,
                r.end - r.start
            )
        }
    }
}

/// Absolute pixels: rows `rows` and columns `columns`, end-exclusive, from
/// the top-left corner; never empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Rows, end-exclusive.
    pub rows: Range<u32>,
    /// Columns, end-exclusive.
    pub columns: Range<u32>,
}

impl Rect {
    /// Number of pixels.
    pub fn pixels(&self) -> u64 {
        u64::from(self.rows.end - self.rows.start)
            * u64::from(self.columns.end - self.columns.start)
    }

    /// The Gantry zone `[r1, r2, c1, c2]` of these pixels (what a
    /// redaction record stores).
    pub fn to_gantry(&self) -> [u32; 4] {
        [
            self.rows.start,
            self.rows.end,
            self.columns.start,
            self.columns.end,
        ]
    }

    /// Whether the pixel at `row`, `column` is inside.
    pub fn contains(&self, row: u32, column: u32) -> bool {
        self.rows.contains(&row) && self.columns.contains(&column)
    }
}

impl fmt::Display for Rect {
    /// As a Gantry zone, `[r1, r2, c1, c2]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r1, r2, c1, c2] = self.to_gantry();
        write!(f, "[{r1}, {r2}, {c1}, {c2}]")
    }
}

/// Where a [`Region`] falls on a given image.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Wholly inside the image: these pixels.
    Inside(Rect),
    /// Partly outside: the pixels left after clipping to the image.
    Clipped(Rect),
    /// No pixel of the region is on the image; nothing is blanked. A rule
    /// written for another geometry usually ends up here, so it is
    /// reported rather than dropped.
    Outside,
}

impl Placement {
    /// The pixels blanked, if any.
    pub fn rect(&self) -> Option<&Rect> {
        match self {
            Placement::Inside(rect) | Placement::Clipped(rect) => Some(rect),
            Placement::Outside => None,
        }
    }
}
