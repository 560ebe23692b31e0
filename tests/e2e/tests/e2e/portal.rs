//! The public portal in headless Chromium (Debian's `chromium`, driven by `playwright-core` from
//! `tests/browser/`, checked by `axe-core`): real phones deliver actas with their photos to a real
//! server, the coordinators publish them, and a citizen arrives, looks up a table and a place,
//! drills down and verifies an acta in the browser; a changed number, a swapped photo and a forged
//! receipt each fail the check they should. Needs `npm ci --prefix tests/browser` and `chromium`
//! (`make test` and `.ci/run` see to both).

use std::path::PathBuf;
use std::time::Duration;

use testigo_core::CancelToken;
use testigo_e2e::*;
use testigo_server::services::publication::{self, Publish};
use testigo_server::services::review::Reviewer;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

#[test]
fn a_citizen_finds_a_table_and_verifies_its_acta_and_tampering_fails_by_name() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../browser");
    assert!(
        dir.join("node_modules/axe-core").is_dir() && dir.join("node_modules/playwright-core").is_dir(),
        "the browser test packages are not installed: run `npm ci --prefix tests/browser` (make test does)"
    );
    let election = SampleElection::new(52, 24);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let assigned = assignments(&election, 4, 3);
    let codes = server.codes(&assigned).unwrap();
    let style = CaptureStyle { photo_size: (1600, 1200), ..CaptureStyle::default() };
    for (i, code) in codes.iter().enumerate() {
        let w = Watcher::open(&phone_dir(root.path(), i), 400 + i as u64).unwrap();
        w.enroll(&server.url(), code).unwrap();
        for k in 0..3 {
            w.capture(&election, i * 3 + k, &style).unwrap();
        }
        let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
        assert_eq!(r.outcome, testigo_core::SyncOutcome::Idle, "{r:?}");
    }
    let done = server.block_on(async {
        testigo_server::repo::settle_tally(server.state.repo.as_ref(), testigo_server::TALLY_BATCH)
            .await
            .unwrap();
        let done = publication::publish(
            &server.state,
            &Reviewer::operator("e2e"),
            Publish::Region(String::new()),
            None,
        )
        .await
        .unwrap();
        // The authority's numbers: the truth, with the first table's first party raised by
        // seven, so its page shows the official numbers beside the acta with one marked.
        let request = testigo_server::services::official::ImportRequest {
            source: "CNE".into(),
            file_name: "mesas.csv".into(),
            content: official_csv(&election, 0, 7).into_bytes(),
            mapping: None,
        };
        testigo_server::services::official::import(&server.state, &Reviewer::operator("e2e"), request)
            .await
            .unwrap();
        testigo_server::repo::settle_tally(server.state.repo.as_ref(), testigo_server::TALLY_BATCH)
            .await
            .unwrap();
        done
    });
    assert_eq!(done.published, 12, "{done:?}");
    let station = &election.package.stations[0];
    let center = election.package.centers.iter().find(|c| c.id == station.center_id).unwrap();
    // A word of the center's name, as someone would type it.
    let place = center.name.split_whitespace().last().unwrap();
    let shots =
        std::env::var_os("TESTIGO_SCREENSHOTS").map_or_else(|| root.path().join("shots"), PathBuf::from);
    let out = std::process::Command::new("node")
        .arg(dir.join("portal.mjs"))
        .args([server.url().as_str(), station.id.as_str(), place])
        .arg(&shots)
        .output()
        .expect("node runs (Node.js 20 or newer is required)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("{stdout} {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["ok"], true, "{report}");
    // Each alteration fails exactly the checks it touches.
    let failed = |case: &str| -> Vec<String> {
        assert_eq!(report["tamper"][case]["result"], "invalid", "{case}: {report}");
        report["tamper"][case]["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    // A changed number no longer matches the signature, the page, nor the receipt's record hash.
    assert_eq!(failed("changed-number"), ["signature", "numbers", "receipt"]);
    assert_eq!(failed("swapped-photo"), ["photo"]);
    assert_eq!(failed("forged-receipt"), ["receipt"]);
    // No serious or critical accessibility problem on any page, at either width.
    let pages = report["axe"].as_array().unwrap();
    assert_eq!(pages.len(), 12, "{report}");
    for page in pages {
        let bad: Vec<&serde_json::Value> = page["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .collect();
        assert!(bad.is_empty(), "axe on {}: {bad:?}", page["page"]);
    }
    assert_eq!(report["overflow"].as_array().unwrap().len(), 0, "a page is wider than the screen: {report}");
    assert!(report["no_js"]["numbers"].as_u64().unwrap() > 38, "{report}");
    assert_eq!(report["no_js"]["photo"], true);
    assert_eq!(report["no_js"]["button"], false, "without JavaScript there is nothing to press");
}
