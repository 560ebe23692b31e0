//! Devices as coordinators manage them: revoking a phone that was lost, seized or misused, and
//! noting who carries each one ([`set_contact`]), and which tables each may send for ([`assign`]).
//!
//! A revoked device's token stops working at once (every request answers `401`, as for a token
//! the server never issued, so a seized phone learns nothing more), and the device cannot enroll
//! again with its key, whatever code it brings. What it sent before stays: its records and photos
//! are evidence, and the coordinators see that their device was revoked, when and why. Revocation
//! is audited and cannot be undone (a phone returned to its watcher enrolls as a new device).
//!
//! One way for every way in: `testigo device revoke` and `POST /v1/admin/devices/{id}/revoke`
//! and the devices page. A coordinator revokes only devices
//! all of whose stations lie in their region.

use testigo_protocol::{KeyId, TimestampMs};

use super::review::Reviewer;
use crate::repo::coord::{AssignOutcome, within_scope};
use crate::repo::{RepoError, RevokeOutcome};
use crate::{AppState, now_ms};

/// The longest reason a revocation keeps, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why a device was not revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// The account may look but not act.
    #[error("this account may not revoke devices")]
    NotAllowed,
    /// No such device, or one with a station outside the coordinator's region (the same answer).
    #[error("no such device")]
    NotFound,
    /// A revocation needs a reason (at most [`MAX_REASON_CHARS`] characters).
    #[error("give a reason of 1 to 500 characters")]
    BadReason,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// A device revoked (now, or before: the first revocation stands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The device.
    pub device: KeyId,
    /// When it was revoked.
    pub at_ms: TimestampMs,
    /// Whether it was revoked before this request.
    pub already: bool,
}

/// Revokes `device` for `reason`, if `by` may.
pub async fn revoke(
    state: &AppState,
    by: &Reviewer,
    device: &KeyId,
    reason: &str,
) -> Result<Revoked, RevokeError> {
    if !by.can_review() {
        return Err(RevokeError::NotAllowed);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(RevokeError::BadReason);
    }
    let regions = state.coord.device_regions(device.clone()).await?.ok_or(RevokeError::NotFound)?;
    if !by.scope_path.is_empty() && !regions.iter().all(|r| within_scope(r, &by.scope_path)) {
        return Err(RevokeError::NotFound);
    }
    let outcome =
        state.repo.revoke_device(device.clone(), reason.to_owned(), by.name.clone(), now_ms()).await?;
    match outcome {
        RevokeOutcome::Revoked { at_ms } => Ok(Revoked { device: device.clone(), at_ms, already: false }),
        RevokeOutcome::AlreadyRevoked { at_ms } => {
            Ok(Revoked { device: device.clone(), at_ms, already: true })
        }
        RevokeOutcome::NotFound => Err(RevokeError::NotFound),
    }
}

/// The longest name a device's contact keeps, in characters.
pub const MAX_CONTACT_NAME_CHARS: usize = 100;

/// Why a device's contact was not kept.
#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    /// The account may look but not act.
    #[error("this account may not note contacts")]
    NotAllowed,
    /// No such device, or none of its stations in the coordinator's region (the same answer).
    #[error("no such device")]
    NotFound,
    /// A name of at most [`MAX_CONTACT_NAME_CHARS`] characters and a phone number of digits,
    /// spaces, `+`, `-`, `(`, `)` (at most 32).
    #[error("a name of at most 100 characters and a phone number of at most 32 digits and signs")]
    Invalid,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Notes who carries `device` (a name and a phone number, for coordinators only: nothing of it
/// is ever public); both empty forgets it. A coordinator notes devices with a station in their
/// region.
pub async fn set_contact(
    state: &AppState,
    by: &Reviewer,
    device: &KeyId,
    name: &str,
    phone: &str,
) -> Result<(), ContactError> {
    if !by.can_review() {
        return Err(ContactError::NotAllowed);
    }
    let (name, phone) = (name.trim(), phone.trim());
    let phone_ok = phone.chars().count() <= 32
        && phone.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if name.chars().count() > MAX_CONTACT_NAME_CHARS || !phone_ok || name.chars().any(char::is_control) {
        return Err(ContactError::Invalid);
    }
    let regions = state.coord.device_regions(device.clone()).await?.ok_or(ContactError::NotFound)?;
    if !by.scope_path.is_empty() && !regions.iter().any(|r| within_scope(r, &by.scope_path)) {
        return Err(ContactError::NotFound);
    }
    let contact = (!name.is_empty() || !phone.is_empty())
        .then(|| crate::repo::coord::DeviceContact { name: name.to_owned(), phone: phone.to_owned() });
    if state.coord.set_device_contact(device.as_str().to_owned(), contact, by.name.clone(), now_ms()).await? {
        Ok(())
    } else {
        Err(ContactError::NotFound)
    }
}

/// Why a table was not assigned to a phone (or taken from it).
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// Only an administrator assigns tables.
    #[error("only an administrator assigns tables to phones")]
    NotAllowed,
    /// No such table.
    #[error("no such table")]
    NoStation,
    /// No phone has this id, or more than one starts with it.
    #[error("no phone has this id (give at least its first six characters)")]
    NoDevice,
    /// The phone is revoked.
    #[error("the phone is revoked")]
    Revoked,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Assigns `station` to the phone `device` (its id or first characters), or takes it away
/// (`assigned` false): a table handed to another watcher when the first cannot go, or a phone
/// that must stop sending for it. Administrators only; audited; the phone learns at its next
/// sync. Returns the phone's full id and whether anything changed.
pub async fn assign(
    state: &AppState,
    by: &Reviewer,
    station: &str,
    device: &str,
    assigned: bool,
) -> Result<(String, bool), AssignError> {
    if !by.is_admin() {
        return Err(AssignError::NotAllowed);
    }
    let outcome = state
        .coord
        .set_assignment(station.to_owned(), device.to_owned(), assigned, by.name.clone(), now_ms())
        .await?;
    match outcome {
        AssignOutcome::Changed(id) => Ok((id, true)),
        AssignOutcome::Unchanged(id) => Ok((id, false)),
        AssignOutcome::NoStation => Err(AssignError::NoStation),
        AssignOutcome::NoDevice => Err(AssignError::NoDevice),
        AssignOutcome::Revoked => Err(AssignError::Revoked),
    }
}
