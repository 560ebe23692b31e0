//! `testigo demo`: an election night on this machine (see `testigo_sim::field`), with progress
//! bars while it runs and a report at the end; `--keep-serving` leaves the dashboard up.

use std::time::Duration;

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use testigo_sim::field::{FieldOptions, FieldProgress, FieldReport, NetworkProfile, run};

/// Arguments of `demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Tables in the election.
    #[arg(long, default_value_t = 200)]
    stations: usize,
    /// Watchers, each a phone (some tables get a second watcher).
    #[arg(long, default_value_t = 200)]
    watchers: usize,
    /// The network: field (three phones in five on 3G, the rest on EDGE; resets, stalls, black holes, proxy errors and outages), gprs, 3g, clean, or censored (the field, and three watchers in ten without any data link: numbers by SMS, photos carried by runners).
    #[arg(long, default_value = "field")]
    profile: String,
    /// Seed: the same seed, the same election, actas and mistakes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How long watchers keep trying to deliver, in seconds (a large election on this machine
    /// takes longer: every phone's photo work shares its cores).
    #[arg(long, default_value_t = 600)]
    deadline_s: u64,
    /// Percentage of tables the simulated authority publishes altered (the contrast must find
    /// exactly those).
    #[arg(long, default_value_t = 5.0)]
    official_altered: f64,
    /// Keep the server and its dashboard running after the report (until Ctrl-C).
    #[arg(long)]
    keep_serving: bool,
    /// Print the report as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

