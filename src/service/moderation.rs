//! Reports and the moderators' queue. Anyone signed in can report a post or a person with a
//! reason; reports from other servers (`Flag`) land in the same queue. Moderators and admins
//! see the open reports, oldest first, and resolve each with a note (recorded in the audit log).
//!
//! Moderators remove posts with a reason — they never change the words — and restore them.
//! Every removal and restore goes into the public moderation log; in a space here it is also
//! federated (the Group announces a `Delete` by the moderator, with the reason in `summary`,
//! as Lemmy does, and `Undo`es it on restore).
//!
//! Bans keep a person (from here or elsewhere) out of one space or the whole instance, until a
//! date or until lifted, optionally removing what they wrote there. A banned person still reads,
//! exports and deletes their words; they cannot post, reply, edit, like or report there. A ban
//! from a space here is federated as Lemmy's `Block` announced by the Group.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, audit, bans, modlog, persons, posts, reports, threads};
use crate::error::{AppError, AppResult};

use super::{Hearth, Viewer, validate, views};

pub const REASON_MAX: usize = 2000;
pub const NOTE_MAX: usize = 2000;

/// What is reported.
#[derive(Debug, Clone)]
pub enum Target {
    Post(i64),
    Person(String),
}

/// A report as moderators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    /// Who reported: a local name, or the reporting actor's id on another server.
    pub reporter: String,
    /// True for reports received from another server.
    pub from_elsewhere: bool,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The reported post (local reports).
    pub post: Option<ReportedPost>,
    /// The reported person's name (local reports of a person).
    pub person: Option<String>,
    /// The ids of what a report from elsewhere names.
    pub objects: Vec<String>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub resolution: String,
    /// For a report here about someone (or something) from another server: that server, to
    /// which a moderator can forward it.
    pub origin: Option<String>,
    pub forwarded_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportedPost {
    pub id: i64,
    pub author: String,
    pub excerpt: String,
    pub deleted: bool,
    /// Removed by moderators.
    pub removed: bool,
    pub url: String,
}

fn require_moderator(viewer: &Viewer) -> AppResult<()> {
    require_moderator_to("see and resolve reports", viewer)
}

/// The remote actor a local report is about: the reported person, or the author of the reported
/// post, when they are from another server.
fn target_actor(
    c: &mut db::DbConn,
    r: &reports::Report,
) -> AppResult<Option<db::federation::RemoteActor>> {
    let person = match (r.person_id, r.post_id) {
        (Some(id), _) => Some(persons::get(c, id)?),
        (None, Some(post)) => match posts::find(c, post)? {
            Some(p) => Some(persons::get(c, p.author_id)?),
            None => None,
        },
        (None, None) => None,
    };
    match person.and_then(|p| p.remote_actor_id) {
        Some(id) => Ok(db::federation::find_actor_by_id(c, id)?),
        None => Ok(None),
    }
}

fn view(c: &mut db::DbConn, r: reports::Report) -> AppResult<Report> {
    let post = match r.post_id {
        Some(id) => match posts::find(c, id)? {
            Some(p) => {
                let thread = db::threads::find(c, p.thread_id)?
                    .ok_or_else(|| AppError::not_found("thread"))?;
                let space = db::spaces::get(c, thread.space_id)?;
                let author = persons::get(c, p.author_id)?;
                let base = views::thread_url(&space.name, thread.id, &thread.slug);
                Some(ReportedPost {
                    id: p.id,
                    author: author.name,
                    excerpt: crate::text::excerpt(&p.body, 280),
                    deleted: p.deleted_at.is_some(),
                    removed: p.is_removed(),
                    url: if p.parent_id.is_none() {
                        base
                    } else {
                        format!("{base}#post-{}", p.id)
                    },
                })
            }
            None => None,
        },
        None => None,
    };
    let person = match r.person_id {
        Some(id) => Some(persons::get(c, id)?.name),
        None => None,
    };
    let origin = match r.reporter_id {
        Some(_) => target_actor(c, &r)?.map(|a| a.domain),
        None => None,
    };
    Ok(Report {
        origin,
        forwarded_at: r.forwarded_at.map(|t| t.and_utc()),
        id: r.id,
        from_elsewhere: r.reporter_id.is_none(),
        reporter: r.reporter,
        reason: r.reason,
        created_at: r.created_at.and_utc(),
        post,
        person,
        objects: serde_json::from_str(&r.objects).unwrap_or_default(),
        resolved_at: r.resolved_at.map(|t| t.and_utc()),
        resolution: r.resolution,
    })
}

