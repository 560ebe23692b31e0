//! How photos travel: the tus 1.0 resumable upload protocol, with Testigo's conventions.
//!
//! The server speaks tus 1.0.0 with the `creation`, `creation-with-upload`, `termination`,
//! `expiration` and `checksum` (`sha256`) extensions at [`ENDPOINT`]. An upload's
//! `Upload-Metadata` ([`UploadMetadata`]) must carry [`META_CAPTURE_ID`] (the capture's UUID) and
//! [`META_SHA256`] (the photo's SHA-256 in hex, as the signed record declares it); the record
//! must have been received first. A `PATCH` may carry `Upload-Checksum` ([`checksum_header`]),
//! and then its bytes count only if they hash to it. When the last byte arrives the server checks
//! the whole file against the declared hash, stores it content-addressed, and answers the final
//! `PATCH` (and any later `HEAD`) with the photo's signed receipt in the [`RECEIPT_HEADER`]
//! header ([`receipt_header`]: base64url of the [`SignedReceipt`] JSON).
//!
//! The encoders and parsers of those headers live here, once, so the phone, the server, the
//! benchmarks and the tests write and read the same bytes.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::{Sha256, SignedReceipt};

/// The tus protocol version spoken.
pub const VERSION: &str = "1.0.0";
/// Where uploads are created.
pub const ENDPOINT: &str = "/v1/uploads";
/// The extensions the server supports.
pub const EXTENSIONS: &str = "creation,creation-with-upload,termination,expiration,checksum";
/// The checksum algorithm supported.
pub const CHECKSUM_ALGORITHM: &str = "sha256";
/// Metadata key: the capture the photo belongs to.
pub const META_CAPTURE_ID: &str = "capture_id";
/// Metadata key: the photo's SHA-256, hex.
pub const META_SHA256: &str = "sha256";
/// Response header carrying the photo's signed receipt once the upload is complete.
pub const RECEIPT_HEADER: &str = "testigo-receipt";
/// The media type of `PATCH` bodies.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Header: the tus version of a request or answer ([`VERSION`]).
pub const TUS_RESUMABLE: &str = "tus-resumable";
/// Header: an upload's total size, given at creation.
pub const UPLOAD_LENGTH: &str = "upload-length";
/// Header: where a `PATCH` starts, and where the server stands after it.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// Header: the upload's metadata ([`UploadMetadata`]).
pub const UPLOAD_METADATA: &str = "upload-metadata";
/// Header: the checksum of a `PATCH` body ([`checksum_header`]).
pub const UPLOAD_CHECKSUM: &str = "upload-checksum";

/// Why a tus header could not be read. The text is safe to show a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TusHeaderError {
    /// `Upload-Metadata` is not comma-separated `key base64value` pairs with unique keys.
    #[error("Upload-Metadata is malformed")]
    MalformedMetadata,
    /// A metadata key Testigo needs is absent or has no (UTF-8) value.
    #[error("Upload-Metadata must carry {0}")]
    MissingMetadata(&'static str),
    /// The `capture_id` value is not a UUID.
    #[error("capture_id is not a UUID")]
    BadCaptureId,
    /// The `sha256` value is not a SHA-256 in hex.
    #[error("sha256 is not a SHA-256 in hex")]
    BadSha256,
    /// `Upload-Checksum` is not `sha256 <base64 digest>`.
    #[error("Upload-Checksum must be `sha256 <base64 digest>`")]
    MalformedChecksum,
    /// `Upload-Checksum` names another algorithm.
    #[error("checksum algorithm must be sha256")]
    UnsupportedChecksum,
}

/// What an upload's `Upload-Metadata` says: which photo of which capture it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadMetadata {
    /// The capture whose signed record declares the photo.
    pub capture_id: Uuid,
    /// The photo's SHA-256, as the record declares it.
    pub sha256: Sha256,
}

impl UploadMetadata {
    /// The header value: `capture_id <base64>,sha256 <base64>`.
    pub fn to_header(&self) -> String {
        format!(
            "{META_CAPTURE_ID} {},{META_SHA256} {}",
            STANDARD.encode(self.capture_id.to_string()),
            STANDARD.encode(self.sha256.to_hex())
        )
    }

    /// Reads the header value. Other keys (a generic client's `filename`, say) are allowed and
    /// ignored; a key given twice is malformed.
    pub fn parse(raw: &str) -> Result<Self, TusHeaderError> {
        let pairs = parse_metadata_pairs(raw)?;
        let value = |key: &'static str| -> Result<String, TusHeaderError> {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.clone())
                .and_then(|v| String::from_utf8(v).ok())
                .ok_or(TusHeaderError::MissingMetadata(key))
        };
        let capture_id =
            Uuid::parse_str(value(META_CAPTURE_ID)?.trim()).map_err(|_| TusHeaderError::BadCaptureId)?;
        let sha256 = value(META_SHA256)?.trim().parse().map_err(|_| TusHeaderError::BadSha256)?;
        Ok(UploadMetadata { capture_id, sha256 })
    }
}

