//! A sealed capture as SMS text, and the server's receipt as one SMS back.
//!
//! When the data link is cut, SMS still goes through. A signed record travels whole, so that the
//! server rebuilds the exact record the phone signed and checks the same signature as over HTTP:
//! every count, the capture id, the device key id, the photos' hashes and the full signature.
//!
//! **Bytes.** The record is packed against the election package both sides hold (layout 1):
//! the contest is its index in the package, counts follow the acta's own order of options and
//! fields (a varint each, a presence bitmap only when some are missing), ids are 16 raw bytes,
//! the signature its 64-byte `r‖s`, text made only of digits and `.-_/:,` four bits a character.
//! The election id is not carried (the server knows its election, and the signature covers it).
//! The acta's QR text, when it says exactly what was typed, is rebuilt from the counts
//! ([`crate::qr::render`]) and only its acta id travels; otherwise it travels whole.
//!
//! **Characters.** The bytes are written as one base-123 number in the GSM 03.38 default alphabet
//! without `@` (0x00, lost by some gateways), space, line feed, carriage return and the escape:
//! 6.94 bits a character, every one a single septet, so each SMS holds 160 characters. A
//! 38-option acta with one photo is about 250 bytes: two SMS.
//!
//! **Parts.** Each SMS is `T`, a 4-character tag (from the SHA-256 of the bytes), the number of
//! parts, this part's index, then up to 153 characters of the number. Parts may arrive in any
//! order, twice, or mixed with other messages: the server groups them by tag and count, and the
//! tag checks the reassembled bytes before anything else does.
//!
//! **Receipt.** `R`, the record's tag, then the server's receipt time and signature (72 bytes
//! as 83 characters): the phone rebuilds the [`crate::receipt::Receipt`] from what it sent and
//! checks the signature with the server key it enrolled with, as for a receipt over HTTP.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::capture::{
    CAPTURE_FORMAT, CaptureRecord, MAX_FIELDS, MAX_PAGES, MAX_WARNINGS, PhotoRef, SignedCapture,
};
use crate::election::Contest;
use crate::encoding::Sha256;
use crate::keys::{KeyId, Signature};
use crate::receipt::{RECEIPT_FORMAT, Receipt, ReceiptSubject, SignedReceipt};
use crate::validation::{Warning, WarningCode};

/// The characters a part's number is written in: the GSM 03.38 default alphabet without `@`,
/// space, line feed, carriage return and the escape. Every one is a single septet.
pub const ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\
!\"#%&'()*+,-./:;<=>?_$£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà";

/// Characters in one SMS (GSM-7, not concatenated).
pub const SMS_CHARS: usize = 160;
/// The first character of a record's part.
pub const RECORD_MARK: char = 'T';
/// The first character of a receipt.
pub const RECEIPT_MARK: char = 'R';
/// Characters of a tag.
pub const TAG_CHARS: usize = 4;
/// Characters before a part's share of the number: mark, tag, part count, part index.
pub const HEADER_CHARS: usize = 1 + TAG_CHARS + 2;
/// The most parts one record may take.
pub const MAX_PARTS: usize = 60;
/// The byte layout this module writes and reads.
pub const LAYOUT: u8 = 1;

const BASE: u64 = 123;
const BODY_CHARS: usize = SMS_CHARS - HEADER_CHARS;
const NIBBLES: &[u8; 16] = b"0123456789.-_/:,";

const FLAG_SUPERSEDES: u8 = 1;
const FLAG_NOTES: u8 = 1 << 1;
const FLAG_WARNINGS: u8 = 1 << 2;
const FLAG_PRESENCE: u8 = 1 << 3;
const QR_SHIFT: u8 = 4;
const QR_NONE: u8 = 0;
const QR_LITERAL: u8 = 1;
const QR_RENDERED: u8 = 2;

