//! Shared fixtures: an election package, header-valid photos, stores in temporary directories.

use std::collections::BTreeMap;

use testigo_core::Store;
use testigo_core::protocol::ElectionPackage;
use testigo_core::protocol::election::*;

pub const KEY: [u8; 32] = *b"testigo test key, 32 bytes long!";

/// A small election shaped like Venezuela's 2024 presidential acta: candidates on several party
/// lines, null/blank/voted/unused fields, two centers, four stations.
pub fn package(version: u64, assigned: Option<&[&str]>) -> ElectionPackage {
    let candidates =
        (1..=3).map(|i| Candidate { id: format!("cand-{i}"), name: format!("Candidate {i}") }).collect();
    let options = (1..=6)
        .map(|i| BallotOption {
            id: format!("opt-{i}"),
            candidate_id: format!("cand-{}", (i + 1) / 2),
            party: format!("Party {i}"),
        })
        .collect();
    let count_fields = vec![
        CountField { id: "null".into(), kind: CountFieldKind::Null, label: "Nulos".into() },
        CountField { id: "blank".into(), kind: CountFieldKind::Blank, label: "Blancos".into() },
        CountField { id: "voted".into(), kind: CountFieldKind::VotersWhoVoted, label: "Votantes".into() },
        CountField { id: "unused".into(), kind: CountFieldKind::BallotsUnused, label: "Sobrantes".into() },
    ];
    ElectionPackage {
        format: PACKAGE_FORMAT,
        version,
        election: Election {
            id: "test-2026".into(),
            name: "Test election".into(),
            date: "2026-07-28".into(),
            time_zone: None,
        },
        contests: vec![Contest {
            id: "pres".into(),
            name: "Presidential".into(),
            candidates,
            options,
            count_fields,
            acta_qr: Some(QrFormat::Venezuela2024),
        }],
        centers: vec![
            PollingCenter {
                id: "ctr-a".into(),
                name: "Escuela A".into(),
                region: vec!["Zulia".into(), "Maracaibo".into()],
            },
            PollingCenter {
                id: "ctr-b".into(),
                name: "Liceo B".into(),
                region: vec!["Lara".into(), "Iribarren".into()],
            },
        ],
        stations: vec![
            Station { id: "st-1".into(), center_id: "ctr-a".into(), number: 1, registered_voters: 500 },
            Station { id: "st-2".into(), center_id: "ctr-a".into(), number: 2, registered_voters: 480 },
            Station { id: "st-3".into(), center_id: "ctr-b".into(), number: 1, registered_voters: 300 },
            Station { id: "st-4".into(), center_id: "ctr-b".into(), number: 2, registered_voters: 310 },
        ],
        assignment: assigned
            .map(|ids| Assignment { station_ids: ids.iter().map(|s| s.to_string()).collect() }),
        bundle_key: None,
        sms_numbers: Vec::new(),
    }
}

/// A real JPEG of `width × height` whose content (blocks of colour, distinct per `seed`) makes
/// every seed a different photo. `detail` adds that many bytes of noise-like texture rows, to
/// make bigger files.
pub fn jpeg(width: u16, height: u16, seed: u64, detail: usize) -> Vec<u8> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let base = [next() as u8, next() as u8, next() as u8];
    let mut pixels = vec![0u8; w * h * 3];
    for (i, px) in pixels.chunks_exact_mut(3).enumerate() {
        let (px_x, px_y) = (i % w, i / w);
        let block = ((px_x / 32) + (px_y / 32) * 7) as u8;
        for c in 0..3 {
            px[c] = base[c].wrapping_add(block.wrapping_mul(37 + c as u8));
        }
    }
    // Texture: random pixels in the first rows, so files differ in size as asked.
    for px in pixels.chunks_exact_mut(3).take(detail / 3) {
        px[0] = next() as u8;
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// Bytes with a valid JPEG header claiming `width × height`, and nothing decodable after it:
/// for limits that must be enforced from the header alone.
pub fn jpeg_header_only(width: u16, height: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9]);
    v
}

/// A fresh store with the package installed.
pub fn store_with_package(dir: &std::path::Path) -> Store {
    let store = Store::open(dir, &KEY).unwrap();
    store.install_package(&package(1, None)).unwrap();
    store
}

/// A complete, consistent set of counts for the test contest.
pub fn good_counts() -> BTreeMap<String, Option<u32>> {
    let mut m: BTreeMap<String, Option<u32>> = (1..=6).map(|i| (format!("opt-{i}"), Some(10 * i))).collect();
    m.insert("null".into(), Some(3));
    m.insert("blank".into(), Some(2));
    m.insert("voted".into(), Some(215));
    m.insert("unused".into(), Some(285));
    m
}

/// Every file under `dir` with its contents, for "nothing changed" checks.
pub fn snapshot_files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if e.file_name() != ".lock" {
                out.insert(
                    e.path().strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    out
}
