//! Store benchmarks: how long sealing takes (sign + one transaction that enqueues the record and
//! two photos), and how long the captures list takes with 10,000 captures in the store.
//!
//! Run: `cargo bench -p testigo-core --bench store`. Figures go in BENCHMARKS.md.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use testigo_core::protocol::ElectionPackage;
use testigo_core::protocol::election::*;
use testigo_core::{Store, Uuid};

const KEY: [u8; 32] = *b"benchmark key for the store 32b!";

fn package() -> ElectionPackage {
    let candidates: Vec<_> =
        (1..=10).map(|i| Candidate { id: format!("c{i}"), name: format!("Candidate {i}") }).collect();
    // 38 party cards for 10 candidates, as on Venezuela's 2024 acta.
    let options = (0..38)
        .map(|i| BallotOption {
            id: format!("o{i}"),
            candidate_id: format!("c{}", 1 + i % 10),
            party: format!("Party {i}"),
        })
        .collect();
    let count_fields = vec![
        CountField { id: "null".into(), kind: CountFieldKind::Null, label: "Nulos".into() },
        CountField { id: "voted".into(), kind: CountFieldKind::VotersWhoVoted, label: "Votantes".into() },
    ];
    let stations = (0..50)
        .map(|i| Station { id: format!("s{i}"), center_id: "ctr".into(), number: i, registered_voters: 600 })
        .collect();
    ElectionPackage {
        format: PACKAGE_FORMAT,
        version: 1,
        election: Election {
            id: "bench".into(),
            name: "Bench".into(),
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
        centers: vec![PollingCenter { id: "ctr".into(), name: "Center".into(), region: vec!["R".into()] }],
        stations,
        assignment: None,
        bundle_key: None,
        sms_numbers: Vec::new(),
    }
}

fn counts() -> BTreeMap<String, Option<u32>> {
    let mut m: BTreeMap<String, Option<u32>> = (0..38).map(|i| (format!("o{i}"), Some(i * 3))).collect();
    m.insert("null".into(), Some(4));
    m.insert("voted".into(), Some((0..38).map(|i| i * 3).sum::<u32>() + 4));
    m
}

/// A real camera-like JPEG (noisy, so it compresses like a photo), distinct per `seed`.
fn photo(seed: u64, width: u16, height: u16) -> Vec<u8> {
    let mut x = seed | 1;
    let pixels: Vec<u8> = (0..usize::from(width) * usize::from(height) * 3)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((i / 3 % 251) as u8).wrapping_add((x & 0x1F) as u8)
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

fn draft(store: &Store, station: &str, seed: u64) -> Uuid {
    let id = store.new_capture(station, "pres").unwrap();
    store.set_counts(id, &counts()).unwrap();
    store.attach_photo(id, &photo(seed, 1000, 750)).unwrap();
    store.attach_photo(id, &photo(seed ^ 0xABCD, 1000, 750)).unwrap();
    id
}

fn open(dir: &Path) -> Store {
    let store = Store::open(dir, &KEY).unwrap();
    store.install_package(&package()).unwrap();
    store
}

fn seal(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut seed = 1u64;
    c.bench_function("seal_and_enqueue (38 counts, 2 photo refs)", |b| {
        b.iter_batched(
            || {
                seed += 1;
                draft(&store, "s1", seed)
            },
            |id| store.seal(id).unwrap(),
            BatchSize::PerIteration,
        )
    });
}

fn list(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let shared = photo(0, 320, 240);
    for i in 0..10_000u32 {
        let id = store.new_capture(&format!("s{}", i % 50), "pres").unwrap();
        store.set_counts(id, &counts()).unwrap();
        store.attach_photo(id, &shared).unwrap();
        store.seal(id).unwrap();
    }
    assert_eq!(store.captures().unwrap().len(), 10_000);
    c.bench_function("list_captures (10,000 in store)", |b| b.iter(|| store.captures().unwrap()));
    c.bench_function("station_status (50 stations, 10,000 captures)", |b| {
        b.iter(|| store.stations().unwrap())
    });
    let some = store.captures().unwrap()[5_000].id;
    c.bench_function("capture_detail (10,000 in store)", |b| b.iter(|| store.capture(some).unwrap()));
}

criterion_group! {
    name = benches;
    // Each sealed sample needs a fresh draft with two photos (untimed setup), so keep the sample
    // count modest; the spread criterion reports shows whether that was enough.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(4));
    targets = seal, list
}
criterion_main!(benches);
