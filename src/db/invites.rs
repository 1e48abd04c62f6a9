//! Invite codes for the invite-only registration mode. Each code admits one account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::invites;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invites)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Invite {
    pub id: i64,
    pub code: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub used_by: Option<i64>,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, code: &str, created_by: Option<i64>) -> QueryResult<i64> {
    diesel::insert_into(invites::table)
        .values((
            invites::code.eq(code),
            invites::created_by.eq(created_by),
            invites::created_at.eq(super::now()),
        ))
        .returning(invites::id)
        .get_result(conn)
}

/// Marks an unused code as used by `person_id`; returns false if the code is unknown or used.
pub fn redeem(conn: &mut DbConn, code: &str, person_id: i64) -> QueryResult<bool> {
    diesel::update(
        invites::table
            .filter(invites::code.eq(code))
            .filter(invites::used_by.is_null()),
    )
    .set((
        invites::used_by.eq(Some(person_id)),
        invites::used_at.eq(Some(super::now())),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Invite>> {
    invites::table
        .order(invites::id.desc())
        .limit(200)
        .select(Invite::as_select())
        .load(conn)
}
