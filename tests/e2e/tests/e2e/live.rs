//! A live dashboard in headless Chromium (`tests/browser/live.mjs`): a coordinator has the totals
//! open; a phone syncs a new acta; the page shows it without being reloaded (server-sent events
//! from the tally worker's pass, `dash.js` replacing the page's content).

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use testigo_core::CancelToken;
use testigo_e2e::*;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

#[test]
fn an_open_page_shows_a_new_acta_without_a_reload() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../browser");
    assert!(dir.join("node_modules/playwright-core").is_dir(), "run `npm ci --prefix tests/browser`");
    let election = SampleElection::new(53, 8);
    let server = Server::start(&election).unwrap();
    let root = tempfile::tempdir().unwrap();
    let codes = server.codes(&assignments(&election, 1, 2)).unwrap();
    let style = CaptureStyle { photo_size: (1200, 900), ..CaptureStyle::default() };
    let w = Watcher::open(&phone_dir(root.path(), 0), 500).unwrap();
    w.enroll(&server.url(), &codes[0]).unwrap();
    w.capture(&election, 0, &style).unwrap();
    w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    let password = "clave de prueba 3";
    server.block_on(async {
        testigo_server::services::accounts::create_user(
            server.state.coord.as_ref(),
            "ana",
            password,
            "",
            testigo_server::repo::coord::Role::Admin,
            "test",
            1,
        )
        .await
        .unwrap();
    });
    let mut node = Command::new("node")
        .arg(dir.join("live.mjs"))
        .args([&server.url(), "ana", password])
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (Node.js 20 or newer is required)");
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, "ready", "{first}");
    // The page is open: a second acta arrives.
    w.capture(&election, 1, &style).unwrap();
    w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    let last = lines.map_while(|l| l.ok()).last().unwrap_or_default();
    node.wait().unwrap();
    let report: serde_json::Value = serde_json::from_str(&last).unwrap_or_else(|_| panic!("{last}"));
    assert_eq!(report["ok"], true, "{report}");
}