/// Why text is not, or a record cannot become, Testigo SMS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The message is not a Testigo part or receipt (another text reached the number).
    #[error("not a Testigo message")]
    NotTestigo,
    /// The message has a Testigo mark but is broken.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// The parts do not make the message their tag names (mixed up or altered).
    #[error("the parts do not reassemble into the message their tag names")]
    TagMismatch,
    /// The record names a contest the package lacks.
    #[error("the contest is not in the election package")]
    UnknownContest,
    /// The record cannot be carried by SMS exactly.
    #[error("the record cannot travel by SMS: {0}")]
    NotRepresentable(&'static str),
}

impl SmsError {
    /// A stable code for the reason (what the server keeps and coordinators' pages put in words).
    pub fn code(&self) -> &'static str {
        match self {
            SmsError::NotTestigo => "not_testigo",
            SmsError::Malformed(_) => "malformed",
            SmsError::TagMismatch => "tag_mismatch",
            SmsError::UnknownContest => "unknown_contest",
            SmsError::NotRepresentable(_) => "not_representable",
        }
    }
}

/// One SMS of a record, read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Part {
    /// The record's tag, shared by all its parts.
    pub tag: String,
    /// How many parts the record has.
    pub count: usize,
    /// This part's index, from 0.
    pub index: usize,
    /// This part's share of the number.
    pub body: String,
}

fn symbol(c: char) -> Option<u64> {
    ALPHABET.chars().position(|a| a == c).map(|p| p as u64)
}

fn char_of(v: u64) -> char {
    ALPHABET.chars().nth(v as usize).unwrap_or('0')
}

/// The tag of a message's bytes: the first 8 bytes of their SHA-256, modulo 123⁴.
fn tag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut head = [0u8; 8];
    head.copy_from_slice(digest.0.get(..8).unwrap_or(&[0; 8]));
    let mut v = u64::from_be_bytes(head);
    (0..TAG_CHARS)
        .map(|_| {
            let c = char_of(v % BASE);
            v /= BASE;
            c
        })
        .collect()
}

fn is_tag(tag: &str) -> bool {
    tag.chars().count() == TAG_CHARS && tag.chars().all(|c| symbol(c).is_some())
}

/// Reads one SMS as a record's part. Whitespace a gateway adds around it is ignored.
pub fn parse_part(text: &str) -> Result<Part, SmsError> {
    let mut chars = text.trim().chars();
    if chars.next() != Some(RECORD_MARK) {
        return Err(SmsError::NotTestigo);
    }
    let tag: String = chars.by_ref().take(TAG_CHARS).collect();
    if !is_tag(&tag) {
        return Err(SmsError::Malformed("tag"));
    }
    let count = chars.next().and_then(symbol).ok_or(SmsError::Malformed("part count"))? as usize;
    let index = chars.next().and_then(symbol).ok_or(SmsError::Malformed("part index"))? as usize;
    if count == 0 || count > MAX_PARTS || index >= count {
        return Err(SmsError::Malformed("part count or index out of range"));
    }
    let body: String = chars.collect();
    if body.is_empty() || body.chars().count() > BODY_CHARS || !body.chars().all(|c| symbol(c).is_some()) {
        return Err(SmsError::Malformed("body"));
    }
    Ok(Part { tag, count, index, body })
}

/// The tag the parts of `signed` carry (the phone matches a receipt SMS to its record by it).
pub fn record_tag(signed: &SignedCapture, contests: &[Contest]) -> Result<String, SmsError> {
    Ok(tag_of(&pack(signed, contests)?))
}

/// The bytes `signed` packs into before they are written as characters (for measuring).
pub fn packed_len(signed: &SignedCapture, contests: &[Contest]) -> Result<usize, SmsError> {
    Ok(pack(signed, contests)?.len())
}

