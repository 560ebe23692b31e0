//! The tus reference client, `tus-js-client` (npm), uploads to this server: chunked with an abort
//! between chunks, one PATCH aborted mid-body, and through `X-HTTP-Method-Override` with
//! creation-with-upload. Needs Node.js and `npm ci --prefix tests/tus-js` (the Makefile's `test`
//! target runs it).

use std::path::PathBuf;

use base64::Engine as _;
use testigo_protocol::api::{BatchResult, RecordOutcome};
use testigo_protocol::{Sha256, SignedReceipt};

use crate::common::*;

fn tus_js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/tus-js")
}

async fn run_client(mode: &str, size: usize) {
    run_client_via(mode, size, None).await;
}

/// Runs the client, through a shaped link (the fault proxy) when `link` is given.
async fn run_client_via(mode: &str, size: usize, link: Option<testigo_testkit::LinkProfile>) {
    let dir = tus_js_dir();
    assert!(
        dir.join("node_modules/tus-js-client").is_dir(),
        "tus-js-client is not installed: run `npm ci --prefix tests/tus-js` (make test does)"
    );
    let s = TestServer::new().await;
    let addr = s.listen().await;
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(9, size);
    let signed = d.sign(d.record("st-1", &[&photo]));
    let capture = signed.record.id;
    let r: BatchResult = json_body(s.send(d.batch(vec![signed])).await).await;
    assert!(matches!(r.results[0], RecordOutcome::Stored { .. }));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("acta.jpg");
    std::fs::write(&file, &photo).unwrap();
    let sha = Sha256::digest(&photo);
    // Through the link, the first connection breaks after 300–500 kB of the PATCH body.
    let faults = testigo_testkit::Faults {
        reset: 1.0,
        reset_min: 300_000,
        reset_within: 500_000,
        reset_limit: 1,
        reset_down_share: 0.0,
        ..Default::default()
    };
    let proxy = link.map(|l| testigo_testkit::FaultProxy::start(addr, l, faults.clone(), 1).unwrap());
    let base = proxy.as_ref().map_or(format!("http://{addr}"), |p| p.url());
    let args = vec![
        dir.join("upload.mjs").display().to_string(),
        format!("{base}/v1/uploads"),
        d.token.clone(),
        file.display().to_string(),
        capture.to_string(),
        sha.to_hex(),
        mode.to_owned(),
    ];
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("node").args(args).output())
        .await
        .unwrap()
        .expect("node runs (Node.js 20 or newer is required)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "tus-js-client failed: {stdout} {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(report["ok"], true, "{report} {stderr}");
    // The photo is stored byte-exact and its receipt reached the client.
    assert_eq!(s.state.blobs.get(&sha).await.unwrap().unwrap(), photo);
    let receipt = report["receipt"].as_str().expect("the final PATCH carries the receipt");
    let receipt: SignedReceipt =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(receipt).unwrap())
            .unwrap();
    receipt.verify(&d.server_key).unwrap();
    let requests = report["requests"].as_array().unwrap();
    match mode {
        "chunks" => {
            assert_eq!(report["aborted"], true);
            assert_eq!(report["resumed_from"], 2 * 64 * 1024, "{report}");
        }
        "midway" => {
            // The client retried after the break and resumed from what the server kept.
            assert!(requests.iter().any(|r| r["method"] == "PATCH" && r["status"].is_null()), "{report}");
            let from = report["resumed_from"].as_u64().unwrap();
            assert!((250_000..=500_000).contains(&from), "resumed from {from}: {report} {stderr}");
        }
        _ => {
            assert_eq!(requests.len(), 1, "one creation-with-upload request: {report}");
            assert_eq!(requests[0]["offset"], size.to_string());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_resumes_between_chunks() {
    run_client("chunks", 300_000).await;
}

/// One PATCH with the whole photo over a 4 Mbit/s link that breaks (TCP reset) in the middle of
/// the body: the server keeps what arrived and the client, by its own retry logic, asks `HEAD`
/// and resumes from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_resumes_a_patch_aborted_mid_body() {
    let link = testigo_testkit::LinkProfile {
        name: "4mbit",
        up_bps: 4_000_000,
        down_bps: 0,
        latency: std::time::Duration::from_millis(20),
    };
    run_client_via("midway", 1_000_000, Some(link)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_uploads_with_method_override_and_creation_with_upload() {
    run_client("override", 200_000).await;
}
