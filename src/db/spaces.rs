//! Spaces (communities).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{handles, spaces, threads};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = spaces)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Space {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    pub posting_mode: String,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = spaces)]
pub struct NewSpace<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub rules: &'a str,
    pub rules_html: &'a str,
    pub posting_mode: &'a str,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = spaces)]
pub struct SpaceChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub description_html: Option<String>,
    pub rules: Option<String>,
    pub rules_html: Option<String>,
    pub posting_mode: Option<String>,
    pub archived: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Inserts the space and claims its name in the namespace shared with people.
pub fn insert(conn: &mut DbConn, new: &NewSpace<'_>) -> QueryResult<i64> {
    diesel::insert_into(handles::table)
        .values((handles::name.eq(new.name), handles::kind.eq("space")))
        .execute(conn)?;
    diesel::insert_into(spaces::table)
        .values(new)
        .returning(spaces::id)
        .get_result(conn)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Space>> {
    spaces::table
        .filter(spaces::name.eq(name))
        .select(Space::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Space> {
    spaces::table
        .find(id)
        .select(Space::as_select())
        .first(conn)
}

/// All spaces, by name; archived ones only when asked for.
pub fn list(conn: &mut DbConn, include_archived: bool) -> QueryResult<Vec<Space>> {
    let mut q = spaces::table.select(Space::as_select()).into_boxed();
    if !include_archived {
        q = q.filter(spaces::archived.eq(false));
    }
    q.order(spaces::name.asc()).load(conn)
}

/// Per space: how many threads it has and when the last one moved.
pub fn activity(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64, Option<NaiveDateTime>)>> {
    threads::table
        .filter(threads::deleted.eq(false))
        .group_by(threads::space_id)
        .select((
            threads::space_id,
            diesel::dsl::count_star(),
            diesel::dsl::max(threads::last_activity_at),
        ))
        .load(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &SpaceChanges) -> QueryResult<()> {
    diesel::update(spaces::table.find(id))
        .set(changes)
        .execute(conn)
        .map(drop)
}
