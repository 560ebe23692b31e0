//! The verification desk: captures whose photos are in are transcribed twice, blind; agreement
//! confirms, a difference goes to a verifier; slots are never handed out twice, even to 200
//! clerks at once, and a slot whose lease ran out is handed on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use testigo_protocol::api::{BatchResult, ReviewStatus};
use testigo_server::repo::coord::Coordinator;
use testigo_server::repo::coord::Role;
use testigo_server::repo::desk::{Clerk, DecideOutcome, DeskState, EntryOutcome};
use testigo_server::services::accounts::create_user;
use testigo_server::services::desk;
use uuid::Uuid;

use crate::common::*;

async fn refresh(s: &TestServer) {
    testigo_server::repo::settle_tally(s.state.repo.as_ref(), testigo_server::TALLY_BATCH).await.unwrap();
}

/// Sends a capture of `station` with one photo (uploaded) and these counts for o1; returns its id.
async fn send_with_photo(s: &TestServer, d: &TestDevice, station: &str, o1: u32, seed: u8) -> Uuid {
    let photo = photo_bytes(seed, 3000 + usize::from(seed));
    let mut r = d.record(station, &[&photo]);
    r.counts.insert("o1".into(), o1);
    let id = r.id;
    let res: BatchResult = json_body(s.send(d.batch(vec![d.sign(r)])).await).await;
    assert!(matches!(res.results[0], testigo_protocol::api::RecordOutcome::Stored { .. }), "{res:?}");
    assert_eq!(upload(s, d, id, &photo).await, StatusCode::NO_CONTENT);
    id
}

/// An account made without a password hash worth checking (these clerks never sign in).
async fn clerk_account(s: &TestServer, name: &str, scope: &str, can_review: bool) -> Coordinator {
    let role = if can_review { Role::Reviewer } else { Role::Observer };
    let id = s
        .state
        .coord
        .create_coordinator(name.into(), "not a hash".into(), scope.into(), role, "test".into(), 1)
        .await
        .unwrap()
        .unwrap();
    Coordinator { id, name: name.into(), scope_path: scope.into(), role }
}

/// The watcher's numbers as a form, with o1 replaced.
fn entry(o1: u32) -> BTreeMap<String, String> {
    [("o1", o1), ("o2", 30), ("o3", 200), ("null", 4), ("voted", 354)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_string()))
        .collect()
}

async fn pk_of(s: &TestServer, id: Uuid) -> i64 {
    s.state.coord.find_capture(testigo_server::repo::ReviewTarget::CaptureId(id)).await.unwrap().unwrap()
}

#[tokio::test]
async fn two_blind_entries_that_agree_with_the_watcher_confirm_and_verify() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1", "st-2"]).await;
    // A capture without its photo is not on the desk; one with its photo is.
    let mut bare = d.record("st-2", &[&photo_bytes(9, 2000)]);
    bare.counts.insert("o1".into(), 1);
    let _: BatchResult = json_body(s.send(d.batch(vec![d.sign(bare)])).await).await;
    let id = send_with_photo(&s, &d, "st-1", 120, 1).await;
    refresh(&s).await;
    let pk = pk_of(&s, id).await;
    let ana = clerk_account(&s, "ana", "", true).await;
    let ben = clerk_account(&s, "ben", "", true).await;
    let eva = clerk_account(&s, "eva", "", true).await;
    let viewer = clerk_account(&s, "vic", "", false).await;
    assert!(matches!(desk::next(&s.state, &viewer).await, Err(desk::DeskError::NotAllowed)));

    let a = desk::next(&s.state, &ana).await.unwrap().unwrap();
    assert_eq!((a.assignment.capture_pk, a.assignment.slot), (pk, 1));
    assert_eq!(a.photos.len(), 1, "the clerk sees the photo");
    // Asking again (a reload) gives the same slot, not another.
    let again = desk::next(&s.state, &ana).await.unwrap().unwrap().assignment;
    assert_eq!((again.capture_pk, again.slot), (pk, 1));
    let b = desk::next(&s.state, &ben).await.unwrap().unwrap();
    assert_eq!((b.assignment.capture_pk, b.assignment.slot), (pk, 2));
    assert!(desk::next(&s.state, &eva).await.unwrap().is_none(), "never a third transcription");

    // A missing field names itself and keeps nothing.
    let mut partial = entry(120);
    partial.remove("voted");
    assert!(matches!(
        desk::submit(&s.state, &ana, pk, &partial).await,
        Err(desk::DeskError::Invalid(desk::InvalidEntry::Missing(f))) if f == "voted"
    ));
    assert_eq!(
        desk::submit(&s.state, &ana, pk, &entry(120)).await.unwrap(),
        EntryOutcome::Kept(DeskState::Transcribing)
    );
    assert_eq!(desk::submit(&s.state, &ana, pk, &entry(120)).await.unwrap(), EntryOutcome::AlreadyIn);
    assert_eq!(desk::submit(&s.state, &eva, pk, &entry(120)).await.unwrap(), EntryOutcome::NotYours);
    assert_eq!(
        desk::submit(&s.state, &ben, pk, &entry(120)).await.unwrap(),
        EntryOutcome::Kept(DeskState::Confirmed)
    );

    let detail = s.state.coord.capture_detail(pk).await.unwrap().unwrap();
    assert_eq!(detail.row.review_status, ReviewStatus::Verified, "confirmation verifies");
    let actions: Vec<&str> = detail.audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"review"), "{actions:?}");
    let c = desk::counts(&s.state, &ana).await.unwrap();
    assert_eq!((c.transcribing, c.verify, c.confirmed), (0, 0, 1));
    assert!(desk::next(&s.state, &eva).await.unwrap().is_none());
}