/// Reports a post or a person. Reporting the same thing again while the first report is open
/// returns that report.
pub async fn report(
    h: &Hearth,
    viewer: &Viewer,
    target: Target,
    reason_in: &str,
) -> AppResult<Report> {
    let reason = validate::text("reason", reason_in, REASON_MAX, true)?;
    h.rate.report(viewer.person.id)?;
    let reporter_id = viewer.person.id;
    let reporter = viewer.person.name.clone();
    let id = format!(
        "{}/reports/{}",
        h.config.public_url(),
        super::spaces::random_hex()
    );
    h.db.transaction(move |c| {
        ensure_not_banned(c, reporter_id, None)?;
        let (post_id, person_id) = match &target {
            Target::Post(id) => {
                posts::find(c, *id)?.ok_or_else(|| AppError::not_found("post"))?;
                (Some(*id), None)
            }
            Target::Person(name) => {
                let p = persons::find_by_name(c, &name.trim().to_ascii_lowercase())?
                    .ok_or_else(|| AppError::not_found("account"))?;
                (None, Some(p.id))
            }
        };
        if let Some(existing) = reports::open_duplicate(c, reporter_id, post_id, person_id)? {
            return view(c, existing);
        }
        let rid = reports::insert_local(
            c,
            &reports::NewLocalReport {
                activity_id: &id,
                reporter: &reporter,
                reporter_id,
                reason: &reason,
                post_id,
                person_id,
            },
        )?;
        let row = reports::find(c, rid)?.ok_or_else(|| AppError::not_found("report"))?;
        view(c, row)
    })
    .await
}

/// The open reports, oldest first (moderators and admins).
pub async fn open_reports(h: &Hearth, viewer: &Viewer) -> AppResult<Vec<Report>> {
    require_moderator(viewer)?;
    h.db.run(|c| {
        reports::open(c, 200)?
            .into_iter()
            .map(|r| view(c, r))
            .collect()
    })
    .await
}

/// Forwards a report made here to the server of the person or post it is about (Mastodon's
/// "forward to the remote server"): a `Flag` from the instance actor with the reason, never the
/// reporter's name. Only for reports about someone from another server, once.
pub async fn forward(h: &Hearth, viewer: &Viewer, id: i64) -> AppResult<Report> {
    require_moderator(viewer)?;
    let by = viewer.person.id;
    let report =
        h.db.transaction(move |c| {
            let r = reports::find(c, id)?.ok_or_else(|| AppError::not_found("report"))?;
            if r.reporter_id.is_none() {
                return Err(AppError::invalid(
                    "report",
                    "this report came from another server; it is not forwarded back",
                ));
            }
            let Some(actor) = target_actor(c, &r)? else {
                return Err(AppError::invalid(
                    "report",
                    "this report is about someone here; there is no other server to tell",
                ));
            };
            if !reports::mark_forwarded(c, id)? {
                return Err(AppError::conflict(
                    "report",
                    "this report was already forwarded",
                ));
            }
            db::outbox::record(c, db::outbox::REPORT_FORWARDED, id)?;
            audit::record(
                c,
                Some(by),
                "forward_report",
                &format!("report {id}"),
                &actor.domain,
            )?;
            let row = reports::find(c, id)?.ok_or_else(|| AppError::not_found("report"))?;
            view(c, row)
        })
        .await?;
    h.outbox.notify_one();
    Ok(report)
}

