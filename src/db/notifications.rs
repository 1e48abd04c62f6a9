//! In-app notifications of local people (see `service::notifications` for who gets which).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{notifications, threads};
use super::threads::Thread;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Notification {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub thread_id: i64,
    pub post_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub person_id: i64,
    pub kind: &'static str,
    pub thread_id: i64,
    pub post_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// One statement per row: batch inserts are not available over both backends at once (diesel's
/// `MultiConnection`); a post notifies a handful of people.
pub fn insert(conn: &mut DbConn, rows: &[NewNotification]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(notifications::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A person's notifications, newest first, with their threads; `before` is the id the previous
/// page ended at.
pub fn list(
    conn: &mut DbConn,
    person_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Notification, Thread)>> {
    let mut q = notifications::table
        .inner_join(threads::table)
        .filter(notifications::person_id.eq(person_id))
        .select((Notification::as_select(), Thread::as_select()))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(notifications::id.lt(b));
    }
    q.order(notifications::id.desc()).limit(limit).load(conn)
}

pub fn unread_count(conn: &mut DbConn, person_id: i64) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::person_id.eq(person_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
}

/// Marks a person's unread notifications read (all, or those up to an id).
pub fn mark_read(
    conn: &mut DbConn,
    person_id: i64,
    up_to: Option<i64>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut q = diesel::update(notifications::table)
        .filter(notifications::person_id.eq(person_id))
        .filter(notifications::read_at.is_null())
        .into_boxed();
    if let Some(id) = up_to {
        q = q.filter(notifications::id.le(id));
    }
    q.set(notifications::read_at.eq(at)).execute(conn)
}
