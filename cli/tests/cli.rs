//! The `testigo` binary, run as a user would: write a synthetic corpus, prepare one of its photos.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::process::Command;

use common::{testigo, testigo_cmd};

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

/// The coordinators' commands, as an operator runs them: a sample election written and imported,
/// enrollment codes (with QR codes that scan), the server started on a free port, a small load
/// test against it, and a graceful stop.
#[test]
fn election_enroll_serve_and_bench_work_together() {
    use std::io::BufRead;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pkg = dir.path().join("election.json");
    let csv = dir.path().join("stations.csv");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let out = testigo(&["election", "sample", "--stations", "30", "--out", &p(&pkg), "--csv", &p(&csv)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let package: serde_json::Value = serde_json::from_slice(&std::fs::read(&pkg).unwrap()).unwrap();
    let stations: Vec<String> = package["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stations.len(), 30);
    assert!(std::fs::read_to_string(&csv).unwrap().lines().count() == 31);

    let out = testigo(&["election", "import", "--data", &p(&data), &p(&pkg), "--stations", &p(&csv)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created:"));
    // The same again changes nothing; a broken CSV is refused with its line number.
    let out = testigo(&["election", "import", "--data", &p(&data), &p(&pkg), "--stations", &p(&csv)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("unchanged:"));
    std::fs::write(
        dir.path().join("bad.csv"),
        "center_id,center_name,region,station_id,number,registered_voters\nc,n,r,s,x,1\n",
    )
    .unwrap();
    let out = testigo(&[
        "election",
        "import",
        "--data",
        &p(&data),
        &p(&pkg),
        "--stations",
        &p(&dir.path().join("bad.csv")),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));

    let qr_dir = dir.path().join("qr");
    let mut args = vec![
        "enroll",
        "--data",
        data.to_str().unwrap(),
        "--count",
        "3",
        "--json",
        "--url",
        "https://testigo.example.org",
    ];
    let qr = p(&qr_dir);
    args.extend(["--qr-png", &qr]);
    for s in &stations[..3] {
        args.extend(["--station", s.as_str()]);
    }
    let out = testigo(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let codes_file = dir.path().join("codes.json");
    std::fs::write(&codes_file, &out.stdout).unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = listed["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 3);
    // Each PNG scans back to the enrollment URI.
    for c in codes {
        let img = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(c["qr_png"].as_str().unwrap()).unwrap(),
        ));
        let mut reader = img.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(info.width as usize, info.height as usize, |x, y| {
                buf[y * info.width as usize + x]
            });
        let grids = prepared.detect_grids();
        let (_, text) = grids[0].decode().unwrap();
        assert_eq!(text, c["uri"].as_str().unwrap());
        assert!(
            text.starts_with("testigo:enroll?code=")
                && text.ends_with("&server=https%3A%2F%2Ftestigo.example.org")
        );
    }
    // Unknown stations make no codes.
    let out = testigo(&["enroll", "--data", &p(&data), "--station", "nowhere"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere"));

    let mut server = testigo_cmd()
        .args(["serve", "--data", &p(&data), "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap().to_owned();
    let out = testigo(&[
        "bench",
        "ingest",
        "--server",
        &url,
        "--codes",
        &p(&codes_file),
        "--devices",
        "3",
        "--records",
        "300",
        "--photos",
        "4",
        "--photo-bytes",
        "50000",
        "--concurrency",
        "4",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["errors"], 0);
    assert_eq!(report["records_stored"], 300);
    assert_eq!(report["devices"], 3);
    for key in ["records_per_s", "photo_mb_per_s", "p50_ms", "p99_ms"] {
        assert!(report[key].as_f64().unwrap() > 0.0, "{key}");
    }
    // A coordinator account, and a review from the command line that reaches the audit log.
    let mut add = testigo_cmd()
        .args(["user", "add", "--data", &p(&data), "--name", "ana", "--role", "admin", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        add.stdin.take().unwrap().write_all(b"una clave bastante larga\n").unwrap();
    }
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("coordinator ana"));
    let out = testigo(&["user", "add", "--data", &p(&data), "--name", "ana", "--role", "observer"]);
    assert!(!out.status.success(), "the name is taken");
    let out = testigo(&[
        "user",
        "add",
        "--data",
        &p(&data),
        "--name",
        "leo",
        "--role",
        "admin",
        "--scope",
        "Zulia",
    ]);
    assert!(!out.status.success(), "an administrator sees the whole election");
    let out = testigo(&["user", "add", "--data", &p(&data), "--name", "leo", "--role", "boss"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--role"));
    // The operator's language: a Spanish locale reads Spanish, a French one French.
    let out = testigo_cmd()
        .env("TESTIGO_LANG", "es_VE.UTF-8")
        .args(["user", "add", "--data", &p(&data), "--name", "leo", "--role", "observer"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("coordinador leo") && text.contains("toda la elección") && text.contains("Observador"),
        "{text}"
    );
    assert!(text.contains("contraseña: "), "{text}");
    let out = testigo_cmd()
        .env("TESTIGO_LANG", "fr")
        .args(["user", "add", "--data", &p(&data), "--name", "leo", "--role", "observer"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("erreur : "), "{out:?}");
    let capture: String = rusqlite::Connection::open(data.join(testigo_server::DATABASE_FILE))
        .unwrap()
        .query_row("SELECT capture_id FROM captures LIMIT 1", [], |r| r.get(0))
        .unwrap();
    let out = testigo(&[
        "review",
        "--data",
        &p(&data),
        "--capture",
        &capture,
        "--status",
        "disputed",
        "--comment",
        "ver foto",
        "--as",
        "ana",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("unreviewed -> disputed"));
    let out = testigo(&[
        "review",
        "--data",
        &p(&data),
        "--capture",
        "01936f6e-7c00-7a3b-8c1d-2e3f4a5b6c7d",
        "--status",
        "verified",
    ]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no such capture"));
    // A device revoked from the command line; the audit log keeps who and why.
    let device: String = rusqlite::Connection::open(data.join(testigo_server::DATABASE_FILE))
        .unwrap()
        .query_row("SELECT id FROM devices LIMIT 1", [], |r| r.get(0))
        .unwrap();
    let out =
        testigo(&["device", "revoke", "--data", &p(&data), &device, "--reason", "robado", "--as", "ana"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("revoked"));
    let out = testigo(&["device", "revoke", "--data", &p(&data), &device, "--reason", "robado"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("already revoked"));
    let out = testigo(&[
        "device",
        "revoke",
        "--data",
        &p(&data),
        "0123456789abcdef0123456789abcdef",
        "--reason",
        "x",
    ]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no such device"));
    let audit: String = rusqlite::Connection::open(data.join(testigo_server::DATABASE_FILE))
        .unwrap()
        .query_row(
            "SELECT actor || ' ' || detail_json FROM audit_log WHERE action = 'revoke_device'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audit.starts_with("ana ") && audit.contains("robado"), "{audit}");
    let out = testigo(&["review", "--data", &p(&data), "--capture", &capture, "--status", "maybe"]);
    assert!(!out.status.success());
    // A mistyped data directory is an error, not a new empty server.
    let typo = dir.path().join("dta");
    for args in [
        vec!["review", "--data", &p(&typo), "--capture", &capture, "--status", "verified"],
        vec!["user", "add", "--data", &p(&typo), "--name", "luis"],
    ] {
        let out = testigo(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("holds no Testigo server data"), "{args:?}");
    }
    assert!(!typo.exists(), "nothing is created");
    // The dashboard answers on the running server (sign-in page).
    let login = reqwest_get(&format!("{url}/dash/login"));
    assert!(login.contains("Contraseña"), "{login}");
    // SIGTERM: the server finishes and exits cleanly.
    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// A plain HTTP GET over a socket (the tests need no HTTP client for one page).
fn reqwest_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET /{path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// `serve --tls-self-signed` serves HTTPS with a certificate made once in the data directory and
/// prints its key pin; `enroll --tls-cert` puts that pin in the QR codes; bad pins are refused.
#[test]
fn a_self_signed_server_prints_its_pin_and_enrollment_codes_carry_it() {
    use std::io::BufRead;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pkg = dir.path().join("election.json");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    assert!(testigo(&["election", "sample", "--stations", "3", "--out", &p(&pkg)]).status.success());
    assert!(testigo(&["election", "import", "--data", &p(&data), &p(&pkg)]).status.success());
    let package: serde_json::Value = serde_json::from_slice(&std::fs::read(&pkg).unwrap()).unwrap();
    let station = package["stations"][0]["id"].as_str().unwrap().to_owned();

    let mut server = testigo_cmd()
        .args(["serve", "--data", &p(&data), "--listen", "127.0.0.1:0", "--tls-self-signed", "127.0.0.1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let listening = lines.next().unwrap().unwrap();
    let url = listening.strip_prefix("listening on ").unwrap().to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{listening}");
    let pin_line = lines.next().unwrap().unwrap();
    let pin = pin_line.strip_prefix("TLS key pin ").unwrap().split(' ').next().unwrap().to_owned();
    assert!(testigo_protocol::enrollment::parse_tls_pin(&pin).is_some(), "{pin_line}");
    // It speaks TLS: a plain HTTP request gets no HTTP answer.
    {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(url.strip_prefix("https://").unwrap()).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
        let mut answer = Vec::new();
        // An alert or a reset: either is not an HTTP answer.
        let _ = s.read_to_end(&mut answer);
        assert!(!answer.starts_with(b"HTTP/1.1"), "{}", String::from_utf8_lossy(&answer));
    }

    let cert = data.join("tls/cert.pem");
    let out = testigo(&[
        "enroll",
        "--data",
        &p(&data),
        "--station",
        &station,
        "--json",
        "--url",
        &url,
        "--tls-cert",
        &p(&cert),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let uri = listed["codes"][0]["uri"].as_str().unwrap();
    let scanned = testigo_protocol::enrollment::parse_enrollment_uri(uri).unwrap();
    assert_eq!(scanned.tls_pins, std::slice::from_ref(&pin));
    assert_eq!(scanned.server_url.as_deref(), Some(url.as_str()));

    for (bad, why) in [
        (vec!["--url", url.as_str(), "--tls-pin", "sha256/short"], "not sha256/"),
        (vec!["--url", "http://10.0.0.1", "--tls-pin", pin.as_str()], "need --url https://"),
    ] {
        let mut args = vec!["enroll", "--data", data.to_str().unwrap(), "--station", station.as_str()];
        args.extend(bad);
        let out = testigo(&args);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(why),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(server.wait().unwrap().success());
}

/// `sim soak`, short: the server and the phone killed at random points; it exits zero only if
/// nothing acknowledged was lost after any kill and everything arrived exactly once at the end.
#[test]
fn a_short_soak_loses_nothing_acknowledged() {
    let out = testigo(&["sim", "soak", "--rounds", "12", "--actas", "4", "--seed", "7", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["rounds"], 12);
    assert!(r["server_kills"].as_u64().unwrap() > 0 && r["phone_kills"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(
        (r["records"].as_u64(), r["photos"].as_u64(), r["receipts"].as_u64()),
        (Some(4), Some(4), Some(8))
    );
}

/// A server with 6 published tables (photos included), exported to a mirror in `out`.
fn published_mirror(
    server: &testigo_sim::server::LocalServer,
    election: &testigo_testkit::SampleElection,
    out: &std::path::Path,
) {
    use testigo_server::services::publication::{self, Publish};
    let phones = tempfile::tempdir().unwrap();
    let ids = stations_of(election);
    let stations: Vec<Vec<String>> = vec![ids[..3].to_vec(), ids[3..6].to_vec()];
    let codes = server.codes(&stations).unwrap();
    let style = testigo_sim::CaptureStyle { photo_size: (800, 600), ..testigo_sim::CaptureStyle::default() };
    for (i, code) in codes.iter().enumerate() {
        let w = testigo_sim::Watcher::open(&phones.path().join(format!("p{i}")), 900 + i as u64).unwrap();
        w.enroll(&server.url(), code).unwrap();
        for k in 0..3 {
            w.capture(election, i * 3 + k, &style).unwrap();
        }
        w.sync(std::time::Duration::from_secs(60), &testigo_core::CancelToken::new()).unwrap();
    }
    server.block_on(async {
        testigo_server::repo::settle_tally(server.state.repo.as_ref(), testigo_server::TALLY_BATCH)
            .await
            .unwrap();
        let op = testigo_server::services::review::Reviewer::operator("cli-test");
        let done =
            publication::publish(&server.state, &op, Publish::Region(String::new()), None).await.unwrap();
        assert_eq!(done.published, 6);
        testigo_server::mirror::export(&server.state, out).await.unwrap();
    });
}

fn stations_of(election: &testigo_testkit::SampleElection) -> Vec<String> {
    election.package.stations.iter().map(|s| s.id.clone()).collect()
}

#[test]
fn testigo_verify_passes_a_whole_mirror_and_names_every_tampering() {
    let election = testigo_testkit::SampleElection::new(53, 12);
    let server = testigo_sim::server::LocalServer::start(&election).unwrap();
    let out = tempfile::tempdir().unwrap();
    published_mirror(&server, &election, out.path());
    let dir = out.path().to_str().unwrap();
    let ok = testigo(&["verify", dir]);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{text}");
    assert!(text.contains("6 published captures") && text.contains("valid:"), "{text}");
    // Against the trusted key, and against another.
    let key = server.state.key.public_key().key_id();
    assert!(testigo(&["verify", dir, "--server-key-id", key.as_str()]).status.success());
    let other = testigo(&["verify", dir, "--server-key-id", "00000000000000000000000000000000"]);
    assert!(!other.status.success() && String::from_utf8_lossy(&other.stdout).contains("not the trusted"));

    // Each tampering, in a fresh copy of the mirror, is named.
    let tampered = |what: &str, change: &dyn Fn(&std::path::Path)| -> String {
        let copy = tempfile::tempdir().unwrap();
        let status = Command::new("cp")
            .args(["-a", &format!("{dir}/."), copy.path().to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
        change(copy.path());
        let r = testigo(&["verify", copy.path().to_str().unwrap()]);
        let text = String::from_utf8_lossy(&r.stdout).into_owned();
        assert!(!r.status.success(), "{what} went unnoticed: {text}");
        text
    };
    let station = &stations_of(&election)[0];
    let table_json = format!("data/tables/{station}.json");
    let edit_table = |root: &std::path::Path, f: &dyn Fn(&mut serde_json::Value)| {
        let path = root.join(&table_json);
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    };
    let text = tampered("a changed number", &|root| {
        edit_table(root, &|v| {
            let counts = v["captures"][0]["signed"]["record"]["counts"].as_object_mut().unwrap();
            let (k, n) = counts.iter().next().map(|(k, n)| (k.clone(), n.as_u64().unwrap())).unwrap();
            counts.insert(k, (n + 1).into());
        })
    });
    assert!(text.contains(&format!("{table_json}: not the file the manifest lists")), "{text}");
    assert!(text.contains("the device's signature does not match the record"), "{text}");
    let text = tampered("a forged receipt", &|root| {
        edit_table(root, &|v| {
            let at = v["captures"][0]["receipt"]["receipt"]["received_at_ms"].as_i64().unwrap();
            v["captures"][0]["receipt"]["receipt"]["received_at_ms"] = (at - 3_600_000).into();
        })
    });
    assert!(text.contains("the server's receipt for the record does not verify"), "{text}");
    let text = tampered("a swapped photo", &|root| {
        let photos: Vec<_> =
            std::fs::read_dir(root.join("photos")).unwrap().map(|e| e.unwrap().path()).collect();
        let other = std::fs::read(&photos[1]).unwrap();
        std::fs::remove_file(&photos[0]).unwrap();
        std::fs::write(&photos[0], other).unwrap();
    });
    assert!(text.contains("is not the one the device signed"), "{text}");
    let text = tampered("a removed table", &|root| std::fs::remove_file(root.join(&table_json)).unwrap());
    assert!(text.contains(&format!("{table_json}: listed in the manifest but missing")), "{text}");
    let text = tampered("a forged manifest", &|root| {
        let path = root.join("manifest.json");
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        v["manifest"]["files"].as_object_mut().unwrap().remove(&table_json);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        std::fs::remove_file(root.join(&table_json)).unwrap();
    });
    assert!(text.contains("manifest.json: the server's signature does not verify"), "{text}");
    let text = tampered("an added file", &|root| std::fs::write(root.join("es/extra.html"), "hola").unwrap());
    assert!(text.contains("es/extra.html: not in the manifest"), "{text}");
}

#[test]
fn an_export_run_again_writes_only_what_changed_and_a_mirror_serves_over_http() {
    use testigo_server::services::review::{self, Reviewer, Verdict};
    let election = testigo_testkit::SampleElection::new(54, 12);
    let server = testigo_sim::server::LocalServer::start(&election).unwrap();
    let out = tempfile::tempdir().unwrap();
    published_mirror(&server, &election, out.path());
    let again = server.block_on(testigo_server::mirror::export(&server.state, out.path())).unwrap();
    assert!(!again.full);
    assert_eq!((again.tables, again.written), (0, 0), "{again:?}");
    // A review of one published table: that table's pages, its center's and regions', and the
    // open data change; nothing else is written.
    let station = stations_of(&election)[1].clone();
    let contest = election.package.contests[0].id.clone();
    let capture_id = server
        .block_on(server.state.public.public_table(station.clone(), contest))
        .unwrap()
        .and_then(|t| t.captures.first().map(|c| c.signed.record.id));
    let verdict = Verdict::new(testigo_protocol::api::ReviewStatus::Verified, None).unwrap();
    server
        .block_on(review::review(
            &server.state,
            &Reviewer::operator("cli-test"),
            testigo_server::repo::ReviewTarget::CaptureId(capture_id.unwrap()),
            verdict,
        ))
        .unwrap();
    let r = server.block_on(testigo_server::mirror::export(&server.state, out.path())).unwrap();
    assert_eq!(r.tables, 1, "{r:?}");
    assert!(r.written >= 4 && r.written < 40, "{r:?}");
    let page = std::fs::read_to_string(out.path().join(format!("en/tables/{station}/index.html"))).unwrap();
    assert!(page.contains("Verified against the photo"));
    assert!(testigo(&["verify", out.path().to_str().unwrap()]).status.success());

    // Any static host serves it unchanged, and it verifies over HTTP.
    let mut host = Command::new("python3")
        .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
        .arg(out.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(host.stdout.take().unwrap()), &mut line)
        .unwrap();
    let port = line.split(" port ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_owned();
    let url = format!("http://127.0.0.1:{port}");
    let over_http = testigo(&["verify", &url]);
    host.kill().unwrap();
    host.wait().unwrap();
    let text = String::from_utf8_lossy(&over_http.stdout);
    assert!(over_http.status.success(), "{text}");
    assert!(text.contains("6 published captures"), "{text}");
}

#[test]
fn official_results_and_the_quick_count_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pkg = dir.path().join("election.json");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let out = testigo(&["election", "sample", "--stations", "30", "--out", &p(&pkg)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = testigo(&["election", "import", "--data", &p(&data), &p(&pkg)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let package: serde_json::Value = serde_json::from_slice(&std::fs::read(&pkg).unwrap()).unwrap();
    let party = package["contests"][0]["options"][0]["party"].as_str().unwrap().to_owned();
    // The authority's per-table JSON, read with the shipped mapping: center code, table number,
    // votes per party.
    let mesas: Vec<serde_json::Value> = package["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            serde_json::json!({
                "centro": s["center_id"], "mesa": s["number"],
                "votos": { party.clone(): 10 }, "nulos": 1, "blancos": 0, "votantes": 11,
            })
        })
        .collect();
    let file = dir.path().join("mesas.json");
    std::fs::write(&file, serde_json::to_string_pretty(&serde_json::json!({ "mesas": mesas })).unwrap())
        .unwrap();
    let out = testigo(&[
        "official",
        "import",
        "--data",
        &p(&data),
        &p(&file),
        "--mapping",
        "per-table-json",
        "--source",
        "CNE 1",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text} {}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("import no. 1: 30 tables") && text.contains("SHA-256"), "{text}");
    // A bad value: a clear error naming the line, a non-zero exit, nothing imported.
    let bad = std::fs::read_to_string(&file).unwrap().replacen("\"nulos\": 1", "\"nulos\": \"uno\"", 1);
    std::fs::write(&file, bad).unwrap();
    let out = testigo(&["official", "import", "--data", &p(&data), &p(&file), "--mapping", "per-table-json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line ") && err.contains("\"uno\" is not a count"), "{err}");
    let csv = dir.path().join("discrepancies.csv");
    let out = testigo(&["official", "contrast", "--data", &p(&data), "--csv", &p(&csv)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("0 tables compared") && text.contains("30 official only"), "{text}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 31);

    // The quick count: drawn from a published seed, the same again from the same seed.
    let list = dir.path().join("sample.txt");
    let draw = |out_file: &std::path::Path| {
        let out = testigo(&[
            "quickcount",
            "draw",
            "--data",
            &p(&data),
            "--size",
            "10",
            "--seed",
            "semilla",
            "--out",
            &p(out_file),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(out_file).unwrap()
    };
    let first = draw(&list);
    assert_eq!(first.lines().count(), 10);
    assert_eq!(draw(&dir.path().join("again.txt")), first);
    let out = testigo(&["quickcount", "show", "--data", &p(&data)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 of 10 sample tables in"), "{text}");
    let out = testigo(&["quickcount", "draw", "--data", &p(&data), "--size", "31", "--seed", "s"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 1 and 30"));
}