/// What a moderator does about a report when resolving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing to act on: the report is closed with the note.
    #[default]
    Dismiss,
    /// Remove the reported post, with the note as the public reason.
    RemovePost,
    /// Remove it as spam: the same, and the spam filter learns from it.
    RemoveSpam,
}

/// Resolves a report with a note (recorded in the audit log), after acting on it: with
/// `RemovePost` the reported post is removed, the note being the reason, in the same
/// transaction.
pub async fn resolve(
    h: &Hearth,
    viewer: &Viewer,
    id: i64,
    note_in: &str,
    action: Action,
) -> AppResult<Report> {
    require_moderator(viewer)?;
    let note = validate::text("note", note_in, NOTE_MAX, true)?;
    let by = viewer.person.id;
    let report =
        h.db.transaction(move |c| {
            let report = reports::find(c, id)?.ok_or_else(|| AppError::not_found("report"))?;
            if report.resolved_at.is_some() {
                return Err(AppError::conflict(
                    "report",
                    "this report is already resolved",
                ));
            }
            if action != Action::Dismiss {
                let post = report.post_id.ok_or_else(|| {
                    AppError::invalid("action", "this report is not about a post")
                })?;
                remove_in(c, by, post, &note, action == Action::RemoveSpam)?;
            }
            if !reports::resolve(c, id, by, &note)? {
                return Err(AppError::conflict(
                    "report",
                    "this report is already resolved",
                ));
            }
            audit::record(
                c,
                Some(by),
                "resolve_report",
                &format!("report {id}"),
                &note,
            )?;
            let row = reports::find(c, id)?.ok_or_else(|| AppError::not_found("report"))?;
            view(c, row)
        })
        .await?;
    h.outbox.notify_one();
    Ok(report)
}

/// Removes a post (`remove`) or restores it, in the caller's transaction: the post (never its
/// words) and its thread, the public log, and the outbox (the Group announces it). Returns the
/// log entry.
fn set_removal(
    c: &mut db::DbConn,
    by: i64,
    post_id: i64,
    remove: bool,
    reason: &str,
) -> AppResult<i64> {
    let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
    if remove && post.deleted_at.is_some() {
        return Err(AppError::conflict(
            "post",
            "its author deleted this post; there is nothing left to remove",
        ));
    }
    if !remove && modlog::latest_action(c, post.id)?.as_deref() == Some(modlog::REJECT_POST) {
        return Err(AppError::conflict(
            "post",
            "this post was turned down before it was published; it cannot be restored",
        ));
    }
    if !posts::set_removed(c, post.id, remove.then(|| (reason, db::now())))? {
        let state = if remove {
            "already removed"
        } else {
            "not removed"
        };
        return Err(AppError::conflict("post", format!("this post is {state}")));
    }
    let thread = threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
    if post.parent_id.is_none() {
        threads::set_removed(c, thread.id, remove)?;
    }
    let (action, event) = if remove {
        (modlog::REMOVE_POST, db::outbox::POST_REMOVED)
    } else {
        (modlog::RESTORE_POST, db::outbox::POST_RESTORED)
    };
    let entry = modlog::record(
        c,
        &modlog::NewEntry {
            moderator_id: Some(by),
            action,
            space_id: Some(thread.space_id),
            post_id: Some(post.id),
            person_id: Some(post.author_id),
            reason,
            expires_at: None,
        },
    )?;
    db::outbox::record(c, event, entry)?;
    // A restored post was judged acceptable: if its removal taught the filter "spam", that is
    // taken back, and it now counts as not spam.
    if !remove && post.trained_spam == Some(true) {
        super::spam::train(c, &post, Some(false))?;
    }
    Ok(entry)
}

/// Removes a post; `spam`: as spam, which the filter learns.
fn remove_in(
    c: &mut db::DbConn,
    by: i64,
    post_id: i64,
    reason: &str,
    spam: bool,
) -> AppResult<i64> {
    let entry = set_removal(c, by, post_id, true, reason)?;
    if spam {
        let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
        super::spam::train(c, &post, Some(true))?;
    }
    Ok(entry)
}

