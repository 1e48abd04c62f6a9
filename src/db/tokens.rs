//! Sessions and API tokens. Only the SHA-256 of a token is stored, so a leaked database does not
//! leak working credentials.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::persons::Person;
use super::schema::{auth_tokens, persons};
use crate::domain::TokenKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_tokens)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct AuthToken {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub label: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = auth_tokens)]
pub struct NewToken<'a> {
    pub person_id: i64,
    pub kind: &'a str,
    pub label: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewToken<'_>) -> QueryResult<i64> {
    diesel::insert_into(auth_tokens::table)
        .values(new)
        .returning(auth_tokens::id)
        .get_result(conn)
}

/// The token with this hash and its owner, if it exists and has not expired.
pub fn find_valid(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(AuthToken, Person)>> {
    auth_tokens::table
        .inner_join(persons::table)
        .filter(auth_tokens::token_hash.eq(token_hash))
        .filter(
            auth_tokens::expires_at
                .is_null()
                .or(auth_tokens::expires_at.gt(now)),
        )
        .select((AuthToken::as_select(), Person::as_select()))
        .first(conn)
        .optional()
}

/// Records use, at most once a minute per token, so reads don't turn into a write each.
pub fn touch(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let stale = now - chrono::TimeDelta::minutes(1);
    diesel::update(
        auth_tokens::table
            .find(id)
            .filter(auth_tokens::last_used_at.lt(stale)),
    )
    .set(auth_tokens::last_used_at.eq(now))
    .execute(conn)
    .map(drop)
}

pub fn list_for(conn: &mut DbConn, person_id: i64, kind: TokenKind) -> QueryResult<Vec<AuthToken>> {
    auth_tokens::table
        .filter(auth_tokens::person_id.eq(person_id))
        .filter(auth_tokens::kind.eq(kind.as_str()))
        .order(auth_tokens::id.asc())
        .select(AuthToken::as_select())
        .load(conn)
}

/// Deletes one of the person's tokens; returns whether it existed.
pub fn delete_for(conn: &mut DbConn, person_id: i64, id: i64) -> QueryResult<bool> {
    diesel::delete(
        auth_tokens::table
            .filter(auth_tokens::id.eq(id))
            .filter(auth_tokens::person_id.eq(person_id)),
    )
    .execute(conn)
    .map(|n| n > 0)
}

/// Deletes every token of the person except `keep` (e.g. the session that changed the password).
pub fn delete_all_except(
    conn: &mut DbConn,
    person_id: i64,
    keep: Option<i64>,
) -> QueryResult<usize> {
    let q = auth_tokens::table.filter(auth_tokens::person_id.eq(person_id));
    match keep {
        Some(k) => diesel::delete(q.filter(auth_tokens::id.ne(k))).execute(conn),
        None => diesel::delete(q).execute(conn),
    }
}

pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(auth_tokens::table.filter(auth_tokens::expires_at.lt(now))).execute(conn)
}
