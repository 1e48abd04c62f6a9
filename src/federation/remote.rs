//! Spaces on other servers: finding one by its handle (`support@community.other.example`) so
//! people here can follow it and take part from here.

use activitypub_federation::config::Data;
use activitypub_federation::fetch::webfinger::webfinger_resolve_actor;

use super::actors::ApubRemote;
use super::error::FedError;
use crate::db::{federation as store, spaces};
use crate::error::{AppError, AppResult};
use crate::service::Hearth;

/// The handle as people write it: `support@host`, `@support@host` or Lemmy's `!support@host`.
pub fn parse_handle(input: &str) -> AppResult<(String, String)> {
    let h = input.trim().trim_start_matches(['@', '!']);
    let (name, host) = h.split_once('@').ok_or_else(|| {
        AppError::invalid(
            "handle",
            "write the space as name@server, e.g. support@example.com",
        )
    })?;
    let valid_name = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !valid_name || !valid_host {
        return Err(AppError::invalid(
            "handle",
            "write the space as name@server, e.g. support@example.com",
        ));
    }
    Ok((name.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// Finds a space by handle: one of ours by name, or a Group on another server, resolved by
/// WebFinger and fetched (signed by the instance actor), then kept as a space here.
pub async fn resolve_space(data: &Data<Hearth>, input: &str) -> AppResult<spaces::Space> {
    let (name, host) = parse_handle(input)?;
    let h = data.app_data();
    if host == h.config.domain.to_ascii_lowercase() {
        return crate::service::spaces::get_row(h, &name).await;
    }
    if h.refuses(host.split(':').next().unwrap_or_default()) {
        return Err(AppError::forbidden(super::BLOCKED));
    }
    let actor: ApubRemote = webfinger_resolve_actor(&format!("{name}@{host}"), data)
        .await
        .map_err(|e: FedError| {
            tracing::info!(handle = %input, error = %e.0, "could not resolve a remote space");
            AppError::not_found("space")
        })?;
    if actor.row.kind != "Group" {
        return Err(AppError::invalid(
            "handle",
            "that is a person, not a space (Group)",
        ));
    }
    let row = actor.row.clone();
    h.db.transaction(move |c| Ok(spaces::upsert_remote(c, &store::remote_space(&row))?))
        .await
}
