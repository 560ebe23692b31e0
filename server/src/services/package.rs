//! The election package a device downloads: tailored to it, with an entity tag, and signed with
//! the server key for that device over the exact body (`testigo_protocol::statement`), so that
//! nobody on the path can swap the package.

use testigo_protocol::Signature;
use testigo_protocol::statement::package_bytes;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::{Device, PackageDoc, Reach};

/// What `GET /v1/package` answers.
pub(crate) enum PackageAnswer {
    /// The device holds this version already (`304`).
    NotModified {
        /// The entity tag.
        etag: String,
    },
    /// The package, its entity tag and the server's signature over the body.
    Package {
        /// The body and its entity tag.
        doc: PackageDoc,
        /// Over [`package_bytes`] for this device and body.
        signature: Signature,
    },
}

/// The package for `device`, unless one of the `If-None-Match` entity tags names it.
pub(crate) async fn for_device<'a>(
    state: &AppState,
    device: &Device,
    if_none_match: impl Iterator<Item = &'a str>,
) -> AppResult<PackageAnswer> {
    let doc = state.repo.device_package(device, &reach(state)).await?.ok_or(AppError::NoElection)?;
    let mut tags = if_none_match.flat_map(|v| v.split(','));
    if tags.any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == doc.etag
    }) {
        return Ok(PackageAnswer::NotModified { etag: doc.etag });
    }
    let signature = state.key.sign(&package_bytes(&device.id, &doc.json))?;
    Ok(PackageAnswer::Package { doc, signature })
}

/// How a phone reaches the coordinators without a data link: the key its bundles are sealed to
/// and the numbers its SMS go to.
fn reach(state: &AppState) -> Reach {
    let sms_numbers = if state.limits.sms_secret.as_deref().is_some_and(|s| !s.is_empty()) {
        state.limits.sms_numbers.clone()
    } else {
        Vec::new()
    };
    Reach { bundle_key: state.key.bundle_key().public_key().clone(), sms_numbers }
}
