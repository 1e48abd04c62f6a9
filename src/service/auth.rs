//! Logging in and out, sessions, and API tokens.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::OnceLock;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::db::{self, persons, tokens};
use crate::domain::{AccountStatus, TokenKind};
use crate::error::{AppError, AppResult};

use super::validate::{self, TOKEN_LABEL_MAX};
use super::{Hearth, Viewer, password, views};

/// Login attempts per client address and per account name. Both must have room, so neither a
/// botnet guessing one account nor one address guessing many accounts gets far. Attempts are
/// counted whether or not they succeed; a person logs in far less often than the limit.
pub struct LoginLimits {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_name: DefaultKeyedRateLimiter<String>,
    /// A hash to verify against when the account does not exist, so the answer takes as long
    /// as for a real account and does not reveal which names exist.
    dummy_hash: OnceLock<String>,
}

impl LoginLimits {
    pub fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(n);
        LoginLimits {
            by_ip: RateLimiter::keyed(quota),
            by_name: RateLimiter::keyed(quota),
            dummy_hash: OnceLock::new(),
        }
    }

    fn check(&self, ip: IpAddr, name: &str) -> AppResult<()> {
        let clock = DefaultClock::default();
        let ip_result = self.by_ip.check_key(&ip);
        let name_result = self.by_name.check_key(&name.to_string());
        for r in [ip_result, name_result] {
            if let Err(not_until) = r {
                let wait = not_until.wait_time_from(clock.now()).as_secs().max(1);
                return Err(AppError::rate_limited(wait));
            }
        }
        Ok(())
    }

    /// Drops the state of keys that are back to a full quota; called periodically.
    pub fn forget_idle(&self) {
        self.by_ip.retain_recent();
        self.by_name.retain_recent();
    }
}

/// Where a request came from, as far as the service needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub ip: IpAddr,
}

impl Default for Client {
    /// The local machine (the command line, tests).
    fn default() -> Self {
        Client {
            ip: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        }
    }
}

/// A new random token secret. The `hth_` prefix makes leaked tokens easy to find by scanners.
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("hth_{}", hex::encode(bytes))
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Checks a name and password and, if they match an active account, issues a session (web) or
/// a login token (API). Wrong name and wrong password give the same answer.
pub async fn login(
    h: &Hearth,
    client: Client,
    name: &str,
    password_input: String,
    kind: TokenKind,
) -> AppResult<(views::IssuedToken, persons::Person)> {
    let person = check_password(h, client, name, password_input).await?;
    match person.status() {
        AccountStatus::Active => {}
        AccountStatus::Pending => {
            return Err(AppError::forbidden(
                "your account is waiting for approval by an administrator",
            ));
        }
        AccountStatus::Rejected => {
            return Err(AppError::forbidden("your application was not accepted"));
        }
        AccountStatus::Suspended => {
            return Err(AppError::forbidden("this account is suspended"));
        }
    }
    let days = i64::from(h.config.session_days);
    let issued = issue(h, person.id, kind, String::new(), Some(days)).await?;
    Ok((issued, person))
}

/// The local account with this name and password, whatever its status (rate-limited per
/// address and name; a wrong name and a wrong password give the same answer, in the same time).
pub async fn check_password(
    h: &Hearth,
    client: Client,
    name: &str,
    password_input: String,
) -> AppResult<persons::Person> {
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err(AppError::invalid("name", "name must not be empty"));
    }
    if password_input.is_empty() {
        return Err(AppError::invalid("password", "password must not be empty"));
    }
    h.limits.check(client.ip, &name)?;

    let lookup = name.clone();
    let person =
        h.db.run(move |c| Ok(persons::find_local(c, &lookup)?))
            .await?;
    let stored = match &person {
        Some(p) => p.password_hash.clone(),
        None => dummy_hash(h).await?,
    };
    let matches = password::verify(password_input, stored).await?;
    match person {
        Some(p) if matches => Ok(p),
        _ => Err(AppError::unauthenticated("wrong name or password")),
    }
}

