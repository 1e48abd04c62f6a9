//! Threads: a title and an opening post, in a space.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::persons::Person;
use super::schema::{persons, threads};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = threads)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Thread {
    pub id: i64,
    pub space_id: i64,
    pub author_id: i64,
    pub title: String,
    pub slug: String,
    pub created_at: NaiveDateTime,
    pub last_activity_at: NaiveDateTime,
    pub reply_count: i64,
    pub like_count: i64,
    pub answer_post_id: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<i64>,
    pub deleted: bool,
    /// On the listening desk since then (see `db::desk`).
    pub waiting_since: Option<NaiveDateTime>,
    pub first_staff_reply_at: Option<NaiveDateTime>,
    pub assignee_id: Option<i64>,
    pub assigned_at: Option<NaiveDateTime>,
    /// The opening post was removed by moderators.
    pub removed: bool,
    /// The opening post waits for a moderator's approval.
    pub held: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = threads)]
pub struct NewThread<'a> {
    pub space_id: i64,
    pub author_id: i64,
    pub title: &'a str,
    pub slug: &'a str,
    pub created_at: NaiveDateTime,
    pub last_activity_at: NaiveDateTime,
    /// Set when someone other than staff asks in a space on this server.
    pub waiting_since: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewThread<'_>) -> QueryResult<i64> {
    diesel::insert_into(threads::table)
        .values(new)
        .returning(threads::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Thread>> {
    threads::table
        .find(id)
        .select(Thread::as_select())
        .first(conn)
        .optional()
}

/// The order of a thread list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    New,
    /// Most recent activity (a new reply) first.
    Active,
    /// Most liked first.
    Top,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFilter {
    All,
    Answered,
    Unanswered,
}

/// Where the previous page ended: the sort key of its last row and that row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

fn from_micros(m: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_micros(m)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

impl Sort {
    /// The sort key of a row, for the cursor after it.
    pub fn key_of(self, t: &Thread) -> i64 {
        match self {
            Sort::New => micros(t.created_at),
            Sort::Active => micros(t.last_activity_at),
            Sort::Top => t.like_count,
        }
    }
}

/// One page of a space's threads with their authors (one query), keyset-paginated so pages stay
/// fast however deep one goes.
pub fn list(
    conn: &mut DbConn,
    space_id: i64,
    sort: Sort,
    filter: AnswerFilter,
    after: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<(Thread, Person)>> {
    let mut q = threads::table
        .inner_join(persons::table)
        .filter(threads::space_id.eq(space_id))
        .filter(threads::deleted.eq(false))
        // Threads removed by moderators leave the lists (the modlog and the thread page say why),
        // and threads waiting for approval are not in them yet.
        .filter(threads::removed.eq(false))
        .filter(threads::held.eq(false))
        .select((Thread::as_select(), Person::as_select()))
        .into_boxed();
    q = match filter {
        AnswerFilter::All => q,
        AnswerFilter::Answered => q.filter(threads::answer_post_id.is_not_null()),
        AnswerFilter::Unanswered => q.filter(threads::answer_post_id.is_null()),
    };
    q = match (sort, after) {
        (Sort::New, Some(c)) => {
            let t = from_micros(c.key);
            q.filter(
                threads::created_at
                    .lt(t)
                    .or(threads::created_at.eq(t).and(threads::id.lt(c.id))),
            )
        }
        (Sort::Active, Some(c)) => {
            let t = from_micros(c.key);
            q.filter(
                threads::last_activity_at
                    .lt(t)
                    .or(threads::last_activity_at.eq(t).and(threads::id.lt(c.id))),
            )
        }
        (Sort::Top, Some(c)) => q.filter(
            threads::like_count
                .lt(c.key)
                .or(threads::like_count.eq(c.key).and(threads::id.lt(c.id))),
        ),
        (_, None) => q,
    };
    q = match sort {
        Sort::New => q.order((threads::created_at.desc(), threads::id.desc())),
        Sort::Active => q.order((threads::last_activity_at.desc(), threads::id.desc())),
        Sort::Top => q.order((threads::like_count.desc(), threads::id.desc())),
    };
    q.limit(limit).load(conn)
}

pub fn touch_activity(
    conn: &mut DbConn,
    id: i64,
    at: NaiveDateTime,
    replies_delta: i64,
) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set((
            threads::last_activity_at.eq(at),
            threads::reply_count.eq(threads::reply_count + replies_delta),
        ))
        .execute(conn)
        .map(drop)
}

pub fn add_replies(conn: &mut DbConn, id: i64, delta: i64) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set(threads::reply_count.eq(threads::reply_count + delta))
        .execute(conn)
        .map(drop)
}

pub fn set_title(conn: &mut DbConn, id: i64, title: &str, slug: &str) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set((threads::title.eq(title), threads::slug.eq(slug)))
        .execute(conn)
        .map(drop)
}

pub fn set_like_count(conn: &mut DbConn, id: i64, n: i64) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set(threads::like_count.eq(n))
        .execute(conn)
        .map(drop)
}

pub fn set_answer(
    conn: &mut DbConn,
    id: i64,
    answer: Option<(i64, i64, NaiveDateTime)>,
) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set((
            threads::answer_post_id.eq(answer.map(|a| a.0)),
            threads::answered_by.eq(answer.map(|a| a.1)),
            threads::answered_at.eq(answer.map(|a| a.2)),
        ))
        .execute(conn)
        .map(drop)
}

/// The opening post was deleted: the thread stays (its replies keep their place) but its title
/// goes with the author's words.
/// Marks the thread's opening post as waiting for approval (or let through).
pub fn set_held(conn: &mut DbConn, id: i64, held: bool) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set(threads::held.eq(held))
        .execute(conn)
        .map(drop)
}

/// Marks the thread's opening post removed by moderators (or restored).
pub fn set_removed(conn: &mut DbConn, id: i64, removed: bool) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set(threads::removed.eq(removed))
        .execute(conn)
        .map(drop)
}

pub fn mark_deleted(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(threads::table.find(id))
        .set((
            threads::deleted.eq(true),
            threads::title.eq(""),
            threads::slug.eq(""),
        ))
        .execute(conn)
        .map(drop)
}