/// A moderator removes a post with a reason (shown in its place and in the public log). Its
/// author still sees it; nobody can edit it while it is removed. With `spam`, the spam filter
/// learns from it.
pub async fn remove_post(
    h: &Hearth,
    viewer: &Viewer,
    post_id: i64,
    reason_in: &str,
    spam: bool,
) -> AppResult<LogEntry> {
    require_moderator_to("remove posts", viewer)?;
    let reason = validate::text("reason", reason_in, REASON_MAX, true)?;
    let by = viewer.person.id;
    let entry =
        h.db.transaction(move |c| {
            let id = remove_in(c, by, post_id, &reason, spam)?;
            entry_view(c, id)
        })
        .await?;
    h.outbox.notify_one();
    Ok(entry)
}

/// A moderator restores a removed post (the reason, optional, goes into the public log).
pub async fn restore_post(
    h: &Hearth,
    viewer: &Viewer,
    post_id: i64,
    reason_in: &str,
) -> AppResult<LogEntry> {
    require_moderator_to("restore posts", viewer)?;
    let reason = validate::text("reason", reason_in, REASON_MAX, false)?;
    let by = viewer.person.id;
    let entry =
        h.db.transaction(move |c| {
            let id = set_removal(c, by, post_id, false, &reason)?;
            entry_view(c, id)
        })
        .await?;
    h.outbox.notify_one();
    Ok(entry)
}

/// The moderators of a space on another server removed (or restored) one of its posts: the
/// Group, which speaks for the space, said so. Applied here as it is; our own log records only
/// what moderators here do.
pub async fn removed_at_origin(h: &Hearth, post_id: i64, reason: Option<String>) -> AppResult<()> {
    h.db.transaction(move |c| {
        let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
        let changed = posts::set_removed(c, post.id, reason.as_deref().map(|r| (r, db::now())))?;
        if changed && post.parent_id.is_none() {
            threads::set_removed(c, post.thread_id, reason.is_some())?;
        }
        Ok(())
    })
    .await
}

fn require_moderator_to(what: &str, viewer: &Viewer) -> AppResult<()> {
    if viewer.role().can_moderate() {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "only moderators and administrators can {what}"
        )))
    }
}

/// One line of the public moderation log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogEntry {
    pub id: i64,
    /// `remove_post`, `restore_post`, `approve_post`, `reject_post`, `ban` or `unban`.
    pub action: String,
    /// The moderator's name; absent when the instance shows "a moderator" instead.
    pub moderator: Option<String>,
    /// What to show for the moderator: their display name, or "a moderator".
    pub moderator_label: String,
    /// The space it happened in.
    pub space: Option<String>,
    /// Whom it concerns: the author of the post, or the person banned.
    pub person: Option<String>,
    pub post_id: Option<i64>,
    /// Where the post is shown.
    pub url: Option<String>,
    pub reason: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Pass as `before` for older entries; absent on the last page.
    pub next: Option<i64>,
}

