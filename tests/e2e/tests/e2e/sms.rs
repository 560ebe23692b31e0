//! Numbers by SMS: a phone without a data link sends its records as SMS through a gateway, gets
//! its receipts back by SMS, and its photos follow over HTTP and match.

use std::time::Duration;

use testigo_core::{CancelToken, OutboxKind, OutboxState, SyncOptions};
use testigo_e2e::*;
use testigo_server::Limits;
use testigo_sim::sms::SmsGateway;
use testigo_sim::{CaptureStyle, Watcher};
use testigo_testkit::SampleElection;

const SECRET: &str = "gateway-secret-for-the-test";

fn style() -> CaptureStyle {
    CaptureStyle { photo_size: (1200, 900), mistake_rate: 0.0, ..CaptureStyle::default() }
}

fn server_db_count(server: &Server, sql: &str) -> i64 {
    server.db().unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn records_by_sms_are_stored_once_answered_by_sms_and_their_photos_match_later() {
    let election = SampleElection::new(31, 4);
    let server =
        Server::start_with(&election, Limits { sms_secret: Some(SECRET.into()), ..Limits::default() })
            .unwrap();
    let root = tempfile::tempdir().unwrap();
    let stations: Vec<String> = election.package.stations.iter().take(2).map(|s| s.id.clone()).collect();
    let code = server.codes(&[stations]).unwrap().remove(0);
    let w = Watcher::open(root.path(), 7).unwrap();
    w.enroll(&server.url(), &code).unwrap();
    for i in 0..2 {
        w.capture(&election, i, &style()).unwrap();
    }
    let ids: Vec<_> = w.store.captures().unwrap().into_iter().map(|c| c.id).collect();
    let gateway = SmsGateway::new(&server.url(), SECRET);
    let from = "+584140000001";

    // The data link is cut: the first record goes by SMS, out of order and one part twice.
    let texts = w.store.sms_for(ids[0]).unwrap();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| t.chars().count() <= 160));
    w.store.sms_sent(ids[0]).unwrap();
    let mut replies = Vec::new();
    for t in [&texts[1], &texts[1], &texts[0]] {
        replies.push(server.block_on(gateway.deliver(from, t)).unwrap());
    }
    assert_eq!(replies[..2], [None, None], "no receipt before the record is whole");
    let receipt_sms = replies[2].clone().expect("a receipt by SMS");
    assert!(receipt_sms.chars().count() <= 160);
    assert_eq!(server_db_count(&server, "SELECT count(*) FROM captures"), 1);
    assert_eq!(server_db_count(&server, "SELECT count(*) FROM sms_records"), 1);

    // The receipt SMS delivers the record on the phone; other texts change nothing.
    assert_eq!(w.store.accept_sms_receipt("Llegó todo bien").unwrap(), None);
    let mut forged: Vec<char> = receipt_sms.chars().collect();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == 'a' { 'b' } else { 'a' };
    assert_eq!(w.store.accept_sms_receipt(&forged.into_iter().collect::<String>()).unwrap(), None);
    assert_eq!(w.store.accept_sms_receipt(&receipt_sms).unwrap(), Some(ids[0]));
    let record_state = |id| {
        w.store
            .outbox()
            .unwrap()
            .into_iter()
            .find(|i| i.capture_id == id && i.kind == OutboxKind::Record)
            .unwrap()
            .state
    };
    assert_eq!(record_state(ids[0]), OutboxState::Done);
    let held = w.store.receipts(Some(ids[0])).unwrap();
    assert_eq!(held.len(), 1);
    assert!(held[0].receipt.verify(&server.key()).is_ok());

    // The gateway sends the same SMS again: the record stays stored once and the same receipt
    // goes back.
    let again = server.block_on(gateway.deliver(from, &texts[0])).unwrap();
    assert_eq!(again.as_deref(), Some(receipt_sms.as_str()));
    assert_eq!(server_db_count(&server, "SELECT count(*) FROM captures"), 1);

    // A forged part and a stranger's text get no receipt and are kept aside.
    let other = w.store.sms_for(ids[1]).unwrap();
    assert_eq!(server.block_on(gateway.deliver(from, &other[0])).unwrap(), None);
    let forged_part: String = other[1].chars().take(7).chain(texts[1].chars().skip(7)).collect();
    assert_eq!(server.block_on(gateway.deliver(from, &forged_part)).unwrap(), None);
    assert_eq!(server.block_on(gateway.deliver("+1555", "¿A qué hora cierran?")).unwrap(), None);
    assert_eq!(server_db_count(&server, "SELECT count(*) FROM sms_aside"), 2);
    assert_eq!(server_db_count(&server, "SELECT count(*) FROM captures"), 1);

    // A gateway without the secret is refused.
    let stranger = SmsGateway::new(&server.url(), "wrong");
    assert!(server.block_on(stranger.deliver(from, &texts[0])).is_err());

    // The link returns: the other record goes over HTTP, the photos of both follow and match by
    // hash, and nothing is stored twice.
    let r = w.sync(Duration::from_secs(60), &CancelToken::new()).unwrap();
    assert_eq!((r.records_delivered, r.photos_delivered), (1, 2), "{r:?}");
    check_delivery(&server, &[&w.store]).unwrap();
    assert_eq!(server_db_count(&server, "SELECT count(*) FROM captures"), 2);
    let r = w
        .store
        .sync(&SyncOptions { ignore_backoff: true, ..SyncOptions::default() }, &CancelToken::new())
        .unwrap();
    assert_eq!((r.records_delivered, r.photos_delivered), (0, 0), "{r:?}");
}
