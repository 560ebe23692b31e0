//! The fault proxy does to connections what its profile and faults say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use testigo_testkit::{FaultProxy, Faults, LinkProfile};

/// A tiny upstream: reads a request head and `Content-Length` bytes, answers with `size` bytes.
fn upstream(size: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut b = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&b[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                    .unwrap_or(0);
                let start = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                let mut got = buf.len() - start;
                while got < len {
                    match conn.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                }
                let body = vec![b'x'; size];
                let _ = conn.write_all(
                    format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n")
                        .as_bytes(),
                );
                let _ = conn.write_all(&body);
            });
        }
    });
    addr
}

/// Sends a request with `body_len` bytes of body; returns the whole answer or the I/O error.
fn exchange(addr: SocketAddr, body_len: usize) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    s.write_all(format!("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: {body_len}\r\n\r\n").as_bytes())?;
    s.write_all(&vec![b'y'; body_len])?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(out)
}

#[test]
fn a_clean_link_forwards_everything_and_counts_bytes() {
    let proxy = FaultProxy::start(upstream(5000), LinkProfile::CLEAN, Faults::none(), 1).unwrap();
    let answer = exchange(proxy.addr(), 20_000).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200 OK"));
    assert!(answer.ends_with(&[b'x'; 5000]));
    let st = proxy.stats();
    assert_eq!(st.connections, 1);
    assert!(st.bytes_up >= 20_000 && st.bytes_down >= 5000, "{st:?}");
}

#[test]
fn a_slow_link_takes_at_least_its_bandwidth() {
    let profile =
        LinkProfile { name: "slow", up_bps: 200_000, down_bps: 0, latency: Duration::from_millis(100) };
    let proxy = FaultProxy::start(upstream(10), profile, Faults::none(), 1).unwrap();
    let started = Instant::now();
    exchange(proxy.addr(), 50_000).unwrap();
    // 50 kB at 200 kbit/s is 2 s; allow a little for rounding of the first chunk.
    assert!(started.elapsed() >= Duration::from_millis(1_800), "{:?}", started.elapsed());
}

#[test]
fn resets_cut_connections_mid_transfer() {
    let faults = Faults { reset: 1.0, reset_within: 30_000, ..Faults::none() };
    let proxy = FaultProxy::start(upstream(100_000), LinkProfile::CLEAN, faults, 3).unwrap();
    let mut cut = 0;
    for _ in 0..10 {
        match exchange(proxy.addr(), 60_000) {
            Err(_) => cut += 1,
            Ok(a) => {
                if a.len() < 100_000 {
                    cut += 1;
                }
            }
        }
    }
    assert_eq!(cut, 10);
    // The proxy counts a reset once both directions have wound down: wait for it (bounded).
    for _ in 0..100 {
        if proxy.stats().resets == 10 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(proxy.stats().resets, 10);
}

#[test]
fn portals_proxies_truncation_black_holes_and_outages() {
    let proxy = FaultProxy::start(upstream(50_000), LinkProfile::CLEAN, Faults::none(), 5).unwrap();

    proxy.set_faults(Faults { captive_portal: true, ..Faults::none() });
    let a = String::from_utf8_lossy(&exchange(proxy.addr(), 10).unwrap()).into_owned();
    assert!(a.starts_with("HTTP/1.1 200 OK") && a.contains("<html>"), "{a}");

    proxy.set_faults(Faults { error_5xx: 1.0, ..Faults::none() });
    let a = String::from_utf8_lossy(&exchange(proxy.addr(), 10).unwrap()).into_owned();
    assert!(a.starts_with("HTTP/1.1 503"), "{a}");

    proxy.set_faults(Faults { truncate: 1.0, ..Faults::none() });
    let a = exchange(proxy.addr(), 10).unwrap();
    assert!(a.len() < 2_100, "{}", a.len());

    proxy.set_faults(Faults { blackhole: 1.0, blackhole_for: Duration::from_millis(300), ..Faults::none() });
    let started = Instant::now();
    let a = exchange(proxy.addr(), 10).unwrap_or_default();
    assert!(a.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(250));

    proxy.set_faults(Faults { down: true, ..Faults::none() });
    assert!(exchange(proxy.addr(), 10).map(|a| a.is_empty()).unwrap_or(true));

    proxy.set_faults(Faults::none());
    assert!(exchange(proxy.addr(), 10).unwrap().len() > 50_000);
    let st = proxy.stats();
    assert_eq!(
        (st.portal_answers, st.errors_5xx, st.truncations, st.blackholes, st.refused),
        (1, 1, 1, 1, 1)
    );
}
