//! Fuzzes what SMS gateways deliver as the server reads it: each line one SMS. Parts that parse
//! are reassembled against a package's contests; a record that reads back must write the same
//! SMS again, and a receipt must read whole or not at all. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_protocol::election::{BallotOption, Candidate, Contest, CountField, CountFieldKind, QrFormat};
use testigo_protocol::sms;

fn contests() -> Vec<Contest> {
    let contest = |id: &str, n: usize| Contest {
        id: id.into(),
        name: id.into(),
        candidates: vec![Candidate { id: "c".into(), name: "C".into() }],
        options: (0..n)
            .map(|i| BallotOption { id: format!("o{i}"), candidate_id: "c".into(), party: format!("P{i}") })
            .collect(),
        count_fields: vec![
            CountField { id: "null".into(), kind: CountFieldKind::Null, label: "N".into() },
            CountField { id: "blank".into(), kind: CountFieldKind::Blank, label: "B".into() },
        ],
        acta_qr: Some(QrFormat::Venezuela2024),
    };
    vec![contest("a", 3), contest("b", 38)]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let contests = contests();
    let parts: Vec<sms::Part> = text.lines().filter_map(|l| sms::parse_part(l).ok()).collect();
    let _ = sms::parse_receipt(text);
    if parts.is_empty() {
        return;
    }
    if let Ok(signed) = sms::decode_capture(&parts, "e", &contests) {
        if let Ok(again) = sms::encode_capture(&signed, &contests) {
            let reparsed: Vec<sms::Part> = again.iter().map(|t| sms::parse_part(t).unwrap()).collect();
            assert_eq!(sms::decode_capture(&reparsed, "e", &contests).unwrap(), signed);
        }
    }
});
