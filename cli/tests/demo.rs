//! `testigo demo`, the main job, run as a user would: small nights on every kind of network,
//! every invariant checked from the report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::testigo;

/// The main job, small: an election night on 3G links, every invariant checked, the report as
/// JSON on the last line.
#[test]
fn a_small_demo_runs_and_every_invariant_holds() {
    let out = testigo(&[
        "demo",
        "--stations",
        "16",
        "--watchers",
        "12",
        "--profile",
        "3g",
        "--seed",
        "3",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["tables_reported"], 16);
    assert_eq!(r["profile"], "3g", "the name --profile takes");
    assert_eq!(r["tally_matches"], true);
    assert_eq!((r["duplicates"].as_u64(), r["hash_mismatches"].as_u64()), (Some(0), Some(0)));
    let sealed = r["records_sealed"].as_u64().unwrap();
    assert!(sealed >= 16, "every table, some twice, corrections on top: {r}");
    assert_eq!(r["records_delivered"].as_u64(), Some(sealed));
    assert_eq!(r["photos_delivered"], r["photos_sealed"]);
    assert_eq!(r["receipts"].as_u64(), Some(2 * sealed), "a receipt for every record and photo");
    assert_eq!(r["mistakes_flagged"], r["mistakes_injected"]);
    for key in ["time_to_50_s", "time_to_90_s", "time_to_100_s", "bytes_up"] {
        assert!(r[key].as_f64().unwrap() > 0.0, "{key}: {r}");
    }
}

/// When an invariant fails the report says which and the exit is non-zero: here the watchers get
/// one second on GPRS (about 40 kbit/s up), far too little for an acta photo of 200 KB or more.
#[test]
fn a_demo_that_cannot_deliver_says_so_and_exits_non_zero() {
    let out = testigo(&[
        "demo",
        "--stations",
        "2",
        "--watchers",
        "1",
        "--profile",
        "gprs",
        "--deadline-s",
        "1",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stdout}");
    assert!(stderr.contains("an invariant failed"), "{stderr}");
    let r: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(r["ok"], false, "{r}");
    assert!(r["photos_delivered"].as_u64() < r["photos_sealed"].as_u64(), "{r}");
    assert!(r["undelivered_items"].as_u64().unwrap() > 0, "{r}");
    assert!(r["watchers_done_max_s"].is_null(), "a watcher out of time is not done: {r}");
    assert_eq!((r["duplicates"].as_u64(), r["hash_mismatches"].as_u64()), (Some(0), Some(0)), "{r}");
}

/// Extreme arguments are taken as given, not a panic: the largest seed, a deadline beyond what
/// the clock can hold.
#[test]
fn a_demo_takes_extreme_seeds_and_deadlines() {
    let out = testigo(&[
        "demo",
        "--stations",
        "2",
        "--watchers",
        "2",
        "--profile",
        "clean",
        "--seed",
        &u64::MAX.to_string(),
        "--deadline-s",
        &u64::MAX.to_string(),
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!((r["ok"].as_bool(), r["tables_reported"].as_u64()), (Some(true), Some(2)), "{r}");
}

/// Without a data link for three watchers in ten: their numbers arrive by SMS through the
/// gateway, their photos in bundles runners carry, and every invariant holds as on the field.
#[test]
fn a_censored_night_delivers_by_sms_and_runners_and_every_invariant_holds() {
    let out = testigo(&[
        "demo",
        "--stations",
        "16",
        "--watchers",
        "10",
        "--profile",
        "censored",
        "--seed",
        "5",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["tally_matches"], true);
    assert_eq!((r["duplicates"].as_u64(), r["hash_mismatches"].as_u64()), (Some(0), Some(0)));
    let c = &r["channels"];
    assert!(c["cut_watchers"].as_u64().unwrap() >= 1, "{c}");
    assert!(c["records_by_sms"].as_u64().unwrap() >= 1, "{c}");
    assert!(c["photos_by_bundle"].as_u64().unwrap() >= 1, "{c}");
    assert!(c["receipts_by_sms"].as_u64().unwrap() >= 1, "{c}");
    // Two gateway numbers: some message came in part through each, and was rebuilt whole.
    assert!(c["sms_messages_split"].as_u64().unwrap() >= 1, "{c}");
    let by_way = ["records_by_sms", "records_by_bundle", "records_by_link"].map(|k| c[k].as_u64().unwrap());
    assert_eq!(by_way.iter().sum::<u64>(), r["records_delivered"].as_u64().unwrap(), "{c}");
    assert_eq!(
        c["photos_by_bundle"].as_u64().unwrap() + c["photos_by_link"].as_u64().unwrap(),
        r["photos_delivered"].as_u64().unwrap()
    );
}
