//! The verification desk in headless Chromium (`tests/browser/desk.mjs`): two clerks in their
//! own sessions transcribe the same acta from its photo with the keyboard alone, one misreads a
//! row, a third session verifies and decides; the decision reaches the capture's review, and the
//! watcher's phone. Needs `npm ci --prefix tests/browser` and `chromium` (`make test` and
//! `.ci/run` see to both).

use std::path::PathBuf;
use std::time::Duration;

use testigo_core::protocol::api::ReviewStatus;
use testigo_core::{CancelToken, SyncOptions};
use testigo_e2e::*;
use testigo_server::repo::desk::DeskState;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

#[test]
fn two_clerks_transcribe_blind_a_verifier_decides_and_the_phone_hears_of_it() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser` (make test does)"
    );
    let election = SampleElection::new(52, 12);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let codes = server.codes(&assignments(&election, 2, 2)).unwrap();
    let style = CaptureStyle { photo_size: (1600, 1200), ..CaptureStyle::default() };
    let mut phones = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let w = Watcher::open(&phone_dir(root.path(), i), 400 + i as u64).unwrap();
        w.enroll(&server.url(), code).unwrap();
        for k in 0..2 {
            w.capture(&election, i * 2 + k, &style).unwrap();
        }
        let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
        assert_eq!(r.outcome, testigo_core::SyncOutcome::Idle, "{r:?}");
        phones.push(w);
    }
    let password = "clave de prueba 2";
    // The acta the desk hands out first (the oldest with its photos in), and what its watcher typed.
    let numbers = server.block_on(async {
        testigo_server::repo::settle_tally(server.state.repo.as_ref(), testigo_server::TALLY_BATCH)
            .await
            .unwrap();
        for name in ["ana", "ben", "eva"] {
            testigo_server::services::accounts::create_user(
                server.state.coord.as_ref(),
                name,
                password,
                "",
                testigo_server::repo::coord::Role::Reviewer,
                "test",
                1,
            )
            .await
            .unwrap();
        }
        let mut first = None;
        for pk in 1..100 {
            if server.state.desk.desk_item(pk).await.unwrap().is_some() {
                first = Some(pk);
                break;
            }
        }
        let detail =
            server.state.coord.capture_detail(first.expect("an acta on the desk")).await.unwrap().unwrap();
        let contest = &election.package.contests[0];
        let typed = testigo_server::services::desk::watcher_counts(&detail);
        // In printed order: [[field id, number], …].
        let numbers: Vec<(String, u32)> = testigo_server::services::desk::fields(contest)
            .into_iter()
            .map(|id| {
                let n = typed.get(&id).copied().unwrap_or(0);
                (id, n)
            })
            .collect();
        serde_json::to_string(&numbers).unwrap()
    });
    let shots =
        std::env::var_os("TESTIGO_SCREENSHOTS").map_or_else(|| root.path().join("shots"), PathBuf::from);
    let out = std::process::Command::new("node")
        .arg(dir.join("desk.mjs"))
        .args([&server.url(), password, &numbers])
        .arg(&shots)
        .output()
        .expect("node runs (Node.js 20 or newer is required)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("{stdout} {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["ok"], true, "{report} {}", String::from_utf8_lossy(&out.stderr));
    // The verifier read what the watcher typed: decided, and the capture verified, on the server
    // and on the watcher's phone.
    let pk = report["pk"].as_i64().unwrap();
    let item = server.block_on(server.state.desk.desk_item(pk)).unwrap().unwrap();
    assert_eq!(item.state, DeskState::Decided);
    assert_eq!(item.decided.as_ref().map(|(_, by)| by.as_str()), Some("eva"));
    let detail = server.block_on(server.state.coord.capture_detail(pk)).unwrap().unwrap();
    assert_eq!(detail.row.review_status, ReviewStatus::Verified);
    let phone = phones.iter().find(|w| w.store.device().key_id.as_str() == detail.row.device_id).unwrap();
    phone
        .store
        .sync(&SyncOptions { ignore_backoff: true, ..SyncOptions::default() }, &CancelToken::new())
        .unwrap();
    let capture = testigo_core::Uuid::parse_str(&detail.row.capture_id).unwrap();
    assert_eq!(phone.store.review(capture).unwrap().unwrap().status, ReviewStatus::Verified);
}
