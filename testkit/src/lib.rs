//! What Testigo's tests, benchmarks and simulator are made of: synthetic actas photographed the
//! way a watcher's phone would, whole sample elections, and a network fault proxy.
//!
//! This crate sits below the phone's core and the coordinators' server: it may use the wire
//! (`testigo-protocol`) and nothing else of ours, so `testigo-core` and `testigo-server` can test
//! with it without building each other. What needs a real core or a real server — simulated
//! watchers, the embedded server, a whole election night — is `testigo-sim`, on top of both.
//!
//! The acta pipeline, each step deterministic for its seed:
//!
//! 1. [`Election::acta`] invents one polling station's acta ([`ActaSpec`]): counts for each
//!    ballot option consistent with 200–600 registered voters, null and blank votes, the acta id,
//!    and usually the QR text in the CNE 2024 format ([`qr_payload_2024`]).
//! 2. [`render_page`] draws it as a flat [`GrayImage`]: header, grid table, counts in printed or
//!    handwritten digits, signatures, the QR code ([`page`]).
//! 3. [`phone_photo`] photographs the page as a [`PhotoSpec`] says — perspective, rotation, light,
//!    blur, noise, a table underneath — and stores it as a phone does: pixels sensor-side up, an
//!    EXIF orientation to display them, a location ([`photo`]).
//! 4. [`corpus`] and [`write_corpus`] do it many times, keeping the truth beside each JPEG
//!    ([`SyntheticActa`]).
//! 5. [`SampleElection`] is a whole election: the package coordinators import (centers in
//!    regions, stations, the 38-card contest) and the truth of every station's acta.
//!
//! No fonts, images or other assets are shipped or read: digits are pen strokes defined in code,
//! everything else on the page is blocks and scribbles, and the randomness is our own SplitMix64
//! ([`Rng`]), so a seed gives the same bytes everywhere.
//!
//! Files: `acta.rs` (what an acta says), `page.rs` (layout and drawing of the page), `glyph.rs`
//! (digits, greeked text, signatures), `draw.rs` (canvas and strokes), `geometry.rs`
//! (homography), `photo.rs` (the camera), `exif.rs` (the Exif TIFF), `corpus.rs` (batches and
//! truth files), `sample.rs` (whole elections), `rng.rs` (the PRNG).
//!
//! Beside the actas: [`FaultProxy`] (`proxy.rs`), a loopback TCP proxy that gives connections the
//! speed, delay and failures of field links, for tests, benchmarks and the demo.

#![forbid(unsafe_code)]

pub mod acta;
pub mod bombs;
mod corpus;
mod draw;
pub mod exif;
pub mod geometry;
mod glyph;
pub mod page;
pub mod photo;
pub mod proxy;
pub mod rng;
pub mod sample;
mod stand_in;

pub use acta::{ActaRow, ActaSpec, EXTRA_LABELS, Election, qr_payload_2024};
pub use corpus::{DEFAULT_OPTIONS, SyntheticActa, corpus, write_corpus};
pub use draw::GrayImage;
pub use geometry::{Homography, Point};
pub use page::{PAGE_HEIGHT, PAGE_WIDTH, render_page};
pub use photo::{PhotoSpec, page_quad, phone_photo};
pub use proxy::{FaultProxy, Faults, LinkProfile, ProxyStats};
pub use rng::Rng;
pub use sample::SampleElection;
pub use stand_in::jpeg_shaped;

/// Why an acta could not be generated.
#[derive(Debug)]
pub enum ActaError {
    /// A [`PhotoSpec`] or page value out of its range; names the value.
    InvalidSpec(&'static str),
    /// The QR payload does not fit in a QR code.
    Qr(String),
    /// The JPEG encoder refused the image.
    Jpeg(jpeg_encoder::EncodingError),
    /// Corner points with three (nearly) on a line: no homography maps them.
    Degenerate,
    /// Writing the corpus failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ActaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidSpec(what) => write!(f, "invalid {what}"),
            Self::Qr(e) => write!(f, "QR code: {e}"),
            Self::Jpeg(e) => write!(f, "JPEG encoding: {e}"),
            Self::Degenerate => f.write_str("degenerate page corners"),
            Self::Io(e) => write!(f, "writing the corpus: {e}"),
        }
    }
}

impl std::error::Error for ActaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Jpeg(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<jpeg_encoder::EncodingError> for ActaError {
    fn from(e: jpeg_encoder::EncodingError) -> Self {
        Self::Jpeg(e)
    }
}

impl From<std::io::Error> for ActaError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}
