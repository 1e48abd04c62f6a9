//! The federation endpoints: discovery (WebFinger, NodeInfo, host-meta), actor documents,
//! collections, and the inboxes.

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use activitypub_federation::config::Data;
use activitypub_federation::fetch::webfinger::{Webfinger, WebfingerLink, extract_webfinger_name};
use axum::body::Body;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::activities::{InboxActivity, is_handled};
use super::actors::{self, ApubRemote};
use super::error::FedResult;
use super::urls::Urls;
use crate::app::AppState;
use crate::db::{self, federation as store, persons, spaces};
use crate::domain::{AccountStatus, Role};
use crate::error::{AppError, ErrorKind};
use crate::service::Hearth;

pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Whether a request asks for ActivityStreams JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.contains("application/activity+json")
                || (v.contains("application/ld+json") && v.contains("activitystreams"))
        })
}

fn activity_json(body: Value) -> Response {
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ACTIVITY_JSON),
    );
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// `GET /s/<name>` with an ActivityPub `Accept`: the space as a Group.
pub async fn group(state: &AppState, name: &str) -> FedResult<Response> {
    let h = &state.hearth;
    let n = name.to_ascii_lowercase();
    let space =
        h.db.run(move |c| Ok(spaces::find_by_name(c, &n)?))
            .await?
            .filter(|s| !s.is_remote())
            .ok_or_else(|| AppError::not_found("space"))?;
    let (public, _) = actors::ensure_keys(h, &space.name).await?;
    let logo = h.db.run(|c| Ok(db::instance::get(c)?.logo_url)).await?;
    let mut group = actors::group_json(&Urls::new(&h.config), &space, &public);
    // The brand's logo is the space's avatar on other servers.
    if !logo.is_empty() {
        group["icon"] = json!({ "type": "Image", "url": logo });
    }
    Ok(activity_json(group))
}

/// `GET /u/<name>` with an ActivityPub `Accept`: the person.
pub async fn person(state: &AppState, name: &str) -> FedResult<Response> {
    let h = &state.hearth;
    let n = name.to_ascii_lowercase();
    let person =
        h.db.run(move |c| Ok(persons::find_local(c, &n)?))
            .await?
            .filter(|p| p.status() == AccountStatus::Active)
            .ok_or_else(|| AppError::not_found("person"))?;
    let (public, _) = actors::ensure_keys(h, &person.name).await?;
    let config = h.config.clone();
    let claim =
        h.db.run(move |c| Ok(actors::StaffClaim::load(c, &config)?))
            .await?;
    Ok(activity_json(actors::person_json(
        &Urls::new(&h.config),
        &person,
        &public,
        &claim,
    )))
}

/// `GET /actor`: the instance actor.
pub async fn instance_actor(State(state): State<AppState>) -> FedResult<Response> {
    let h = &state.hearth;
    let (public, _) = actors::ensure_instance_keys(h).await?;
    let settings = h.db.run(|c| Ok(db::instance::get(c)?)).await?;
    Ok(activity_json(actors::instance_json(
        &Urls::new(&h.config),
        &h.config.domain,
        &settings.name,
        &public,
    )))
}

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: String,
}

