//! Coordinator accounts and sessions on SQLite, as plain functions over a connection (the
//! `impl` in `coord.rs` says which run in the writer). A disabled account neither signs in nor
//! keeps a session; every change an administrator makes is audited in the same transaction.

use rusqlite::{Connection, OptionalExtension, params};
use testigo_protocol::{Sha256, TimestampMs};

use super::{audit, corrupt};
use crate::repo::RepoResult;
use crate::repo::coord::{Account, AccountChange, AccountError, Coordinator, Role, SessionKind};

/// The columns [`coordinator`] reads, from the `coordinators` table as `k`.
const COLUMNS: &str = "k.id, k.name, k.scope_path, k.role";

/// A coordinator from [`COLUMNS`].
fn coordinator(r: &rusqlite::Row<'_>) -> rusqlite::Result<RepoResult<Coordinator>> {
    let (id, name, scope_path, role): (i64, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    Ok(Role::parse(&role).ok_or_else(|| corrupt("coordinator role")).map(|role| Coordinator {
        id,
        name,
        scope_path,
        role,
    }))
}

/// Whether `scope_path` may go with `role`: a region of the election, the whole election for an
/// administrator.
fn check_access(c: &Connection, scope_path: &str, role: Role) -> RepoResult<Result<(), AccountError>> {
    if role == Role::Admin && !scope_path.is_empty() {
        return Ok(Err(AccountError::AdminScope));
    }
    if !c.prepare_cached("SELECT 1 FROM regions WHERE path = ?1")?.exists([scope_path])? {
        return Ok(Err(AccountError::UnknownScope(scope_path.to_owned())));
    }
    Ok(Ok(()))
}

pub(super) fn create(
    c: &Connection,
    name: &str,
    password_hash: &str,
    scope_path: &str,
    role: Role,
    actor: &str,
    now_ms: TimestampMs,
) -> RepoResult<Result<i64, AccountError>> {
    if let Err(e) = check_access(c, scope_path, role)? {
        return Ok(Err(e));
    }
    if c.prepare_cached("SELECT 1 FROM coordinators WHERE name = ?1")?.exists([name])? {
        return Ok(Err(AccountError::NameTaken(name.to_owned())));
    }
    c.execute(
        "INSERT INTO coordinators (name, password_hash, scope_path, role, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![name, password_hash, scope_path, role.as_str(), now_ms],
    )?;
    let id = c.last_insert_rowid();
    let detail = serde_json::json!({ "account": name, "scope": scope_path, "role": role.as_str() });
    audit(c, now_ms, actor, "account_create", None, &detail)?;
    Ok(Ok(id))
}

/// The enabled account with this name and its password hash.
pub(super) fn by_name(c: &Connection, name: &str) -> RepoResult<Option<(Coordinator, String)>> {
    let sql = format!(
        "SELECT {COLUMNS}, k.password_hash FROM coordinators k WHERE k.name = ?1 AND k.disabled_at_ms IS NULL"
    );
    let found = c
        .prepare_cached(&sql)?
        .query_row([name], |r| Ok((coordinator(r)?, r.get::<_, String>(4)?)))
        .optional()?;
    found.map(|(k, hash)| k.map(|k| (k, hash))).transpose()
}

pub(super) fn create_session(
    c: &Connection,
    token_hash: Sha256,
    kind: SessionKind,
    coordinator_id: i64,
    csrf: &str,
    now_ms: TimestampMs,
    expires_at_ms: TimestampMs,
) -> RepoResult<()> {
    // Old sessions go when new ones come.
    c.execute("DELETE FROM sessions WHERE expires_at_ms < ?1", [now_ms])?;
    c.execute(
        "INSERT INTO sessions (token_hash, coordinator_id, csrf, created_at_ms, expires_at_ms, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![token_hash.as_bytes().as_slice(), coordinator_id, csrf, now_ms, expires_at_ms, kind.as_str()],
    )?;
    // Every sign-in is kept with the account, and in the audit log (not the token, not the
    // address).
    let name: String = c.query_row(
        "UPDATE coordinators SET last_login_ms = ?2 WHERE id = ?1 RETURNING name",
        params![coordinator_id, now_ms],
        |r| r.get(0),
    )?;
    audit(c, now_ms, &name, "login", None, &serde_json::json!({ "kind": kind.as_str() }))?;
    Ok(())
}

/// The live session of this kind with this token hash, of an enabled account.
pub(super) fn session(
    c: &Connection,
    token_hash: Sha256,
    kind: SessionKind,
    now_ms: TimestampMs,
) -> RepoResult<Option<(Coordinator, String)>> {
    let sql = format!(
        "SELECT {COLUMNS}, s.csrf FROM sessions s JOIN coordinators k ON k.id = s.coordinator_id
          WHERE s.token_hash = ?1 AND s.expires_at_ms > ?2 AND s.kind = ?3 AND k.disabled_at_ms IS NULL"
    );
    let found = c
        .prepare_cached(&sql)?
        .query_row(params![token_hash.as_bytes().as_slice(), now_ms, kind.as_str()], |r| {
            Ok((coordinator(r)?, r.get::<_, String>(4)?))
        })
        .optional()?;
    found.map(|(k, csrf)| k.map(|k| (k, csrf))).transpose()
}

pub(super) fn end_session(c: &Connection, token_hash: Sha256, kind: SessionKind) -> RepoResult<()> {
    c.execute(
        "DELETE FROM sessions WHERE token_hash = ?1 AND kind = ?2",
        params![token_hash.as_bytes().as_slice(), kind.as_str()],
    )?;
    Ok(())
}

/// Every account by name, with its last sign-in.
pub(super) fn list(c: &Connection) -> RepoResult<Vec<Account>> {
    let sql = format!(
        "SELECT {COLUMNS}, k.created_at_ms, k.disabled_at_ms, k.last_login_ms FROM coordinators k ORDER BY k.name"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([], |r| {
        let (created_at_ms, disabled_at_ms, last_login_ms) = (r.get(4)?, r.get(5)?, r.get(6)?);
        Ok(coordinator(r)?.map(|coordinator| Account {
            coordinator,
            created_at_ms,
            disabled_at_ms,
            last_login_ms,
        }))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub(super) fn change(
    c: &Connection,
    id: i64,
    change: &AccountChange,
    actor: &Coordinator,
    now_ms: TimestampMs,
) -> RepoResult<Result<(), AccountError>> {
    let sql = format!("SELECT {COLUMNS} FROM coordinators k WHERE k.id = ?1");
    let Some(target) = c.prepare_cached(&sql)?.query_row([id], coordinator).optional()? else {
        return Ok(Err(AccountError::NoAccount));
    };
    let target = target?;
    // Another administrator changes an administrator's account: none can lock themselves out,
    // and a stolen session cannot take its account's password for itself.
    if target.id == actor.id {
        return Ok(Err(AccountError::OwnAccount));
    }
    let mut detail = serde_json::json!({ "account": target.name });
    match change {
        AccountChange::Disable => {
            c.execute(
                "UPDATE coordinators SET disabled_at_ms = ?2 WHERE id = ?1 AND disabled_at_ms IS NULL",
                params![id, now_ms],
            )?;
            c.execute("DELETE FROM sessions WHERE coordinator_id = ?1", [id])?;
        }
        AccountChange::Enable => {
            c.execute("UPDATE coordinators SET disabled_at_ms = NULL WHERE id = ?1", [id])?;
        }
        AccountChange::Password(hash) => {
            c.execute("UPDATE coordinators SET password_hash = ?2 WHERE id = ?1", params![id, hash])?;
            c.execute("DELETE FROM sessions WHERE coordinator_id = ?1", [id])?;
        }
        AccountChange::Access { scope_path, role } => {
            if let Err(e) = check_access(c, scope_path, *role)? {
                return Ok(Err(e));
            }
            c.execute(
                "UPDATE coordinators SET scope_path = ?2, role = ?3 WHERE id = ?1",
                params![id, scope_path, role.as_str()],
            )?;
            detail = serde_json::json!({
                "account": target.name,
                "scope": scope_path, "role": role.as_str(),
                "was_scope": target.scope_path, "was_role": target.role.as_str(),
            });
        }
    }
    audit(c, now_ms, &actor.name, change.action(), None, &detail)?;
    Ok(Ok(()))
}
