//! Federation state: local actors' keys, the cache of remote actors, follows, received activity
//! ids, and the outgoing delivery queue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    actor_keys, deliveries, follows, peers, received_activities, remote_actors, reports,
};

// ---- keys of local actors ----

pub fn find_keys(conn: &mut DbConn, handle: &str) -> QueryResult<Option<(String, String)>> {
    actor_keys::table
        .find(handle)
        .select((actor_keys::public_key_pem, actor_keys::private_key_pem))
        .first(conn)
        .optional()
}

/// Stores keys unless the actor has some already (two requests may race to create them); returns
/// the keys that are stored.
pub fn store_keys(
    conn: &mut DbConn,
    handle: &str,
    public_pem: &str,
    private_pem: &str,
) -> QueryResult<(String, String)> {
    if let Some(k) = find_keys(conn, handle)? {
        return Ok(k);
    }
    let inserted = diesel::insert_into(actor_keys::table)
        .values((
            actor_keys::handle.eq(handle),
            actor_keys::public_key_pem.eq(public_pem),
            actor_keys::private_key_pem.eq(private_pem),
            actor_keys::created_at.eq(super::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok((public_pem.to_string(), private_pem.to_string())),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => find_keys(conn, handle)?.ok_or(diesel::result::Error::NotFound),
        Err(e) => Err(e),
    }
}

// ---- remote actors ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = remote_actors)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct RemoteActor {
    pub id: i64,
    pub ap_id: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub summary_html: String,
    pub avatar_url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_pem: String,
    pub last_refreshed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub posting_restricted: bool,
    /// The Group (on the actor's own server) whose `staff` collection lists this actor, once
    /// checked; see `federation::actors::verify_staff`.
    pub staff_of: Option<String>,
    pub staff_title: String,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = remote_actors)]
#[diesel(treat_none_as_null = true)]
pub struct RemoteActorForm {
    pub ap_id: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub summary_html: String,
    pub avatar_url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_pem: String,
    pub last_refreshed_at: NaiveDateTime,
    pub posting_restricted: bool,
    pub staff_of: Option<String>,
    pub staff_title: String,
}

pub fn find_actor(conn: &mut DbConn, ap_id: &str) -> QueryResult<Option<RemoteActor>> {
    remote_actors::table
        .filter(remote_actors::ap_id.eq(ap_id))
        .select(RemoteActor::as_select())
        .first(conn)
        .optional()
}

/// Inserts or refreshes a remote actor (select-then-write: the common query layer has no
/// `ON CONFLICT`; a concurrent insert of the same actor is caught and turned into an update).
pub fn upsert_actor(conn: &mut DbConn, form: &RemoteActorForm) -> QueryResult<RemoteActor> {
    conn.write_transaction(|conn| {
        if let Some(existing) = find_actor(conn, &form.ap_id)? {
            diesel::update(remote_actors::table.find(existing.id))
                .set(form)
                .execute(conn)?;
        } else {
            // Two requests can meet the same new actor at once (PostgreSQL lets both see it
            // missing): the second insert fails on the unique id, in its own savepoint, and
            // updates the row the first one wrote.
            let inserted = conn.transaction(|c| {
                diesel::insert_into(remote_actors::table)
                    .values((form, remote_actors::created_at.eq(super::now())))
                    .execute(c)
            });
            match inserted {
                Ok(_) => {}
                Err(e) if crate::error::is_unique_violation(&e) => {
                    diesel::update(
                        remote_actors::table.filter(remote_actors::ap_id.eq(&form.ap_id)),
                    )
                    .set(form)
                    .execute(conn)?;
                }
                Err(e) => return Err(e),
            }
        }
        let actor = find_actor(conn, &form.ap_id)?.ok_or(diesel::result::Error::NotFound)?;
        // The person standing for the actor shows the verified staff claim (or stops showing it).
        super::persons::set_remote_staff(
            conn,
            actor.id,
            actor.staff_of.as_deref(),
            &actor.staff_title,
        )?;
        // A Group that stands for a space here: its name, description and posting rule follow.
        if super::spaces::find_by_remote_actor(conn, actor.id)?.is_some() {
            super::spaces::upsert_remote(conn, &remote_space(&actor))?;
        }
        Ok(actor)
    })
}