/// `GET /.well-known/webfinger?resource=acct:name@domain`: people and spaces share one
/// namespace, so a name resolves to exactly one actor.
pub async fn webfinger(data: Data<Hearth>, Query(q): Query<WebfingerQuery>) -> FedResult<Response> {
    let name = extract_webfinger_name(&q.resource, &data)
        .map_err(|_| AppError::not_found("account"))?
        .to_ascii_lowercase();
    let urls = Urls::new(&data.config);
    let lookup = name.clone();
    let found = data
        .db
        .run(move |c| {
            if let Some(s) = spaces::find_by_name(c, &lookup)?.filter(|s| !s.is_remote()) {
                return Ok(Some(("Group", s.name)));
            }
            Ok(persons::find_local(c, &lookup)?
                .filter(|p| p.status() == AccountStatus::Active)
                .map(|p| ("Person", p.name)))
        })
        .await?;
    let (kind, name) = found.ok_or_else(|| AppError::not_found("account"))?;
    let actor = if kind == "Group" {
        urls.space(&name)
    } else {
        urls.person(&name)
    };
    let mut properties = std::collections::HashMap::new();
    properties.insert(
        url::Url::parse("https://www.w3.org/ns/activitystreams#type")?,
        kind.to_string(),
    );
    let body = Webfinger {
        subject: format!("acct:{name}@{}", data.config.domain),
        links: vec![
            WebfingerLink {
                rel: Some("http://webfinger.net/rel/profile-page".into()),
                kind: Some("text/html".into()),
                href: Some(actor.clone()),
                ..Default::default()
            },
            WebfingerLink {
                rel: Some("self".into()),
                kind: Some(ACTIVITY_JSON.into()),
                href: Some(actor.clone()),
                properties,
                ..Default::default()
            },
        ],
        aliases: vec![actor],
        properties: Default::default(),
    };
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jrd+json"),
    );
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(resp)
}

/// `GET /.well-known/nodeinfo`.
pub async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    let base = Urls::new(&state.hearth.config).base().to_string();
    axum::Json(json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": format!("{base}/nodeinfo/2.1"),
        }]
    }))
    .into_response()
}

/// `GET /nodeinfo/2.1`: software, protocols and usage (counts only, nothing personal).
pub async fn nodeinfo(State(state): State<AppState>) -> FedResult<Response> {
    let h = &state.hearth;
    let (settings, users, posts) =
        h.db.run(|c| {
            use diesel::prelude::*;
            let users = persons::count_local(c)?;
            let posts = db::schema::posts::table
                .filter(db::schema::posts::deleted_at.is_null())
                .count()
                .get_result::<i64>(c)?;
            Ok((db::instance::get(c)?, users, posts))
        })
        .await?;
    let open = settings.registration_mode() != crate::domain::RegistrationMode::Closed;
    let mut resp = axum::Json(json!({
        "version": "2.1",
        "software": {
            "name": "hearth",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": open,
        "usage": { "users": { "total": users }, "localPosts": posts },
        "metadata": { "nodeName": settings.name, "nodeDescription": settings.description },
    }))
    .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        ),
    );
    Ok(resp)
}

/// `GET /.well-known/host-meta`: where WebFinger is, for older peers.
pub async fn host_meta(State(state): State<AppState>) -> Response {
    let base = Urls::new(&state.hearth.config).base().to_string();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{base}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n"
    );
    let mut resp = xml.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xrd+xml; charset=utf-8"),
    );
    resp
}

fn ordered_collection(id: url::Url, total: i64, items: Vec<Value>) -> Response {
    activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
        "orderedItems": items,
    }))
}

async fn space_row(h: &Hearth, name: &str) -> FedResult<spaces::Space> {
    let n = name.to_ascii_lowercase();
    Ok(h.db
        .run(move |c| Ok(spaces::find_by_name(c, &n)?))
        .await?
        .filter(|s| !s.is_remote())
        .ok_or_else(|| AppError::not_found("space"))?)
}

