//! Many synthetic actas at once, with the truth about each, in memory or on disk.

use std::path::Path;

use crate::ActaError;
use crate::acta::{ActaRow, ActaSpec, Election};
use crate::geometry::Point;
use crate::page::render_page;
use crate::photo::{PhotoSpec, page_quad, phone_photo};
use crate::rng::Rng;

/// Ballot options on Venezuela's 2024 presidential acta, the default for [`write_corpus`].
pub const DEFAULT_OPTIONS: usize = 38;

/// One generated acta photo and everything true about it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticActa {
    /// The JPEG, as a phone would store it.
    pub jpeg: Vec<u8>,
    /// What the acta says.
    pub spec: ActaSpec,
    /// How it was photographed.
    pub photo: PhotoSpec,
    /// Where the page's corners are in the upright frame (top left, top right, bottom right,
    /// bottom left), in pixels.
    pub page_corners: [Point; 4],
    /// The seed this acta was made from.
    pub seed: u64,
}

impl SyntheticActa {
    /// The acta of `election` made from `seed`: page, photo conditions and JPEG.
    pub fn generate(election: &Election, seed: u64) -> Result<Self, ActaError> {
        let spec = election.acta(seed);
        let photo = PhotoSpec::random(seed);
        let page = render_page(&spec, seed)?;
        let page_corners = page_quad(page.width, page.height, &photo, seed)?;
        let jpeg = phone_photo(&page, &photo, seed)?;
        Ok(Self { jpeg, spec, photo, page_corners, seed })
    }

    /// The truth about this acta as a JSON object (everything but the JPEG).
    pub fn to_json(&self) -> String {
        let rows = |rows: &[ActaRow]| {
            let items: Vec<String> = rows
                .iter()
                .map(|r| format!("{{\"label\": {}, \"count\": {}}}", json_string(&r.label), r.count))
                .collect();
            format!("[{}]", items.join(", "))
        };
        let s = &self.spec;
        let p = &self.photo;
        let (stored_w, stored_h) = p.stored_size();
        let gps = p.gps.map_or("null".to_owned(), |(lat, lon)| format!("[{lat}, {lon}]"));
        let [r, g, b] = p.background;
        let corners: Vec<String> =
            self.page_corners.iter().map(|(x, y)| format!("[{x:.2}, {y:.2}]")).collect();
        let fields = [
            ("seed", self.seed.to_string()),
            ("acta_id", json_string(&s.acta_id)),
            ("registered", s.registered.to_string()),
            ("handwritten", s.handwritten.to_string()),
            ("rows", rows(&s.rows)),
            ("total_valid", s.total_valid().to_string()),
            ("extra", rows(&s.extra)),
            ("qr_payload", s.qr_payload.as_deref().map_or("null".to_owned(), json_string)),
            (
                "photo",
                format!(
                    "{{\"width\": {}, \"height\": {}, \"stored_width\": {stored_w}, \"stored_height\": {stored_h}, \
                     \"quality\": {}, \"exif_orientation\": {}, \"gps\": {gps}, \"rotation_deg\": {}, \
                     \"perspective\": {}, \"page_fill\": {}, \"light_gradient\": {}, \"blur_radius\": {}, \
                     \"noise_sigma\": {}, \"background\": [{r}, {g}, {b}]}}",
                    p.width,
                    p.height,
                    p.quality,
                    p.exif_orientation,
                    p.rotation_deg,
                    p.perspective,
                    p.page_fill,
                    p.light_gradient,
                    p.blur_radius,
                    p.noise_sigma,
                ),
            ),
            ("page_corners", format!("[{}]", corners.join(", "))),
        ];
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("  \"{k}\": {v}")).collect();
        format!("{{\n{}\n}}\n", body.join(",\n"))
    }
}

/// A JSON string literal for `text`.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `count` actas of one election with `options` ballot options, all determined by `seed`.
///
/// Item `i` depends only on `seed` and `i`, so a corpus can be regenerated, extended or sampled
/// lazily. Each item costs a full-size page render and photo: take what you need.
pub fn corpus(
    seed: u64,
    count: usize,
    options: usize,
) -> impl Iterator<Item = Result<SyntheticActa, ActaError>> {
    let election = Election::new(seed, options);
    (0..count).map(move |i| SyntheticActa::generate(&election, Rng::stream(seed, i as u64).next_u64()))
}

