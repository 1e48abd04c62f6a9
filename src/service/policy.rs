//! Which servers Hearth federates with: the `blocked_domains` setting plus the list admins
//! manage at run time (`federation_domains`), in block-list mode (everyone but the blocked) or
//! allow-list mode (only the allowed; blocks still apply). Kept in memory and replaced as a
//! whole when an admin changes it, so every check (inbox, fetches, deliveries) sees the change
//! at once without a query.

use std::sync::RwLock;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Config;
use crate::db::{self, audit, policy as store};
use crate::error::{AppError, AppResult};

use super::{Hearth, Viewer};

#[derive(Debug, Clone, Default)]
struct State {
    /// False until the stored policy was read: until then every server is refused (an
    /// allow-list instance must not federate with everyone because its database was slow).
    loaded: bool,
    allowlist: bool,
    blocked: Vec<String>,
    allowed: Vec<String>,
}

/// The in-memory policy of one instance.
#[derive(Debug, Default)]
pub struct Policy(RwLock<State>);

use crate::config::host_listed as covers;

impl Policy {
    /// Whether Hearth refuses to federate with `host` (no port), by the setting or the policy.
    pub fn refuses(&self, config: &Config, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if config.is_blocked(&host) {
            return true;
        }
        let s = self.0.read().unwrap_or_else(|e| e.into_inner());
        !s.loaded || covers(&s.blocked, &host) || (s.allowlist && !covers(&s.allowed, &host))
    }

    /// Loads the stored policy (at start, and after every change).
    pub fn reload(&self, c: &mut db::DbConn) -> AppResult<()> {
        let rows = store::list(c)?;
        let allowlist = db::instance::get(c)?.federation_mode == "allowlist";
        let state = State {
            loaded: true,
            allowlist,
            blocked: rows
                .iter()
                .filter(|r| r.kind == "block")
                .map(|r| r.domain.clone())
                .collect(),
            allowed: rows
                .iter()
                .filter(|r| r.kind == "allow")
                .map(|r| r.domain.clone())
                .collect(),
        };
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = state;
        Ok(())
    }
}

/// Loads the stored policy into memory (at start, and after each committed change).
pub async fn reload(h: &Hearth) -> AppResult<()> {
    let policy = h.policy.clone();
    h.db.run(move |c| policy.reload(c)).await
}

/// One managed domain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Domain {
    pub domain: String,
    /// `block` or `allow`.
    pub kind: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// The policy as admins see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    /// `blocklist` (federate with everyone not blocked) or `allowlist` (only with allowed).
    pub mode: String,
    pub domains: Vec<Domain>,
    /// From the `blocked_domains` setting (changed in the configuration, not here).
    pub configured_blocks: Vec<String>,
}

/// A domain as admins type it: a host name, lower-cased, no scheme, port or path.
fn domain(raw: &str) -> AppResult<String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if ok {
        Ok(d)
    } else {
        Err(AppError::invalid(
            "domain",
            "domain must be a host name like spam.example (no scheme, port or path)",
        ))
    }
}

pub async fn view(h: &Hearth, viewer: &Viewer) -> AppResult<PolicyView> {
    viewer.require_admin()?;
    let configured = h.config.blocked_domains.clone();
    h.db.run(move |c| {
        let mode = db::instance::get(c)?.federation_mode;
        let domains = store::list(c)?
            .into_iter()
            .map(|r| Domain {
                domain: r.domain,
                kind: r.kind,
                reason: r.reason,
                created_at: r.created_at.and_utc(),
            })
            .collect();
        Ok(PolicyView {
            mode,
            domains,
            configured_blocks: configured,
        })
    })
    .await
}

/// Blocks or allows a domain (replacing what it was), with a reason for the audit log.
pub async fn set_domain(
    h: &Hearth,
    viewer: &Viewer,
    raw: &str,
    kind: &str,
    reason: &str,
) -> AppResult<PolicyView> {
    viewer.require_admin()?;
    let d = domain(raw)?;
    if d == h.config.domain.to_ascii_lowercase() {
        return Err(AppError::invalid(
            "domain",
            "that is this instance's own domain",
        ));
    }
    let kind = match kind {
        "block" | "allow" => kind.to_string(),
        _ => return Err(AppError::invalid("kind", "kind must be block or allow")),
    };
    let reason = super::validate::line("reason", reason, 500, false)?;
    let actor = viewer.person.id;
    h.db.transaction(move |c| {
        store::upsert(c, &d, &kind, &reason, actor)?;
        audit::record(c, Some(actor), &format!("{kind}_domain"), &d, &reason)?;
        Ok(())
    })
    .await?;
    reload(h).await?;
    view(h, viewer).await
}

pub async fn remove_domain(h: &Hearth, viewer: &Viewer, raw: &str) -> AppResult<PolicyView> {
    viewer.require_admin()?;
    let d = domain(raw)?;
    let actor = viewer.person.id;
    h.db.transaction(move |c| {
        if !store::remove(c, &d)? {
            return Err(AppError::not_found("domain"));
        }
        audit::record(c, Some(actor), "unlist_domain", &d, "")?;
        Ok(())
    })
    .await?;
    reload(h).await?;
    view(h, viewer).await
}

/// `blocklist` or `allowlist`.
pub async fn set_mode(h: &Hearth, viewer: &Viewer, mode: &str) -> AppResult<PolicyView> {
    viewer.require_admin()?;
    let mode = match mode {
        "blocklist" | "allowlist" => mode.to_string(),
        _ => {
            return Err(AppError::invalid(
                "mode",
                "mode must be blocklist or allowlist",
            ));
        }
    };
    let actor = viewer.person.id;
    h.db.transaction(move |c| {
        store::set_mode(c, &mode)?;
        audit::record(c, Some(actor), "federation_mode", &mode, "")?;
        Ok(())
    })
    .await?;
    reload(h).await?;
    view(h, viewer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_host_names() {
        assert_eq!(domain(" Spam.Example. ").unwrap(), "spam.example");
        for bad in [
            "",
            "https://spam.example",
            "spam.example:443",
            "a/b",
            "-x.example",
            "a..b",
        ] {
            assert!(domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn covering_includes_subdomains_only() {
        let list = vec!["spam.example".to_string()];
        assert!(covers(&list, "spam.example"));
        assert!(covers(&list, "a.spam.example"));
        assert!(!covers(&list, "notspam.example"));
    }
}
