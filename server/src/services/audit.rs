//! The audit log as coordinators read it: every review, transcription, decision, choice,
//! revocation, contact note, setting, official import and sign-in, newest first, searchable and
//! exportable as CSV. The log itself is append-only (a trigger refuses changes); only an
//! administrator reads it, since it names every coordinator's actions.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::coord::{AuditEntry, Coordinator};

/// Entries per page.
pub const AUDIT_PAGE: usize = 100;

/// The longest search read, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// A page of the log, newest first, before `before`, matching `query` (trimmed; empty for all)
/// in its text or by one of `actions` (the actions whose name the reader searched for).
pub async fn page(
    state: &AppState,
    user: &Coordinator,
    query: &str,
    actions: &[String],
    before: Option<i64>,
    limit: usize,
) -> AppResult<Vec<AuditEntry>> {
    if !user.is_admin() {
        return Err(AppError::Forbidden("only an administrator reads the audit log"));
    }
    let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
    Ok(state.coord.audit_log((!query.is_empty()).then_some(query), actions.to_vec(), before, limit).await?)
}

/// The whole log matching `query` as CSV (`seq,at_ms,actor,action,capture_pk,detail`), oldest
/// entries last, read page by page.
pub async fn csv(
    state: &AppState,
    user: &Coordinator,
    query: &str,
    actions: &[String],
) -> AppResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, e: &AuditEntry| {
        out.write_record([
            e.seq.to_string(),
            e.at_ms.to_string(),
            e.actor.clone(),
            e.action.clone(),
            e.capture_pk.map(|p| p.to_string()).unwrap_or_default(),
            e.detail.to_string(),
        ])
    };
    out.write_record(["seq", "at_ms", "actor", "action", "capture_pk", "detail"])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut before = None;
    loop {
        let entries = page(state, user, query, actions, before, 5_000).await?;
        for e in &entries {
            write(&mut out, e).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        match entries.last() {
            Some(last) if entries.len() == 5_000 => before = Some(last.seq),
            _ => break,
        }
    }
    out.into_inner().map_err(|e| AppError::Internal(e.to_string()))
}