/// Turns log rows into what readers see, in a fixed number of queries per page.
fn log_views(
    c: &mut db::DbConn,
    rows: Vec<modlog::Entry>,
    names: bool,
) -> AppResult<Vec<LogEntry>> {
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|e| [e.moderator_id, e.person_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let people: std::collections::HashMap<i64, persons::Person> = persons::by_ids(c, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let post_ids: Vec<i64> = rows.iter().filter_map(|e| e.post_id).collect();
    let places: std::collections::HashMap<i64, (Option<i64>, String)> =
        posts::places(c, &post_ids)?
            .into_iter()
            .map(|(post, parent, space, thread, slug)| {
                let base = views::thread_url(&space, thread, &slug);
                let url = match parent {
                    None => base,
                    Some(_) => format!("{base}#post-{post}"),
                };
                (post, (parent, url))
            })
            .collect();
    let mut space_ids: Vec<i64> = rows.iter().filter_map(|e| e.space_id).collect();
    space_ids.sort_unstable();
    space_ids.dedup();
    let spaces: std::collections::HashMap<i64, String> =
        db::spaces::names(c, &space_ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|e| {
            let moderator = e.moderator_id.and_then(|id| people.get(&id));
            LogEntry {
                id: e.id,
                action: e.action,
                moderator: moderator.filter(|_| names).map(|p| p.name.clone()),
                moderator_label: match moderator.filter(|_| names) {
                    Some(p) if !p.display_name.is_empty() => p.display_name.clone(),
                    Some(p) => p.name.clone(),
                    None => "a moderator".into(),
                },
                space: e.space_id.and_then(|id| spaces.get(&id).cloned()),
                person: e
                    .person_id
                    .and_then(|id| people.get(&id))
                    .map(|p| p.name.clone()),
                post_id: e.post_id,
                url: e
                    .post_id
                    .and_then(|id| places.get(&id))
                    .map(|(_, u)| u.clone()),
                reason: e.reason,
                expires_at: e.expires_at.map(|t| t.and_utc()),
                created_at: e.created_at.and_utc(),
            }
        })
        .collect())
}

/// One entry, as the moderator who just made it sees it.
fn entry_view(c: &mut db::DbConn, id: i64) -> AppResult<LogEntry> {
    let row = modlog::find(c, id)?.ok_or_else(|| AppError::not_found("log entry"))?;
    Ok(log_views(c, vec![row], true)?.remove(0))
}

pub const LOG_PAGE: i64 = 50;

/// The public moderation log, newest first, for everyone (optionally one space's). Moderators
/// are named unless the admin chose "a moderator"; moderators and admins always see names.
pub async fn log(
    h: &Hearth,
    viewer: Option<&Viewer>,
    space: Option<&str>,
    before: Option<i64>,
) -> AppResult<LogPage> {
    let insider = viewer.is_some_and(|v| v.role().can_moderate());
    let space = space.map(|s| s.trim().to_ascii_lowercase());
    h.db.run(move |c| {
        let names = insider || db::instance::get(c)?.modlog_names;
        let space_id = match &space {
            Some(name) => Some(
                db::spaces::find_by_name(c, name)?
                    .ok_or_else(|| AppError::not_found("space"))?
                    .id,
            ),
            None => None,
        };
        let mut rows = modlog::page(c, space_id, before, LOG_PAGE + 1)?;
        let next = if rows.len() as i64 > LOG_PAGE {
            rows.truncate(LOG_PAGE as usize);
            rows.last().map(|e| e.id)
        } else {
            None
        };
        Ok(LogPage {
            entries: log_views(c, rows, names)?,
            next,
        })
    })
    .await
}

pub const BAN_DAYS_MAX: i64 = 3650;

/// A ban as moderators set it.
#[derive(Debug, Clone, Default)]
pub struct BanInput {
    /// The person: a local name or `user@host`.
    pub account: String,
    /// The space; None for the whole instance.
    pub space: Option<String>,
    pub reason: String,
    /// For how many days (1–3650); None until lifted.
    pub days: Option<i64>,
    /// Also remove everything they wrote there (each removal logged, with the ban's reason).
    pub remove_content: bool,
}

/// A ban in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BanView {
    pub id: i64,
    /// The banned person's name (`user@host` for people from elsewhere).
    pub person: String,
    /// The space; absent for a ban from the whole instance.
    pub space: Option<String>,
    pub reason: String,
    pub banned_by: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Absent: until lifted.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Turns ban rows into views in two queries however many there are (names of the people and
/// of the spaces), as `log_views` does for the log.
fn ban_views(c: &mut db::DbConn, rows: Vec<bans::Ban>) -> AppResult<Vec<BanView>> {
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|b| [Some(b.person_id), b.created_by])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = persons::by_ids(c, &ids)?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut space_ids: Vec<i64> = rows.iter().filter_map(|b| b.space_id).collect();
    space_ids.sort_unstable();
    space_ids.dedup();
    let spaces: std::collections::HashMap<i64, String> =
        db::spaces::names(c, &space_ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|b| BanView {
            id: b.id,
            person: names.get(&b.person_id).cloned().unwrap_or_default(),
            space: b.space_id.and_then(|id| spaces.get(&id).cloned()),
            reason: b.reason,
            banned_by: b.created_by.and_then(|id| names.get(&id).cloned()),
            created_at: b.created_at.and_utc(),
            expires_at: b.expires_at.map(|t| t.and_utc()),
        })
        .collect())
}

