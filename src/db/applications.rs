//! Applications made while registration needs an admin's approval.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::persons::Person;
use super::schema::{applications, persons};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Application {
    pub person_id: i64,
    /// A JSON array of `{"question", "answer"}`.
    pub answers: String,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    /// Why it was turned down, for the applicant (may be empty).
    pub reason: String,
}

pub fn insert(
    conn: &mut DbConn,
    person_id: i64,
    answers: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values((
            applications::person_id.eq(person_id),
            applications::answers.eq(answers),
            applications::created_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, person_id: i64) -> QueryResult<Option<Application>> {
    applications::table
        .find(person_id)
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// Records the decision on an application (if there is one: accounts that applied before
/// applications were recorded have none).
pub fn decide(
    conn: &mut DbConn,
    person_id: i64,
    by: i64,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(applications::table.find(person_id))
        .set((
            applications::decided_at.eq(Some(at)),
            applications::decided_by.eq(Some(by)),
            applications::reason.eq(reason),
        ))
        .execute(conn)
        .map(drop)
}

/// Undecided applications with their applicants, oldest first.
pub fn pending(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(Application, Person)>> {
    applications::table
        .inner_join(persons::table)
        .filter(applications::decided_at.is_null())
        .order(applications::created_at.asc())
        .select((Application::as_select(), Person::as_select()))
        .limit(limit)
        .load(conn)
}