#[tokio::test]
async fn a_difference_goes_to_a_verifier_who_did_not_transcribe_and_the_review_follows() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let id = send_with_photo(&s, &d, "st-1", 120, 2).await;
    refresh(&s).await;
    let pk = pk_of(&s, id).await;
    let ana = clerk_account(&s, "ana", "", true).await;
    let ben = clerk_account(&s, "ben", "", true).await;
    let eva = clerk_account(&s, "eva", "", true).await;
    // Out of scope: the capture is in Zulia.
    let lara = clerk_account(&s, "lara", "Lara", true).await;
    assert!(desk::next(&s.state, &lara).await.unwrap().is_none());
    desk::next(&s.state, &ana).await.unwrap().unwrap();
    desk::next(&s.state, &ben).await.unwrap().unwrap();
    // Both read 210 where the watcher typed 120.
    desk::submit(&s.state, &ana, pk, &entry(210)).await.unwrap();
    assert_eq!(
        desk::submit(&s.state, &ben, pk, &entry(210)).await.unwrap(),
        EntryOutcome::Kept(DeskState::Verify)
    );
    let waiting = desk::waiting(&s.state, &eva, None, 10).await.unwrap();
    assert_eq!(waiting.iter().map(|i| i.capture_pk).collect::<Vec<_>>(), vec![pk]);
    assert!(desk::waiting(&s.state, &lara, None, 10).await.unwrap().is_empty());
    assert!(matches!(desk::verification(&s.state, &lara, pk).await, Err(desk::DeskError::NotFound)));
    assert_eq!(desk::decide(&s.state, &ana, pk, &entry(210)).await.unwrap(), DecideOutcome::OwnEntry);
    assert_eq!(desk::decide(&s.state, &eva, pk, &entry(210)).await.unwrap(), DecideOutcome::Decided);
    assert_eq!(desk::decide(&s.state, &eva, pk, &entry(210)).await.unwrap(), DecideOutcome::NotWaiting);
    let detail = s.state.coord.capture_detail(pk).await.unwrap().unwrap();
    assert_eq!(detail.row.review_status, ReviewStatus::Disputed);
    let review = detail.audit.iter().rev().find(|a| a.action == "review").unwrap();
    assert_eq!(review.detail["comment"], "A 120→210", "the comment names the field as printed");
    assert_eq!(review.actor, "eva");
    let item = s.state.desk.desk_item(pk).await.unwrap().unwrap();
    assert_eq!(item.state, DeskState::Decided);
    assert_eq!(item.decided.as_ref().map(|(c, by)| (c["o1"], by.as_str())), Some((210, "eva")));
}