/// Refuses what a banned person tries to do in `space_id` (or, with None, anywhere on the
/// instance): 403 with the ban's reason and end. Called by every use case that writes on
/// someone's behalf, local or received from another server.
pub fn ensure_not_banned(
    c: &mut db::DbConn,
    person_id: i64,
    space_id: Option<i64>,
) -> AppResult<()> {
    let Some(ban) = bans::in_force(c, person_id, bans::Scope::Covering(space_id), db::now())?
    else {
        return Ok(());
    };
    let scope = if ban.space_id.is_some() {
        "this space"
    } else {
        "this server"
    };
    let until = match ban.expires_at {
        Some(t) => format!(" until {}", t.and_utc().format("%Y-%m-%d %H:%M UTC")),
        None => String::new(),
    };
    Err(AppError::forbidden(format!(
        "you are banned from {scope}{until}: {}",
        ban.reason
    )))
}

/// Bans a person from a space or the whole instance (moderators and admins). Staff, moderators
/// and admins cannot be banned (change their role first), nor can one ban oneself.
pub async fn ban(h: &Hearth, viewer: &Viewer, input: BanInput) -> AppResult<BanView> {
    require_moderator_to("ban people", viewer)?;
    let reason = validate::text("reason", &input.reason, REASON_MAX, true)?;
    if let Some(d) = input.days
        && !(1..=BAN_DAYS_MAX).contains(&d)
    {
        return Err(AppError::invalid(
            "days",
            format!(
                "days must be between 1 and {BAN_DAYS_MAX}, or left out for a ban until lifted"
            ),
        ));
    }
    let by = viewer.person.id;
    let account = input
        .account
        .trim()
        .trim_start_matches('@')
        .to_ascii_lowercase();
    let space = input
        .space
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    let view =
        h.db.transaction(move |c| {
            let person = persons::find_by_name(c, &account)?
                .ok_or_else(|| AppError::not_found("account"))?;
            if person.id == by {
                return Err(AppError::invalid("account", "you cannot ban yourself"));
            }
            if person.remote_actor_id.is_none() && person.role() != crate::domain::Role::Member {
                return Err(AppError::forbidden(
                    "staff, moderators and admins cannot be banned; change their role first",
                ));
            }
            let space = match &space {
                Some(name) => Some(
                    db::spaces::find_by_name(c, name)?
                        .ok_or_else(|| AppError::not_found("space"))?,
                ),
                None => None,
            };
            let space_id = space.as_ref().map(|s| s.id);
            let now = db::now();
            if bans::in_force(c, person.id, bans::Scope::Exactly(space_id), now)?.is_some() {
                return Err(AppError::conflict(
                    "account",
                    "they are already banned there",
                ));
            }
            let expires_at = input.days.map(|d| now + chrono::TimeDelta::days(d));
            let entry = modlog::record(
                c,
                &modlog::NewEntry {
                    moderator_id: Some(by),
                    action: modlog::BAN,
                    space_id,
                    post_id: None,
                    person_id: Some(person.id),
                    reason: &reason,
                    expires_at,
                },
            )?;
            let id = bans::insert(
                c,
                &bans::NewBan {
                    person_id: person.id,
                    space_id,
                    reason: &reason,
                    created_by: by,
                    expires_at,
                    log_entry_id: entry,
                },
            )?;
            if input.remove_content {
                for post in posts::ids_up_by_author(c, person.id, space_id)? {
                    remove_in(c, by, post, &reason, false)?;
                }
            }
            // A ban from a space here is passed on by its Group (Lemmy's community ban).
            if space.as_ref().is_some_and(|s| !s.is_remote()) {
                db::outbox::record_payload(
                    c,
                    db::outbox::PERSON_BANNED,
                    entry,
                    &serde_json::json!({ "remove_data": input.remove_content }).to_string(),
                )?;
            }
            let row = bans::find(c, id)?.ok_or_else(|| AppError::not_found("ban"))?;
            Ok(ban_views(c, vec![row])?.remove(0))
        })
        .await?;
    h.outbox.notify_one();
    Ok(view)
}

