use testigo_protocol::api::{BatchResult, Change, FeedPage, ReviewStatus};

use testigo_server::repo::{ReviewOutcome, ReviewTarget};

use crate::common::*;

#[tokio::test]
async fn reviews_reach_only_their_device_in_order_and_page_by_cursor() {
    let s = TestServer::new().await;
    let a = s.device(&["st-1"]).await;
    let b = s.device(&["st-2"]).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let signed = a.sign(a.record("st-1", &[]));
        ids.push(signed.record.id);
        let _: BatchResult = json_body(s.send(a.batch(vec![signed])).await).await;
    }
    let now = testigo_server::now_ms();
    for (i, id) in ids.iter().enumerate() {
        let status = if i % 2 == 0 { ReviewStatus::Verified } else { ReviewStatus::Disputed };
        let comment = (i == 1).then(|| "Revise la fila 3".to_owned());
        let target = ReviewTarget::Device { device: a.public_key().key_id(), capture_id: *id };
        let done = s.state.repo.review(target, status, comment, "ana".into(), now).await.unwrap();
        assert!(matches!(done, ReviewOutcome::Done { from: ReviewStatus::Unreviewed, .. }), "{done:?}");
    }
    // Another device's capture cannot be reviewed through b's id.
    let target = ReviewTarget::Device { device: b.public_key().key_id(), capture_id: ids[0] };
    let none = s.state.repo.review(target, ReviewStatus::Rejected, None, "ana".into(), now).await.unwrap();
    assert_eq!(none, ReviewOutcome::NotFound);

    let page: FeedPage = json_body(s.send(get("/v1/feed?limit=2", &a.bearer())).await).await;
    assert_eq!(page.events.len(), 2);
    assert!(page.more);
    let Change::Review { capture_id, status, comment } = &page.events[1].change else { panic!() };
    assert_eq!(
        (*capture_id, *status, comment.as_deref()),
        (ids[1], ReviewStatus::Disputed, Some("Revise la fila 3"))
    );
    let rest: FeedPage =
        json_body(s.send(get(&format!("/v1/feed?after={}", page.cursor), &a.bearer())).await).await;
    assert_eq!(rest.events.len(), 3);
    assert!(!rest.more);
    assert!(rest.events.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(rest.events[0].seq > page.cursor);
    let empty: FeedPage =
        json_body(s.send(get(&format!("/v1/feed?after={}", rest.cursor), &a.bearer())).await).await;
    assert_eq!((empty.events.len(), empty.cursor), (0, rest.cursor));

    let other: FeedPage = json_body(s.send(get("/v1/feed", &b.bearer())).await).await;
    assert!(other.events.is_empty());
    assert_problem(s.send(get("/v1/feed?after=-1", &a.bearer())).await, 400, "bad_request").await;
}
