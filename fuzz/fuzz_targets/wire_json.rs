//! Fuzzes the wire's JSON: every body a phone or a server reads, and what the server does with a
//! record before its signature is checked (limits, canonical bytes). None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_protocol::api::{BatchResult, CaptureBatch, EnrollRequest, EnrollResponse, FeedPage, Problem};
use testigo_protocol::{ElectionPackage, SignedReceipt};

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = serde_json::from_slice::<CaptureBatch>(data) {
        for signed in &batch.captures {
            let _ = signed.record.check_limits();
            let _ = signed.record.canonical_bytes();
            let _ = signed.record.record_sha256();
        }
    }
    if let Ok(package) = serde_json::from_slice::<ElectionPackage>(data) {
        let _ = package.validate();
    }
    if let Ok(receipt) = serde_json::from_slice::<SignedReceipt>(data) {
        let _ = receipt.receipt.canonical_bytes();
    }
    let _ = serde_json::from_slice::<EnrollRequest>(data);
    let _ = serde_json::from_slice::<EnrollResponse>(data);
    let _ = serde_json::from_slice::<BatchResult>(data);
    let _ = serde_json::from_slice::<FeedPage>(data);
    let _ = serde_json::from_slice::<Problem>(data);
});
