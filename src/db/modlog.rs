//! The public moderation log: every removal, restore and ban, with who did it, why and when.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::mod_log;

pub const REMOVE_POST: &str = "remove_post";
pub const RESTORE_POST: &str = "restore_post";
pub const APPROVE_POST: &str = "approve_post";
pub const REJECT_POST: &str = "reject_post";
pub const BAN: &str = "ban";
pub const UNBAN: &str = "unban";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mod_log)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Entry {
    pub id: i64,
    pub moderator_id: Option<i64>,
    pub action: String,
    pub space_id: Option<i64>,
    pub post_id: Option<i64>,
    /// Whom the action concerns: the author of the post, or the banned person.
    pub person_id: Option<i64>,
    pub reason: String,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub struct NewEntry<'a> {
    pub moderator_id: Option<i64>,
    pub action: &'a str,
    pub space_id: Option<i64>,
    pub post_id: Option<i64>,
    pub person_id: Option<i64>,
    pub reason: &'a str,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn record(conn: &mut DbConn, e: &NewEntry<'_>) -> QueryResult<i64> {
    diesel::insert_into(mod_log::table)
        .values((
            mod_log::moderator_id.eq(e.moderator_id),
            mod_log::action.eq(e.action),
            mod_log::space_id.eq(e.space_id),
            mod_log::post_id.eq(e.post_id),
            mod_log::person_id.eq(e.person_id),
            mod_log::reason.eq(e.reason),
            mod_log::expires_at.eq(e.expires_at),
            mod_log::created_at.eq(super::now()),
        ))
        .returning(mod_log::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Entry>> {
    mod_log::table
        .find(id)
        .select(Entry::as_select())
        .first(conn)
        .optional()
}

/// Newest first, before the entry `before` (exclusive), optionally for one space.
pub fn page(
    conn: &mut DbConn,
    space_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let mut q = mod_log::table.select(Entry::as_select()).into_boxed();
    if let Some(s) = space_id {
        q = q.filter(mod_log::space_id.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(mod_log::id.lt(b));
    }
    q.order(mod_log::id.desc()).limit(limit).load(conn)
}

/// The latest action logged about a post.
pub fn latest_action(conn: &mut DbConn, post_id: i64) -> QueryResult<Option<String>> {
    mod_log::table
        .filter(mod_log::post_id.eq(post_id))
        .order(mod_log::id.desc())
        .select(mod_log::action)
        .first(conn)
        .optional()
}

/// The latest removal of a post before the entry `before` (the removal a restore undoes).
pub fn removal_before(conn: &mut DbConn, post_id: i64, before: i64) -> QueryResult<Option<Entry>> {
    mod_log::table
        .filter(mod_log::post_id.eq(post_id))
        .filter(mod_log::action.eq(REMOVE_POST))
        .filter(mod_log::id.lt(before))
        .order(mod_log::id.desc())
        .select(Entry::as_select())
        .first(conn)
        .optional()
}