#[tokio::test]
async fn a_slot_whose_lease_ran_out_is_handed_on_and_the_late_entry_refused() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let id = send_with_photo(&s, &d, "st-1", 120, 3).await;
    refresh(&s).await;
    let pk = pk_of(&s, id).await;
    let clerk =
        |id: i64, name: &str| Clerk { coordinator_id: id, name: name.into(), scope_path: String::new() };
    let ana = clerk_account(&s, "ana", "", true).await;
    let ben = clerk_account(&s, "ben", "", true).await;
    let eva = clerk_account(&s, "eva", "", true).await;
    let t0 = 1_000_000;
    let lease = 60_000;
    let a = s.state.desk.hand_out(clerk(ana.id, "ana"), t0, lease).await.unwrap().unwrap();
    let b = s.state.desk.hand_out(clerk(ben.id, "ben"), t0, lease).await.unwrap().unwrap();
    assert_eq!((a.slot, b.slot), (1, 2));
    assert!(s.state.desk.hand_out(clerk(eva.id, "eva"), t0 + lease - 1, lease).await.unwrap().is_none());
    // Ana went away: past her lease, her slot goes to Eva, and her late entry is refused.
    let e = s.state.desk.hand_out(clerk(eva.id, "eva"), t0 + lease + 1, lease).await.unwrap().unwrap();
    assert_eq!((e.capture_pk, e.slot), (pk, 1));
    let fields: Vec<String> = ["o1", "o2", "o3", "null", "voted"].map(String::from).into();
    let counts: BTreeMap<String, u32> = [("o1", 120), ("o2", 30), ("o3", 200), ("null", 4), ("voted", 354)]
        .map(|(k, v)| (k.to_owned(), v))
        .into();
    let late = s
        .state
        .desk
        .submit_entry(clerk(ana.id, "ana"), pk, fields.clone(), counts.clone(), t0 + 2 * lease)
        .await;
    assert_eq!(late.unwrap(), EntryOutcome::NotYours);
    let kept =
        s.state.desk.submit_entry(clerk(eva.id, "eva"), pk, fields, counts, t0 + 2 * lease).await.unwrap();
    assert_eq!(kept, EntryOutcome::Kept(DeskState::Transcribing));
}