/// The SMS texts that carry `signed` whole, in order; `contests` are the package's, in its order.
pub fn encode_capture(signed: &SignedCapture, contests: &[Contest]) -> Result<Vec<String>, SmsError> {
    let bytes = pack(signed, contests)?;
    // What cannot be read back exactly must not be sent.
    let back = unpack(&bytes, &signed.record.election_id, contests)?;
    if back.record != signed.record || raw_signature(&back.signature)? != raw_signature(&signed.signature)? {
        return Err(SmsError::NotRepresentable("the record does not read back the same"));
    }
    let tag = tag_of(&bytes);
    let number: Vec<char> = base_x::encode(ALPHABET, &bytes).chars().collect();
    let chunks: Vec<&[char]> = number.chunks(BODY_CHARS).collect();
    if chunks.len() > MAX_PARTS {
        return Err(SmsError::NotRepresentable("the record needs too many SMS (long notes?)"));
    }
    Ok(chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut s = String::with_capacity(SMS_CHARS * 2);
            s.push(RECORD_MARK);
            s.push_str(&tag);
            s.push(char_of(chunks.len() as u64));
            s.push(char_of(i as u64));
            s.extend(chunk.iter());
            s
        })
        .collect())
}

/// Rebuilds the signed record from all its parts (any order; one per index). The election id is
/// the server's own; `contests` are its package's.
pub fn decode_capture(
    parts: &[Part],
    election_id: &str,
    contests: &[Contest],
) -> Result<SignedCapture, SmsError> {
    let first = parts.first().ok_or(SmsError::Malformed("no parts"))?;
    let mut ordered: Vec<Option<&Part>> = vec![None; first.count];
    for p in parts {
        if p.tag != first.tag || p.count != first.count {
            return Err(SmsError::Malformed("parts of different messages"));
        }
        let slot = ordered.get_mut(p.index).ok_or(SmsError::Malformed("part index"))?;
        *slot = Some(p);
    }
    let mut number = String::new();
    for p in ordered {
        number.push_str(&p.ok_or(SmsError::Malformed("a part is missing"))?.body);
    }
    let bytes = base_x::decode(ALPHABET, &number).map_err(|_| SmsError::Malformed("number"))?;
    if tag_of(&bytes) != first.tag {
        return Err(SmsError::TagMismatch);
    }
    unpack(&bytes, election_id, contests)
}

/// The receipt SMS for a record whose parts carried `tag`.
pub fn encode_receipt(tag: &str, receipt: &SignedReceipt) -> Result<String, SmsError> {
    if !is_tag(tag) {
        return Err(SmsError::Malformed("tag"));
    }
    let mut w = Writer::default();
    w.varint(zigzag(receipt.receipt.received_at_ms));
    w.bytes(&raw_signature(&receipt.signature)?);
    let mut s = String::with_capacity(SMS_CHARS * 2);
    s.push(RECEIPT_MARK);
    s.push_str(tag);
    s.push_str(&base_x::encode(ALPHABET, &w.0));
    Ok(s)
}

/// A receipt SMS, read: the tag of the record it answers, the server's time and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReceipt {
    /// The tag of the record's parts.
    pub tag: String,
    /// The server's clock when it first stored the record.
    pub received_at_ms: i64,
    /// The server's signature (DER) over the receipt.
    pub signature: Signature,
}

impl SmsReceipt {
    /// The full signed receipt for `signed` as sent by `device`, signed by `server_key_id`; check
    /// it with [`SignedReceipt::verify`].
    pub fn receipt_for(&self, signed: &SignedCapture, server_key_id: &KeyId) -> SignedReceipt {
        SignedReceipt {
            receipt: Receipt {
                format: RECEIPT_FORMAT,
                subject: ReceiptSubject::Record {
                    capture_id: signed.record.id,
                    record_sha256: signed.record.record_sha256(),
                },
                device_key_id: signed.record.device_key_id.clone(),
                received_at_ms: self.received_at_ms,
                server_key_id: server_key_id.clone(),
            },
            signature: self.signature.clone(),
        }
    }
}

/// Reads a receipt SMS.
pub fn parse_receipt(text: &str) -> Result<SmsReceipt, SmsError> {
    let mut chars = text.trim().chars();
    if chars.next() != Some(RECEIPT_MARK) {
        return Err(SmsError::NotTestigo);
    }
    let tag: String = chars.by_ref().take(TAG_CHARS).collect();
    if !is_tag(&tag) {
        return Err(SmsError::Malformed("tag"));
    }
    let number: String = chars.collect();
    if number.chars().count() > SMS_CHARS {
        return Err(SmsError::Malformed("too long"));
    }
    let bytes = base_x::decode(ALPHABET, &number).map_err(|_| SmsError::Malformed("number"))?;
    let mut r = Reader(&bytes);
    let received_at_ms = unzigzag(r.varint()?);
    let signature = der_signature(r.take(64)?)?;
    r.end()?;
    Ok(SmsReceipt { tag, received_at_ms, signature })
}