pub fn find_actor_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<RemoteActor>> {
    remote_actors::table
        .find(id)
        .select(RemoteActor::as_select())
        .first(conn)
        .optional()
}

/// The space a remote Group stands for, from its actor: `name@host`, its title and description.
pub fn remote_space(actor: &RemoteActor) -> super::spaces::RemoteSpace {
    super::spaces::RemoteSpace {
        remote_actor_id: actor.id,
        name: format!("{}@{}", actor.username.to_ascii_lowercase(), actor.domain),
        title: actor.display_name.clone(),
        description_html: actor.summary_html.clone(),
        posting_mode: if actor.posting_restricted {
            "announcements"
        } else {
            "open"
        }
        .to_string(),
    }
}

// ---- follows ----

/// Records a follow; a repeated one keeps the first. Returns whether it is new.
pub fn add_follow(
    conn: &mut DbConn,
    space_id: i64,
    follower_id: i64,
    activity_id: &str,
) -> QueryResult<bool> {
    let exists = follows::table
        .filter(follows::space_id.eq(space_id))
        .filter(follows::follower_id.eq(follower_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(follows::table)
        .values((
            follows::space_id.eq(space_id),
            follows::follower_id.eq(follower_id),
            follows::follow_activity_id.eq(activity_id),
            follows::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn remove_follow(conn: &mut DbConn, space_id: i64, follower_id: i64) -> QueryResult<bool> {
    diesel::delete(
        follows::table
            .filter(follows::space_id.eq(space_id))
            .filter(follows::follower_id.eq(follower_id)),
    )
    .execute(conn)
    .map(|n| n > 0)
}

pub fn follower_count(conn: &mut DbConn, space_id: i64) -> QueryResult<i64> {
    follows::table
        .filter(follows::space_id.eq(space_id))
        .count()
        .get_result(conn)
}

/// The inboxes to deliver a space's activities to: one per shared inbox, else each follower's own.
pub fn follower_inboxes(conn: &mut DbConn, space_id: i64) -> QueryResult<Vec<String>> {
    let rows: Vec<(String, Option<String>)> = follows::table
        .inner_join(remote_actors::table)
        .filter(follows::space_id.eq(space_id))
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load(conn)?;
    let mut inboxes: Vec<String> = rows.into_iter().map(|(i, s)| s.unwrap_or(i)).collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

// ---- received activities ----

/// Remembers an incoming activity id. Returns false if it was seen before (a redelivery).
pub fn first_time_seen(conn: &mut DbConn, ap_id: &str) -> QueryResult<bool> {
    let seen = received_activities::table
        .find(ap_id)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if seen {
        return Ok(false);
    }
    match diesel::insert_into(received_activities::table)
        .values((
            received_activities::ap_id.eq(ap_id),
            received_activities::received_at.eq(super::now()),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

// ---- deliveries ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Delivery {
    pub id: i64,
    pub activity_id: String,
    pub signer: String,
    pub inbox: String,
    pub inbox_host: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: String,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub post_id: Option<i64>,
}

/// Queues one activity for one inbox. Call it inside the transaction of the change that causes
/// the activity, so the two are committed together. The same activity for the same inbox is
/// queued once.
pub fn enqueue(
    conn: &mut DbConn,
    activity_id: &str,
    signer: &str,
    inbox: &str,
    inbox_host: &str,
    payload: &str,
) -> QueryResult<()> {
    enqueue_for(conn, activity_id, signer, inbox, inbox_host, payload, None)
}

/// Like [`enqueue`], noting the post the activity is about.
pub fn enqueue_for(
    conn: &mut DbConn,
    activity_id: &str,
    signer: &str,
    inbox: &str,
    inbox_host: &str,
    payload: &str,
    post_id: Option<i64>,
) -> QueryResult<()> {
    let exists = deliveries::table
        .filter(deliveries::activity_id.eq(activity_id))
        .filter(deliveries::inbox.eq(inbox))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(());
    }
    let now = super::now();
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::activity_id.eq(activity_id),
            deliveries::signer.eq(signer),
            deliveries::inbox.eq(inbox),
            deliveries::inbox_host.eq(inbox_host),
            deliveries::payload.eq(payload),
            deliveries::status.eq("pending"),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
            deliveries::post_id.eq(post_id),
        ))
        .execute(conn)
        .map(drop)
}

/// Claims up to `limit` due deliveries for this worker: `claimed_until` is set `lease` ahead,
/// so another worker (in this process or another one sharing PostgreSQL) skips them. A claim
/// only succeeds if nobody claimed the row in between.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease: chrono::TimeDelta,
    limit: i64,
    busy_hosts: &[String],
) -> QueryResult<Vec<Delivery>> {
    // Unreachable servers get nothing, except one probe when it is due.
    let resting: Vec<(String, Option<NaiveDateTime>)> = peers::table
        .filter(peers::unreachable.eq(true))
        .select((peers::host, peers::next_probe_at))
        .load(conn)?;
    let (probe, skip): (Vec<_>, Vec<_>) = resting
        .into_iter()
        .partition(|(_, at)| at.is_none_or(|t| t <= now));
    let skip: Vec<String> = skip.into_iter().map(|(h, _)| h).collect();
    let mut probes = Vec::new();
    for (host, _) in probe {
        let one: Option<Delivery> = deliveries::table
            .filter(deliveries::status.eq("pending"))
            .filter(deliveries::inbox_host.eq(&host))
            .filter(
                deliveries::claimed_until
                    .is_null()
                    .or(deliveries::claimed_until.lt(now)),
            )
            .order(deliveries::id.asc())
            .select(Delivery::as_select())
            .first(conn)
            .optional()?;
        diesel::update(peers::table.find(&host))
            .set(peers::next_probe_at.eq(Some(now + PROBE_EVERY)))
            .execute(conn)?;
        probes.extend(one);
    }
    let mut hosts_out = skip;
    hosts_out.extend(probes.iter().map(|d| d.inbox_host.clone()));
    hosts_out.extend(busy_hosts.iter().cloned());
    let due: Vec<Delivery> = deliveries::table
        .filter(deliveries::status.eq("pending"))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(deliveries::inbox_host.ne_all(hosts_out))
        .filter(
            deliveries::claimed_until
                .is_null()
                .or(deliveries::claimed_until.lt(now)),
        )
        .order(deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for d in probes.into_iter().chain(due) {
        let q = deliveries::table
            .find(d.id)
            .filter(deliveries::status.eq("pending"));
        let n = match d.claimed_until {
            None => diesel::update(q.filter(deliveries::claimed_until.is_null()))
                .set(deliveries::claimed_until.eq(Some(now + lease)))
                .execute(conn)?,
            Some(old) => diesel::update(q.filter(deliveries::claimed_until.eq(old)))
                .set(deliveries::claimed_until.eq(Some(now + lease)))
                .execute(conn)?,
        };
        if n == 1 {
            claimed.push(d);
        }
    }
    Ok(claimed)
}

/// How long a server fails before it is marked unreachable.
pub const UNREACHABLE_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(2);
/// How often an unreachable server gets a probe.
pub const PROBE_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(6);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = peers)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Peer {
    pub host: String,
    pub failing_since: Option<NaiveDateTime>,
    pub unreachable: bool,
    pub next_probe_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
}

pub fn find_peer(conn: &mut DbConn, host: &str) -> QueryResult<Option<Peer>> {
    peers::table
        .find(host)
        .select(Peer::as_select())
        .first(conn)
        .optional()
}

/// A delivery to `host` failed (and may be retried): the server is marked unreachable once it
/// has been failing for [`UNREACHABLE_AFTER`].
pub fn peer_failed(conn: &mut DbConn, host: &str, now: NaiveDateTime) -> QueryResult<()> {
    match find_peer(conn, host)? {
        None => diesel::insert_into(peers::table)
            .values((peers::host.eq(host), peers::failing_since.eq(Some(now))))
            .execute(conn)
            .map(drop),
        Some(p) => {
            let since = p.failing_since.unwrap_or(now);
            let unreachable = now - since >= UNREACHABLE_AFTER;
            if unreachable && !p.unreachable {
                tracing::warn!(host, "marked unreachable after failing since {since}");
            }
            diesel::update(peers::table.find(host))
                .set((
                    peers::failing_since.eq(Some(since)),
                    peers::unreachable.eq(unreachable),
                    peers::next_probe_at.eq(if unreachable && !p.unreachable {
                        Some(now + PROBE_EVERY)
                    } else {
                        p.next_probe_at
                    }),
                ))
                .execute(conn)
                .map(drop)
        }
    }
}

/// A delivery to `host` succeeded. If it had been unreachable, everything waiting for it is
/// due again at once.
pub fn peer_answered(conn: &mut DbConn, host: &str, now: NaiveDateTime) -> QueryResult<()> {
    let Some(p) = find_peer(conn, host)? else {
        return Ok(());
    };
    if p.unreachable {
        tracing::info!(host, "answering again; resuming its deliveries");
        diesel::update(
            deliveries::table
                .filter(deliveries::inbox_host.eq(host))
                .filter(deliveries::status.eq("pending")),
        )
        .set(deliveries::next_attempt_at.eq(now))
        .execute(conn)?;
    }
    if p.failing_since.is_some() || p.unreachable {
        diesel::update(peers::table.find(host))
            .set((
                peers::failing_since.eq(None::<NaiveDateTime>),
                peers::unreachable.eq(false),
                peers::next_probe_at.eq(None::<NaiveDateTime>),
                peers::last_success_at.eq(Some(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Releases every claim. Only for a process that knows it is the only worker (SQLite) at start:
/// what it claimed before a crash is due again at once instead of when the claim expires.
pub fn release_all_claims(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(deliveries::table.filter(deliveries::claimed_until.is_not_null()))
        .set(deliveries::claimed_until.eq(None::<NaiveDateTime>))
        .execute(conn)
}

pub fn mark_sent(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::status.eq("sent"),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::finished_at.eq(Some(now)),
            deliveries::claimed_until.eq(None::<NaiveDateTime>),
            deliveries::last_error.eq(""),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a failed attempt: retry at `retry_at`, or give up (`None`).
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let error: String = error.chars().take(500).collect();
    match retry_at {
        Some(at) => diesel::update(deliveries::table.find(id))
            .set((
                deliveries::attempts.eq(deliveries::attempts + 1),
                deliveries::next_attempt_at.eq(at),
                deliveries::claimed_until.eq(None::<NaiveDateTime>),
                deliveries::last_error.eq(error),
            ))
            .execute(conn),
        None => diesel::update(deliveries::table.find(id))
            .set((
                deliveries::status.eq("failed"),
                deliveries::attempts.eq(deliveries::attempts + 1),
                deliveries::claimed_until.eq(None::<NaiveDateTime>),
                deliveries::finished_at.eq(Some(now)),
                deliveries::last_error.eq(error),
            ))
            .execute(conn),
    }
    .map(drop)
}

pub fn pending_count(conn: &mut DbConn) -> QueryResult<i64> {
    deliveries::table
        .filter(deliveries::status.eq("pending"))
        .count()
        .get_result(conn)
}

// ---- reports ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
#[diesel(check_for_backend(super::conn::MultiBackend))]
pub struct Report {
    pub id: i64,
    pub activity_id: String,
    pub reporter: String,
    pub reason: String,
    pub objects: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

/// Stores a report for the moderators; the same report twice is stored once.
pub fn add_report(
    conn: &mut DbConn,
    activity_id: &str,
    reporter: &str,
    reason: &str,
    objects: &str,
) -> QueryResult<()> {
    let exists = reports::table
        .filter(reports::activity_id.eq(activity_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(());
    }
    diesel::insert_into(reports::table)
        .values((
            reports::activity_id.eq(activity_id),
            reports::reporter.eq(reporter),
            reports::reason.eq(reason),
            reports::objects.eq(objects),
            reports::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn open_reports(conn: &mut DbConn) -> QueryResult<Vec<Report>> {
    reports::table
        .filter(reports::resolved_at.is_null())
        .order(reports::id.asc())
        .select(Report::as_select())
        .load(conn)
}

/// Where the activities about a post went, newest first.
pub fn for_post(conn: &mut DbConn, post_id: i64) -> QueryResult<Vec<Delivery>> {
    deliveries::table
        .filter(deliveries::post_id.eq(post_id))
        .order(deliveries::id.desc())
        .limit(1000)
        .select(Delivery::as_select())
        .load(conn)
}
