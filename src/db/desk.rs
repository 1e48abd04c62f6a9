//! The listening desk's queries: which threads wait for a staff response, oldest wait first.
//! The columns are kept up to date where posts are written (`service::threads`), so the queue
//! is one indexed query however many threads there are.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::persons::Person;
use super::schema::{persons, spaces, threads};
use super::threads::Thread;

/// A new post in a thread of a space on this server: a staff post answers whoever waits, a post
/// by anyone else starts the wait unless it already runs (the wait is from the first unanswered
/// post, not the latest).
pub fn note_post(
    conn: &mut DbConn,
    thread_id: i64,
    at: NaiveDateTime,
    by_staff: bool,
) -> QueryResult<()> {
    if by_staff {
        diesel::update(threads::table.find(thread_id))
            .set(threads::waiting_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        diesel::update(
            threads::table
                .find(thread_id)
                .filter(threads::first_staff_reply_at.is_null()),
        )
        .set(threads::first_staff_reply_at.eq(at))
        .execute(conn)?;
    } else {
        diesel::update(
            threads::table
                .find(thread_id)
                .filter(threads::waiting_since.is_null()),
        )
        .set(threads::waiting_since.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

/// Staff marked the thread answered without (or besides) replying: it leaves the queue until
/// the customer writes again.
pub fn mark_answered(conn: &mut DbConn, thread_id: i64) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::waiting_since.eq(None::<NaiveDateTime>))
        .execute(conn)
        .map(drop)
}

pub fn set_assignee(
    conn: &mut DbConn,
    thread_id: i64,
    assignee: Option<(i64, NaiveDateTime)>,
) -> QueryResult<()> {
    diesel::update(threads::table.find(thread_id))
        .set((
            threads::assignee_id.eq(assignee.map(|a| a.0)),
            threads::assigned_at.eq(assignee.map(|a| a.1)),
        ))
        .execute(conn)
        .map(drop)
}

/// Whose threads to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Anyone,
    Nobody,
    Person(i64),
}

/// The desk's filters on a boxed query over `threads` joined with `spaces`: waiting, not
/// deleted, in a space here, then the space and assignee asked for. One definition for the list
/// and its counts, so they cannot disagree.
macro_rules! on_the_desk {
    ($query:expr, $space_id:expr, $assignee:expr) => {{
        let mut q = $query
            .filter(threads::waiting_since.is_not_null())
            .filter(threads::deleted.eq(false))
            .filter(threads::removed.eq(false))
            .filter(threads::held.eq(false))
            .filter(spaces::remote_actor_id.is_null());
        if let Some(id) = $space_id {
            q = q.filter(threads::space_id.eq(id));
        }
        match $assignee {
            Assignee::Anyone => q,
            Assignee::Nobody => q.filter(threads::assignee_id.is_null()),
            Assignee::Person(id) => q.filter(threads::assignee_id.eq(id)),
        }
    }};
}

/// One waiting thread with its author, its space's name and its space's response target.
pub type Waiting = (Thread, Person, String, i64);

/// Threads waiting for a staff response in spaces on this server, longest wait first, then by
/// id. `after` is the (waiting_since, id) of the last row of the previous page. Nothing about
/// the asker (followers, likes, home server) takes part in the order.
pub fn waiting(
    conn: &mut DbConn,
    space_id: Option<i64>,
    assignee: Assignee,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<Waiting>> {
    let mut q = on_the_desk!(
        threads::table
            .inner_join(persons::table)
            .inner_join(spaces::table)
            .select((
                Thread::as_select(),
                Person::as_select(),
                spaces::name,
                spaces::response_target_minutes,
            ))
            .into_boxed(),
        space_id,
        assignee
    );
    if let Some((t, id)) = after {
        q = q.filter(
            threads::waiting_since
                .gt(t)
                .or(threads::waiting_since.eq(t).and(threads::id.gt(id))),
        );
    }
    q.order((threads::waiting_since.asc(), threads::id.asc()))
        .limit(limit)
        .load(conn)
}

/// How many threads wait (with the same filters), and how many of them wait longer than their
/// space's target, as of `now`.
pub fn counts(
    conn: &mut DbConn,
    space_id: Option<i64>,
    assignee: Assignee,
    now: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let q = on_the_desk!(
        threads::table
            .inner_join(spaces::table)
            .select((threads::waiting_since, spaces::response_target_minutes))
            .into_boxed(),
        space_id,
        assignee
    );
    let rows: Vec<(Option<NaiveDateTime>, i64)> = q.load(conn)?;
    let overdue = rows
        .iter()
        .filter(|(since, target)| {
            since.is_some_and(|s| (now - s).num_minutes() >= *target && *target > 0)
        })
        .count();
    Ok((rows.len() as i64, overdue as i64))
}

/// The local staff, for the assignee menus.
pub fn staff(conn: &mut DbConn) -> QueryResult<Vec<Person>> {
    persons::table
        .filter(persons::remote_actor_id.is_null())
        .filter(persons::role.eq_any(["admin", "staff"]))
        .filter(persons::status.eq("active"))
        .order(persons::name.asc())
        .select(Person::as_select())
        .load(conn)
}

/// What the response-time figures need of one thread asked by someone other than staff.
#[derive(Debug, Clone, Queryable)]
pub struct Asked {
    pub created_at: NaiveDateTime,
    pub first_staff_reply_at: Option<NaiveDateTime>,
    pub waiting_since: Option<NaiveDateTime>,
    pub author_id: i64,
    pub target_minutes: i64,
}

/// Threads asked since `since` by people who are not staff, in spaces on this server (one or
/// all), oldest first. Deleted threads are left out.
pub fn asked_since(
    conn: &mut DbConn,
    since: NaiveDateTime,
    space_id: Option<i64>,
) -> QueryResult<Vec<Asked>> {
    let mut q = threads::table
        .inner_join(persons::table)
        .inner_join(spaces::table)
        .filter(threads::created_at.ge(since))
        .filter(threads::deleted.eq(false))
        .filter(spaces::remote_actor_id.is_null())
        .filter(persons::role.ne_all(["admin", "staff"]))
        .select((
            threads::created_at,
            threads::first_staff_reply_at,
            threads::waiting_since,
            threads::author_id,
            spaces::response_target_minutes,
        ))
        .into_boxed();
    if let Some(id) = space_id {
        q = q.filter(threads::space_id.eq(id));
    }
    q.order((threads::created_at.asc(), threads::id.asc()))
        .load(conn)
}
