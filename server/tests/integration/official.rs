//! Official results and the contrast, and the quick count, through the real repository and the
//! admin API: imports kept whole with the latest numbers standing, bad files importing nothing,
//! each table's status and the region sums following both sides, scopes holding.

use testigo_protocol::api::BatchResult;
use testigo_server::repo::analysis::{ContrastSide, ContrastStatus};
use testigo_server::repo::coord::Role;
use testigo_server::services::accounts::create_user;
use testigo_server::services::official::{self, ImportError, ImportRequest};
use testigo_server::services::review::Reviewer;

use crate::common::*;

async fn refresh(s: &TestServer) {
    testigo_server::repo::settle_tally(s.state.repo.as_ref(), testigo_server::TALLY_BATCH).await.unwrap();
}

/// Our acta for `station`: o1 as given, o2 30, o3 200, null 4, voted 354.
async fn send(s: &TestServer, d: &TestDevice, station: &str, o1: u32) {
    let mut r = d.record(station, &[]);
    r.counts.insert("o1".into(), o1);
    let res: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    assert!(matches!(res.results[0], testigo_protocol::api::RecordOutcome::Stored { .. }), "{res:?}");
}

async fn import(
    s: &TestServer,
    name: &str,
    csv: &str,
) -> Result<testigo_server::repo::analysis::OfficialImport, ImportError> {
    let req = ImportRequest {
        source: name.into(),
        file_name: format!("{name}.csv"),
        content: csv.as_bytes().to_vec(),
        mapping: None,
    };
    official::import(&s.state, &Reviewer::operator("ana"), req).await
}

#[tokio::test]
async fn the_contrast_follows_official_rounds_and_our_actas() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2", "st-3", "st-4"]).await;
    send(&s, &d, "st-1", 120).await; // will match
    send(&s, &d, "st-2", 120).await; // official says 100 for o1: ours +20
    send(&s, &d, "st-3", 120).await; // no official numbers: ours only
    refresh(&s).await;

    // Round 1: st-1 matches, st-2 differs on o1 and null, st-5 is official only; extra counts
    // the authority does not give are not compared (st-1 gives no "voted").
    let first =
        import(&s, "round-1", "table,o1,o2,o3,null\nst-1,120,30,200,4\nst-2,100,30,200,6\nst-5,1,2,3,\n")
            .await
            .unwrap();
    assert_eq!(first.tables, 3);
    refresh(&s).await;
    let (contest, view) = official::national(&s.state, None).await.unwrap();
    let c = &view.contrast;
    assert_eq!((c.matching, c.differing, c.only_official, c.only_ours), (1, 1, 1, 1));
    assert_eq!(c.difference, [("o1".to_owned(), 20), ("null".to_owned(), -2)].into());
    assert_eq!(view.candidates[0].id, "c1");
    assert_eq!(view.candidates[0].votes, 20);
    // Zulia holds the odd tables, Lara the even ones.
    let zulia = view.view.children.iter().position(|r| r.node.name == "Zulia").unwrap();
    let lara = view.view.children.iter().position(|r| r.node.name == "Lara").unwrap();
    assert_eq!(
        (view.children[zulia].matching, view.children[zulia].only_ours, view.children[zulia].only_official),
        (1, 1, 1)
    );
    assert_eq!(view.children[lara].differing, 1);

    // A bad round imports nothing and names the line; so does an unknown table.
    let before = s.state.analysis.official_imports().await.unwrap();
    let e = import(&s, "bad", "table,o1\nst-1,1\nst-2,uno\n").await.unwrap_err();
    assert_eq!(e.to_string(), "line 3: column \"o1\": \"uno\" is not a count (0 to 1000000)");
    let e = import(&s, "bad", "table,o1\nst-1,1\nst-99,2\n").await.unwrap_err();
    assert_eq!(e.to_string(), "line 3: the election has no table st-99");
    assert_eq!(s.state.analysis.official_imports().await.unwrap(), before);

    // Round 2 corrects st-2 and says nothing of st-1: st-2 now matches, st-1 keeps round 1's.
    let second = import(&s, "round-2", "table,o1,o2,o3,null\nst-2,120,30,200,4\n").await.unwrap();
    refresh(&s).await;
    let (_, view) = official::national(&s.state, None).await.unwrap();
    assert_eq!((view.contrast.matching, view.contrast.differing), (2, 0));
    assert!(view.contrast.difference.is_empty());
    let imports = s.state.analysis.official_imports().await.unwrap();
    assert_eq!(imports.iter().map(|i| i.id).collect::<Vec<_>>(), vec![first.id, second.id]);
    assert_ne!(imports[0].sha256, imports[1].sha256);
    let st2 = s
        .state
        .analysis
        .table_contrast("st-2".into(), contest.id.clone(), ContrastSide::Current)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st2.import_id, Some(second.id));

    // A correction of ours moves the table back to differing.
    send(&s, &d, "st-1", 125).await;
    refresh(&s).await;
    let (rows, total) =
        official::tables(&s.state, ContrastSide::Current, "", &contest, ContrastStatus::Differs, true, 0, 10)
            .await
            .unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].station_id, "st-1");
    assert_eq!(rows[0].differences, [("o1".to_owned(), 5)].into());
    assert_eq!(rows[0].official.as_ref().unwrap()["o1"], 120);
    assert_eq!(rows[0].ours.as_ref().unwrap()["o1"], 125);

    // The CSV carries every discrepancy with both sides.
    let csv = String::from_utf8(official::discrepancies_csv(&s.state, "", &contest).await.unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("table_id,center_id,center_name,region,status,difference,ours:o1,official:o1")
    );
    assert!(lines[1].starts_with("st-1,ctr-1,Escuela 1,Zulia/Maracaibo,differs,5,125,120,"), "{}", lines[1]);
    assert_eq!(lines.len(), 4, "{csv}"); // st-1 differs, st-5 official only, st-3 ours only
}

