//! Fuzzes the acta QR parser with arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_protocol::election::{BallotOption, Candidate, Contest, CountField, CountFieldKind, QrFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let contest = Contest {
        id: "p".into(),
        name: "P".into(),
        candidates: vec![Candidate { id: "c".into(), name: "C".into() }],
        options: (0..38)
            .map(|i| BallotOption { id: format!("o{i}"), candidate_id: "c".into(), party: format!("P{i}") })
            .collect(),
        count_fields: vec![CountField { id: "n".into(), kind: CountFieldKind::Null, label: "N".into() }],
        acta_qr: Some(QrFormat::Venezuela2024),
    };
    let _ = testigo_protocol::qr::parse(&QrFormat::Venezuela2024, &contest, text);
});
