//! The names of the audit trail: what kind of event it is, who did it, and the scope of a
//! bulk sign-out. Stored by these names; never renamed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    AccountCreated,
    SignIn,
    SignInFailed,
    SignOut,
    SessionRevoked,
    OtherSessionsRevoked,
    AllSessionsRevoked,
    ReuseDetected,
    SessionExpired,
    PasswordChanged,
    Reauthenticated,
    RefreshGrace,
    RefreshSuperseded,
    ReauthFailed,
    SessionRenamed,
    /// Signed out from an alert email's "This wasn't me" link.
    SessionReported,
    /// Signed out to make room for a new sign-in under the cap on live sessions.
    SessionEvicted,
}

impl AuditKind {
    pub const ALL: [AuditKind; 17] = [
        AuditKind::AccountCreated,
        AuditKind::SignIn,
        AuditKind::SignInFailed,
        AuditKind::SignOut,
        AuditKind::SessionRevoked,
        AuditKind::OtherSessionsRevoked,
        AuditKind::AllSessionsRevoked,
        AuditKind::ReuseDetected,
        AuditKind::SessionExpired,
        AuditKind::PasswordChanged,
        AuditKind::Reauthenticated,
        AuditKind::RefreshGrace,
        AuditKind::RefreshSuperseded,
        AuditKind::ReauthFailed,
        AuditKind::SessionRenamed,
        AuditKind::SessionReported,
        AuditKind::SessionEvicted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::AccountCreated => "account_created",
            AuditKind::SignIn => "sign_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::SignOut => "sign_out",
            AuditKind::SessionRevoked => "session_revoked",
            AuditKind::OtherSessionsRevoked => "other_sessions_revoked",
            AuditKind::AllSessionsRevoked => "all_sessions_revoked",
            AuditKind::ReuseDetected => "reuse_detected",
            AuditKind::SessionExpired => "session_expired",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::Reauthenticated => "reauthenticated",
            AuditKind::RefreshGrace => "refresh_grace",
            AuditKind::RefreshSuperseded => "refresh_superseded",
            AuditKind::ReauthFailed => "reauth_failed",
            AuditKind::SessionRenamed => "session_renamed",
            AuditKind::SessionReported => "session_reported",
            AuditKind::SessionEvicted => "session_evicted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Bulk sign-out: every session, or every one but the acting session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkScope {
    All,
    Others,
}

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User,
    Admin,
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::User => "user",
            Actor::Admin => "admin",
            Actor::System => "system",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "admin" => Actor::Admin,
            "system" => Actor::System,
            _ => Actor::User,
        }
    }
}
