//! Over real loopback sockets: interrupted uploads, many devices at once, shutdown.

use std::time::Duration;

use testigo_protocol::Sha256;
use testigo_protocol::api::{BatchResult, CaptureBatch, RecordOutcome};
use tokio::io::AsyncWriteExt;

use crate::common::*;

async fn create_upload(
    client: &reqwest::Client,
    base: &str,
    d: &TestDevice,
    capture: uuid::Uuid,
    photo: &[u8],
) -> String {
    let r = client
        .post(format!("{base}/v1/uploads"))
        .header("authorization", d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("upload-length", photo.len().to_string())
        .header("upload-metadata", upload_metadata(capture, &Sha256::digest(photo)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    format!("{base}{}", r.headers()["location"].to_str().unwrap())
}

async fn head_offset(client: &reqwest::Client, url: &str, d: &TestDevice) -> (u16, u64) {
    let r = client
        .head(url)
        .header("authorization", d.bearer())
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let offset = r.headers().get("upload-offset").map_or(0, |v| v.to_str().unwrap().parse().unwrap());
    (r.status().as_u16(), offset)
}

#[tokio::test]
async fn a_patch_cut_off_mid_body_keeps_its_bytes_and_the_client_resumes_from_them() {
    let s = TestServer::new().await;
    let addr = s.listen().await;
    let base = format!("http://{addr}");
    let d = s.device(&["st-1"]).await;
    let photo = photo_bytes(3, 200_000);
    let signed = d.sign(d.record("st-1", &[&photo]));
    let capture = signed.record.id;
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/v1/captures"))
        .header("authorization", d.bearer())
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&CaptureBatch { captures: vec![signed] }).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let url = create_upload(&client, &base, &d, capture, &photo).await;
    let path = url.trim_start_matches(&base).to_owned();

    // A raw PATCH announcing the whole photo, cut off after 70,000 bytes.
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: {}\r\ntus-resumable: 1.0.0\r\n\
         content-type: application/offset+octet-stream\r\nupload-offset: 0\r\ncontent-length: {}\r\n\r\n",
        d.bearer(),
        photo.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&photo[..70_000]).await.unwrap();
    tcp.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(tcp);

    // The server notices the cut and confirms what arrived (bounded wait).
    let mut kept = 0;
    for _ in 0..100 {
        let (status, offset) = head_offset(&client, &url, &d).await;
        if status == 200 && offset > 0 {
            kept = offset;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(kept, 70_000);
    let r = client
        .patch(&url)
        .header("authorization", d.bearer())
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", kept.to_string())
        .body(photo[kept as usize..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers().contains_key("testigo-receipt"));
    assert_eq!(s.state.blobs.get(&Sha256::digest(&photo)).await.unwrap().unwrap(), photo);
}

#[tokio::test]
async fn many_devices_sending_the_same_and_different_records_at_once_store_each_exactly_once() {
    let s = TestServer::new().await;
    let addr = s.listen().await;
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let d = s.device(&[&format!("st-{}", i % 8 + 1)]).await;
        let station = format!("st-{}", i % 8 + 1);
        for batch in 0..2 {
            let records: Vec<_> = (0..5).map(|_| d.sign(d.record(&station, &[]))).collect();
            let body = serde_json::to_vec(&CaptureBatch { captures: records }).unwrap();
            // Each batch goes twice, concurrently, as a phone retrying after a timeout would.
            for _ in 0..2 {
                let (client, base, body, bearer) = (client.clone(), base.clone(), body.clone(), d.bearer());
                tasks.push(tokio::spawn(async move {
                    let r = client
                        .post(format!("{base}/v1/captures"))
                        .header("authorization", bearer)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    (i, batch, serde_json::from_slice::<BatchResult>(&r.bytes().await.unwrap()).unwrap())
                }));
            }
        }
    }
    let mut by_batch = std::collections::HashMap::<(i32, i32), Vec<BatchResult>>::new();
    for t in tasks {
        let (i, batch, result) = t.await.unwrap();
        by_batch.entry((i, batch)).or_default().push(result);
    }
    for results in by_batch.values() {
        let [a, b] = results.as_slice() else { panic!() };
        for (x, y) in a.results.iter().zip(&b.results) {
            let (rx, stored_x) = match x {
                RecordOutcome::Stored { receipt } => (receipt, 1),
                RecordOutcome::Duplicate { receipt } => (receipt, 0),
                RecordOutcome::Refused(_) => panic!("{x:?}"),
            };
            let (ry, stored_y) = match y {
                RecordOutcome::Stored { receipt } => (receipt, 1),
                RecordOutcome::Duplicate { receipt } => (receipt, 0),
                RecordOutcome::Refused(_) => panic!("{y:?}"),
            };
            assert_eq!(rx, ry, "both answers carry the one receipt");
            assert_eq!(stored_x + stored_y, 1, "stored exactly once");
        }
    }
    let db = rusqlite::Connection::open(s.dir.path().join(testigo_server::DATABASE_FILE)).unwrap();
    let n: i64 = db.query_row("SELECT count(*) FROM captures", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 16 * 2 * 5);
}

#[tokio::test]
async fn shutdown_lets_the_server_return() {
    let s = TestServer::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(testigo_server::serve(listener, s.state.clone(), async move {
        let _ = rx.await;
    }));
    let r = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
    tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}

/// Reads until the server closes the connection; returns what arrived, or `None` if it was
/// still open after `within`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt as _;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().map(|()| got)
}

#[tokio::test]
async fn idle_connections_and_slow_headers_are_closed() {
    let limits =
        testigo_server::Limits { header_read_timeout: Duration::from_millis(500), ..Default::default() };
    let s = TestServer::with_limits(limits).await;
    let addr = s.listen().await;
    // Opened and never used.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(5)).await.is_some(),
        "an idle connection stays open"
    );
    // Headers sent a line at a time, each within any per-read timeout, never finishing.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let dripping = async {
        for i in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow.write_all(format!("X-{i}: y\r\n").as_bytes()).await.is_err() {
                return true;
            }
        }
        false
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(5), dripping).await.unwrap_or(false)
            || read_until_closed(&mut slow, Duration::from_secs(2)).await.is_some(),
        "slow headers keep the connection"
    );
    // A kept-alive connection is closed once it falls idle after an answer.
    let mut kept = tokio::net::TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answered =
        read_until_closed(&mut kept, Duration::from_secs(5)).await.expect("closed after falling idle");
    assert!(String::from_utf8_lossy(&answered).starts_with("HTTP/1.1 200"), "answered first");
}