/// Lifts a ban in force (moderators and admins); the optional reason goes into the log.
pub async fn lift_ban(h: &Hearth, viewer: &Viewer, id: i64, reason_in: &str) -> AppResult<()> {
    require_moderator_to("lift bans", viewer)?;
    let reason = validate::text("reason", reason_in, REASON_MAX, false)?;
    let by = viewer.person.id;
    h.db.transaction(move |c| {
        let ban = bans::find(c, id)?.ok_or_else(|| AppError::not_found("ban"))?;
        if !bans::lift(c, id, by, db::now())? {
            return Err(AppError::conflict("ban", "this ban is no longer in force"));
        }
        let entry = modlog::record(
            c,
            &modlog::NewEntry {
                moderator_id: Some(by),
                action: modlog::UNBAN,
                space_id: ban.space_id,
                post_id: None,
                person_id: Some(ban.person_id),
                reason: &reason,
                expires_at: None,
            },
        )?;
        if let Some(space_id) = ban.space_id
            && !db::spaces::get(c, space_id)?.is_remote()
            && let Some(banned) = ban.log_entry_id
        {
            db::outbox::record_payload(
                c,
                db::outbox::PERSON_UNBANNED,
                entry,
                &serde_json::json!({ "ban_entry": banned }).to_string(),
            )?;
        }
        Ok(())
    })
    .await?;
    h.outbox.notify_one();
    Ok(())
}

/// The bans in force, oldest first (moderators and admins).
pub async fn bans_in_force(h: &Hearth, viewer: &Viewer) -> AppResult<Vec<BanView>> {
    require_moderator_to("see bans", viewer)?;
    h.db.run(|c| {
        let rows = bans::all_in_force(c, db::now(), 500)?;
        ban_views(c, rows)
    })
    .await
}

/// A post waiting for a moderator's approval, as the queue shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldPost {
    pub id: i64,
    pub author: views::Author,
    pub space: String,
    /// The thread's title (for a held question, its own).
    pub thread_title: String,
    pub url: String,
    /// True for a new thread, false for a reply.
    pub opening: bool,
    pub body: String,
    pub body_html: String,
    /// Why it waits (a rule of the newcomer gate, or its spam score).
    pub reason: String,
    /// Its spam score (0–100) and what made it, for a member's post.
    pub spam_score: Option<i64>,
    pub spam_why: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The posts waiting for approval, oldest first (moderators and admins).
pub async fn held_posts(h: &Hearth, viewer: &Viewer) -> AppResult<Vec<HeldPost>> {
    require_moderator_to("see posts waiting for approval", viewer)?;
    h.db.run(|c| {
        Ok(posts::held(c, 200)?
            .into_iter()
            .map(|(p, author, t, s)| {
                let base = views::thread_url(&s.name, t.id, &t.slug);
                HeldPost {
                    id: p.id,
                    author: views::Author::from(&author),
                    space: s.name,
                    thread_title: t.title,
                    url: if p.parent_id.is_none() {
                        base
                    } else {
                        format!("{base}#post-{}", p.id)
                    },
                    opening: p.parent_id.is_none(),
                    body: p.body,
                    body_html: p.body_html,
                    reason: p.held_reason,
                    spam_score: p.spam_score,
                    spam_why: p.spam_why,
                    created_at: p.created_at.and_utc(),
                }
            })
            .collect())
    })
    .await
}