fn bar(m: &MultiProgress, len: u64, label: &str) -> ProgressBar {
    let b = m.add(ProgressBar::new(len));
    b.set_style(
        ProgressStyle::with_template("{prefix:>22} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_prefix(label.to_owned());
    b
}

fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let i = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(i).map(|v| (v * 10.0).round() / 10.0)
}

fn json(r: &FieldReport) -> serde_json::Value {
    let d = &r.delivery;
    let mut out = serde_json::json!({
        "ok": r.ok(),
        "tables_total": r.tables_total,
        "tables_reported": r.tables_reported,
        "watchers": r.watchers,
        "double_covered": r.double_covered,
        "records_sealed": d.records_sealed,
        "records_delivered": d.records_delivered,
        "photos_sealed": d.photos_sealed,
        "photos_delivered": d.photos_delivered,
        "duplicates": d.duplicates,
        "hash_mismatches": d.hash_mismatches,
        "undelivered_items": d.undelivered_items,
        "receipts": d.receipts,
        "bad_receipts": d.bad_receipts,
        "tally_matches": r.tally_matches,
        "tally_differences": r.tally_differences,
        "mistakes_injected": r.mistakes_injected,
        "mistakes_flagged": r.mistakes_flagged,
        "corrections_after_sealing": r.corrections_after_sealing,
        "qr_on_acta": r.qr_on_acta,
        "qr_read": r.qr_read,
        "time_to_50_s": r.time_to_50_s,
        "time_to_90_s": r.time_to_90_s,
        "time_to_100_s": r.time_to_100_s,
        "bytes_up": r.bytes_up,
        "bytes_down": r.bytes_down,
        "connection_resets": r.faults.resets,
        "stalls": r.faults.stalls,
        "black_holes": r.faults.blackholes,
        "truncated_answers": r.faults.truncations,
        "proxy_errors": r.faults.errors_5xx,
        "outages": r.outages,
        "profile": r.options.profile.name(),
        "seed": r.options.seed,
        "duration_s": (r.duration_s * 10.0).round() / 10.0,
        "watchers_done_p50_s": quantile(&r.watchers_done_s, 0.5),
        "watchers_done_p90_s": quantile(&r.watchers_done_s, 0.9),
        "watchers_done_max_s": quantile(&r.watchers_done_s, 1.0),
    });
    let official = serde_json::json!({
        "altered": r.contrast.altered,
        "differing": r.contrast.differing,
        "exact": r.contrast.exact,
    });
    let quick_count = serde_json::json!({
        "sample": r.quick_count.sample,
        "reported": r.quick_count.reported,
        "leader_share": r.quick_count.leader.1,
        "leader_margin": r.quick_count.leader.2,
        "leader_truth": r.quick_count.leader.3,
        "within_95": r.quick_count.within.0,
        "candidates": r.quick_count.within.1,
        "within_999": r.quick_count.within_999,
    });
    let c = &r.channels;
    let channels = serde_json::json!({
        "cut_watchers": c.cut_watchers,
        "runners": c.runners,
        "records": c.records,
        "records_by_sms": c.records_by_sms,
        "records_by_bundle": c.records_by_bundle,
        "records_by_link": c.records.saturating_sub(c.records_by_sms + c.records_by_bundle),
        "photos": c.photos,
        "photos_by_bundle": c.photos_by_bundle,
        "photos_by_link": c.photos.saturating_sub(c.photos_by_bundle),
        "bundles": c.bundles,
        "sms_sent": c.sms.sent,
        "sms_lost": c.sms.lost,
        "sms_twice": c.sms.duplicated,
        "sms_messages_split": c.sms.split,
        "receipt_sms": c.sms.replies,
        "receipt_sms_lost": c.sms.replies_lost,
        "receipts_by_sms": c.receipts_by_sms,
    });
    if let Some(map) = out.as_object_mut() {
        map.insert("channels".into(), channels);
        map.insert("official".into(), official);
        map.insert("quick_count".into(), quick_count);
    }
    out
}

fn text(r: &FieldReport) -> String {
    use crate::say::{decimals, n, t};
    let d = &r.delivery;
    let mark = |ok: bool| t(if ok { "cli-demo-ok" } else { "cli-demo-failed" }, &[]);
    let mb = |bytes: u64| crate::say::lang().decimal(bytes as f64 / 1e6, 1);
    let secs = |v: Option<f64>| v.map_or("—".to_owned(), |s| format!("{} s", decimals(s)));
    let receipts_ok =
        d.bad_receipts == 0 && d.undelivered_items == 0 && d.receipts == d.records_sealed + d.photos_sealed;
    let q = &r.quick_count;
    let mut lines: Vec<(&str, String, Option<bool>)> = vec![
        (
            "tables",
            t("cli-demo-tables", &[("reported", n(r.tables_reported)), ("total", n(r.tables_total))]),
            Some(r.tables_reported == r.tables_total),
        ),
        (
            "records",
            t("cli-demo-records", &[("delivered", n(d.records_delivered)), ("sealed", n(d.records_sealed))]),
            Some(d.records_delivered == d.records_sealed),
        ),
        (
            "photos",
            t("cli-demo-photos", &[("delivered", n(d.photos_delivered)), ("declared", n(d.photos_sealed))]),
            Some(d.photos_delivered == d.photos_sealed),
        ),
        ("duplicates", n(d.duplicates), Some(d.duplicates == 0)),
        ("mismatches", n(d.hash_mismatches), Some(d.hash_mismatches == 0)),
        (
            "receipts",
            t(
                "cli-demo-receipts",
                &[
                    ("verified", n(d.receipts)),
                    ("due", n(d.records_sealed + d.photos_sealed)),
                    ("bad", n(d.bad_receipts)),
                    ("undelivered", n(d.undelivered_items)),
                ],
            ),
            Some(receipts_ok),
        ),
        (
            "tally",
            if r.tally_matches {
                t("cli-demo-tally-equal", &[])
            } else {
                t("cli-demo-tally-differs", &[("fields", n(r.tally_differences.len()))])
            },
            Some(r.tally_matches),
        ),
        (
            "mistakes",
            t(
                "cli-demo-mistakes",
                &[
                    ("typed", n(r.mistakes_injected)),
                    ("flagged", n(r.mistakes_flagged)),
                    ("corrected", n(r.corrections_after_sealing)),
                ],
            ),
            None,
        ),
        ("qr", t("cli-demo-qr", &[("read", n(r.qr_read)), ("printed", n(r.qr_on_acta))]), None),
        (
            "time",
            t(
                "cli-demo-time",
                &[
                    ("p50", secs(r.time_to_50_s)),
                    ("p90", secs(r.time_to_90_s)),
                    ("p100", secs(r.time_to_100_s)),
                ],
            ),
            None,
        ),
        (
            "contrast",
            t(
                "cli-demo-contrast",
                &[("altered", n(r.contrast.altered)), ("differing", n(r.contrast.differing))],
            ),
            Some(r.contrast.exact),
        ),
        (
            "quickcount",
            t(
                "cli-demo-quickcount",
                &[
                    ("reported", n(q.reported)),
                    ("sample", n(q.sample)),
                    ("leader", q.leader.0.clone()),
                    ("share", decimals(100.0 * q.leader.1)),
                    ("margin", decimals(100.0 * q.leader.2)),
                    ("truth", decimals(100.0 * q.leader.3)),
                    ("within", n(q.within.0)),
                    ("candidates", n(q.within.1)),
                ],
            ),
            Some(q.within_999),
        ),
        (
            "network",
            t(
                "cli-demo-network",
                &[
                    ("up", mb(r.bytes_up)),
                    ("down", mb(r.bytes_down)),
                    ("resets", n(r.faults.resets)),
                    ("stalls", n(r.faults.stalls)),
                    ("blackholes", n(r.faults.blackholes)),
                    ("cut", n(r.faults.truncations)),
                    ("errors", n(r.faults.errors_5xx)),
                    ("outages", n(r.outages)),
                ],
            ),
            None,
        ),
    ];
    let c = &r.channels;
    if c.cut_watchers > 0 {
        lines.push((
            "channels",
            t(
                "cli-demo-channels",
                &[
                    ("cut", n(c.cut_watchers)),
                    ("runners", n(c.runners)),
                    ("sms", n(c.records_by_sms)),
                    ("bundles", n(c.records_by_bundle)),
                    ("link", n(c.records.saturating_sub(c.records_by_sms + c.records_by_bundle))),
                    ("pbundles", n(c.photos_by_bundle)),
                    ("plink", n(c.photos.saturating_sub(c.photos_by_bundle))),
                    ("sent", n(c.sms.sent)),
                    ("lost", n(c.sms.lost)),
                    ("twice", n(c.sms.duplicated)),
                    ("split", n(c.sms.split)),
                    ("receipts", n(c.receipts_by_sms)),
                ],
            ),
            Some(c.records_by_sms > 0),
        ));
    }
    let mut out = format!(
        "\n{}\n\n",
        t(
            "cli-demo-title",
            &[
                ("tables", n(r.tables_total)),
                ("watchers", n(r.watchers)),
                ("twice", n(r.double_covered)),
                ("profile", r.options.profile.name().to_owned()),
                ("seed", r.options.seed.to_string()),
                ("seconds", format!("{:.0}", r.duration_s)),
            ]
        )
    );
    for (key, value, ok) in lines {
        let label = t(&format!("cli-demo-label-{key}"), &[]);
        let pad = 24usize.saturating_sub(label.chars().count());
        out.push_str(&format!("  {label}{}{value}", " ".repeat(pad)));
        if let Some(ok) = ok {
            out.push_str(&format!("  {}", mark(ok)));
        }
        out.push('\n');
    }
    out
}

/// Runs `demo`; `Ok(false)` when an invariant failed.
pub fn demo(args: &DemoArgs) -> Result<bool, Box<dyn std::error::Error>> {
    let profile =
        NetworkProfile::by_name(&args.profile).ok_or("--profile is field, gprs, 3g, clean or censored")?;
    let options = FieldOptions {
        stations: args.stations,
        watchers: args.watchers,
        profile,
        seed: args.seed,
        deadline: Duration::from_secs(args.deadline_s),
        official_altered: (args.official_altered / 100.0).clamp(0.0, 1.0),
        ..FieldOptions::default()
    };
    let bars = MultiProgress::new();
    let sealed = bar(&bars, 0, &crate::say::t("cli-demo-bar-sealed", &[]));
    let tables = bar(&bars, args.stations as u64, &crate::say::t("cli-demo-bar-tables", &[]));
    let watchers = bar(&bars, 0, &crate::say::t("cli-demo-bar-watchers", &[]));
    let on_progress = |p: &FieldProgress| {
        sealed.set_length(p.captures_total);
        sealed.set_position(p.captures_sealed);
        tables.set_length(p.tables_total);
        tables.set_position(p.tables_reported);
        watchers.set_length(p.watchers_total);
        watchers.set_position(p.watchers_done);
    };
    let (report, server) = run(&options, &on_progress).map_err(|e| e.to_string())?;
    for b in [&sealed, &tables, &watchers] {
        b.finish();
    }
    if args.json {
        println!("{}", json(&report));
    } else {
        println!("{}", text(&report));
    }
    if args.keep_serving {
        let password = testigo_server::services::accounts::new_password()?;
        server.block_on(testigo_server::services::accounts::create_user(
            server.state.coord.as_ref(),
            "coordinador",
            &password,
            "",
            testigo_server::repo::coord::Role::Admin,
            "cli",
            testigo_server::now_ms(),
        ))?;
        // The organisation publishes what arrived, as coordinators would at the end of the night.
        let operator = testigo_server::services::review::Reviewer::operator("demo");
        let published = server.block_on(testigo_server::services::publication::publish(
            &server.state,
            &operator,
            testigo_server::services::publication::Publish::Region(String::new()),
            None,
        ))?;
        let args = [
            ("url", server.url()),
            ("password", password),
            ("published", crate::say::n(published.published)),
            ("dir", server.dir.path().display().to_string()),
        ];
        eprintln!("\n{}", crate::say::t("cli-demo-serving", &args));
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    Ok(report.ok())
}
