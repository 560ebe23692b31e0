//! Enrollment: one-time codes made for coordinators ([`create_codes`]) and redeemed by phones
//! (`enroll`).
//!
//! A code is 12 characters of Crockford's base32 (60 random bits), shown as `XXXX-XXXX-XXXX`:
//! short enough to read over a phone call, with no letters that look like digits. Case, dashes
//! and spaces do not matter, and `O`, `I`, `L` are read as `0`, `1`, `1`. The server stores only
//! an HMAC-SHA256 of the normalised code under a key derived from its key file
//! ([`crate::keys::ServerKey::code_hash`]), so a copy of the database without the key file
//! cannot find the codes by trying all 2^60 of them. Codes made before (stored as a plain
//! SHA-256) still enroll. The app usually scans it as a QR code holding an
//! [`EnrollmentUri`](testigo_protocol::enrollment::EnrollmentUri).

use ring::rand::{SecureRandom, SystemRandom};
use testigo_protocol::Sha256;
use testigo_protocol::api::{EnrollRequest, EnrollResponse};

use crate::auth::{random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::repo::EnrollOutcome;
use crate::{AppState, now_ms};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LEN: usize = 12;

/// Why codes could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// Stations that are not in the election.
    #[error("unknown stations: {}", .0.join(", "))]
    UnknownStations(Vec<String>),
    /// No stations were named.
    #[error("name at least one station")]
    NoStations,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
    /// The system random generator failed.
    #[error("no randomness available")]
    Random,
}

/// A new random code, formatted `XXXX-XXXX-XXXX`.
pub fn new_code() -> Result<String, CodeError> {
    let mut bytes = [0u8; CODE_LEN];
    SystemRandom::new().fill(&mut bytes).map_err(|_| CodeError::Random)?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(b & 31)).copied().unwrap_or(b'0')))
        .collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    Ok(groups.join("-"))
}

/// The code as stored: upper case, no separators, look-alike letters mapped to digits. `None`
/// when it cannot be a code.
pub fn normalize(code: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in code.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// The plain SHA-256 of a normalised code, as codes made before keyed hashes were stored.
fn legacy_code_hash(normalized: &str) -> Sha256 {
    Sha256::digest(normalized.as_bytes())
}

/// Makes `count` codes, each enrolling one device for `stations`, and stores their hashes
/// (audited as made by `actor`).
pub async fn create_codes(
    state: &AppState,
    stations: &[String],
    count: usize,
    actor: &str,
    now_ms: i64,
) -> Result<Vec<String>, CodeError> {
    if stations.is_empty() {
        return Err(CodeError::NoStations);
    }
    let repo = state.repo.as_ref();
    let unknown = repo.unknown_stations(stations).await?;
    if !unknown.is_empty() {
        return Err(CodeError::UnknownStations(unknown));
    }
    let codes = (0..count).map(|_| new_code()).collect::<Result<Vec<_>, _>>()?;
    let hashes = codes.iter().filter_map(|c| normalize(c)).map(|n| state.key.code_hash(&n)).collect();
    repo.create_codes(hashes, stations.to_vec(), actor.to_owned(), now_ms).await?;
    Ok(codes)
}

/// Enrolls a device: its one-time code and key in, its credentials out.
///
/// Only failed attempts count against the address `ip`: a coordinator enrolling a hundred phones
/// from one office network is fine, guessing codes is not.
pub(crate) async fn enroll(state: &AppState, ip: &str, request: EnrollRequest) -> AppResult<EnrollResponse> {
    let limits = &state.limits;
    state
        .rate
        .has_token(ip, limits.enroll_fail_burst, limits.enroll_fail_per_s)
        .map_err(|retry_after_s| AppError::RateLimited { retry_after_s })?;
    let fail = |e: AppError| {
        state.rate.charge(ip, limits.enroll_fail_burst, limits.enroll_fail_per_s);
        e
    };
    let code = normalize(&request.code).ok_or_else(|| fail(AppError::CodeInvalid))?;
    let election = state.repo.election().await?.ok_or(AppError::NoElection)?;
    let token = random_token().ok_or_else(|| AppError::Internal("no randomness".into()))?;
    let mut outcome = state
        .repo
        .enroll(state.key.code_hash(&code), request.public_key.clone(), token_hash(&token), now_ms())
        .await?;
    if outcome == EnrollOutcome::UnknownCode {
        outcome = state
            .repo
            .enroll(legacy_code_hash(&code), request.public_key, token_hash(&token), now_ms())
            .await?;
    }
    let device = match outcome {
        EnrollOutcome::Enrolled(d) => d,
        EnrollOutcome::UnknownCode => return Err(fail(AppError::CodeInvalid)),
        EnrollOutcome::CodeUsed => return Err(fail(AppError::CodeUsed)),
        EnrollOutcome::DeviceExists => return Err(AppError::DeviceExists),
        EnrollOutcome::Revoked => return Err(AppError::DeviceRevoked),
    };
    tracing::info!(device = %device.id, stations = device.stations.len(), "device enrolled");
    Ok(EnrollResponse {
        device_id: device.id,
        token,
        server_key: state.key.public_key().clone(),
        election_id: election.election.id.clone(),
        station_ids: device.stations.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_normalise_forgivingly_and_refuse_junk() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 14);
        let n = normalize(&code).unwrap();
        assert_eq!(normalize(&code.to_lowercase().replace('-', " ")).unwrap(), n);
        assert_eq!(normalize("oooo-iiii-llll").unwrap(), "000011111111");
        assert_eq!(normalize("ABCD-EFGH-JKM"), None);
        assert_eq!(normalize("ABCD-EFGH-JKMU"), None);
        assert_eq!(normalize("ABCD-EFGH-JKMÑ"), None);
        assert_ne!(new_code().unwrap(), code);
    }
}

/// Why codes for a center were not made.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// Only an administrator makes codes.
    #[error("only an administrator makes enrollment codes")]
    NotAllowed,
    /// No such center.
    #[error("no such center")]
    NotFound,
    /// The codes could not be made.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
}

/// One enrollment code per table of a center, for printing on training day: each code enrolls
/// one phone for that table. Only an administrator may make codes.
pub async fn codes_for_center(
    state: &AppState,
    who: &crate::services::review::Reviewer,
    center_id: &str,
    contest_id: &str,
) -> Result<(crate::repo::coord::CenterRow, Vec<(crate::repo::coord::StationRow, String)>), SheetError> {
    if !who.is_admin() {
        return Err(SheetError::NotAllowed);
    }
    let (center, stations) = state
        .coord
        .center(center_id.trim().to_owned(), contest_id.to_owned())
        .await?
        .ok_or(SheetError::NotFound)?;
    let mut out = Vec::with_capacity(stations.len());
    for station in stations {
        let code = create_codes(state, std::slice::from_ref(&station.id), 1, &who.name, crate::now_ms())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| crate::repo::RepoError::Corrupt("no code was made".into()))?;
        out.push((station, code));
    }
    Ok((center, out))
}
