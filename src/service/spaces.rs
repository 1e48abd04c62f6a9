//! Spaces: created and edited by admins (or the command line), listed for everyone.

use std::collections::HashMap;

use crate::db::{self, audit, spaces};
use crate::domain::PostingMode;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::text::render_markdown;

use super::validate;
use super::{Hearth, Viewer, views};

pub const TITLE_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 5000;
pub const RULES_MAX: usize = 10000;

#[derive(Debug, Clone, Default)]
pub struct NewSpace {
    pub name: String,
    pub title: String,
    pub description: String,
    pub rules: String,
    pub posting_mode: Option<PostingMode>,
}

/// Creates a space. `actor` is None on the command line; otherwise it must be an admin.
pub async fn create(
    h: &Hearth,
    actor: Option<&Viewer>,
    input: NewSpace,
) -> AppResult<views::Space> {
    if let Some(v) = actor {
        v.require_admin()?;
    }
    let name = validate::new_handle("name", &input.name)?;
    let title = validate::line("title", &input.title, TITLE_MAX, true)?;
    let description = validate::text("description", &input.description, DESCRIPTION_MAX, false)?;
    let rules = validate::text("rules", &input.rules, RULES_MAX, false)?;
    let mode = input.posting_mode.unwrap_or(PostingMode::Open);
    let actor_id = actor.map(|v| v.person.id);
    let space =
        h.db.transaction(move |c| {
            let now = db::now();
            let id = spaces::insert(
                c,
                &spaces::NewSpace {
                    name: name.as_str(),
                    title: &title,
                    description_html: &render_markdown(&description),
                    description: &description,
                    rules_html: &render_markdown(&rules),
                    rules: &rules,
                    posting_mode: mode.as_str(),
                    archived: false,
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    AppError::conflict("name", "this name is already taken by a person or a space")
                } else {
                    AppError::from(e)
                }
            })?;
            audit::record(
                c,
                actor_id,
                "create_space",
                name.as_str(),
                &format!("mode={mode}"),
            )?;
            Ok(spaces::get(c, id)?)
        })
        .await?;
    Ok(views::Space::new(&space, 0, None))
}

/// What an edit changed, for the audit log: texts by name, settings with their new value.
fn changed(before: &spaces::Space, after: &spaces::Space) -> String {
    let mut out = Vec::new();
    for (name, a, b) in [
        ("title", &before.title, &after.title),
        ("description", &before.description, &after.description),
        ("rules", &before.rules, &after.rules),
    ] {
        if a != b {
            out.push(name.to_string());
        }
    }
    if before.posting_mode != after.posting_mode {
        out.push(format!("posting_mode={}", after.posting_mode));
    }
    if before.archived != after.archived {
        out.push(
            if after.archived {
                "archived"
            } else {
                "unarchived"
            }
            .into(),
        );
    }
    for (name, a, b) in [
        (
            "response_target_minutes",
            before.response_target_minutes,
            after.response_target_minutes,
        ),
        (
            "newcomer_posts",
            before.newcomer_posts,
            after.newcomer_posts,
        ),
        (
            "spam_threshold",
            before.spam_threshold,
            after.spam_threshold,
        ),
    ] {
        if a != b {
            out.push(format!("{name}={b}"));
        }
    }
    if out.is_empty() {
        "no change".into()
    } else {
        out.join(", ")
    }
}

/// The most posts of a newcomer the gate can hold for approval.
pub const NEWCOMER_POSTS_MAX: i64 = 20;

/// Changes to a space; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SpaceUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Option<String>,
    pub posting_mode: Option<PostingMode>,
    /// Archived spaces are read-only and hidden from the home page.
    pub archived: Option<bool>,
    /// How soon staff should answer, in minutes (0: no target; at most 30 days).
    pub response_target_minutes: Option<i64>,
    /// The newcomer gate: how many posts of a newcomer wait for approval (0: none; at most 20).
    pub newcomer_posts: Option<i64>,
    /// The spam score at which members' posts wait for a moderator (1–100; 0: never).
    pub spam_threshold: Option<i64>,
}

