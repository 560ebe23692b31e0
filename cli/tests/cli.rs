//! The `testigo` binary, run as a user would: write a synthetic corpus, prepare one of its photos.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::Command;

fn testigo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_testigo")).args(args).output().unwrap()
}

#[test]
fn sim_actas_then_photo_prepare_reports_hashes_sizes_times_and_the_qr() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("actas");
    let out = testigo(&["sim", "actas", "--count", "3", "--seed", "4", "--out", corpus.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let truth = std::fs::read_to_string(corpus.join("acta-0001.json")).unwrap();
    let photo = corpus.join("acta-0001.jpg");
    assert!(std::fs::metadata(&photo).unwrap().len() > 500_000, "a 12-megapixel camera JPEG");

    let prepared = dir.path().join("prepared.jpg");
    let out = testigo(&[
        "photo",
        "prepare",
        photo.to_str().unwrap(),
        prepared.to_str().unwrap(),
        "--max-edge",
        "1800",
        "--quality",
        "75",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let written = std::fs::read(&prepared).unwrap();
    assert_eq!(report["output_bytes"].as_u64().unwrap(), written.len() as u64);
    assert_eq!(report["width"].as_u64().unwrap().max(report["height"].as_u64().unwrap()), 1800);
    assert_eq!(report["original_sha256"].as_str().unwrap().len(), 64);
    assert_ne!(report["original_sha256"], report["sha256"]);
    for stage in ["decode", "orient", "resize", "encode", "hash", "qr"] {
        assert!(report["times_ms"][stage].as_f64().unwrap() >= 0.0, "{stage}");
    }
    // The QR text is reported exactly as the acta carries it (when it carries one).
    let truth: serde_json::Value = serde_json::from_str(&truth).unwrap();
    assert_eq!(report["qr_payload"], truth["qr_payload"]);
}

#[test]
fn bad_input_is_a_clear_error_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"this is not a photo").unwrap();
    let out =
        testigo(&["photo", "prepare", junk.to_str().unwrap(), dir.path().join("o.jpg").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable photo"));
    assert!(!dir.path().join("o.jpg").exists(), "nothing is written for a refused photo");
}
