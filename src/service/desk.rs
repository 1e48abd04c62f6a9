//! The listening desk (staff only): every thread that waits for a staff response, in the order
//! people started waiting. Nothing about the asker — followers, likes, karma, home server —
//! moves a thread up or down; a customer from a one-person server waits in the same line as
//! everybody else.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, desk, persons, spaces, threads};
use crate::error::{AppError, AppResult};

use super::{Hearth, Viewer, views};

pub const PAGE_DEFAULT: i64 = 50;
pub const PAGE_MAX: i64 = 200;
/// The longest response target a space may set: 30 days.
pub const TARGET_MAX_MINUTES: i64 = 30 * 24 * 60;

fn require_staff(viewer: &Viewer) -> AppResult<()> {
    if viewer.role().is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("only staff can use the listening desk"))
    }
}

/// "3 h", "12 min", "2 d": how long someone has waited, in the unit a person would use.
pub fn human_duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0 => "less than a minute".to_string(),
        1..=59 => format!("{minutes} min"),
        60..=2879 => format!("{} h", minutes / 60),
        _ => format!("{} d", minutes / 1440),
    }
}

/// Who a desk list shows.
#[derive(Debug, Clone, Default)]
pub struct DeskQuery {
    /// A space's name; all spaces when absent.
    pub space: Option<String>,
    /// `me`, `none` (nobody took it yet), or a staff member's name; everyone's when absent.
    pub assignee: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A staff member a thread can be assigned to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffMember {
    pub name: String,
    pub display_name: String,
    pub title: Option<String>,
}

impl From<&persons::Person> for StaffMember {
    fn from(p: &persons::Person) -> Self {
        let profile = views::Profile::from(p);
        StaffMember {
            name: profile.name,
            display_name: profile.display_name,
            title: profile.title,
        }
    }
}

/// One thread on the desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskItem {
    pub thread: views::ThreadSummary,
    /// Since when the person has waited: their first post after the last staff response.
    pub waiting_since: DateTime<Utc>,
    pub waiting_seconds: i64,
    /// The wait in words, e.g. "3 h".
    pub waiting: String,
    /// True when staff answered before and the customer wrote again.
    pub follow_up: bool,
    /// The space's response target, in minutes (0: none).
    pub target_minutes: i64,
    /// The target in words, e.g. "24 h".
    pub target: String,
    /// Waiting longer than the target.
    pub overdue: bool,
    /// Who took it ("I'll take this"); absent while nobody has.
    pub assignee: Option<StaffMember>,
    pub assigned_at: Option<DateTime<Utc>>,
}

/// A page of the desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Desk {
    pub items: Vec<DeskItem>,
    /// How many threads wait with these filters, on every page.
    pub waiting: i64,
    /// How many of them wait longer than their space's target.
    pub overdue: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
    /// The staff, for assigning.
    pub staff: Vec<StaffMember>,
}

/// Where one thread stands on the desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskState {
    pub thread_id: i64,
    /// Absent when nobody waits for staff on this thread.
    pub waiting_since: Option<DateTime<Utc>>,
    pub waiting: Option<String>,
    pub overdue: bool,
    pub target_minutes: i64,
    pub assignee: Option<StaffMember>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// When staff first replied, if they have.
    pub first_staff_reply_at: Option<DateTime<Utc>>,
}

fn parse_cursor(raw: &str) -> AppResult<(NaiveDateTime, i64)> {
    let bad = || AppError::invalid("cursor", "cursor is not one this server gave out");
    let (micros, id) = raw.split_once('.').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at.naive_utc(), id.parse().map_err(|_| bad())?))
}

fn overdue(waited_seconds: i64, target_minutes: i64) -> bool {
    target_minutes > 0 && waited_seconds >= target_minutes * 60
}

/// Resolves the `assignee` filter: `me`, `none` or a staff member's name.
fn assignee_filter(
    c: &mut db::DbConn,
    viewer_id: i64,
    raw: Option<&str>,
) -> AppResult<desk::Assignee> {
    Ok(match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => desk::Assignee::Anyone,
        Some("me") => desk::Assignee::Person(viewer_id),
        Some("none") => desk::Assignee::Nobody,
        Some(name) => {
            let p = staff_by_name(c, name)
                .map_err(|_| AppError::invalid("assignee", "assignee is not a staff member"))?;
            desk::Assignee::Person(p.id)
        }
    })
}

fn staff_by_name(c: &mut db::DbConn, name: &str) -> AppResult<persons::Person> {
    let name = name.trim().to_ascii_lowercase();
    persons::find_by_name(c, &name)?
        .filter(|p| {
            p.remote_actor_id.is_none()
                && p.role().is_staff()
                && p.status() == crate::domain::AccountStatus::Active
        })
        .ok_or_else(|| AppError::not_found("staff member"))
}

