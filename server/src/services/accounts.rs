//! Coordinator accounts: passwords hashed with Argon2id (memory-hard: 19 MiB, 2 passes, the
//! OWASP baseline), sessions as random tokens kept only as hashes, a CSRF value per session, and
//! `sign_in`, the one way in for the dashboard's form and the admin API alike, throttled.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::AppState;
use crate::auth::token_hash;
use crate::repo::RepoError;
use crate::repo::coord::{
    Account, AccountChange, AccountError, Coordination, Coordinator, Role, SessionKind,
};

/// How long a session lasts.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// Why an account could not be made.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The account was refused.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The password is too short.
    #[error("the password must have at least {MIN_PASSWORD} characters")]
    WeakPassword,
    /// The name is empty, too long, or has characters other than letters, digits, `.`, `_`, `-`.
    #[error("names are 1–64 letters, digits, '.', '_' or '-'")]
    BadName,
    /// Hashing failed.
    #[error("password hashing failed")]
    Hash,
    /// Only an administrator manages accounts.
    #[error("only an administrator manages accounts")]
    NotAllowed,
    /// No randomness for a new password.
    #[error("no randomness for a password")]
    NoRandomness,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Hashes a password (Argon2id, random salt, PHC string).
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| UserError::Hash)
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Creates a coordinator who sees `scope_path` (`''`: everything) with `role`, audited as made
/// by `actor`.
pub async fn create_user(
    coord: &dyn Coordination,
    name: &str,
    password: &str,
    scope_path: &str,
    role: Role,
    actor: &str,
    now_ms: i64,
) -> Result<i64, UserError> {
    let ok_name = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok_name {
        return Err(UserError::BadName);
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(UserError::WeakPassword);
    }
    let hash = hash_in_slot(password).await?;
    Ok(coord
        .create_coordinator(name.to_owned(), hash, scope_path.to_owned(), role, actor.to_owned(), now_ms)
        .await??)
}

async fn hash_in_slot(password: &str) -> Result<String, UserError> {
    let password = password.to_owned();
    argon2_job(move || hash_password(&password)).await.map_err(|_| UserError::Hash)?
}

/// Every account, for an administrator.
pub async fn list(state: &AppState, who: &Coordinator) -> Result<Vec<Account>, UserError> {
    if !who.is_admin() {
        return Err(UserError::NotAllowed);
    }
    Ok(state.coord.accounts().await?)
}

/// An administrator makes an account; its password is made here and returned, to be handed
/// over once (it is kept only as a hash).
pub async fn create_by_admin(
    state: &AppState,
    who: &Coordinator,
    name: &str,
    scope_path: &str,
    role: Role,
) -> Result<(i64, String), UserError> {
    if !who.is_admin() {
        return Err(UserError::NotAllowed);
    }
    let password = new_password().map_err(|_| UserError::NoRandomness)?;
    let id = create_user(
        state.coord.as_ref(),
        name.trim(),
        &password,
        scope_path,
        role,
        &who.name,
        crate::now_ms(),
    )
    .await?;
    Ok((id, password))
}

/// What an administrator does to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountAction {
    /// It can no longer sign in; its sessions end.
    Disable,
    /// It can sign in again.
    Enable,
    /// A new password is made (and returned once); its sessions end.
    ResetPassword,
    /// A new scope and role.
    Access {
        /// The region path (`''`: everything).
        scope_path: String,
        /// The role.
        role: Role,
    },
}

/// Which account: by row id (the dashboard's forms) or by login name (the admin API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountRef {
    /// Its row id.
    Id(i64),
    /// Its login name.
    Name(String),
}

/// What a change did: the account's name, and a reset's new password, to be handed over once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The account's login name.
    pub name: String,
    /// The new password, after a reset.
    pub password: Option<String>,
}

/// An administrator changes an account (audited).
pub async fn change(
    state: &AppState,
    who: &Coordinator,
    account: AccountRef,
    action: AccountAction,
) -> Result<Changed, UserError> {
    if !who.is_admin() {
        return Err(UserError::NotAllowed);
    }
    let all = state.coord.accounts().await?;
    let found = all.into_iter().map(|a| a.coordinator).find(|k| match &account {
        AccountRef::Id(id) => k.id == *id,
        AccountRef::Name(name) => k.name == *name,
    });
    let target = found.ok_or(UserError::Account(AccountError::NoAccount))?;
    let (change, password) = match action {
        AccountAction::Disable => (AccountChange::Disable, None),
        AccountAction::Enable => (AccountChange::Enable, None),
        AccountAction::ResetPassword => {
            let password = new_password().map_err(|_| UserError::NoRandomness)?;
            (AccountChange::Password(hash_in_slot(&password).await?), Some(password))
        }
        AccountAction::Access { scope_path, role } => (AccountChange::Access { scope_path, role }, None),
    };
    state.coord.change_account(target.id, change, who.clone(), crate::now_ms()).await??;
    Ok(Changed { name: target.name, password })
}

/// Password checks that may run at once. Each is memory-hard by design (tens of MiB, tens of ms):
/// a flood of logins waits its turn instead of taking the server's memory and cores.
const PARALLEL_ARGON2: usize = 2;
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PARALLEL_ARGON2);

