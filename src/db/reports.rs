//! Reports for the moderators: made here (a person reports a post or a person) or received from
//! other servers (`Flag`, stored by `federation::add_report`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::reports;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Report {
    pub id: i64,
    /// The `Flag`'s id for reports from elsewhere; our own id for local ones.
    pub activity_id: String,
    /// Who reported: a local name, or the reporting actor's id.
    pub reporter: String,
    pub reason: String,
    /// JSON list of the reported objects' ids (reports from elsewhere).
    pub objects: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub reporter_id: Option<i64>,
    pub post_id: Option<i64>,
    pub person_id: Option<i64>,
    pub resolved_by: Option<i64>,
    pub resolution: String,
    /// When a moderator forwarded it to the reported content's server.
    pub forwarded_at: Option<NaiveDateTime>,
}

pub struct NewLocalReport<'a> {
    pub activity_id: &'a str,
    pub reporter: &'a str,
    pub reporter_id: i64,
    pub reason: &'a str,
    pub post_id: Option<i64>,
    pub person_id: Option<i64>,
}

pub fn insert_local(conn: &mut DbConn, r: &NewLocalReport<'_>) -> QueryResult<i64> {
    diesel::insert_into(reports::table)
        .values((
            reports::activity_id.eq(r.activity_id),
            reports::reporter.eq(r.reporter),
            reports::reporter_id.eq(Some(r.reporter_id)),
            reports::reason.eq(r.reason),
            reports::objects.eq("[]"),
            reports::post_id.eq(r.post_id),
            reports::person_id.eq(r.person_id),
            reports::created_at.eq(super::now()),
        ))
        .returning(reports::id)
        .get_result(conn)
}

/// An open report by `reporter_id` about the same post or person, if there is one.
pub fn open_duplicate(
    conn: &mut DbConn,
    reporter_id: i64,
    post_id: Option<i64>,
    person_id: Option<i64>,
) -> QueryResult<Option<Report>> {
    let mut q = reports::table
        .filter(reports::reporter_id.eq(reporter_id))
        .filter(reports::resolved_at.is_null())
        .select(Report::as_select())
        .into_boxed();
    q = match post_id {
        Some(p) => q.filter(reports::post_id.eq(p)),
        None => q.filter(reports::post_id.is_null()),
    };
    q = match person_id {
        Some(p) => q.filter(reports::person_id.eq(p)),
        None => q.filter(reports::person_id.is_null()),
    };
    q.first(conn).optional()
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Report>> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()
}

/// Open reports, oldest first (the order they were made in).
/// How many reports are still open.
pub fn open_count(conn: &mut DbConn) -> QueryResult<i64> {
    reports::table
        .filter(reports::resolved_at.is_null())
        .count()
        .get_result(conn)
}

pub fn open(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Report>> {
    reports::table
        .filter(reports::resolved_at.is_null())
        .order(reports::id.asc())
        .limit(limit)
        .select(Report::as_select())
        .load(conn)
}

/// Resolves an open report; false if it was already resolved.
/// Marks a report forwarded; false if it already was.
pub fn mark_forwarded(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::update(
        reports::table
            .find(id)
            .filter(reports::forwarded_at.is_null()),
    )
    .set(reports::forwarded_at.eq(Some(super::now())))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn resolve(conn: &mut DbConn, id: i64, by: i64, resolution: &str) -> QueryResult<bool> {
    diesel::update(
        reports::table
            .find(id)
            .filter(reports::resolved_at.is_null()),
    )
    .set((
        reports::resolved_at.eq(Some(super::now())),
        reports::resolved_by.eq(Some(by)),
        reports::resolution.eq(resolution),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
