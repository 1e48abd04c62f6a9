//! Local people (accounts).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{handles, persons};
use crate::domain::{AccountStatus, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = persons)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub bio: String,
    pub title: String,
    pub role: String,
    pub status: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set for people from other servers (their name is `user@host`; they cannot log in here).
    pub remote_actor_id: Option<i64>,
    /// For people from other servers: the brand's Group whose staff they are, verified (then
    /// `title` is the title they carry there).
    pub staff_of: Option<String>,
    /// For local people: the SHA-256 of their avatar image (see `service::accounts::set_avatar`).
    pub avatar: Option<String>,
}

impl Person {
    pub fn is_remote(&self) -> bool {
        self.remote_actor_id.is_some()
    }

    /// The stored role. The CHECK constraint only admits known roles; anything else is treated
    /// as the least privileged one.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }

    pub fn status(&self) -> AccountStatus {
        AccountStatus::parse(&self.status).unwrap_or(AccountStatus::Suspended)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = persons)]
pub struct NewPerson<'a> {
    pub name: &'a str,
    pub display_name: &'a str,
    pub bio: &'a str,
    pub title: &'a str,
    pub role: &'a str,
    pub status: &'a str,
    pub password_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = persons)]
pub struct ProfileChanges<'a> {
    pub display_name: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub title: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

/// Inserts the person and claims the name in the shared namespace. A taken name (by a person or
/// a space) is a unique violation on `handles`.
pub fn insert(conn: &mut DbConn, new: &NewPerson<'_>) -> QueryResult<i64> {
    diesel::insert_into(handles::table)
        .values((handles::name.eq(new.name), handles::kind.eq("person")))
        .execute(conn)?;
    diesel::insert_into(persons::table)
        .values(new)
        .returning(persons::id)
        .get_result(conn)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Person>> {
    persons::table
        .filter(persons::name.eq(name))
        .select(Person::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Person> {
    persons::table
        .find(id)
        .select(Person::as_select())
        .first(conn)
}

/// The person standing for a remote actor, if there is one (never creates one).
pub fn find_remote(conn: &mut DbConn, remote_actor_id: i64) -> QueryResult<Option<Person>> {
    persons::table
        .filter(persons::remote_actor_id.eq(remote_actor_id))
        .select(Person::as_select())
        .first(conn)
        .optional()
}

pub fn set_avatar(conn: &mut DbConn, id: i64, avatar: Option<&str>) -> QueryResult<()> {
    diesel::update(persons::table.find(id))
        .set((
            persons::avatar.eq(avatar),
            persons::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The people with these ids (in no particular order).
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    persons::table
        .filter(persons::id.eq_any(ids))
        .select(Person::as_select())
        .load(conn)
}

/// Mirrors a remote actor's verified staff claim onto the person standing for it.
pub fn set_remote_staff(
    conn: &mut DbConn,
    remote_actor_id: i64,
    staff_of: Option<&str>,
    title: &str,
) -> QueryResult<()> {
    let title = if staff_of.is_some() { title } else { "" };
    diesel::update(persons::table.filter(persons::remote_actor_id.eq(remote_actor_id)))
        .set((persons::staff_of.eq(staff_of), persons::title.eq(title)))
        .execute(conn)
        .map(drop)
}

/// The person standing for a remote actor, created (or renamed) as needed.
pub fn ensure_remote(
    conn: &mut DbConn,
    remote_actor_id: i64,
    handle: &str,
    display_name: &str,
) -> QueryResult<Person> {
    let existing = persons::table
        .filter(persons::remote_actor_id.eq(remote_actor_id))
        .select(Person::as_select())
        .first(conn)
        .optional()?;
    if let Some(p) = existing {
        if p.display_name != display_name {
            diesel::update(persons::table.find(p.id))
                .set(persons::display_name.eq(display_name))
                .execute(conn)?;
        }
        return get(conn, p.id);
    }
    // In its own savepoint: a request that meets the same new person at the same moment
    // inserts it first, and this one then reads that row.
    let inserted = conn.transaction(|conn| {
        let known = handles::table
            .find(handle)
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !known {
            diesel::insert_into(handles::table)
                .values((handles::name.eq(handle), handles::kind.eq("remote")))
                .execute(conn)?;
        }
        let now = super::now();
        diesel::insert_into(persons::table)
            .values((
                persons::name.eq(handle),
                persons::display_name.eq(display_name),
                persons::role.eq(Role::Member.as_str()),
                persons::status.eq(AccountStatus::Active.as_str()),
                persons::password_hash.eq(""),
                persons::created_at.eq(now),
                persons::updated_at.eq(now),
                persons::remote_actor_id.eq(Some(remote_actor_id)),
            ))
            .returning(persons::id)
            .get_result::<i64>(conn)
    });
    let id = match inserted {
        Ok(id) => id,
        Err(e) if crate::error::is_unique_violation(&e) => {
            return persons::table
                .filter(persons::remote_actor_id.eq(remote_actor_id))
                .select(Person::as_select())
                .first(conn);
        }
        Err(e) => return Err(e),
    };
    // A verified staff claim already checked when the actor was fetched.
    let (staff_of, staff_title): (Option<String>, String) = super::schema::remote_actors::table
        .find(remote_actor_id)
        .select((
            super::schema::remote_actors::staff_of,
            super::schema::remote_actors::staff_title,
        ))
        .first(conn)?;
    set_remote_staff(conn, remote_actor_id, staff_of.as_deref(), &staff_title)?;
    get(conn, id)
}

/// A page of local accounts, oldest first, after the given id (keyset pagination).
pub fn list(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<Person>> {
    persons::table
        .filter(persons::remote_actor_id.is_null())
        .filter(persons::id.gt(after_id))
        .order(persons::id.asc())
        .limit(limit)
        .select(Person::as_select())
        .load(conn)
}

/// Active local accounts (what NodeInfo reports as users).
pub fn count_local(conn: &mut DbConn) -> QueryResult<i64> {
    persons::table
        .filter(persons::remote_actor_id.is_null())
        .filter(persons::status.eq(AccountStatus::Active.as_str()))
        .count()
        .get_result(conn)
}

/// A local account by name (never a remote person).
pub fn find_local(conn: &mut DbConn, name: &str) -> QueryResult<Option<Person>> {
    persons::table
        .filter(persons::name.eq(name))
        .filter(persons::remote_actor_id.is_null())
        .select(Person::as_select())
        .first(conn)
        .optional()
}

pub fn count_with_role(conn: &mut DbConn, role: Role) -> QueryResult<i64> {
    persons::table
        .filter(persons::role.eq(role.as_str()))
        .filter(persons::status.eq(AccountStatus::Active.as_str()))
        .count()
        .get_result(conn)
}

pub fn update_profile(conn: &mut DbConn, id: i64, changes: &ProfileChanges<'_>) -> QueryResult<()> {
    diesel::update(persons::table.find(id))
        .set(changes)
        .execute(conn)
        .map(drop)
}

pub fn set_role(conn: &mut DbConn, id: i64, role: Role) -> QueryResult<()> {
    diesel::update(persons::table.find(id))
        .set((
            persons::role.eq(role.as_str()),
            persons::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn set_status(conn: &mut DbConn, id: i64, status: AccountStatus) -> QueryResult<()> {
    diesel::update(persons::table.find(id))
        .set((
            persons::status.eq(status.as_str()),
            persons::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn set_password_hash(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(persons::table.find(id))
        .set((
            persons::password_hash.eq(hash),
            persons::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}
