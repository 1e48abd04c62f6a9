//! Reports and the moderators' queue. Anyone signed in can report a post or a person with a
//! reason; reports from other servers (`Flag`) land in the same queue. Moderators and admins
//! see the open reports, oldest first, and resolve each with a note (recorded in the audit log).
//! Removing content and bans come with the rest of the moderation work.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, audit, persons, posts, reports};
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
    pub url: String,
}

fn require_moderator(viewer: &Viewer) -> AppResult<()> {
    if viewer.role().can_moderate() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only moderators and administrators see and resolve reports",
        ))
    }
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

/// Resolves a report with a note; the resolution is recorded in the audit log.
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

pub async fn resolve(h: &Hearth, viewer: &Viewer, id: i64, note_in: &str) -> AppResult<Report> {
    require_moderator(viewer)?;
    let note = validate::text("note", note_in, NOTE_MAX, true)?;
    let by = viewer.person.id;
    h.db.transaction(move |c| {
        reports::find(c, id)?.ok_or_else(|| AppError::not_found("report"))?;
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
    .await
}