/// `GET /s/<name>/followers`: the count only; who follows is nobody else's business.
pub async fn followers(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> FedResult<Response> {
    let h = &state.hearth;
    let space = space_row(h, &name).await?;
    let id = space.id;
    let n = h.db.run(move |c| Ok(store::follower_count(c, id)?)).await?;
    Ok(ordered_collection(
        Urls::new(&h.config).followers(&space.name),
        n,
        vec![],
    ))
}

/// `GET /s/<name>/moderators` (the Group's `attributedTo`): the people who moderate it.
pub async fn moderators(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> FedResult<Response> {
    let h = &state.hearth;
    let space = space_row(h, &name).await?;
    let urls = Urls::new(&h.config);
    let mods =
        h.db.run(|c| {
            use db::schema::persons;
            use diesel::prelude::*;
            Ok(persons::table
                .filter(persons::role.eq_any([Role::Admin.as_str(), Role::Moderator.as_str()]))
                .filter(persons::status.eq("active"))
                .filter(persons::remote_actor_id.is_null())
                .order(persons::id.asc())
                .select(persons::name)
                .load::<String>(c)?)
        })
        .await?;
    let items: Vec<Value> = mods.iter().map(|m| json!(urls.person(m))).collect();
    Ok(ordered_collection(
        urls.moderators(&space.name),
        items.len() as i64,
        items,
    ))
}

/// `GET /s/<name>/staff` (the Group's `hearth:staff`): the people who speak for the brand here.
/// Another Hearth shows someone as verified staff of this brand only if they are listed here.
pub async fn staff(State(state): State<AppState>, Path(name): Path<String>) -> FedResult<Response> {
    let h = &state.hearth;
    let space = space_row(h, &name).await?;
    let urls = Urls::new(&h.config);
    let staff = h.db.run(|c| Ok(db::desk::staff(c)?)).await?;
    let items: Vec<Value> = staff.iter().map(|p| json!(urls.person(&p.name))).collect();
    Ok(ordered_collection(
        urls.staff(&space.name),
        items.len() as i64,
        items,
    ))
}

/// `GET /s/<name>/outbox` and `/featured`: empty for now (threads federate as they are written).
pub async fn space_outbox(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> FedResult<Response> {
    let h = &state.hearth;
    let space = space_row(h, &name).await?;
    let urls = Urls::new(&h.config);
    Ok(ordered_collection(
        urls.outbox(&urls.space(&space.name)),
        0,
        vec![],
    ))
}

pub async fn space_featured(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> FedResult<Response> {
    let h = &state.hearth;
    let space = space_row(h, &name).await?;
    Ok(ordered_collection(
        Urls::new(&h.config).featured(&space.name),
        0,
        vec![],
    ))
}

pub async fn person_outbox(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> FedResult<Response> {
    let urls = Urls::new(&state.hearth.config);
    Ok(ordered_collection(
        urls.outbox(&urls.person(&name)),
        0,
        vec![],
    ))
}

/// Every inbox (a space's, a person's, the shared one): the HTTP signature, the Digest and the
/// actor are checked by `activitypub_federation`, then the activity's own `verify` and `receive`.
/// Activity types Hearth does not handle are acknowledged and dropped.
pub async fn inbox(data: Data<Hearth>, req: Request) -> FedResult<Response> {
    let (parts, body) = req.into_parts();
    check_date(&parts.headers)?;
    let limit = data.config.max_body_bytes;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::new(ErrorKind::PayloadTooLarge, "the activity is too large"))?;
    let peek: Value = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::new(
            ErrorKind::BadRequest,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    // Per remote server, by the actor the activity names (checked against the signature later;
    // a flood under someone else's name only delays that server, whose deliveries retry).
    if let Some(server) = peek
        .get("actor")
        .and_then(|a| a.as_str().or_else(|| a.get("id").and_then(Value::as_str)))
        .and_then(|a| url::Url::parse(a).ok())
        .map(|u| actors::authority(&u))
    {
        data.rate.inbox(&server)?;
    }
    if !is_handled(&peek) {
        tracing::debug!(kind = ?peek.get("type"), "ignoring an activity type Hearth does not handle");
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let req = Request::from_parts(parts, Body::from(bytes));
    let activity = ActivityData::from_request(req, &())
        .await
        .map_err(|_| AppError::new(ErrorKind::BadRequest, "unreadable request"))?;
    // Not wrapped in `WithContext`: some peers omit `@context`, and nothing here needs it.
    receive_activity::<InboxActivity, ApubRemote, Hearth>(activity, &data).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `GET /s/<space>/t/<id>` with an ActivityPub `Accept`: the thread's opening post as a `Page`.
pub async fn thread_object(state: &AppState, space: &str, thread_id: i64) -> FedResult<Response> {
    let h = &state.hearth;
    let urls = Urls::new(&h.config);
    let domain = h.config.domain.clone();
    let space = space.to_ascii_lowercase();
    let space_name = space.clone();
    let page =
        h.db.run(move |c| {
            let space =
                spaces::find_by_name(c, &space)?.ok_or_else(|| AppError::not_found("space"))?;
            let thread = db::threads::find(c, thread_id)?
                .filter(|t| t.space_id == space.id)
                .ok_or_else(|| AppError::not_found("thread"))?;
            let opening_id = db::posts::opening_id(c, thread.id)?
                .ok_or_else(|| AppError::not_found("thread"))?;
            let opening =
                db::posts::find(c, opening_id)?.ok_or_else(|| AppError::not_found("thread"))?;
            // A copy of a thread from another server is not ours to serve: its origin has it.
            if opening.ap_id.is_some() || opening.is_held() {
                return Err(AppError::not_found("thread"));
            }
            // Deleted by its author or removed by moderators: gone for other servers.
            if thread.deleted || opening.deleted_at.is_some() || opening.is_removed() {
                return Ok(None);
            }
            let author = persons::get(c, opening.author_id)?;
            let at = super::outbound::place(c, &urls, &domain, &space, &thread)?;
            Ok(Some(super::objects::page(&at, &opening, &author)))
        })
        .await?;
    let id = super::objects::thread_id(&Urls::new(&h.config), &space_name, thread_id);
    Ok(object_or_tombstone(page, &id))
}

/// An object we serve, or (when its author deleted it or moderators removed it) `410 Gone` with a `Tombstone`, so
/// peers that re-fetch it learn that it is gone.
fn object_or_tombstone(object: Option<Value>, id: &url::Url) -> Response {
    match object {
        Some(mut object) => {
            object["@context"] = json!("https://www.w3.org/ns/activitystreams");
            activity_json(object)
        }
        None => {
            let mut resp = activity_json(json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": id,
                "type": "Tombstone",
            }));
            *resp.status_mut() = StatusCode::GONE;
            resp
        }
    }
}

/// `GET /posts/<id>` with an ActivityPub `Accept`: a reply as a `Note` (or, for an opening
/// post, its thread's `Page`).
pub async fn post_object(state: &AppState, post_id: i64) -> FedResult<Response> {
    let h = &state.hearth;
    let urls = Urls::new(&h.config);
    let domain = h.config.domain.clone();
    let object =
        h.db.run(move |c| {
            // Ours only, and only once it is out (not waiting for approval).
            let post = db::posts::find(c, post_id)?
                .filter(|p| p.ap_id.is_none() && !p.is_held())
                .ok_or_else(|| AppError::not_found("post"))?;
            if post.deleted_at.is_some() || post.is_removed() {
                return Ok(None);
            }
            let thread =
                db::threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("post"))?;
            let space = spaces::get(c, thread.space_id)?;
            let author = persons::get(c, post.author_id)?;
            let at = super::outbound::place(c, &urls, &domain, &space, &thread)?;
            match post.parent_id {
                None => Ok(Some(super::objects::page(&at, &post, &author))),
                Some(parent_id) => {
                    let parent = db::posts::find(c, parent_id)?
                        .ok_or_else(|| AppError::not_found("post"))?;
                    let parent_author = persons::get(c, parent.author_id)?;
                    let replied_to = super::outbound::addressee(c, &urls, &domain, &parent_author)?;
                    Ok(Some(super::objects::note(
                        &at,
                        &post,
                        &author,
                        &parent,
                        &replied_to,
                    )))
                }
            }
        })
        .await?;
    let id = super::objects::post_id(&Urls::new(&h.config), post_id);
    Ok(object_or_tombstone(object, &id))
}

/// The ids of a thread's posts, oldest first: the thread itself, then its replies (ours by
/// their `/posts/<id>`, those from elsewhere by their own id). `parent` keeps direct replies of
/// one post only.
async fn thread_items(
    h: &Hearth,
    thread_id: i64,
    parent: Option<i64>,
) -> FedResult<(String, Vec<Value>)> {
    let urls = Urls::new(&h.config);
    let (space, rows) =
        h.db.run(move |c| {
            let thread = db::threads::find(c, thread_id)?
                .filter(|t| !t.deleted && !t.removed && !t.held)
                .ok_or_else(|| AppError::not_found("thread"))?;
            let space = spaces::get(c, thread.space_id)?;
            let rows = db::posts::for_thread(c, thread_id)?;
            Ok((space.name, rows))
        })
        .await?;
    let thread_url = super::objects::thread_id(&urls, &space, thread_id);
    let items = rows
        .iter()
        .filter(|(p, _)| p.deleted_at.is_none() && !p.is_removed() && !p.is_held())
        .filter(|(p, _)| match parent {
            Some(pid) => p.parent_id == Some(pid),
            None => true,
        })
        .map(|(p, _)| match (&p.ap_id, p.parent_id) {
            (Some(ap), _) => json!(ap),
            (None, None) => json!(thread_url),
            (None, Some(_)) => json!(super::objects::post_id(&urls, p.id)),
        })
        .collect();
    Ok((space, items))
}

/// `GET /s/<space>/t/<id>/context` (FEP-7888): every post of the conversation, so a peer can
/// fetch the whole thread.
pub async fn thread_context(
    State(state): State<AppState>,
    Path((_space, thread)): Path<(String, i64)>,
) -> FedResult<Response> {
    let (space, items) = thread_items(&state.hearth, thread, None).await?;
    let urls = Urls::new(&state.hearth.config);
    let id = url::Url::parse(&format!(
        "{}/context",
        super::objects::thread_id(&urls, &space, thread)
    ))?;
    Ok(ordered_collection(id, items.len() as i64, items))
}

/// `GET /s/<space>/t/<id>/replies`: the direct replies to the thread's opening post.
pub async fn thread_replies(
    State(state): State<AppState>,
    Path((_space, thread)): Path<(String, i64)>,
) -> FedResult<Response> {
    let h = &state.hearth;
    let opening =
        h.db.run(move |c| Ok(db::posts::opening_id(c, thread)?))
            .await?
            .ok_or_else(|| AppError::not_found("thread"))?;
    let (space, items) = thread_items(h, thread, Some(opening)).await?;
    let urls = Urls::new(&h.config);
    let id = url::Url::parse(&format!(
        "{}/replies",
        super::objects::thread_id(&urls, &space, thread)
    ))?;
    Ok(ordered_collection(id, items.len() as i64, items))
}

/// `GET /posts/<id>/replies`: the direct replies to one post.
pub async fn post_replies(
    State(state): State<AppState>,
    Path(post): Path<i64>,
) -> FedResult<Response> {
    let h = &state.hearth;
    let thread =
        h.db.run(move |c| Ok(db::posts::find(c, post)?))
            .await?
            .ok_or_else(|| AppError::not_found("post"))?
            .thread_id;
    let (_, items) = thread_items(h, thread, Some(post)).await?;
    let urls = Urls::new(&h.config);
    let id = url::Url::parse(&format!("{}/replies", super::objects::post_id(&urls, post)))?;
    Ok(ordered_collection(id, items.len() as i64, items))
}

/// How far a request's `Date` may be from our clock (as Mastodon allows): older requests are
/// replays or badly delayed, newer ones would stay valid for too long.
const DATE_SKEW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Refuses a `Date` header outside the allowed window. (The signature check also refuses old
/// dates, but accepts dates in the future.)
fn check_date(headers: &HeaderMap) -> FedResult<()> {
    let Some(raw) = headers.get(header::DATE).and_then(|v| v.to_str().ok()) else {
        return Ok(()); // no Date: the signature must then carry (created), checked by the library
    };
    let date = chrono::DateTime::parse_from_rfc2822(raw)
        .map_err(|_| AppError::unauthenticated("the Date header is not a valid HTTP date"))?;
    let skew = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    if skew > DATE_SKEW || skew < -DATE_SKEW {
        return Err(
            AppError::unauthenticated("the request's Date is outside the allowed window").into(),
        );
    }
    Ok(())
}