/// Runs an Argon2 job on a blocking thread once one of the [`PARALLEL_ARGON2`] slots is free.
async fn argon2_job<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    // The semaphore is never closed, so acquiring only waits.
    let _slot = ARGON2_SLOTS.acquire().await;
    tokio::task::spawn_blocking(job).await
}

/// A new password for an account made by the server's tools: 20 characters of the enrollment
/// codes' alphabet (no look-alike letters), about 100 bits.
pub fn new_password() -> Result<String, super::enrollment::CodeError> {
    let two = super::enrollment::new_code()? + &super::enrollment::new_code()?;
    Ok(two.chars().filter(|c| *c != '-').take(20).collect())
}

/// A new session's secrets: the cookie token and the CSRF value.
pub struct NewSession {
    /// Sent in the cookie; only its hash is stored.
    pub token: String,
    /// Put in every form.
    pub csrf: String,
}

/// Checks a name and password; on success opens a session. `None` for a wrong name or password
/// (the same time is spent either way: a missing name is checked against a dummy hash).
pub async fn login(
    coord: &dyn Coordination,
    name: &str,
    password: &str,
    kind: SessionKind,
    now_ms: i64,
) -> Result<Option<(Coordinator, NewSession)>, RepoError> {
    let found = coord.coordinator_by_name(name.to_owned()).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| DUMMY_HASH.to_owned());
    let password = password.to_owned();
    let ok = argon2_job(move || verify_password(&password, &hash))
        .await
        .map_err(|e| RepoError::Db(format!("password check: {e}")))?;
    let Some((coordinator, _)) = found.filter(|_| ok) else { return Ok(None) };
    let (Some(token), Some(csrf)) = (crate::auth::random_token(), crate::auth::random_token()) else {
        return Err(RepoError::Db("no randomness".into()));
    };
    coord
        .create_session(token_hash(&token), kind, coordinator.id, csrf.clone(), now_ms, now_ms + SESSION_MS)
        .await?;
    Ok(Some((coordinator, NewSession { token, csrf })))
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignInError {
    /// Too many attempts from this address: try again after this many seconds.
    #[error("too many attempts")]
    Throttled {
        /// Seconds until an attempt is allowed again.
        retry_after_s: u64,
    },
    /// The name or the password is wrong (which one is not said).
    #[error("wrong name or password")]
    WrongCredentials,
    /// Storage failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The longest name and password [`sign_in`] checks; longer ones (and an empty name) are wrong
/// without an Argon2 job.
const MAX_NAME: usize = 64;
const MAX_PASSWORD: usize = 1024;

/// Signs a coordinator in from the address `ip`: throttled, then [`login`].
///
/// Failures are counted three ways, each with delays that grow (1 s, 2 s, 4 s, ... up to 15 min)
/// once its free attempts are used: per account and address (the tight one:
/// [`crate::Limits::login_free_per_pair`]), per account from anywhere (guessing one password from
/// many addresses) and per address across accounts (trying one password on many accounts). So a
/// guesser slows down only what they guess at: another coordinator behind the same address, or
/// the same coordinator from their own, still signs in. Every attempt counts as a failure as it
/// starts (simultaneous guesses cannot slip past during their slow password checks); a right
/// password forgets the failures of its account and address.
pub(crate) async fn sign_in(
    state: &crate::AppState,
    ip: &str,
    name: &str,
    password: &str,
    kind: SessionKind,
) -> Result<(Coordinator, NewSession), SignInError> {
    let l = &state.limits;
    let now = std::time::Instant::now();
    let by_ip = format!("ip:{ip}");
    if name.is_empty() || name.len() > MAX_NAME || password.len() > MAX_PASSWORD {
        let wait = state.logins.wait(&by_ip, l.login_free_per_ip, now);
        if wait > 0 {
            return Err(SignInError::Throttled { retry_after_s: wait });
        }
        state.logins.attempt(&by_ip, now);
        return Err(SignInError::WrongCredentials);
    }
    let keys = [
        (format!("pair:{name}\n{ip}"), l.login_free_per_pair),
        (format!("account:{name}"), l.login_free_per_account),
        (by_ip, l.login_free_per_ip),
    ];
    let wait = keys.iter().map(|(k, free)| state.logins.wait(k, *free, now)).max().unwrap_or(0);
    if wait > 0 {
        return Err(SignInError::Throttled { retry_after_s: wait });
    }
    for (k, _) in &keys {
        state.logins.attempt(k, now);
    }
    let Some((user, session)) = login(state.coord.as_ref(), name, password, kind, crate::now_ms()).await?
    else {
        let now = std::time::Instant::now();
        for (k, _) in &keys {
            state.logins.failed(k, now);
        }
        return Err(SignInError::WrongCredentials);
    };
    for (k, _) in &keys {
        state.logins.succeeded(k);
    }
    tracing::info!(coordinator = %user.name, "signed in");
    Ok((user, session))
}

/// An Argon2id hash of a random password nobody knows, checked when the name does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wpRmGV1U5JJ8mjAPmzQk7p9CgmDOvgmpRKjTmqh6u8o";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password_and_the_dummy_parses() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
    }

    #[test]
    fn new_passwords_are_long_plain_and_different() {
        let (a, b) = (new_password().unwrap(), new_password().unwrap());
        assert_eq!(a.chars().count(), 20);
        assert!(a.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{a}");
        assert!(a.chars().count() >= MIN_PASSWORD);
        assert_ne!(a, b);
    }
}
