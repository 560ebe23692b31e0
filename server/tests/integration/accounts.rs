//! Accounts run from the browser by an administrator (make, change role and region, reset the
//! password, disable, enable; each audited, each refused to everyone else), and a table handed
//! from one phone to another.

use axum::http::StatusCode;
use testigo_protocol::api::{BatchResult, Change, FeedPage, RecordOutcome};
use testigo_server::repo::coord::Role;
use testigo_server::services::accounts::create_user;

use crate::common::*;

/// The password an accounts page shows once.
fn shown_password(html: &str) -> String {
    let at = html.find("<code class=\"enroll-code\">").expect("a password is shown") + 26;
    html[at..at + html[at..].find('<').unwrap()].to_owned()
}

/// Signs in, or says why not (the login form answers 303 only on success).
async fn signs_in(s: &TestServer, name: &str, password: &str) -> bool {
    let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
    s.send(post_json("/v1/admin/login", None, body)).await.status() == StatusCode::OK
}

fn account_id(html: &str, name: &str) -> i64 {
    let at = html.find(&format!("<b>{name}</b>")).unwrap();
    let form = html[at..].find("action=\"/dash/accounts/").unwrap() + at + 23;
    html[form..form + html[form..].find('"').unwrap()].parse().unwrap()
}

#[tokio::test]
async fn an_administrator_runs_accounts_from_the_browser_and_nobody_else_can() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "cli", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "rita", "otra clave larga", "Zulia", Role::Reviewer, "cli", 1)
        .await
        .unwrap();
    let ana = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (status, html) = page(&s, &ana, "/dash/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<b>rita</b>") && html.contains("Zulia"), "{html}");
    let csrf = csrf_of(&html);

    // A reviewer for Lara, its password made by the server and shown once.
    let (status, html) =
        post_form(&s, &ana, "/dash/accounts", &format!("csrf={csrf}&name=luis&role=reviewer&scope=Lara"))
            .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let password = shown_password(&html);
    assert!(password.len() >= 20, "{password}");
    let luis_id = account_id(&html, "luis");
    assert!(signs_in(&s, "luis", &password).await);
    let body = serde_json::json!({ "name": "luis", "password": password }).to_string().into_bytes();
    let who: serde_json::Value = json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
    assert_eq!(who["coordinator"]["role"], "reviewer");
    assert_eq!(
        (who["coordinator"]["can_review"].as_bool(), who["coordinator"]["is_admin"].as_bool()),
        (Some(true), Some(false))
    );
    let luis = login_cookie(&s, "luis", &password).await;
    assert_eq!(page(&s, &luis, "/dash/transcribe").await.0, StatusCode::OK);
    // Refused: a taken name, an unknown region, an administrator with a region, a bad role.
    for (body, why) in [
        ("name=luis&role=reviewer&scope=", "taken"),
        ("name=leo&role=reviewer&scope=Narnia", "unknown region"),
        ("name=leo&role=admin&scope=Lara", "administrators see everything"),
        ("name=leo&role=boss&scope=", "no such role"),
        ("name=le%20o&role=observer&scope=", "bad name"),
    ] {
        let (status, _) = post_form(&s, &ana, "/dash/accounts", &format!("csrf={csrf}&{body}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}");
    }
    assert_eq!(
        post_form(&s, &ana, "/dash/accounts", "csrf=forged&name=leo&role=admin&scope=").await.0,
        StatusCode::FORBIDDEN
    );

    // Nobody but an administrator sees or changes accounts.
    let rita = login_cookie(&s, "rita", "otra%20clave%20larga").await;
    assert_eq!(page(&s, &rita, "/dash/accounts").await.0, StatusCode::FORBIDDEN);
    let rita_csrf = csrf_of(&page(&s, &rita, "/dash/batches").await.1);
    let to_luis = format!("/dash/accounts/{luis_id}");
    for body in ["do=disable", "do=reset", "do=access&role=admin&scope="] {
        let (status, _) = post_form(&s, &rita, &to_luis, &format!("csrf={rita_csrf}&{body}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, _) =
        post_form(&s, &rita, "/dash/accounts", &format!("csrf={rita_csrf}&name=x&role=admin&scope=")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Down to observer: luis can look, not transcribe.
    let (status, _) =
        post_form(&s, &ana, &to_luis, &format!("csrf={csrf}&do=access&role=observer&scope=Lara")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(page(&s, &luis, "/dash/transcribe").await.0, StatusCode::FORBIDDEN);

    // A new password: the old one and the open session stop at once.
    let (status, html) = post_form(&s, &ana, &to_luis, &format!("csrf={csrf}&do=reset")).await;
    assert_eq!(status, StatusCode::OK);
    let new_password = shown_password(&html);
    assert_ne!(new_password, password);
    assert_eq!(page(&s, &luis, "/dash").await.0, StatusCode::SEE_OTHER, "the session ended");
    assert!(!signs_in(&s, "luis", &password).await);
    assert!(signs_in(&s, "luis", &new_password).await);

    // Disabled: no session survives and no sign-in works; enabled again, it signs in.
    let luis = login_cookie(&s, "luis", &new_password).await;
    let (status, _) = post_form(&s, &ana, &to_luis, &format!("csrf={csrf}&do=disable")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(page(&s, &luis, "/dash").await.0, StatusCode::SEE_OTHER);
    assert!(!signs_in(&s, "luis", &new_password).await);
    let (_, html) = page(&s, &ana, "/dash/accounts").await;
    assert!(html.contains("tr class=\"disabled\""), "{html}");
    post_form(&s, &ana, &to_luis, &format!("csrf={csrf}&do=enable")).await;
    assert!(signs_in(&s, "luis", &new_password).await);

    // An administrator cannot lock themselves out: another must.
    let (_, html) = page(&s, &ana, "/dash/accounts").await;
    let own_row = &html[html.find("<b>ana</b>").unwrap()..html.find("<b>luis</b>").unwrap()];
    assert!(!own_row.contains("<form"), "no form to change one's own account: {own_row}");
    let accounts = s.state.coord.accounts().await.unwrap();
    let ana_id = accounts.iter().find(|a| a.coordinator.name == "ana").unwrap().coordinator.id;
    let to_ana = format!("/dash/accounts/{ana_id}");
    for body in ["do=disable", "do=access&role=reviewer&scope="] {
        let (status, _) = post_form(&s, &ana, &to_ana, &format!("csrf={csrf}&{body}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(page(&s, &ana, "/dash/accounts").await.0, StatusCode::OK);

    // Every change is in the audit log, by whom, never with a password.
    let (_, audit) = page(&s, &ana, "/dash/audit.csv").await;
    for action in
        ["account_create", "account_access", "account_password", "account_disable", "account_enable"]
    {
        assert!(
            audit.lines().any(|l| l.contains(action) && l.contains("ana") && l.contains("luis")),
            "{action}: {audit}"
        );
    }
    assert!(!audit.contains(&new_password) && !audit.contains(&password));
    // Searched by what the reader calls the acts: "contraseña" finds the resets, by no code.
    let (_, html) = page(&s, &ana, "/dash/audit?q=contrase%C3%B1a").await;
    assert!(html.contains("<td>Contraseña renovada</td>") && !html.contains("<td>Ingreso</td>"), "{html}");
}

#[tokio::test]
async fn a_table_goes_to_another_phone_which_learns_at_its_next_sync() {
    let s = TestServer::new().await;
    let first = s.device(&["st-1"]).await;
    let second = s.device(&["st-2"]).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "cli", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "rita", "otra clave larga", "", Role::Reviewer, "cli", 1)
        .await
        .unwrap();
    let ana = login_cookie(&s, "ana", "una%20clave%20larga").await;
    let (_, html) = page(&s, &ana, "/dash/stations/st-1").await;
    let csrf = csrf_of(&html);
    let key = |d: &TestDevice| d.public_key().key_id().as_str().to_owned();
    assert!(html.contains(&format!("title=\"{}\"", key(&first))), "st-1 lists its phone: {html}");

    let r = s.send(get("/v1/package", &second.bearer())).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let feed = |d: &TestDevice| {
        let s = &s;
        let bearer = d.bearer();
        async move { json_body::<FeedPage>(s.send(get("/v1/feed?after=0", &bearer)).await).await }
    };
    let before = feed(&second).await.events.len();

    // Handed to the second phone by the first characters of its id, as the devices page shows.
    let body = format!("csrf={csrf}&assigned=1&device={}", &key(&second)[..8]);
    assert_eq!(post_form(&s, &ana, "/dash/stations/st-1/devices", &body).await.0, StatusCode::SEE_OTHER);
    let events = feed(&second).await.events;
    assert_eq!(events.len(), before + 1);
    assert!(matches!(events.last().unwrap().change, Change::Package { .. }));
    let r = s
        .send(
            axum::http::Request::get("/v1/package")
                .header("authorization", second.bearer())
                .header("if-none-match", &etag)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "the phone's package changed");
    let package: serde_json::Value = json_body(r).await;
    assert_eq!(package["assignment"]["station_ids"], serde_json::json!(["st-1", "st-2"]));
    let stored = |d: &TestDevice| {
        let s = &s;
        let batch = d.batch(vec![d.sign(d.record("st-1", &[]))]);
        async move { json_body::<BatchResult>(s.send(batch).await).await.results.remove(0) }
    };
    assert!(matches!(stored(&second).await, RecordOutcome::Stored { .. }));

    // Taken from the first phone: what it sends for st-1 from now on is refused.
    let body = format!("csrf={csrf}&assigned=0&device={}", key(&first));
    assert_eq!(post_form(&s, &ana, "/dash/stations/st-1/devices", &body).await.0, StatusCode::SEE_OTHER);
    assert!(matches!(stored(&first).await, RecordOutcome::Refused { .. }));
    let (_, html) = page(&s, &ana, "/dash/stations/st-1").await;
    assert!(!html.contains(&format!("title=\"{}\"", key(&first))), "{html}");

    // Refused: too short an id, one nobody has, a revoked phone, a table that does not exist,
    // and anyone but an administrator.
    for (path, body, status) in [
        ("/dash/stations/st-1/devices", "assigned=1&device=abc", StatusCode::BAD_REQUEST),
        ("/dash/stations/st-1/devices", "assigned=1&device=ffffffffffff", StatusCode::BAD_REQUEST),
        ("/dash/stations/st-99/devices", "assigned=1&device=ffffffffffff", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(post_form(&s, &ana, path, &format!("csrf={csrf}&{body}")).await.0, status, "{body}");
    }
    let admin = testigo_server::services::review::Reviewer::operator("ana");
    testigo_server::services::devices::revoke(&s.state, &admin, &first.public_key().key_id(), "perdido")
        .await
        .unwrap();
    let body = format!("csrf={csrf}&assigned=1&device={}", key(&first));
    assert_eq!(post_form(&s, &ana, "/dash/stations/st-1/devices", &body).await.0, StatusCode::BAD_REQUEST);
    let rita = login_cookie(&s, "rita", "otra%20clave%20larga").await;
    let (_, html) = page(&s, &rita, "/dash/stations/st-1").await;
    assert!(!html.contains("/dash/stations/st-1/devices"), "no form for a reviewer");
    let body = format!("csrf={}&assigned=1&device={}", csrf_of(&html), key(&second));
    assert_eq!(post_form(&s, &rita, "/dash/stations/st-2/devices", &body).await.0, StatusCode::FORBIDDEN);

    let (_, audit) = page(&s, &ana, "/dash/audit.csv").await;
    assert!(audit.contains("station_assign") && audit.contains("station_unassign"), "{audit}");
}

#[tokio::test]
async fn times_are_shown_in_the_elections_time_zone_and_an_unknown_zone_is_refused() {
    let s = TestServer::new().await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "cli", 1).await.unwrap();
    let ana = login_cookie(&s, "ana", "una%20clave%20larga").await;
    // The test election is in America/Caracas (UTC−4, no daylight saving): the account made
    // at the epoch shows as 1969-12-31 20:00 there.
    let (_, html) = page(&s, &ana, "/dash/audit").await;
    assert!(html.contains("1969-12-31 20:00:00 -04"), "{html}");
    assert!(!html.contains(" UTC<"), "{html}");
    let mut next = package(2, 3);
    next.election.time_zone = Some("America/Nowhere".into());
    let refused = s.state.repo.import_election(next, 2).await.unwrap().unwrap_err();
    assert!(refused.to_string().contains("America/Nowhere"), "{refused}");
    let mut next = package(2, 3);
    next.election.time_zone = Some("../../etc/passwd".into());
    assert!(s.state.repo.import_election(next, 2).await.unwrap().is_err());
}

#[tokio::test]
async fn the_admin_api_runs_accounts_and_tables_through_the_same_rules() {
    let s = TestServer::new().await;
    let phone = s.device(&["st-1"]).await;
    create_user(s.state.coord.as_ref(), "ana", "una clave larga", "", Role::Admin, "cli", 1).await.unwrap();
    create_user(s.state.coord.as_ref(), "rita", "otra clave larga", "", Role::Reviewer, "cli", 1)
        .await
        .unwrap();
    let token = |name: &str, password: &str| {
        let s = &s;
        let body = serde_json::json!({ "name": name, "password": password }).to_string().into_bytes();
        async move {
            let r: serde_json::Value =
                json_body(s.send(post_json("/v1/admin/login", None, body)).await).await;
            format!("Bearer {}", r["token"].as_str().unwrap())
        }
    };
    let ana = token("ana", "una clave larga").await;
    let rita = token("rita", "otra clave larga").await;
    let post = |bearer: &str, path: &str, body: serde_json::Value| {
        post_json(path, Some(bearer), body.to_string().into_bytes())
    };

    let r = s
        .send(post(
            &ana,
            "/v1/admin/accounts",
            serde_json::json!({ "name": "luis", "role": "observer", "scope": "Zulia" }),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let made: serde_json::Value = json_body(r).await;
    let password = made["password"].as_str().unwrap().to_owned();
    assert!(signs_in(&s, "luis", &password).await);
    let all: serde_json::Value = json_body(s.send(get("/v1/admin/accounts", &ana)).await).await;
    let luis = all["accounts"].as_array().unwrap().iter().find(|a| a["name"] == "luis").unwrap().clone();
    assert_eq!((luis["role"].as_str(), luis["scope"].as_str()), (Some("observer"), Some("Zulia")));

    let r = s.send(post(&ana, "/v1/admin/accounts/luis", serde_json::json!({ "action": "reset" }))).await;
    assert_eq!(r.status(), StatusCode::OK);
    let reset: serde_json::Value = json_body(r).await;
    assert!(!signs_in(&s, "luis", &password).await);
    assert!(signs_in(&s, "luis", reset["password"].as_str().unwrap()).await);
    for (body, status) in [
        (serde_json::json!({ "action": "disable" }), StatusCode::OK),
        (serde_json::json!({ "action": "explode" }), StatusCode::BAD_REQUEST),
        (
            serde_json::json!({ "action": "access", "role": "admin", "scope": "Zulia" }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(
            s.send(post(&ana, "/v1/admin/accounts/luis", body.clone())).await.status(),
            status,
            "{body}"
        );
    }
    assert_eq!(
        s.send(post(&ana, "/v1/admin/accounts/nobody", serde_json::json!({ "action": "enable" })))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.send(post(&ana, "/v1/admin/accounts/ana", serde_json::json!({ "action": "disable" })))
            .await
            .status(),
        StatusCode::BAD_REQUEST,
        "not one's own"
    );
    // A reviewer manages neither accounts nor tables.
    assert_eq!(s.send(get("/v1/admin/accounts", &rita)).await.status(), StatusCode::FORBIDDEN);
    let body = serde_json::json!({ "name": "x", "role": "admin" });
    assert_eq!(s.send(post(&rita, "/v1/admin/accounts", body)).await.status(), StatusCode::FORBIDDEN);

    let device = phone.public_key().key_id().as_str().to_owned();
    let body = serde_json::json!({ "device": &device[..8], "assigned": true });
    assert_eq!(
        s.send(post(&rita, "/v1/admin/stations/st-2/devices", body.clone())).await.status(),
        StatusCode::FORBIDDEN
    );
    let done: serde_json::Value =
        json_body(s.send(post(&ana, "/v1/admin/stations/st-2/devices", body.clone())).await).await;
    assert_eq!((done["device"].as_str(), done["changed"].as_bool()), (Some(device.as_str()), Some(true)));
    let again: serde_json::Value =
        json_body(s.send(post(&ana, "/v1/admin/stations/st-2/devices", body.clone())).await).await;
    assert_eq!(again["changed"], false);
    assert_eq!(
        s.send(post(&ana, "/v1/admin/stations/st-99/devices", body)).await.status(),
        StatusCode::NOT_FOUND
    );
}