#[tokio::test]
async fn two_hundred_clerks_at_once_never_share_a_slot_nor_transcribe_a_capture_thrice() {
    // Requests per device are limited; the phones here send faster than any phone can.
    let s =
        TestServer::with_limits(testigo_server::Limits { device_burst: 10_000, ..Default::default() }).await;
    let devices = [s.device(&["st-1", "st-2", "st-3"]).await, s.device(&["st-4", "st-5", "st-6"]).await];
    const CAPTURES: usize = 120;
    for i in 0..CAPTURES {
        let d = &devices[i % 2];
        let station = format!("st-{}", 1 + (i % 3) + 3 * (i % 2));
        send_with_photo(&s, d, &station, 100 + i as u32, (i % 250) as u8).await;
    }
    refresh(&s).await;
    let mut clerks = Vec::new();
    for i in 0..200 {
        clerks.push(clerk_account(&s, &format!("clerk{i}"), "", true).await);
    }
    // Every clerk works until the desk has nothing for them; each hand-out is recorded.
    let handed: Arc<std::sync::Mutex<Vec<(i64, u8, i64)>>> = Arc::default();
    let mut tasks = Vec::new();
    for clerk in clerks {
        let state = s.state.clone();
        let handed = handed.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(task) = desk::next(&state, &clerk).await.unwrap() else { break };
                let pk = task.assignment.capture_pk;
                handed.lock().unwrap().push((pk, task.assignment.slot, clerk.id));
                tokio::task::yield_now().await;
                // The watcher's own numbers: every capture settles as confirmed.
                let detail = state.coord.capture_detail(pk).await.unwrap().unwrap();
                let form: BTreeMap<String, String> =
                    desk::watcher_counts(&detail).into_iter().map(|(k, v)| (k, v.to_string())).collect();
                let outcome = desk::submit(&state, &clerk, pk, &form).await.unwrap();
                assert!(matches!(outcome, EntryOutcome::Kept(_)), "{outcome:?}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let handed = handed.lock().unwrap().clone();
    let mut per_slot: HashMap<(i64, u8), usize> = HashMap::new();
    let mut per_capture: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (pk, slot, clerk) in &handed {
        *per_slot.entry((*pk, *slot)).or_default() += 1;
        assert!(per_capture.entry(*pk).or_default().insert(*clerk), "clerk {clerk} got capture {pk} twice");
    }
    assert!(per_slot.values().all(|n| *n == 1), "a slot handed out twice");
    assert_eq!(per_capture.len(), CAPTURES);
    assert!(per_capture.values().all(|c| c.len() == 2), "every capture transcribed exactly twice");
    let counts = s.state.desk.desk_counts(String::new()).await.unwrap();
    assert_eq!((counts.transcribing, counts.verify, counts.confirmed), (0, 0, CAPTURES as u64));
}

#[tokio::test]
async fn the_desk_pages_hand_out_keep_what_was_typed_and_decide() {
    let s = TestServer::new().await;
    let d = s.device(&["st-1"]).await;
    let id = send_with_photo(&s, &d, "st-1", 120, 4).await;
    refresh(&s).await;
    let pk = pk_of(&s, id).await;
    for name in ["ana", "ben", "eva"] {
        create_user(s.state.coord.as_ref(), name, "una clave larga", "", Role::Reviewer, "test", 1)
            .await
            .unwrap();
    }
    let login = |name: &'static str| {
        let s = &s;
        async move {
            let r = s
                .send(
                    Request::post("/dash/login")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(format!("name={name}&password=una%20clave%20larga")))
                        .unwrap(),
                )
                .await;
            r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
        }
    };
    let page = |cookie: String, path: String| {
        let s = &s;
        async move {
            let r = s.send(Request::get(path).header("cookie", cookie).body(Body::empty()).unwrap()).await;
            let status = r.status();
            (status, String::from_utf8(body_bytes(r).await).unwrap())
        }
    };
    let csrf_of = |html: &str| {
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let post = |cookie: String, path: String, body: String| {
        let s = &s;
        async move {
            let r = s
                .send(
                    Request::post(path)
                        .header("cookie", cookie)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            let status = r.status();
            let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
            (status, location, String::from_utf8(body_bytes(r).await).unwrap())
        }
    };
    let form = |csrf: &str, o1: &str, voted: &str| {
        format!("csrf={csrf}&f_o1={o1}&f_o2=30&f_o3=200&f_null=4&f_voted={voted}")
    };
    let ana = login("ana").await;
    let (status, html) = page(ana.clone(), "/dash/transcribe".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/dash/photos/") && html.contains("name=\"f_o1\""), "{html}");
    assert!(!html.contains("value=\"120\""), "the watcher's numbers are not on the page");
    for lang in ["es", "en", "pt", "fr"] {
        let r = s
            .send(
                Request::get("/dash/transcribe")
                    .header("cookie", ana.as_str())
                    .header("accept-language", lang)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let html = String::from_utf8(body_bytes(r).await).unwrap();
        assert!(html.contains("name=\"f_o1\"") && !html.contains('⟦'), "{lang}: {html}");
    }
    let csrf = csrf_of(&html);
    // A missing number: the same acta again, with what was typed kept and the field named.
    let (status, _, html) = post(ana.clone(), format!("/dash/transcribe/{pk}"), form(&csrf, "212", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"212\"") && html.contains("Votantes"), "{html}");
    let (status, location, _) =
        post(ana.clone(), format!("/dash/transcribe/{pk}"), form(&csrf, "212", "354")).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/dash/transcribe?done=transcribing"))
    );
    let (_, html) = page(ana.clone(), "/dash/transcribe?done=transcribing".into()).await;
    assert!(html.contains("id=\"desk-empty\"") && html.contains("id=\"desk-saved\""), "{html}");

    let ben = login("ben").await;
    let (_, html) = page(ben.clone(), "/dash/transcribe".into()).await;
    let csrf = csrf_of(&html);
    let (_, location, _) =
        post(ben.clone(), format!("/dash/transcribe/{pk}"), form(&csrf, "210", "354")).await;
    assert_eq!(location.as_deref(), Some("/dash/transcribe?done=verify"));

    // A transcriber may not verify what they transcribed: no form for them.
    let (_, html) = page(ana.clone(), format!("/dash/verify/{pk}")).await;
    assert!(!html.contains("name=\"f_o1\"") && html.contains("class=\"differs\""), "{html}");
    // The verifier sees three columns, the differing row marked, and decides.
    let eva = login("eva").await;
    let (_, html) = page(eva.clone(), "/dash/verify".into()).await;
    assert!(html.contains(&format!("/dash/verify/{pk}")), "{html}");
    let (status, html) = page(eva.clone(), format!("/dash/verify/{pk}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ana") && html.contains("ben") && html.contains("class=\"differs\""), "{html}");
    // Every language has every message of the verifier's pages.
    for lang in ["es", "en", "pt", "fr"] {
        for path in [format!("/dash/verify/{pk}"), "/dash/verify".to_owned()] {
            let r = s
                .send(
                    Request::get(&path)
                        .header("cookie", eva.as_str())
                        .header("accept-language", lang)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            let html = String::from_utf8(body_bytes(r).await).unwrap();
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")) && !html.contains('⟦'),
                "{lang} {path}: {html}"
            );
        }
    }
    let csrf = csrf_of(&html);
    let (status, location, _) =
        post(eva.clone(), format!("/dash/verify/{pk}"), form(&csrf, "120", "354")).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/dash/verify")));
    let detail = s.state.coord.capture_detail(pk).await.unwrap().unwrap();
    assert_eq!(detail.row.review_status, ReviewStatus::Verified, "the watcher was right");
}