/// Writes `count` actas (38 options) to `dir` as `acta-0001.jpg` with its truth in
/// `acta-0001.json`, and so on; creates `dir` if needed.
pub fn write_corpus(dir: &Path, seed: u64, count: usize) -> Result<(), ActaError> {
    std::fs::create_dir_all(dir)?;
    for (i, acta) in corpus(seed, count, DEFAULT_OPTIONS).enumerate() {
        let acta = acta?;
        let name = format!("acta-{:04}", i + 1);
        std::fs::write(dir.join(format!("{name}.jpg")), &acta.jpeg)?;
        std::fs::write(dir.join(format!("{name}.json")), acta.to_json())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::acta::EXTRA_LABELS;
    use crate::exif::read;
    use std::time::Instant;

    #[test]
    fn a_full_size_acta_is_deterministic_and_true_to_its_spec() {
        let election = Election::new(7, DEFAULT_OPTIONS);
        let seed = (0..).find(|s| PhotoSpec::random(*s).exif_orientation == 6).unwrap();
        let started = Instant::now();
        let acta = SyntheticActa::generate(&election, seed).unwrap();
        let elapsed = started.elapsed();
        let p = &acta.photo;
        println!("{}x{} photo in {elapsed:?}, {} bytes", p.width, p.height, acta.jpeg.len());
        assert_eq!(acta, SyntheticActa::generate(&election, seed).unwrap());
        assert_eq!(read::from_jpeg(&acta.jpeg).orientation, Some(6));
        let segments = read::segments(&acta.jpeg);
        let (_, sof) = segments.iter().find(|(m, _)| *m == 0xC0).unwrap();
        let stored = (u16::from_be_bytes([sof[3], sof[4]]), u16::from_be_bytes([sof[1], sof[2]]));
        assert_eq!((u32::from(stored.0), u32::from(stored.1)), (p.height, p.width));
    }

    #[test]
    fn a_corpus_varies_like_the_field() {
        // Only the specs: rendering dozens of full-size photos belongs in benchmarks.
        let election = Election::new(3, DEFAULT_OPTIONS);
        let seeds: Vec<u64> = (0..200).map(|i| Rng::stream(3, i).next_u64()).collect();
        let specs: Vec<ActaSpec> = seeds.iter().map(|s| election.acta(*s)).collect();
        let photos: Vec<PhotoSpec> = seeds.iter().map(|s| PhotoSpec::random(*s)).collect();
        let share = |n: usize| n as f64 / 200.0;
        let handwritten = share(specs.iter().filter(|s| s.handwritten).count());
        let with_qr = share(specs.iter().filter(|s| s.qr_payload.is_some()).count());
        let with_gps = share(photos.iter().filter(|p| p.gps.is_some()).count());
        let sideways = share(photos.iter().filter(|p| matches!(p.exif_orientation, 6 | 8)).count());
        assert!((0.35..0.65).contains(&handwritten), "{handwritten}");
        assert!((0.7..0.97).contains(&with_qr), "{with_qr}");
        assert!((0.35..0.65).contains(&with_gps), "{with_gps}");
        assert!((0.2..0.45).contains(&sideways), "{sideways}");
        assert!(photos.iter().all(|p| (1..=8).contains(&p.exif_orientation)));
        // All options share their labels across the corpus.
        assert!(specs.iter().all(|s| s.rows.iter().map(|r| &r.label).eq(&election.labels)));
    }

    #[test]
    fn writes_jpeg_and_truth_files() {
        let dir = std::env::temp_dir().join(format!("testigo-testkit-{}", std::process::id()));
        write_corpus(&dir, 1, 1).unwrap();
        let jpeg = std::fs::read(dir.join("acta-0001.jpg")).unwrap();
        let json = std::fs::read_to_string(dir.join("acta-0001.json")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(jpeg[..2], [0xFF, 0xD8]);
        assert!(json.starts_with('{') && json.trim_end().ends_with('}'));
        let id = &json[json.find("\"acta_id\": \"").unwrap() + 12..][..19];
        assert_eq!(id.split('.').map(str::len).collect::<Vec<_>>(), [9, 2, 1, 4], "{id}");
        assert_eq!(json.matches("\"label\"").count(), DEFAULT_OPTIONS + EXTRA_LABELS.len());
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
