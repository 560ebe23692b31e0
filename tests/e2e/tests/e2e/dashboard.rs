//! The coordinators' dashboard in headless Chromium (Debian's `chromium`, driven by
//! `playwright-core` from `tests/browser/`): sign in, drill down to a table, open its acta with
//! the photo, review it, read the totals, the contrast with the official results (down to an
//! acta beside both sets of numbers), the printable report and the quick count, on a desktop and
//! a phone screen; then run the night: an account made and disabled, a table handed to another
//! phone, a phone revoked. The review then reaches the watcher's phone, the revoked phone is
//! refused at its next sync, and the other learns of its new table. Needs `npm ci --prefix tests/browser` and `chromium` (`make test` and
//! `.ci/run` see to both).

use std::path::PathBuf;
use std::time::Duration;

use testigo_core::protocol::api::ReviewStatus;
use testigo_core::{CancelToken, SyncOptions};
use testigo_e2e::*;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

fn dashboard_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../browser")
}

#[test]
fn a_coordinator_signs_in_drills_down_reviews_an_acta_and_the_phone_sees_it() {
    let dir = dashboard_dir();
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser` (make test does)"
    );
    let election = SampleElection::new(51, 24);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let assigned = assignments(&election, 6, 4);
    let codes = server.codes(&assigned).unwrap();
    let style = CaptureStyle { photo_size: (1600, 1200), ..CaptureStyle::default() };
    let mut phones = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let w = Watcher::open(&phone_dir(root.path(), i), 300 + i as u64).unwrap();
        w.enroll(&server.url(), code).unwrap();
        for k in 0..3 {
            w.capture(&election, i * 4 + k, &style).unwrap();
        }
        let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
        assert_eq!(r.outcome, testigo_core::SyncOutcome::Idle, "{r:?}");
        phones.push(w);
    }
    server.block_on(async {
        testigo_server::repo::settle_tally(server.state.repo.as_ref(), testigo_server::TALLY_BATCH)
            .await
            .unwrap();
        testigo_server::services::accounts::create_user(
            server.state.coord.as_ref(),
            "ana",
            "clave de prueba 1",
            "",
            testigo_server::repo::coord::Role::Admin,
            "test",
            1,
        )
        .await
        .unwrap();
        // The authority publishes the truth of every table, with one table's first party
        // raised by five votes; the quick count's sample was drawn.
        let operator = testigo_server::services::review::Reviewer::operator("ana");
        let request = testigo_server::services::official::ImportRequest {
            source: "CNE".into(),
            file_name: "mesas.csv".into(),
            content: official_csv(&election, 1, 5).into_bytes(),
            mapping: None,
        };
        testigo_server::services::official::import(&server.state, &operator, request).await.unwrap();
        testigo_server::services::quickcount::draw_sample(&server.state, &operator, 12, "e2e").await.unwrap();
        // What came without a data link: a stranger's SMS set aside, a broken bundle refused.
        let text =
            "¿A qué hora cierran la mesa 3? Aquí no hay datos: TESTIGO-NO-ES-UN-REGISTRO-0123456789ABCDEF";
        let sms = testigo_server::repo::SmsIn {
            sender: "+58 414 555 0101".into(),
            gateway: "phone".into(),
            text: text.into(),
        };
        let why = testigo_server::repo::NotTaken::new("not_testigo", "not a Testigo message");
        server.state.repo.sms_aside(sms, why, testigo_server::now_ms()).await.unwrap();
        let broken = b"not a bundle".to_vec();
        assert!(testigo_server::services::bundles::import(&server.state, broken, None).await.is_err());
        testigo_server::repo::settle_tally(server.state.repo.as_ref(), testigo_server::TALLY_BATCH)
            .await
            .unwrap();
    });
    let shots =
        std::env::var_os("TESTIGO_SCREENSHOTS").map_or_else(|| root.path().join("shots"), PathBuf::from);
    let out = std::process::Command::new("node")
        .arg(dir.join("dashboard.mjs"))
        .args([&server.url(), "ana", "clave de prueba 1"])
        .arg(&shots)
        .output()
        .expect("node runs (Node.js 20 or newer is required)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("{stdout} {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["ok"], true, "{report} {}", String::from_utf8_lossy(&out.stderr));
    // The acta the coordinator reviewed is disputed on the server, and on its watcher's phone.
    let pk: i64 = report["acta_url"].as_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    let detail = server.block_on(server.state.coord.capture_detail(pk)).unwrap().unwrap();
    assert_eq!(detail.row.review_status, ReviewStatus::Disputed);
    let phone = phones.iter().find(|w| w.store.device().key_id.as_str() == detail.row.device_id).unwrap();
    let options = SyncOptions { ignore_backoff: true, ..SyncOptions::default() };
    phone.store.sync(&options, &CancelToken::new()).unwrap();
    let capture = testigo_core::Uuid::parse_str(&detail.row.capture_id).unwrap();
    let review = phone.store.review(capture).unwrap().unwrap();
    assert_eq!(review.status, ReviewStatus::Disputed);
    assert_eq!(review.comment.as_deref(), Some("El total no coincide con la foto"));
    // The phone revoked in the browser is refused at its next sync; the phone handed a table
    // there learns of it at its next sync.
    let by_id = |id: &str| phones.iter().find(|w| w.store.device().key_id.as_str() == id).unwrap();
    let revoked = by_id(report["revoked"].as_str().unwrap());
    let r = revoked.store.sync(&options, &CancelToken::new()).unwrap();
    assert_eq!(r.outcome, testigo_core::SyncOutcome::Unauthorized, "{r:?}");
    let receiver = by_id(report["assigned"]["device"].as_str().unwrap());
    let r = receiver.store.sync(&options, &CancelToken::new()).unwrap();
    assert!(r.package_updated, "{r:?}");
    let table = report["assigned"]["table"].as_str().unwrap();
    assert!(receiver.store.package().unwrap().unwrap().is_assigned(table));
}