/// The desk: threads waiting for staff, longest wait first.
pub async fn queue(h: &Hearth, viewer: &Viewer, q: DeskQuery) -> AppResult<Desk> {
    require_staff(viewer)?;
    let cursor = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(parse_cursor)
        .transpose()?;
    let limit = q.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let viewer_id = viewer.person.id;
    let space_name = q.space.filter(|s| !s.trim().is_empty());
    let assignee_raw = q.assignee;
    let (mut rows, (waiting, overdue_count), staff, now) =
        h.db.run(move |c| {
            let space_id = match &space_name {
                None => None,
                Some(name) => Some(
                    spaces::find_by_name(c, &name.trim().to_ascii_lowercase())?
                        .filter(|s| !s.is_remote())
                        .ok_or_else(|| AppError::not_found("space"))?
                        .id,
                ),
            };
            let assignee = assignee_filter(c, viewer_id, assignee_raw.as_deref())?;
            let now = db::now();
            let rows = desk::waiting(c, space_id, assignee, cursor, limit + 1)?;
            let counts = desk::counts(c, space_id, assignee, now)?;
            Ok((rows, counts, desk::staff(c)?, now))
        })
        .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().and_then(|(t, ..)| {
            t.waiting_since
                .map(|w| format!("{}.{}", w.and_utc().timestamp_micros(), t.id))
        })
    } else {
        None
    };
    let items = rows
        .iter()
        .filter_map(|(t, author, space, target)| {
            let since = t.waiting_since?;
            let waited = (now - since).num_seconds().max(0);
            Some(DeskItem {
                thread: views::ThreadSummary::new(t, space, author),
                waiting_since: since.and_utc(),
                waiting_seconds: waited,
                waiting: human_duration(waited),
                follow_up: t.first_staff_reply_at.is_some(),
                target_minutes: *target,
                target: human_duration(*target * 60),
                overdue: overdue(waited, *target),
                assignee: t
                    .assignee_id
                    .and_then(|id| staff.iter().find(|s| s.id == id))
                    .map(StaffMember::from),
                assigned_at: t.assigned_at.map(|a| a.and_utc()),
            })
        })
        .collect();
    Ok(Desk {
        items,
        waiting,
        overdue: overdue_count,
        next,
        staff: staff.iter().map(StaffMember::from).collect(),
    })
}

fn state_of(
    c: &mut db::DbConn,
    t: &threads::Thread,
    target: i64,
    now: NaiveDateTime,
) -> AppResult<DeskState> {
    let assignee = match t.assignee_id {
        Some(id) => Some(StaffMember::from(&persons::get(c, id)?)),
        None => None,
    };
    let waited = t.waiting_since.map(|s| (now - s).num_seconds().max(0));
    Ok(DeskState {
        thread_id: t.id,
        waiting_since: t.waiting_since.map(|s| s.and_utc()),
        waiting: waited.map(human_duration),
        overdue: waited.is_some_and(|w| overdue(w, target)),
        target_minutes: target,
        assignee,
        assigned_at: t.assigned_at.map(|a| a.and_utc()),
        first_staff_reply_at: t.first_staff_reply_at.map(|a| a.and_utc()),
    })
}

/// A thread of a space on this server, for a desk action.
fn local_thread(c: &mut db::DbConn, thread_id: i64) -> AppResult<(threads::Thread, spaces::Space)> {
    let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
    let space = spaces::get(c, thread.space_id)?;
    if space.is_remote() {
        return Err(AppError::invalid(
            "thread",
            "this thread is in a space on another server; its own staff answer there",
        ));
    }
    Ok((thread, space))
}

/// Where a thread stands on the desk (staff only).
pub async fn state(h: &Hearth, viewer: &Viewer, thread_id: i64) -> AppResult<DeskState> {
    require_staff(viewer)?;
    h.db.run(move |c| {
        let (thread, space) = local_thread(c, thread_id)?;
        state_of(c, &thread, space.response_target_minutes, db::now())
    })
    .await
}

/// Assigns a thread to a staff member (`None`: to nobody). Anyone on staff may take, hand over
/// or release a thread; the desk shows who has it so two people do not answer at once.
pub async fn assign(
    h: &Hearth,
    viewer: &Viewer,
    thread_id: i64,
    assignee: Option<&str>,
) -> AppResult<DeskState> {
    require_staff(viewer)?;
    let assignee = assignee.map(str::to_string);
    h.db.transaction(move |c| {
        let (thread, space) = local_thread(c, thread_id)?;
        if thread.deleted {
            return Err(AppError::conflict(
                "thread",
                "this thread was deleted by its author",
            ));
        }
        let now = db::now();
        let to = match assignee.as_deref() {
            None => None,
            Some(name) => Some((
                staff_by_name(c, name)
                    .map_err(|_| AppError::invalid("assignee", "assignee is not a staff member"))?
                    .id,
                now,
            )),
        };
        desk::set_assignee(c, thread_id, to)?;
        let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        state_of(c, &thread, space.response_target_minutes, now)
    })
    .await
}

/// Staff mark a thread answered (for instance when another customer's reply solved it): it
/// leaves the desk until the customer writes again. Doing it twice changes nothing.
pub async fn mark_answered(h: &Hearth, viewer: &Viewer, thread_id: i64) -> AppResult<DeskState> {
    require_staff(viewer)?;
    h.db.transaction(move |c| {
        let (_, space) = local_thread(c, thread_id)?;
        desk::mark_answered(c, thread_id)?;
        let thread = threads::find(c, thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
        state_of(c, &thread, space.response_target_minutes, db::now())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_a_person_would_say_them() {
        assert_eq!(human_duration(-5), "less than a minute");
        assert_eq!(human_duration(59), "less than a minute");
        assert_eq!(human_duration(60), "1 min");
        assert_eq!(human_duration(59 * 60 + 59), "59 min");
        assert_eq!(human_duration(3 * 3600 + 1200), "3 h");
        assert_eq!(human_duration(47 * 3600), "47 h");
        assert_eq!(human_duration(48 * 3600), "2 d");
    }

    #[test]
    fn overdue_only_past_a_real_target() {
        assert!(!overdue(59 * 60, 60));
        assert!(overdue(60 * 60, 60));
        assert!(!overdue(1_000_000, 0));
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let (at, id) = parse_cursor("1764590400000000.7").unwrap();
        assert_eq!(id, 7);
        assert_eq!(at.and_utc().timestamp_micros(), 1_764_590_400_000_000);
        for bad in ["", "x", "1.x", "x.1", "99999999999999999999.1"] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
