//! Coordinator accounts as storage keeps them: the roles, an account and what an administrator
//! changes in it, the kinds of session. Re-exported from [`super::coord`], whose trait keeps
//! them.

use testigo_protocol::TimestampMs;

/// Where a session's token is used: a dashboard cookie or an admin API bearer token. A token
/// works only where it was issued, so a token handed to a script cannot be set as a browser
/// cookie, nor a stolen cookie used against the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// The dashboard's cookie (with a CSRF value for its forms).
    Dashboard,
    /// A bearer token for `/v1/admin`.
    Api,
}

impl SessionKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Dashboard => "dash",
            SessionKind::Api => "api",
        }
    }
}

/// What a coordinator may do, each role including the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Looks at what lies in their scope; changes nothing.
    Observer,
    /// Also reviews, transcribes and verifies actas, chooses a table's capture, notes who
    /// carries a phone and revokes phones, within their scope.
    Reviewer,
    /// Runs the night for the whole election: accounts, enrollment codes, station assignments,
    /// official imports, the quick count, what counts and what is published, the audit log.
    /// An administrator's scope is always the whole election.
    Admin,
}

impl Role {
    /// Every role, from the least.
    pub const ALL: [Role; 3] = [Role::Observer, Role::Reviewer, Role::Admin];

    /// As stored and in forms (`observer`, `reviewer`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Observer => "observer",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// The role with this name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether it reviews, transcribes, verifies and acts on phones (within its scope).
    pub fn reviews(self) -> bool {
        self >= Role::Reviewer
    }

    /// Whether, with this scope, it runs the night for the whole election.
    pub fn administers(self, scope_path: &str) -> bool {
        self == Role::Admin && scope_path.is_empty()
    }
}

/// A coordinator account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinator {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// The region subtree they see (`''`: everything).
    pub scope_path: String,
    /// What they may do.
    pub role: Role,
}

impl Coordinator {
    /// Whether they may review captures, transcribe, verify and act on phones in their scope.
    pub fn can_review(&self) -> bool {
        self.role.reviews()
    }

    /// Whether they run the night for the whole election (see [`Role::Admin`]).
    pub fn is_admin(&self) -> bool {
        self.role.administers(&self.scope_path)
    }
}

/// An account as the accounts page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account.
    pub coordinator: Coordinator,
    /// When it was made.
    pub created_at_ms: TimestampMs,
    /// When it was disabled, if it is.
    pub disabled_at_ms: Option<TimestampMs>,
    /// When it last signed in, if ever.
    pub last_login_ms: Option<TimestampMs>,
}

/// A change to an account by an administrator (each is audited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// It can no longer sign in; its sessions end at once.
    Disable,
    /// It can sign in again.
    Enable,
    /// A new password (already hashed); its sessions end at once.
    Password(String),
    /// A new scope and role (an administrator's scope is the whole election).
    Access {
        /// The region path it sees (`''`: everything).
        scope_path: String,
        /// What it may do.
        role: Role,
    },
}

impl AccountChange {
    /// The audit log's action for it.
    pub fn action(&self) -> &'static str {
        match self {
            AccountChange::Disable => "account_disable",
            AccountChange::Enable => "account_enable",
            AccountChange::Password(_) => "account_password",
            AccountChange::Access { .. } => "account_access",
        }
    }
}

/// Why an account could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The name is taken.
    #[error("the name {0:?} is taken")]
    NameTaken(String),
    /// The scope is not a region of the election.
    #[error("no region {0:?} in the election")]
    UnknownScope(String),
    /// An administrator sees the whole election.
    #[error("an administrator's scope is the whole election")]
    AdminScope,
    /// No account has this id.
    #[error("no such account")]
    NoAccount,
    /// Administrators do not change their own account (another must): none can lock themselves
    /// out, and a stolen session cannot take its account's password.
    #[error("you cannot change your own account: another administrator must")]
    OwnAccount,
}