/// One `Upload-Metadata` pair: the key and its decoded value, if it has one.
type MetadataPair<'a> = (&'a str, Option<Vec<u8>>);

/// Splits `Upload-Metadata` into its pairs (tus 1.0: `key base64value`, the value optional).
fn parse_metadata_pairs(raw: &str) -> Result<Vec<MetadataPair<'_>>, TusHeaderError> {
    let mut out: Vec<MetadataPair<'_>> = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split(' ').filter(|p| !p.is_empty());
        let key = parts.next().ok_or(TusHeaderError::MalformedMetadata)?;
        let value = parts
            .next()
            .map(|v| STANDARD.decode(v).map_err(|_| TusHeaderError::MalformedMetadata))
            .transpose()?;
        if parts.next().is_some() || out.iter().any(|(k, _)| *k == key) {
            return Err(TusHeaderError::MalformedMetadata);
        }
        out.push((key, value));
    }
    Ok(out)
}

/// The `Upload-Checksum` value for a `PATCH` body: `sha256 <base64 digest>`.
pub fn checksum_header(body: &[u8]) -> String {
    format!("{CHECKSUM_ALGORITHM} {}", STANDARD.encode(Sha256::digest(body).0))
}

/// Reads an `Upload-Checksum` value into the digest the body must have.
pub fn parse_checksum_header(value: &str) -> Result<Sha256, TusHeaderError> {
    let (algo, digest) = value.trim().split_once(' ').ok_or(TusHeaderError::MalformedChecksum)?;
    if algo != CHECKSUM_ALGORITHM {
        return Err(TusHeaderError::UnsupportedChecksum);
    }
    let bytes = STANDARD.decode(digest.trim()).map_err(|_| TusHeaderError::MalformedChecksum)?;
    Sha256::from_slice(&bytes).map_err(|_| TusHeaderError::MalformedChecksum)
}

/// The [`RECEIPT_HEADER`] value: base64url (no padding) of the receipt's JSON.
pub fn receipt_header(receipt: &SignedReceipt) -> Result<String, serde_json::Error> {
    Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(receipt)?))
}

/// Reads a [`RECEIPT_HEADER`] value; `None` if it is not one. The receipt still has to be
/// verified against the server's key and what was sent.
pub fn parse_receipt_header(value: &str) -> Option<SignedReceipt> {
    URL_SAFE_NO_PAD.decode(value.trim()).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_and_tolerates_other_keys() {
        let m = UploadMetadata { capture_id: Uuid::now_v7(), sha256: Sha256::digest(b"photo") };
        assert_eq!(UploadMetadata::parse(&m.to_header()), Ok(m));
        // What a generic tus client sends: an extra key, one without a value, spaces.
        let generic =
            format!(" {} , filename {}, is_confidential", m.to_header(), STANDARD.encode("acta.jpg"));
        assert_eq!(UploadMetadata::parse(&generic), Ok(m));
    }

    #[test]
    fn bad_metadata_says_what_is_wrong() {
        let sha = STANDARD.encode(Sha256::digest(b"x").to_hex());
        let id = STANDARD.encode(Uuid::now_v7().to_string());
        for (raw, want) in [
            ("capture_id !!", TusHeaderError::MalformedMetadata),
            ("a 1 2", TusHeaderError::MalformedMetadata),
            (&format!("sha256 {sha},sha256 {sha}") as &str, TusHeaderError::MalformedMetadata),
            (&format!("sha256 {sha}"), TusHeaderError::MissingMetadata(META_CAPTURE_ID)),
            (&format!("capture_id,sha256 {sha}"), TusHeaderError::MissingMetadata(META_CAPTURE_ID)),
            (&format!("capture_id {id}"), TusHeaderError::MissingMetadata(META_SHA256)),
            (&format!("capture_id {},sha256 {sha}", STANDARD.encode("nope")), TusHeaderError::BadCaptureId),
            (&format!("capture_id {id},sha256 {}", STANDARD.encode("abc")), TusHeaderError::BadSha256),
            ("", TusHeaderError::MissingMetadata(META_CAPTURE_ID)),
        ] {
            assert_eq!(UploadMetadata::parse(raw), Err(want), "{raw}");
        }
    }

    #[test]
    fn checksums_round_trip_and_other_algorithms_are_refused() {
        let h = checksum_header(b"chunk");
        assert!(h.starts_with("sha256 "));
        assert_eq!(parse_checksum_header(&h), Ok(Sha256::digest(b"chunk")));
        assert_eq!(parse_checksum_header("crc32 abc"), Err(TusHeaderError::UnsupportedChecksum));
        assert_eq!(parse_checksum_header("sha256"), Err(TusHeaderError::MalformedChecksum));
        assert_eq!(parse_checksum_header("sha256 !!"), Err(TusHeaderError::MalformedChecksum));
        assert_eq!(parse_checksum_header("sha256 AAAA"), Err(TusHeaderError::MalformedChecksum));
    }
}