#[tokio::test]
async fn the_admin_api_imports_with_a_shipped_mapping_and_keeps_scopes() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "lara", "clave de lara", "Lara", Role::Reviewer, "test", 1)
        .await
        .unwrap();
    let d = s.device(&["st-1", "st-2"]).await;
    send(&s, &d, "st-1", 50).await;
    send(&s, &d, "st-2", 50).await;
    refresh(&s).await;
    let ana = login(&s, "ana", "una clave larga").await;
    let lara = login(&s, "lara", "clave de lara").await;
    // A PREP-style file: a title block, `|`, columns named by party label, "-" for not given.
    let content = "PRESIDENCIA\nCorte 21:00\nCasillas\nCLAVE_CASILLA|A|B|C|NULOS|TOTAL_VOTOS_CALCULADOS\nst-1|50|30|200|4|354\nst-2|40|30|200|4|-\n";
    let body = serde_json::json!({ "source": "PREP 21:00", "file_name": "pres.csv", "content": content, "mapping": "prep-csv" });
    let r = s.send(post_json("/v1/admin/official-imports", Some(&lara), body.to_string().into_bytes())).await;
    assert_problem(r, 403, "forbidden").await;
    let r = s.send(post_json("/v1/admin/official-imports", Some(&ana), body.to_string().into_bytes())).await;
    let done: serde_json::Value = json_body(r).await;
    assert_eq!(done["tables"], 2);
    refresh(&s).await;
    let all: serde_json::Value = json_body(s.send(get("/v1/admin/discrepancies", &ana)).await).await;
    assert_eq!(all["total"], 1);
    assert_eq!(all["tables"][0]["station_id"], "st-2");
    assert_eq!(all["tables"][0]["differences"]["o1"], 10);
    // Lara sees only her tables (st-2 is in Lara); Zulia's matching table is not hers.
    let mine: serde_json::Value = json_body(s.send(get("/v1/admin/contrast", &lara)).await).await;
    assert_eq!(mine["contrast"]["differing"], 1);
    assert_eq!(mine["contrast"]["matching"], 0);
    let r = s.send(get("/v1/admin/discrepancies?status=sideways", &ana)).await;
    assert_problem(r, 400, "bad_request").await;
    let bad = serde_json::json!({ "source": "x", "file_name": "x.csv", "content": "table,o1\nst-1,x\n" });
    let r = s.send(post_json("/v1/admin/official-imports", Some(&ana), bad.to_string().into_bytes())).await;
    assert_problem(r, 400, "bad_request").await;
    let csv = s.send(get("/v1/admin/discrepancies.csv", &lara)).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(body_bytes(csv).await).unwrap();
    assert_eq!(text.lines().count(), 2);

    // The quick count: drawn by a whole-election reviewer, estimated from what has arrived.
    let r = s
        .send(post_json("/v1/admin/quickcount/draw", Some(&lara), br#"{"size":4,"seed":"s"}"#.to_vec()))
        .await;
    assert_problem(r, 403, "forbidden").await;
    let r = s
        .send(post_json(
            "/v1/admin/quickcount/draw",
            Some(&ana),
            br#"{"size":8,"seed":"published"}"#.to_vec(),
        ))
        .await;
    let drawn: serde_json::Value = json_body(r).await;
    assert_eq!(drawn["size"], 8);
    let q: serde_json::Value = json_body(s.send(get("/v1/admin/quickcount", &ana)).await).await;
    assert_eq!(q["estimate"]["sample"], 8);
    assert_eq!(q["estimate"]["reported"], 2);
    let shares: f64 =
        q["estimate"]["shares"].as_array().unwrap().iter().map(|s| s["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-9);
}

async fn login(s: &TestServer, name: &str, password: &str) -> String {
    let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
    let r: serde_json::Value = json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
    format!("Bearer {}", r["token"].as_str().unwrap())
}

async fn cookie(s: &TestServer, name: &str, password: &str) -> String {
    let r = s
        .send(
            axum::http::Request::post("/dash/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!("name={name}&password={password}")))
                .unwrap(),
        )
        .await;
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn page(s: &TestServer, cookie: &str, path: &str, lang: &str) -> (u16, String) {
    let r = s
        .send(
            axum::http::Request::get(path)
                .header("cookie", cookie)
                .header("accept-language", lang)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    (r.status().as_u16(), String::from_utf8(body_bytes(r).await).unwrap())
}

#[tokio::test]
async fn the_dashboard_shows_the_contrast_the_acta_beside_both_numbers_and_the_quick_count() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "test", 1).await.unwrap();
    let d = s.device(&["st-1", "st-2", "st-3"]).await;
    for (st, o1) in [("st-1", 120), ("st-2", 90), ("st-3", 120)] {
        send(&s, &d, st, o1).await;
    }
    import(&s, "round-1", "table,o1,o2,o3\nst-1,120,30,200\nst-2,100,30,200\nst-3,10,30,200\n")
        .await
        .unwrap();
    refresh(&s).await;
    let c = cookie(&s, "ana", "una clave larga").await;
    let (status, html) = page(&s, &c, "/dash/contrast", "en").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tables compared") && html.contains("round-1"), "{html}");
    // Largest difference first: st-3 (+110) before st-2 (−10); by table, st-2 first.
    let (a, b) = (html.find(">st-3<").unwrap(), html.find(">st-2<").unwrap());
    assert!(a < b);
    let (_, by_table) = page(&s, &c, "/dash/contrast?sort=table", "es").await;
    assert!(by_table.contains("Mesas comparadas"));
    assert!(by_table.find(">st-2<").unwrap() < by_table.find(">st-3<").unwrap());
    // The acta opens with our numbers and the official ones side by side, the difference marked.
    let pk = html.split("/dash/captures/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (status, acta) = page(&s, &c, &format!("/dash/captures/{pk}"), "en").await;
    assert_eq!(status, 200);
    assert!(acta.contains(">Official<") && acta.contains("class=\"n diff\""), "{acta}");
    let (_, csv) = page(&s, &c, "/dash/contrast.csv", "en").await;
    assert_eq!(csv.lines().count(), 3);
    let (status, _) = page(&s, &c, "/dash/contrast?status=nonsense", "en").await;
    assert_eq!(status, 400);
    // The printable report: method, the imports with their SHA-256, the largest discrepancies
    // with both numbers, and each acta's hashes.
    let (status, report) = page(&s, &c, "/dash/contrast/report", "en").await;
    assert_eq!(status, 200);
    let import_sha = s.state.analysis.official_imports().await.unwrap()[0].sha256.clone();
    assert!(report.contains("Method") && report.contains(&import_sha), "{report}");
    assert!(report.find(">st-3 ").unwrap() < report.find(">st-2 ").unwrap(), "largest first");
    assert!(report.contains("SHA-256 of the record"), "{report}");

    let (_, q) = page(&s, &c, "/dash/quickcount", "fr").await;
    assert!(q.contains("pas encore été tiré"), "{q}");
    testigo_server::services::quickcount::draw_sample(&s.state, &Reviewer::operator("ana"), 8, "graine")
        .await
        .unwrap();
    let (_, q) = page(&s, &c, "/dash/quickcount", "pt").await;
    assert!(q.contains("3 de 8 mesas da amostra"), "{q}");
    assert!(q.contains("<svg"), "the margin chart: {q}");
}

#[tokio::test]
async fn the_portal_shows_official_numbers_beside_published_actas_only_and_the_mirror_carries_them() {
    use testigo_protocol::api::ReviewStatus;
    use testigo_server::repo::ReviewTarget;
    use testigo_server::services::review::{self, Verdict};
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2", "st-4"]).await;
    let mut ids = Vec::new();
    for (st, o1) in [("st-1", 120), ("st-2", 90), ("st-4", 77)] {
        let mut r = d.record(st, &[]);
        r.counts.insert("o1".into(), o1);
        ids.push(r.id);
        let res: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
        assert!(matches!(res.results[0], testigo_protocol::api::RecordOutcome::Stored { .. }));
    }
    // st-1 and st-2 are verified (and so published); st-4 is not published.
    for id in &ids[..2] {
        let verdict = Verdict::new(ReviewStatus::Verified, None).unwrap();
        review::review(&s.state, &Reviewer::operator("ana"), ReviewTarget::CaptureId(*id), verdict)
            .await
            .unwrap();
    }
    refresh(&s).await;
    let get = |path: &'static str| {
        let s = &s;
        async move {
            let r = s.send(axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap()).await;
            (r.status().as_u16(), String::from_utf8(body_bytes(r).await).unwrap())
        }
    };
    assert_eq!(get("/en/contrast/").await.0, 404, "no contrast before an official import");
    let (_, before) = get("/en/tables/st-2/").await;
    assert!(!before.contains("Official"));

    import(
        &s,
        "CNE boletín 1",
        "table,o1,o2,o3\nst-1,120,30,200\nst-2,100,30,200\nst-3,1,1,1\nst-4,70,30,200\n",
    )
    .await
    .unwrap();
    refresh(&s).await;
    let (status, page) = get("/en/tables/st-2/").await;
    assert_eq!(status, 200);
    assert!(page.contains(">Official<") && page.contains("mismatch"), "{page}");
    assert!(page.contains("differ from this acta in 1 number") && page.contains("CNE boletín 1"), "{page}");
    let (_, same) = get("/en/tables/st-1/").await;
    assert!(same.contains("equal this acta"));
    let (_, national) = get("/en/").await;
    assert!(national.contains("/en/contrast/"));
    let (status, contrast) = get("/es/contrast/").await;
    assert_eq!(status, 200);
    assert!(contrast.contains("Mesas comparadas") && contrast.contains("/es/tables/st-2/"), "{contrast}");
    // The public contrast counts published actas only: st-4's unpublished acta is not in it
    // (the authority's st-3 and st-4 stand without a published acta), while the coordinators'
    // contrast has st-4 differing.
    let public = s
        .state
        .analysis
        .region_contrast(1, "pres".into(), testigo_server::repo::analysis::ContrastSide::Published)
        .await
        .unwrap();
    assert_eq!((public.matching, public.differing, public.only_official), (1, 1, 2));
    let (_, coordinators) = official::national(&s.state, None).await.unwrap();
    assert_eq!((coordinators.contrast.matching, coordinators.contrast.differing), (1, 2));

    // The static mirror carries the contrast page and the list of imports, and a new import
    // renders every table again.
    let out = tempfile::tempdir().unwrap();
    let first = testigo_server::mirror::export(&s.state, out.path()).await.unwrap();
    assert!(first.full);
    assert!(out.path().join("en/contrast/index.html").is_file());
    let listed = std::fs::read_to_string(out.path().join("data/official.json")).unwrap();
    assert!(listed.contains("CNE boletín 1"));
    let again = testigo_server::mirror::export(&s.state, out.path()).await.unwrap();
    assert!(!again.full);
    import(&s, "CNE boletín 2", "table,o1,o2,o3\nst-2,90,30,200\n").await.unwrap();
    refresh(&s).await;
    let after = testigo_server::mirror::export(&s.state, out.path()).await.unwrap();
    assert!(after.full);
    let st2 = std::fs::read_to_string(out.path().join("en/tables/st-2/index.html")).unwrap();
    assert!(st2.contains("equal this acta"), "{st2}");
}
