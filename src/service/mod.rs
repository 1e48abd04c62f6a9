//! Use cases: one function per thing a person can do. Each validates its input, checks who may
//! do it, and does its writes in one transaction. The web pages, the JSON API and the command
//! line all call these functions, so every rule is written once. Nothing here knows about HTTP.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod delivery_status;
pub mod desk;
pub mod limits;
pub mod metrics;
pub mod moderation;
pub mod notifications;
pub mod password;
pub mod policy;
pub mod spaces;
pub mod spam;
pub mod threads;
pub mod validate;
pub mod views;

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::db::persons::Person;
use crate::domain::{Role, TokenKind};
use crate::error::{AppError, AppResult};

/// Everything the use cases need, for one instance. Cheap to clone; never global.
#[derive(Clone)]
pub struct Hearth {
    pub db: Db,
    pub config: Arc<Config>,
    pub limits: Arc<auth::LoginLimits>,
    /// Posting, reporting, registering and inbox rate limits.
    pub rate: Arc<limits::Limits>,
    /// Which servers we federate with (loaded from the database at start).
    pub policy: Arc<policy::Policy>,
    /// Wakes the delivery worker when new outgoing deliveries were committed.
    pub outbox: Arc<tokio::sync::Notify>,
}

impl Hearth {
    /// Whether federation with `host` (no port) is refused: by the `blocked_domains` setting or
    /// the policy admins manage.
    pub fn refuses(&self, host: &str) -> bool {
        self.policy.refuses(&self.config, host)
    }

    pub fn new(db: Db, config: Arc<Config>) -> Hearth {
        let limits = Arc::new(auth::LoginLimits::new(config.login_attempts_per_minute));
        let rate = Arc::new(limits::Limits::new(&config));
        Hearth {
            db,
            config,
            limits,
            rate,
            policy: Arc::default(),
            outbox: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

/// The authenticated person making a request, and the credential they used.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person: Person,
    pub token_id: i64,
    pub token_kind: TokenKind,
}

impl Viewer {
    pub fn role(&self) -> Role {
        self.person.role()
    }

    /// Whether they may read what is hidden from others among `author_id`'s posts (removed by
    /// moderators, or waiting for approval): its author, and moderators and admins.
    pub fn sees_hidden(&self, author_id: i64) -> bool {
        self.person.id == author_id || self.role().can_moderate()
    }

    /// Fails with 403 unless the viewer is an admin. Admin operations call this first, so the
    /// rule holds for the web, the API and anything added later.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.role().is_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden("only administrators may do this"))
        }
    }
}
