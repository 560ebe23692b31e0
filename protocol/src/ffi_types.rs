//! How the wire's value types cross the FFI (feature `uniffi`, for `testigo-ffi`): digests, key
//! ids and UUIDs as their text form, keys and signatures as their bytes, count maps as maps.
//! A value the app hands back that does not parse is refused when it is lifted.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use crate::{KeyId, PublicKey, Sha256, Signature};

uniffi::custom_type!(Sha256, String, {
    lower: |sha| sha.to_hex(),
    try_lift: |text| Ok(text.parse::<Sha256>()?),
});

uniffi::custom_type!(KeyId, String, {
    lower: |id| id.as_str().to_owned(),
    try_lift: |text| Ok(text.parse::<KeyId>()?),
});

// Uncompressed SEC1 (65 bytes), as the platforms export public keys.
uniffi::custom_type!(PublicKey, Vec<u8>, {
    lower: |key| key.to_sec1().to_vec(),
    try_lift: |bytes| Ok(PublicKey::from_sec1(&bytes)?),
});

// ASN.1 DER, as the platforms produce signatures.
uniffi::custom_type!(Signature, Vec<u8>, {
    lower: |signature| signature.0,
    try_lift: |bytes| Ok(Signature(bytes)),
});

uniffi::custom_type!(Uuid, String, {
    remote,
    lower: |id| id.to_string(),
    try_lift: |text| Ok(Uuid::parse_str(&text)?),
});

/// Counts keyed by ballot option or count field id. A map in Kotlin, Swift and Python; ordered
/// by id in Rust, as canonical bytes need.
pub(crate) type Counts = BTreeMap<String, u32>;

uniffi::custom_type!(Counts, HashMap<String, u32>, {
    remote,
    lower: |counts| counts.into_iter().collect(),
    try_lift: |counts| Ok(counts.into_iter().collect()),
});