async fn dummy_hash(h: &Hearth) -> AppResult<String> {
    if let Some(d) = h.limits.dummy_hash.get() {
        return Ok(d.clone());
    }
    let d = password::hash(password::generate()).await?;
    Ok(h.limits.dummy_hash.get_or_init(|| d).clone())
}

async fn issue(
    h: &Hearth,
    person_id: i64,
    kind: TokenKind,
    label: String,
    days: Option<i64>,
) -> AppResult<views::IssuedToken> {
    let secret = new_secret();
    let hash = hash_secret(&secret);
    let token =
        h.db.transaction(move |c| {
            let now = db::now();
            let id = tokens::insert(
                c,
                &tokens::NewToken {
                    person_id,
                    kind: kind.as_str(),
                    label: &label,
                    token_hash: &hash,
                    created_at: now,
                    last_used_at: now,
                    expires_at: days.map(|d| now + chrono::TimeDelta::days(d)),
                },
            )?;
            Ok(tokens::AuthToken {
                id,
                person_id,
                kind: kind.as_str().to_string(),
                label,
                token_hash: hash,
                created_at: now,
                last_used_at: now,
                expires_at: days.map(|d| now + chrono::TimeDelta::days(d)),
            })
        })
        .await?;
    Ok(views::IssuedToken {
        token: secret,
        info: views::TokenInfo::from(&token),
    })
}

/// Who holds this token, if it is valid and the account is active. `kinds` limits which kinds
/// of token are accepted: a session cookie is not an API token and the other way round.
pub async fn authenticate(
    h: &Hearth,
    secret: &str,
    kinds: &[TokenKind],
) -> AppResult<Option<Viewer>> {
    if !secret.starts_with("hth_") || secret.len() > 200 {
        return Ok(None);
    }
    let hash = hash_secret(secret);
    let found =
        h.db.run(move |c| {
            let now = db::now();
            let found = tokens::find_valid(c, &hash, now)?;
            if let Some((t, _)) = &found {
                tokens::touch(c, t.id, now)?;
            }
            Ok(found)
        })
        .await?;
    Ok(found.and_then(|(token, person)| {
        let kind = TokenKind::parse(&token.kind)?;
        (kinds.contains(&kind) && person.status() == AccountStatus::Active).then_some(Viewer {
            person,
            token_id: token.id,
            token_kind: kind,
        })
    }))
}

/// Ends the session or revokes the login token the viewer is using.
pub async fn logout(h: &Hearth, viewer: &Viewer) -> AppResult<()> {
    let (pid, tid) = (viewer.person.id, viewer.token_id);
    h.db.run(move |c| Ok(tokens::delete_for(c, pid, tid)?))
        .await
        .map(drop)
}

/// Creates a personal access token for scripts and tools. It lives until revoked.
pub async fn create_personal_token(
    h: &Hearth,
    viewer: &Viewer,
    label: &str,
) -> AppResult<views::IssuedToken> {
    let label = validate::line("label", label, TOKEN_LABEL_MAX, true)?;
    issue(h, viewer.person.id, TokenKind::Personal, label, None).await
}

pub async fn list_personal_tokens(h: &Hearth, viewer: &Viewer) -> AppResult<Vec<views::TokenInfo>> {
    let pid = viewer.person.id;
    let list =
        h.db.run(move |c| Ok(tokens::list_for(c, pid, TokenKind::Personal)?))
            .await?;
    Ok(list.iter().map(views::TokenInfo::from).collect())
}

/// Revokes one of the viewer's own tokens. Someone else's token id is "not found".
pub async fn revoke_token(h: &Hearth, viewer: &Viewer, id: i64) -> AppResult<()> {
    let pid = viewer.person.id;
    let existed =
        h.db.run(move |c| Ok(tokens::delete_for(c, pid, id)?))
            .await?;
    if existed {
        Ok(())
    } else {
        Err(AppError::not_found("token"))
    }
}

/// Removes expired sessions and login tokens; called periodically.
pub async fn prune_expired(h: &Hearth) -> AppResult<usize> {
    h.db.run(|c| Ok(tokens::delete_expired(c, db::now())?))
        .await
}
