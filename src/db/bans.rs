//! Bans from a space or from the whole instance (see `service::moderation`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::bans;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bans)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Ban {
    pub id: i64,
    pub person_id: i64,
    /// None: banned from the whole instance.
    pub space_id: Option<i64>,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub lifted_at: Option<NaiveDateTime>,
    pub lifted_by: Option<i64>,
    /// The public log entry of the ban.
    pub log_entry_id: Option<i64>,
}

pub struct NewBan<'a> {
    pub person_id: i64,
    pub space_id: Option<i64>,
    pub reason: &'a str,
    pub created_by: i64,
    pub expires_at: Option<NaiveDateTime>,
    pub log_entry_id: i64,
}

pub fn insert(conn: &mut DbConn, b: &NewBan<'_>) -> QueryResult<i64> {
    diesel::insert_into(bans::table)
        .values((
            bans::person_id.eq(b.person_id),
            bans::space_id.eq(b.space_id),
            bans::reason.eq(b.reason),
            bans::created_by.eq(Some(b.created_by)),
            bans::created_at.eq(super::now()),
            bans::expires_at.eq(b.expires_at),
            bans::log_entry_id.eq(Some(b.log_entry_id)),
        ))
        .returning(bans::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Ban>> {
    bans::table
        .find(id)
        .select(Ban::as_select())
        .first(conn)
        .optional()
}

/// Which bans a lookup considers.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// What keeps a person out of this space: a ban from it, or from the whole instance
    /// (None: the whole instance only).
    Covering(Option<i64>),
    /// Exactly this scope (a space, or None for the whole instance).
    Exactly(Option<i64>),
}

/// The ban in force for `person_id` in `scope`, if any; an instance-wide one first (it says the
/// most).
pub fn in_force(
    conn: &mut DbConn,
    person_id: i64,
    scope: Scope,
    now: NaiveDateTime,
) -> QueryResult<Option<Ban>> {
    let mut q = bans::table
        .filter(bans::person_id.eq(person_id))
        .filter(bans::lifted_at.is_null())
        .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now)))
        .select(Ban::as_select())
        .into_boxed();
    q = match scope {
        Scope::Covering(Some(s)) => q.filter(bans::space_id.is_null().or(bans::space_id.eq(s))),
        Scope::Covering(None) | Scope::Exactly(None) => q.filter(bans::space_id.is_null()),
        Scope::Exactly(Some(s)) => q.filter(bans::space_id.eq(s)),
    };
    q.order((bans::space_id.is_not_null(), bans::id.asc()))
        .first(conn)
        .optional()
}

/// Every ban in force, oldest first.
pub fn all_in_force(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Ban>> {
    bans::table
        .filter(bans::lifted_at.is_null())
        .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now)))
        .order(bans::id.asc())
        .limit(limit)
        .select(Ban::as_select())
        .load(conn)
}

/// Lifts a ban in force; false if it was already lifted or over.
pub fn lift(conn: &mut DbConn, id: i64, by: i64, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        bans::table
            .find(id)
            .filter(bans::lifted_at.is_null())
            .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now))),
    )
    .set((bans::lifted_at.eq(Some(now)), bans::lifted_by.eq(Some(by))))
    .execute(conn)
    .map(|n| n == 1)
}