/// A moderator lets a held post through: from now on everyone sees it, and it is published
/// as if just written (it federates, notifies, and a question reaches the desk, waiting since
/// it was asked). The spam filter learns it as not spam.
pub async fn approve(h: &Hearth, viewer: &Viewer, post_id: i64) -> AppResult<()> {
    require_moderator_to("approve posts", viewer)?;
    let by = viewer.person.id;
    h.db.transaction(move |c| {
        let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
        if post.is_removed() {
            return Err(AppError::conflict(
                "post",
                "this post was removed while it waited; restore it first",
            ));
        }
        if !posts::set_held(c, post.id, None)? {
            return Err(AppError::conflict(
                "post",
                "this post is not waiting for approval",
            ));
        }
        let thread =
            threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        let space = db::spaces::get(c, thread.space_id)?;
        let author = persons::get(c, post.author_id)?;
        let parent_author = match post.parent_id {
            Some(pid) => Some(
                posts::find(c, pid)?
                    .ok_or_else(|| AppError::not_found("post"))?
                    .author_id,
            ),
            None => {
                threads::set_held(c, thread.id, false)?;
                if !space.is_remote() {
                    db::desk::note_post(c, thread.id, post.created_at, author.role().is_staff())?;
                }
                None
            }
        };
        super::threads::publish(
            c,
            &super::threads::Publish {
                thread: &thread,
                local_space: !space.is_remote(),
                post_id: post.id,
                parent_author,
                author: &author,
                body: &post.body,
                from_elsewhere: post.ap_id.is_some(),
                received: post.held_activity.as_deref(),
                at: db::now(),
                written_at: post.created_at,
            },
        )?;
        modlog::record(
            c,
            &modlog::NewEntry {
                moderator_id: Some(by),
                action: modlog::APPROVE_POST,
                space_id: Some(thread.space_id),
                post_id: Some(post.id),
                person_id: Some(post.author_id),
                reason: "",
                expires_at: None,
            },
        )?;
        super::spam::train(c, &post, Some(false))?;
        Ok(())
    })
    .await?;
    h.outbox.notify_one();
    Ok(())
}

/// A moderator turns a held post down, with a reason: it stays out of sight (removed, the
/// reason shown to its author), and it never went anywhere, so nothing is federated. With
/// `spam`, the spam filter learns from it.
pub async fn reject(
    h: &Hearth,
    viewer: &Viewer,
    post_id: i64,
    reason_in: &str,
    spam: bool,
) -> AppResult<()> {
    require_moderator_to("reject posts", viewer)?;
    let reason = validate::text("reason", reason_in, REASON_MAX, true)?;
    let by = viewer.person.id;
    h.db.transaction(move |c| {
        let post = posts::find(c, post_id)?.ok_or_else(|| AppError::not_found("post"))?;
        if !posts::set_held(c, post.id, None)? {
            return Err(AppError::conflict(
                "post",
                "this post is not waiting for approval",
            ));
        }
        posts::set_removed(c, post.id, Some((&reason, db::now())))?;
        let thread =
            threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        if post.parent_id.is_none() {
            threads::set_held(c, thread.id, false)?;
            threads::set_removed(c, thread.id, true)?;
        }
        modlog::record(
            c,
            &modlog::NewEntry {
                moderator_id: Some(by),
                action: modlog::REJECT_POST,
                space_id: Some(thread.space_id),
                post_id: Some(post.id),
                person_id: Some(post.author_id),
                reason: &reason,
                expires_at: None,
            },
        )?;
        if spam {
            super::spam::train(c, &post, Some(true))?;
        }
        Ok(())
    })
    .await
}

/// How much waits for the moderators — open reports and posts held for approval — for the
/// count beside "Moderation" in the navigation; 0 for everyone else.
pub async fn waiting(h: &Hearth, viewer: &Viewer) -> AppResult<i64> {
    if !viewer.role().can_moderate() {
        return Ok(0);
    }
    h.db.run(|c| Ok(reports::open_count(c)? + posts::held_count(c)?))
        .await
}
