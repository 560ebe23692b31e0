//! Plane projective transforms: where the page lands in the photo.

use crate::ActaError;

/// A point in the plane.
pub type Point = (f64, f64);

/// A 3×3 homography `h` (row-major, `h[8] = 1`) mapping `(x, y)` to
/// `((h0 x + h1 y + h2) / w, (h3 x + h4 y + h5) / w)` with `w = h6 x + h7 y + 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography {
    h: [f64; 9],
}

impl Homography {
    /// The homography taking each `from[i]` to `to[i]`.
    ///
    /// Each correspondence gives two linear equations in the eight unknowns; the 8×8 system is
    /// solved by Gaussian elimination with partial pivoting. Fails when three of the points are
    /// (nearly) collinear, where no unique homography exists.
    pub fn from_points(from: [Point; 4], to: [Point; 4]) -> Result<Self, ActaError> {
        let mut m = [[0.0f64; 9]; 8];
        for (i, ((x, y), (u, v))) in from.into_iter().zip(to).enumerate() {
            let rows = [
                [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u],
                [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v],
            ];
            for (k, row) in rows.into_iter().enumerate() {
                if let Some(slot) = m.get_mut(2 * i + k) {
                    *slot = row;
                }
            }
        }
        let solution = solve(m).ok_or(ActaError::Degenerate)?;
        let mut h = [1.0; 9];
        h.iter_mut().zip(solution).for_each(|(h, s)| *h = s);
        Ok(Self { h })
    }

    /// Where `p` goes; `None` on the line sent to infinity.
    pub fn apply(&self, (x, y): Point) -> Option<Point> {
        let [a, b, c, d, e, f, g, h, i] = self.h;
        let w = g * x + h * y + i;
        (w.abs() > 1e-12).then(|| ((a * x + b * y + c) / w, (d * x + e * y + f) / w))
    }

    /// The nine coefficients, row-major.
    pub fn coefficients(&self) -> [f64; 9] {
        self.h
    }
}

/// Solves the 8×8 system whose augmented rows are `m`; `None` when it is singular.
fn solve(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        // The largest pivot keeps rounding error small.
        let pivot = (col..8).max_by(|&a, &b| {
            let at = |r: usize| m.get(r).and_then(|row| row.get(col)).map_or(0.0, |v| v.abs());
            at(a).total_cmp(&at(b))
        })?;
        m.swap(col, pivot);
        let lead = *m.get(col)?;
        let p = *lead.get(col)?;
        if p.abs() < 1e-12 {
            return None;
        }
        for (r, row) in m.iter_mut().enumerate() {
            if r == col {
                continue;
            }
            let factor = row.get(col).copied().unwrap_or(0.0) / p;
            if factor != 0.0 {
                row.iter_mut().zip(lead).for_each(|(v, l)| *v -= factor * l);
            }
        }
    }
    let mut x = [0.0; 8];
    for (i, (row, out)) in m.iter().zip(x.iter_mut()).enumerate() {
        *out = row.get(8)? / row.get(i)?;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_four_corners_exactly() {
        let page = [(0.0, 0.0), (1700.0, 0.0), (1700.0, 2400.0), (0.0, 2400.0)];
        let quad = [(612.3, 410.9), (2391.0, 530.2), (2250.7, 2811.4), (480.1, 2650.0)];
        let forward = Homography::from_points(page, quad).unwrap();
        let back = Homography::from_points(quad, page).unwrap();
        for (p, q) in page.into_iter().zip(quad) {
            let (fx, fy) = forward.apply(p).unwrap();
            assert!((fx - q.0).abs() < 1e-6 && (fy - q.1).abs() < 1e-6, "{p:?} -> ({fx}, {fy}) not {q:?}");
            let (bx, by) = back.apply(q).unwrap();
            assert!((bx - p.0).abs() < 1e-6 && (by - p.1).abs() < 1e-6);
        }
        // The two are inverses everywhere, not only at the corners.
        let (x, y) = back.apply(forward.apply((850.0, 1200.0)).unwrap()).unwrap();
        assert!((x - 850.0).abs() < 1e-6 && (y - 1200.0).abs() < 1e-6);
    }

    #[test]
    fn an_affine_map_has_no_perspective_terms() {
        let from = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        let to = [(10.0, 20.0), (12.0, 20.0), (12.0, 23.0), (10.0, 23.0)];
        let h = Homography::from_points(from, to).unwrap().coefficients();
        let expected = [2.0, 0.0, 10.0, 0.0, 3.0, 20.0, 0.0, 0.0, 1.0];
        assert!(h.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12), "{h:?}");
    }

    #[test]
    fn collinear_points_are_refused() {
        let line = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert!(matches!(Homography::from_points(line, line), Err(ActaError::Degenerate)));
    }
}