pub async fn update(
    h: &Hearth,
    viewer: &Viewer,
    name: &str,
    input: SpaceUpdate,
) -> AppResult<views::Space> {
    viewer.require_admin()?;
    let title = input
        .title
        .map(|t| validate::line("title", &t, TITLE_MAX, true))
        .transpose()?;
    let description = input
        .description
        .map(|d| validate::text("description", &d, DESCRIPTION_MAX, false))
        .transpose()?;
    let rules = input
        .rules
        .map(|r| validate::text("rules", &r, RULES_MAX, false))
        .transpose()?;
    if let Some(t) = input.response_target_minutes
        && !(0..=super::desk::TARGET_MAX_MINUTES).contains(&t)
    {
        return Err(AppError::invalid(
            "response_target_minutes",
            "response_target_minutes must be between 0 (no target) and 43200 (30 days)",
        ));
    }
    if let Some(n) = input.newcomer_posts
        && !(0..=NEWCOMER_POSTS_MAX).contains(&n)
    {
        return Err(AppError::invalid(
            "newcomer_posts",
            format!("newcomer_posts must be between 0 (no gate) and {NEWCOMER_POSTS_MAX}"),
        ));
    }
    if let Some(n) = input.spam_threshold
        && !(0..=100).contains(&n)
    {
        return Err(AppError::invalid(
            "spam_threshold",
            "spam_threshold must be between 1 and 100, or 0 to hold nothing for its score",
        ));
    }
    let space = get_row(h, name).await?;
    if space.is_remote() {
        return Err(AppError::forbidden(
            "this space lives on another server; only its own moderators can change it",
        ));
    }
    let actor = viewer.person.id;
    let updated =
        h.db.transaction(move |c| {
            let changes = spaces::SpaceChanges {
                description_html: description.as_deref().map(render_markdown),
                rules_html: rules.as_deref().map(render_markdown),
                title,
                description,
                rules,
                posting_mode: input.posting_mode.map(|m| m.as_str().to_string()),
                archived: input.archived,
                response_target_minutes: input.response_target_minutes,
                newcomer_posts: input.newcomer_posts,
                spam_threshold: input.spam_threshold,
                updated_at: Some(db::now()),
            };
            spaces::update(c, space.id, &changes)?;
            let after = spaces::get(c, space.id)?;
            audit::record(
                c,
                Some(actor),
                "update_space",
                &space.name,
                &changed(&space, &after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(views::Space::new(&updated, 0, None))
}

pub(crate) async fn get_row(h: &Hearth, name: &str) -> AppResult<spaces::Space> {
    let name = name.trim().to_ascii_lowercase();
    h.db.run(move |c| Ok(spaces::find_by_name(c, &name)?))
        .await?
        .ok_or_else(|| AppError::not_found("space"))
}

/// A space with its activity.
pub async fn get(h: &Hearth, name: &str) -> AppResult<views::Space> {
    let space = get_row(h, name).await?;
    let id = space.id;
    let activity = h.db.run(|c| Ok(spaces::activity(c)?)).await?;
    let (count, last) = activity
        .into_iter()
        .find(|a| a.0 == id)
        .map(|a| (a.1, a.2))
        .unwrap_or((0, None));
    Ok(views::Space::new(&space, count, last))
}

/// The spaces of the instance with their activity (two queries, whatever the number of spaces).
pub async fn list(h: &Hearth, include_archived: bool) -> AppResult<Vec<views::Space>> {
    let (rows, activity) =
        h.db.run(move |c| Ok((spaces::list(c, include_archived)?, spaces::activity(c)?)))
            .await?;
    Ok(with_activity(&rows, activity))
}

/// Spaces with their thread counts and last activity (from [`spaces::activity`]).
fn with_activity(
    rows: &[spaces::Space],
    activity: Vec<(i64, i64, Option<chrono::NaiveDateTime>)>,
) -> Vec<views::Space> {
    let activity: HashMap<i64, (i64, Option<chrono::NaiveDateTime>)> = activity
        .into_iter()
        .map(|(id, n, last)| (id, (n, last)))
        .collect();
    rows.iter()
        .map(|s| {
            let (n, last) = activity.get(&s.id).copied().unwrap_or((0, None));
            views::Space::new(s, n, last)
        })
        .collect()
}

/// Where a person stands with a space on another server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowState {
    /// Not following.
    None,
    /// The Follow was sent; the space's server has not accepted it yet.
    Pending,
    /// Following: its threads arrive here.
    Accepted,
}

impl FollowState {
    fn of(sub: Option<&spaces::Subscription>) -> FollowState {
        match sub {
            None => FollowState::None,
            Some(s) if s.accepted_at.is_some() => FollowState::Accepted,
            Some(_) => FollowState::Pending,
        }
    }
}

/// The viewer's follow of a space (always `None` for spaces of this instance: everyone here
/// sees them).
pub async fn follow_state(h: &Hearth, viewer: &Viewer, name: &str) -> AppResult<FollowState> {
    let space = get_row(h, name).await?;
    let person = viewer.person.id;
    let sub =
        h.db.run(move |c| Ok(spaces::subscription(c, space.id, person)?))
            .await?;
    Ok(FollowState::of(sub.as_ref()))
}

/// Follows a space on another server: records the subscription and, in the same transaction,
/// the event that sends the Follow. Following twice changes nothing.
pub async fn follow(h: &Hearth, viewer: &Viewer, name: &str) -> AppResult<FollowState> {
    let space = get_row(h, name).await?;
    if !space.is_remote() {
        return Err(AppError::invalid(
            "space",
            "this space is on this server; there is nothing to follow",
        ));
    }
    let person = viewer.person.id;
    let follow_id = format!(
        "{}/activities/follow/{}",
        h.config.public_url(),
        random_hex()
    );
    let state =
        h.db.transaction(move |c| {
            if let Some(sub) = spaces::subscription(c, space.id, person)? {
                return Ok(FollowState::of(Some(&sub)));
            }
            let id = spaces::subscribe(c, space.id, person, &follow_id)?;
            db::outbox::record(c, db::outbox::SPACE_FOLLOWED, id)?;
            Ok(FollowState::Pending)
        })
        .await?;
    h.outbox.notify_one();
    Ok(state)
}

/// Stops following a space on another server (an `Undo(Follow)` goes to it). Threads already
/// received stay.
pub async fn unfollow(h: &Hearth, viewer: &Viewer, name: &str) -> AppResult<FollowState> {
    let space = get_row(h, name).await?;
    let person = viewer.person.id;
    h.db.transaction(move |c| {
        if let Some(sub) = spaces::subscription(c, space.id, person)? {
            spaces::unsubscribe(c, sub.id)?;
            let payload = serde_json::json!({
                "person_id": person,
                "follow_id": sub.follow_activity_id,
            });
            db::outbox::record_payload(
                c,
                db::outbox::SPACE_UNFOLLOWED,
                space.id,
                &payload.to_string(),
            )?;
        }
        Ok(())
    })
    .await?;
    h.outbox.notify_one();
    Ok(FollowState::None)
}

/// Spaces on other servers that people here follow.
pub async fn list_followed_remote(h: &Hearth) -> AppResult<Vec<views::Space>> {
    let (rows, activity) =
        h.db.run(|c| Ok((spaces::list_followed_remote(c)?, spaces::activity(c)?)))
            .await?;
    Ok(with_activity(&rows, activity))
}

pub(crate) fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}