fn raw_signature(sig: &Signature) -> Result<[u8; 64], SmsError> {
    let parsed = p256::ecdsa::Signature::from_der(&sig.0)
        .map_err(|_| SmsError::NotRepresentable("the signature is not a P-256 DER signature"))?;
    let mut raw = [0u8; 64];
    raw.copy_from_slice(&parsed.to_bytes());
    Ok(raw)
}

fn der_signature(raw: &[u8]) -> Result<Signature, SmsError> {
    let sig = p256::ecdsa::Signature::from_slice(raw).map_err(|_| SmsError::Malformed("signature"))?;
    Ok(Signature(sig.to_der().as_bytes().to_vec()))
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// The fields of `contest`'s acta in order: options, then count fields.
fn field_ids(contest: &Contest) -> impl Iterator<Item = &str> {
    contest.options.iter().map(|o| o.id.as_str()).chain(contest.count_fields.iter().map(|f| f.id.as_str()))
}

fn pack(signed: &SignedCapture, contests: &[Contest]) -> Result<Vec<u8>, SmsError> {
    let r = &signed.record;
    if r.format != CAPTURE_FORMAT {
        return Err(SmsError::NotRepresentable("unknown record format"));
    }
    let (ci, contest) =
        contests.iter().enumerate().find(|(_, c)| c.id == r.contest_id).ok_or(SmsError::UnknownContest)?;
    let n_options = contest.options.len();
    let mut values = Vec::new();
    for (i, id) in field_ids(contest).enumerate() {
        let map = if i < n_options { &r.counts } else { &r.extra_counts };
        values.push(map.get(id).copied());
    }
    if values.iter().flatten().count() != r.counts.len() + r.extra_counts.len() {
        return Err(SmsError::NotRepresentable("a count names a field the acta does not have"));
    }
    let qr = match (&r.qr_payload, &contest.acta_qr) {
        (None, _) => (QR_NONE, None),
        (Some(text), Some(format)) => {
            let acta_id = text.split('!').next().unwrap_or_default();
            if crate::qr::render(format, contest, acta_id, &r.counts, &r.extra_counts).as_deref()
                == Some(text)
            {
                (QR_RENDERED, Some(acta_id))
            } else {
                (QR_LITERAL, Some(text.as_str()))
            }
        }
        (Some(text), None) => (QR_LITERAL, Some(text.as_str())),
    };
    let mut flags = qr.0 << QR_SHIFT;
    for (on, flag) in [
        (r.supersedes.is_some(), FLAG_SUPERSEDES),
        (!r.notes.is_empty(), FLAG_NOTES),
        (!r.warnings.is_empty(), FLAG_WARNINGS),
        (values.iter().any(Option::is_none), FLAG_PRESENCE),
    ] {
        if on {
            flags |= flag;
        }
    }
    let mut w = Writer::default();
    w.bytes(&[LAYOUT, flags]);
    w.bytes(r.id.as_bytes());
    let key = hex::decode(r.device_key_id.as_str()).map_err(|_| SmsError::NotRepresentable("key id"))?;
    w.bytes(&key);
    w.varint(r.package_version);
    w.varint(ci as u64);
    w.text(&r.station_id);
    w.varint(zigzag(r.device_time_ms));
    if flags & FLAG_PRESENCE != 0 {
        let mut bitmap = vec![0u8; values.len().div_ceil(8)];
        for (i, v) in values.iter().enumerate() {
            if v.is_some()
                && let Some(b) = bitmap.get_mut(i / 8)
            {
                *b |= 1 << (i % 8);
            }
        }
        w.bytes(&bitmap);
    }
    for v in values.iter().flatten() {
        w.varint(u64::from(*v));
    }
    w.varint(r.photos.len() as u64);
    for p in &r.photos {
        w.bytes(p.sha256.as_bytes());
        w.bytes(p.original_sha256.as_bytes());
        w.varint(p.size);
        w.varint(u64::from(p.width));
        w.varint(u64::from(p.height));
    }
    if let Some(text) = qr.1 {
        w.text(text);
    }
    if let Some(s) = r.supersedes {
        w.bytes(s.as_bytes());
    }
    if !r.notes.is_empty() {
        w.text(&r.notes);
    }
    if !r.warnings.is_empty() {
        w.varint(r.warnings.len() as u64);
        let ids: Vec<&str> = field_ids(contest).collect();
        for warning in &r.warnings {
            let code = WARNING_CODES.iter().position(|c| *c == warning.code).unwrap_or_default();
            w.varint(code as u64);
            match warning.field.as_deref() {
                None => w.varint(0),
                Some(f) => match ids.iter().position(|id| *id == f) {
                    Some(i) => w.varint(i as u64 + 1),
                    None => {
                        w.varint(ids.len() as u64 + 1);
                        w.text(f);
                    }
                },
            }
        }
    }
    w.bytes(&raw_signature(&signed.signature)?);
    Ok(w.0)
}

/// The warning codes in their SMS order: only ever append.
const WARNING_CODES: [WarningCode; 5] = [
    WarningCode::CountMissing,
    WarningCode::SumMismatch,
    WarningCode::VotedExceedsRegistered,
    WarningCode::PhotoMissing,
    WarningCode::QrMismatch,
];

fn unpack(bytes: &[u8], election_id: &str, contests: &[Contest]) -> Result<SignedCapture, SmsError> {
    let mut r = Reader(bytes);
    let [layout, flags] = r.array::<2>()?;
    if layout != LAYOUT {
        return Err(SmsError::Malformed("unknown layout"));
    }
    let id = Uuid::from_bytes(r.array::<16>()?);
    let device_key_id: KeyId =
        hex::encode(r.array::<16>()?).parse().map_err(|_| SmsError::Malformed("key id"))?;
    let package_version = r.varint()?;
    let contest =
        usize::try_from(r.varint()?).ok().and_then(|i| contests.get(i)).ok_or(SmsError::UnknownContest)?;
    let station_id = r.text()?;
    let device_time_ms = unzigzag(r.varint()?);
    let ids: Vec<&str> = field_ids(contest).collect();
    if ids.len() > MAX_FIELDS {
        return Err(SmsError::Malformed("too many fields"));
    }
    let present: Vec<bool> = if flags & FLAG_PRESENCE != 0 {
        let bitmap = r.take(ids.len().div_ceil(8))?;
        (0..ids.len()).map(|i| bitmap.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)).collect()
    } else {
        vec![true; ids.len()]
    };
    let (mut counts, mut extra_counts) = (BTreeMap::new(), BTreeMap::new());
    for (i, id) in ids.iter().enumerate() {
        if present.get(i) == Some(&true) {
            let v = u32::try_from(r.varint()?).map_err(|_| SmsError::Malformed("count"))?;
            let map = if i < contest.options.len() { &mut counts } else { &mut extra_counts };
            map.insert((*id).to_owned(), v);
        }
    }
    let n_photos = r.varint()?;
    if n_photos > MAX_PAGES as u64 {
        return Err(SmsError::Malformed("too many photos"));
    }
    let mut photos = Vec::new();
    for page in 1..=n_photos as u32 {
        let sha256 = Sha256(r.array::<32>()?);
        let original_sha256 = Sha256(r.array::<32>()?);
        let size = r.varint()?;
        let width = u32::try_from(r.varint()?).map_err(|_| SmsError::Malformed("width"))?;
        let height = u32::try_from(r.varint()?).map_err(|_| SmsError::Malformed("height"))?;
        photos.push(PhotoRef { page, sha256, original_sha256, size, width, height });
    }
    let qr_payload = match (flags >> QR_SHIFT) & 0b11 {
        QR_NONE => None,
        QR_LITERAL => Some(r.text()?),
        QR_RENDERED => {
            let acta_id = r.text()?;
            let format = contest.acta_qr.as_ref().ok_or(SmsError::Malformed("no QR format"))?;
            Some(
                crate::qr::render(format, contest, &acta_id, &counts, &extra_counts)
                    .ok_or(SmsError::Malformed("QR text"))?,
            )
        }
        _ => return Err(SmsError::Malformed("QR mode")),
    };
    let supersedes =
        if flags & FLAG_SUPERSEDES != 0 { Some(Uuid::from_bytes(r.array::<16>()?)) } else { None };
    let notes = if flags & FLAG_NOTES != 0 { r.text()? } else { String::new() };
    let mut warnings = Vec::new();
    if flags & FLAG_WARNINGS != 0 {
        let n = r.varint()?;
        if n > MAX_WARNINGS as u64 {
            return Err(SmsError::Malformed("too many warnings"));
        }
        for _ in 0..n {
            let code = usize::try_from(r.varint()?)
                .ok()
                .and_then(|c| WARNING_CODES.get(c))
                .ok_or(SmsError::Malformed("warning code"))?;
            let field = match r.varint()? {
                0 => None,
                i if i <= ids.len() as u64 => ids.get(i as usize - 1).map(|s| (*s).to_owned()),
                i if i == ids.len() as u64 + 1 => Some(r.text()?),
                _ => return Err(SmsError::Malformed("warning field")),
            };
            warnings.push(Warning { code: *code, field });
        }
    }
    let signature = der_signature(r.take(64)?)?;
    r.end()?;
    let record = CaptureRecord {
        format: CAPTURE_FORMAT,
        id,
        election_id: election_id.to_owned(),
        package_version,
        contest_id: contest.id.clone(),
        station_id,
        counts,
        extra_counts,
        photos,
        qr_payload,
        device_time_ms,
        supersedes,
        notes,
        warnings,
        device_key_id,
    };
    Ok(SignedCapture { record, signature })
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    /// Text: a varint of `length * 2 + packed`, then four bits a character when every character
    /// is one of [`NIBBLES`], UTF-8 otherwise.
    fn text(&mut self, s: &str) {
        let nibbles: Option<Vec<u8>> =
            s.bytes().map(|b| NIBBLES.iter().position(|n| *n == b).map(|p| p as u8)).collect();
        match nibbles {
            Some(n) => {
                self.varint(n.len() as u64 * 2 + 1);
                for pair in n.chunks(2) {
                    self.0.push(pair.first().copied().unwrap_or(0) << 4 | pair.get(1).copied().unwrap_or(0));
                }
            }
            None => {
                self.varint(s.len() as u64 * 2);
                self.bytes(s.as_bytes());
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SmsError> {
        if n > self.0.len() {
            return Err(SmsError::Malformed("ends early"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SmsError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn varint(&mut self) -> Result<u64, SmsError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let [b] = self.array::<1>()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(SmsError::Malformed("varint"))
    }

    fn text(&mut self) -> Result<String, SmsError> {
        let head = self.varint()?;
        let len = usize::try_from(head / 2).map_err(|_| SmsError::Malformed("text length"))?;
        if len > self.0.len() * 2 {
            return Err(SmsError::Malformed("ends early"));
        }
        if head % 2 == 1 {
            let packed = self.take(len.div_ceil(2))?;
            let digits = packed.iter().flat_map(|b| [b >> 4, b & 0x0f]).take(len);
            Ok(digits.map(|d| NIBBLES.get(d as usize).copied().unwrap_or(b'0') as char).collect())
        } else {
            String::from_utf8(self.take(len)?.to_vec()).map_err(|_| SmsError::Malformed("text"))
        }
    }

    fn end(&self) -> Result<(), SmsError> {
        if self.0.is_empty() { Ok(()) } else { Err(SmsError::Malformed("trailing bytes")) }
    }
}

#[cfg(test)]
mod tests;
