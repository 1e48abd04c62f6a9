//! Turns outbox events into activities and delivery rows: each event in one transaction with
//! its deliveries, so an event is either fully queued or still pending.

use serde_json::{Value, json};

use super::Federation;
use super::actors::authority;
use super::objects;
use super::urls::Urls;
use crate::config::Config;
use crate::db::{self, DbConn, federation as store, outbox, persons, posts, spaces, threads};
use crate::error::{AppError, AppResult};

/// One activity to send, who signs it, and where it goes.
struct Outgoing {
    activity: Value,
    signer: String,
    inboxes: Vec<String>,
}

/// Processes pending events; returns how many were turned into deliveries. An event that fails
/// stays pending and is tried again on a later pass (it does not count, so a broken event cannot
/// keep the worker spinning).
pub async fn process_events(fed: &Federation) -> usize {
    let data = fed.to_request_data();
    let h = data.app_data().clone();
    let events = match h.db.run(|c| Ok(outbox::pending(c, 100)?)).await {
        Ok(e) => e,
        Err(e) => {
            e.log();
            return 0;
        }
    };
    let mut done = 0;
    for event in events {
        let config = h.config.clone();
        let policy = h.policy.clone();
        let result =
            h.db.transaction(move |c| {
                if !outbox::mark_processed(c, event.id, db::now())? {
                    return Ok(()); // another worker took it
                }
                let post_id = match event.kind.as_str() {
                    outbox::THREAD_CREATED => posts::opening_id(c, event.subject_id)?,
                    outbox::PERSON_UPDATED
                    | outbox::REPORT_FORWARDED
                    | outbox::PERSON_BANNED
                    | outbox::PERSON_UNBANNED => None,
                    outbox::POST_REMOVED | outbox::POST_RESTORED => {
                        db::modlog::find(c, event.subject_id)?.and_then(|e| e.post_id)
                    }
                    _ => Some(event.subject_id),
                };
                for out in build(c, &config, &event)? {
                    let id = out.activity["id"].as_str().unwrap_or_default().to_string();
                    let payload = out.activity.to_string();
                    for inbox in &out.inboxes {
                        let Ok(url) = url::Url::parse(inbox) else {
                            continue;
                        };
                        // Nothing is ever queued for a blocked server.
                        if url.host_str().is_none_or(|h| policy.refuses(&config, h)) {
                            continue;
                        }
                        store::enqueue_for(
                            c,
                            &id,
                            &out.signer,
                            inbox,
                            &authority(&url),
                            &payload,
                            post_id,
                        )?;
                    }
                }
                Ok(())
            })
            .await;
        match result {
            Ok(()) => done += 1,
            Err(e) => e.log(),
        }
    }
    done
}

/// Everything needed to describe a local post.
struct Loaded {
    space: spaces::Space,
    thread: threads::Thread,
    post: posts::Post,
    author: persons::Person,
}

fn load(c: &mut DbConn, post_id: i64) -> AppResult<Option<Loaded>> {
    let Some(post) = posts::find(c, post_id)? else {
        return Ok(None);
    };
    let thread = threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
    let space = spaces::get(c, thread.space_id)?;
    let author = persons::get(c, post.author_id)?;
    Ok(Some(Loaded {
        space,
        thread,
        post,
        author,
    }))
}

/// Where a post of `space` lives, with the space's Group: ours, or for a space on another
/// server the Group there.
pub(super) fn place<'a>(
    c: &mut DbConn,
    urls: &'a Urls,
    domain: &str,
    space: &'a spaces::Space,
    thread: &'a threads::Thread,
) -> AppResult<objects::Place<'a>> {
    let (group, group_handle) = match remote_group(c, space)? {
        Some(g) => (
            url::Url::parse(&g.ap_id).map_err(AppError::internal)?,
            format!("@{}", space.name),
        ),
        None => (urls.space(&space.name), format!("@{}@{domain}", space.name)),
    };
    Ok(objects::Place {
        urls,
        space,
        thread,
        group,
        group_handle,
    })
}

/// The Group on another server that a remote space stands for.
pub(super) fn remote_group(
    c: &mut DbConn,
    space: &spaces::Space,
) -> AppResult<Option<store::RemoteActor>> {
    remote_actor_of(c, space.remote_actor_id)
}

/// The cached remote actor a person or space stands for (None for local ones).
fn remote_actor_of(c: &mut DbConn, id: Option<i64>) -> AppResult<Option<store::RemoteActor>> {
    match id {
        Some(id) => Ok(store::find_actor_by_id(c, id)?),
        None => Ok(None),
    }
}

/// The object (Page or Note) of a local post, as it is now.
fn object_of(c: &mut DbConn, urls: &Urls, domain: &str, l: &Loaded) -> AppResult<Value> {
    let at = place(c, urls, domain, &l.space, &l.thread)?;
    Ok(match l.post.parent_id {
        None => objects::page(&at, &l.post, &l.author),
        Some(parent_id) => {
            let parent = posts::find(c, parent_id)?.ok_or_else(|| AppError::not_found("post"))?;
            let parent_author = persons::get(c, parent.author_id)?;
            let replied_to = addressee(c, urls, domain, &parent_author)?;
            objects::note(&at, &l.post, &l.author, &parent, &replied_to)
        }
    })
}

/// How a post addresses a person: a local one by our URL, a remote one by their actor id.
pub(super) fn addressee(
    c: &mut DbConn,
    urls: &Urls,
    domain: &str,
    person: &persons::Person,
) -> AppResult<objects::Addressee> {
    if person.remote_actor_id.is_some() {
        let remote = remote_actor_of(c, person.remote_actor_id)?
            .ok_or_else(|| AppError::not_found("remote actor"))?;
        return Ok(objects::Addressee {
            actor: url::Url::parse(&remote.ap_id).map_err(AppError::internal)?,
            mention: format!("@{}", person.name),
        });
    }
    Ok(objects::Addressee {
        actor: urls.person(&person.name),
        mention: format!("@{}@{domain}", person.name),
    })
}

/// The inbox of a person from another server (None for local people).
fn remote_inbox(c: &mut DbConn, person: &persons::Person) -> AppResult<Option<String>> {
    Ok(remote_actor_of(c, person.remote_actor_id)?.map(|a| a.inbox))
}

fn group_followers(
    c: &mut DbConn,
    space: &spaces::Space,
    activities: Vec<Value>,
) -> AppResult<Vec<Outgoing>> {
    let inboxes = store::follower_inboxes(c, space.id)?;
    Ok(activities
        .into_iter()
        .map(|activity| Outgoing {
            activity,
            signer: format!("space:{}", space.name),
            inboxes: inboxes.clone(),
        })
        .collect())
}

/// The activities for one event.
fn build(c: &mut DbConn, config: &Config, event: &outbox::Event) -> AppResult<Vec<Outgoing>> {
    let urls = Urls::new(config);
    let domain = config.domain.as_str();
    match event.kind.as_str() {
        outbox::THREAD_CREATED => {
            let Some(opening) = posts::opening_id(c, event.subject_id)? else {
                return Ok(vec![]);
            };
            let Some(l) = load(c, opening)?.filter(|l| l.post.deleted_at.is_none()) else {
                return Ok(vec![]);
            };
            if l.space.is_remote() {
                return to_remote_group(c, &urls, domain, &l, &event.kind);
            }
            let page = object_of(c, &urls, domain, &l)?;
            let create = objects::create(&urls, &page);
            // Threadiverse peers read the Announce of the Create; Mastodon-like peers only show
            // an Announce of the object itself (as Lemmy also sends it).
            let activities = vec![
                objects::announce(&urls, &l.space.name, &create),
                objects::announce(&urls, &l.space.name, &page),
            ];
            group_followers(c, &l.space, activities)
        }
        outbox::REPLY_CREATED => {
            let Some(l) = load(c, event.subject_id)?.filter(|l| l.post.deleted_at.is_none()) else {
                return Ok(vec![]);
            };
            if l.space.is_remote() {
                return to_remote_group(c, &urls, domain, &l, &event.kind);
            }
            let note = object_of(c, &urls, domain, &l)?;
            let create = objects::create(&urls, &note);
            // Replies are not boosted into microblog timelines: only the Announce of the Create.
            let mut out = group_followers(
                c,
                &l.space,
                vec![objects::announce(&urls, &l.space.name, &create)],
            )?;
            // The person replied to gets the reply even if they do not follow the space (a
            // Mastodon user who asked by mentioning it): the Create, from its author.
            let parent_author = match l.post.parent_id {
                Some(pid) => match posts::find(c, pid)? {
                    Some(parent) => Some(persons::get(c, parent.author_id)?),
                    None => None,
                },
                None => None,
            };
            if let Some(person) = parent_author
                && let Some(inbox) = remote_inbox(c, &person)?
            {
                out.push(Outgoing {
                    activity: with_context(create),
                    signer: format!("person:{}", l.author.name),
                    inboxes: vec![inbox],
                });
            }
            Ok(out)
        }
        outbox::POST_UPDATED => {
            let Some(l) = load(c, event.subject_id)?.filter(|l| l.post.deleted_at.is_none()) else {
                return Ok(vec![]);
            };
            if l.space.is_remote() {
                return to_remote_group(c, &urls, domain, &l, &event.kind);
            }
            let object = object_of(c, &urls, domain, &l)?;
            let update = update_of(&urls, object);
            group_followers(
                c,
                &l.space,
                vec![objects::announce(&urls, &l.space.name, &update)],
            )
        }
        outbox::POST_DELETED => {
            let Some(l) = load(c, event.subject_id)? else {
                return Ok(vec![]);
            };
            if l.space.is_remote() {
                return to_remote_group(c, &urls, domain, &l, &event.kind);
            }
            let delete = delete_of(&urls, &l, &urls.space(&l.space.name));
            // The Group's Announce for threadiverse peers, and the author's own Delete for
            // microblog servers, which act on a Delete only from the object's author.
            let mut out = group_followers(
                c,
                &l.space,
                vec![objects::announce(&urls, &l.space.name, &delete)],
            )?;
            let inboxes = store::follower_inboxes(c, l.space.id)?;
            out.push(Outgoing {
                activity: delete,
                signer: format!("person:{}", l.author.name),
                inboxes,
            });
            Ok(out)
        }
        outbox::POST_REMOVED | outbox::POST_RESTORED => {
            let Some(entry) = db::modlog::find(c, event.subject_id)? else {
                return Ok(vec![]);
            };
            let removal = if event.kind == outbox::POST_REMOVED {
                Some(entry.clone())
            } else {
                match entry.post_id {
                    Some(p) => db::modlog::removal_before(c, p, entry.id)?,
                    None => None,
                }
            };
            let (Some(removal), Some(post_id), Some(moderator_id)) =
                (removal, entry.post_id, entry.moderator_id)
            else {
                return Ok(vec![]);
            };
            let Some(l) = load(c, post_id)? else {
                return Ok(vec![]);
            };
            // Only a Group passes its moderators' decisions on; a space on another server has
            // its own moderators (a removal here only hides the post here).
            if l.space.is_remote() {
                return Ok(vec![]);
            }
            let moderator = persons::get(c, moderator_id)?;
            let group = urls.space(&l.space.name);
            let actor = urls.person(&moderator.name);
            // Lemmy's shape: a Delete by the moderator with the reason in `summary`, announced
            // by the Group; a restore is its Undo.
            let delete = json!({
                "id": format!("{}/modlog/{}/delete", urls.base(), removal.id),
                "type": "Delete",
                "actor": actor,
                "object": post_object_id(&urls, &l),
                "summary": removal.reason,
                "to": [objects::PUBLIC],
                "cc": [group],
                "audience": group,
            });
            let undo = (event.kind == outbox::POST_RESTORED).then_some(entry.id);
            let activity = moderation_activity(&urls, delete, undo);
            group_followers(
                c,
                &l.space,
                vec![objects::announce(&urls, &l.space.name, &activity)],
            )
        }
        outbox::PERSON_BANNED | outbox::PERSON_UNBANNED => {
            let payload: Value = event
                .payload
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(AppError::internal)?
                .unwrap_or_default();
            let Some(entry) = db::modlog::find(c, event.subject_id)? else {
                return Ok(vec![]);
            };
            // The ban's own entry: this one, or for an unban the one it lifts.
            let ban_entry = if event.kind == outbox::PERSON_BANNED {
                Some(entry.clone())
            } else {
                match payload["ban_entry"].as_i64() {
                    Some(id) => db::modlog::find(c, id)?,
                    None => None,
                }
            };
            let (Some(ban), Some(space_id), Some(person_id), Some(moderator_id)) = (
                ban_entry,
                entry.space_id,
                entry.person_id,
                entry.moderator_id,
            ) else {
                return Ok(vec![]);
            };
            let space = spaces::get(c, space_id)?;
            if space.is_remote() {
                return Ok(vec![]);
            }
            let banned = persons::get(c, person_id)?;
            let object = addressee(c, &urls, domain, &banned)?.actor;
            let moderator = persons::get(c, moderator_id)?;
            let actor = urls.person(&moderator.name);
            let group = urls.space(&space.name);
            // Lemmy's community ban (`lemmy/block-user-from-community.json`).
            let mut block = json!({
                "id": format!("{}/modlog/{}/block", urls.base(), ban.id),
                "type": "Block",
                "actor": actor,
                "object": object,
                "target": group,
                "summary": ban.reason,
                "removeData": payload["remove_data"].as_bool().unwrap_or(false),
                "to": [objects::PUBLIC],
                "cc": [group],
                "audience": group,
            });
            if let Some(end) = ban.expires_at {
                block["endTime"] = json!(end.and_utc().to_rfc3339());
            }
            let undo = (event.kind == outbox::PERSON_UNBANNED).then_some(entry.id);
            let activity = moderation_activity(&urls, block, undo);
            group_followers(
                c,
                &space,
                vec![objects::announce(&urls, &space.name, &activity)],
            )
        }
        outbox::LIKE_ADDED | outbox::LIKE_REMOVED => {
            let (Some(post), Some(person_id)) = (posts::find(c, event.subject_id)?, event.actor_id)
            else {
                return Ok(vec![]);
            };
            let (Some(object), Ok(author)) = (post.ap_id.clone(), persons::get(c, post.author_id))
            else {
                return Ok(vec![]);
            };
            let Some(inbox) = remote_inbox(c, &author)? else {
                return Ok(vec![]);
            };
            let liker = persons::get(c, person_id)?;
            let actor = urls.person(&liker.name);
            // Each like has its own id (a like taken back and given again is a new one: peers
            // drop an id they have seen); the Undo names the like it takes back.
            let like_event = if event.kind == outbox::LIKE_ADDED {
                Some(event.id)
            } else {
                outbox::latest_before(c, outbox::LIKE_ADDED, post.id, person_id, event.id)?
            };
            let like = json!({
                "id": format!("{}/likes/{}/{}/{}", urls.base(), post.id, liker.id, like_event.unwrap_or_default()),
                "type": "Like",
                "actor": actor,
                "object": object,
            });
            let activity = if event.kind == outbox::LIKE_ADDED {
                let mut like = like;
                like["@context"] = json!("https://www.w3.org/ns/activitystreams");
                like
            } else {
                json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": urls.new_activity("undo"),
                    "type": "Undo",
                    "actor": actor,
                    "object": like,
                })
            };
            Ok(vec![Outgoing {
                activity,
                signer: format!("person:{}", liker.name),
                inboxes: vec![inbox],
            }])
        }
        outbox::REMOTE_ACTIVITY => {
            // FEP-1b12: the Group passes a post it received on to its followers, wrapping the
            // activity as received, so they see the whole conversation. The author's own
            // server already has it.
            let (Some(payload), Some(l)) = (event.payload.as_deref(), load(c, event.subject_id)?)
            else {
                return Ok(vec![]);
            };
            // Only a Group passes posts on; a space on another server has its own.
            if l.space.is_remote() {
                return Ok(vec![]);
            }
            // Passed on even if the post has since been deleted: the Delete follows it.
            let activity: Value = serde_json::from_str(payload).map_err(AppError::internal)?;
            let origin = activity["actor"]
                .as_str()
                .and_then(|a| url::Url::parse(a).ok())
                .map(|u| authority(&u))
                .unwrap_or_default();
            let mut out = group_followers(
                c,
                &l.space,
                vec![objects::announce(&urls, &l.space.name, &activity)],
            )?;
            for o in &mut out {
                o.inboxes.retain(|i| {
                    url::Url::parse(i)
                        .map(|u| authority(&u) != origin)
                        .unwrap_or(false)
                });
            }
            Ok(out)
        }
        outbox::SPACE_FOLLOWED => {
            let Some(sub) = spaces::find_subscription(c, event.subject_id)? else {
                return Ok(vec![]); // unfollowed before the Follow went out
            };
            let space = spaces::get(c, sub.space_id)?;
            let (Some(group), person) = (remote_group(c, &space)?, persons::get(c, sub.person_id)?)
            else {
                return Ok(vec![]);
            };
            let follow = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": sub.follow_activity_id,
                "type": "Follow",
                "actor": urls.person(&person.name),
                "object": group.ap_id,
                "to": [group.ap_id],
            });
            Ok(vec![Outgoing {
                activity: follow,
                signer: format!("person:{}", person.name),
                inboxes: vec![group.inbox],
            }])
        }
        outbox::SPACE_UNFOLLOWED => {
            let payload: Value = event
                .payload
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(AppError::internal)?
                .unwrap_or_default();
            let (Some(person_id), Some(follow_id)) =
                (payload["person_id"].as_i64(), payload["follow_id"].as_str())
            else {
                return Ok(vec![]);
            };
            let space = spaces::get(c, event.subject_id)?;
            let (Some(group), person) = (remote_group(c, &space)?, persons::get(c, person_id)?)
            else {
                return Ok(vec![]);
            };
            let actor = urls.person(&person.name);
            let undo = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": urls.new_activity("undo"),
                "type": "Undo",
                "actor": actor,
                "object": {
                    "id": follow_id,
                    "type": "Follow",
                    "actor": actor,
                    "object": group.ap_id,
                },
                "to": [group.ap_id],
            });
            Ok(vec![Outgoing {
                activity: undo,
                signer: format!("person:{}", person.name),
                inboxes: vec![group.inbox],
            }])
        }
        outbox::REPORT_FORWARDED => {
            let Some(report) = db::reports::find(c, event.subject_id)? else {
                return Ok(vec![]);
            };
            // The reported person, or the author of the reported post.
            let (person, post) = match (report.person_id, report.post_id) {
                (Some(id), _) => (persons::get(c, id)?, None),
                (None, Some(id)) => match posts::find(c, id)? {
                    Some(p) => (persons::get(c, p.author_id)?, Some(p)),
                    None => return Ok(vec![]),
                },
                (None, None) => return Ok(vec![]),
            };
            let Some(actor) = remote_actor_of(c, person.remote_actor_id)? else {
                return Ok(vec![]);
            };
            let mut objects = vec![json!(actor.ap_id)];
            if let Some(ap) = post.and_then(|p| p.ap_id) {
                objects.push(json!(ap));
            }
            let flag = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": urls.new_activity("flag"),
                "type": "Flag",
                "actor": urls.instance_actor(),
                "object": objects,
                "content": report.reason,
            });
            Ok(vec![Outgoing {
                activity: flag,
                signer: "instance".to_string(),
                inboxes: vec![actor.shared_inbox.unwrap_or(actor.inbox)],
            }])
        }
        outbox::PERSON_UPDATED => {
            let person = persons::get(c, event.subject_id)?;
            // Without keys the actor was never fetched by anyone: nobody needs to hear of it.
            let Some((public, _)) = store::find_keys(c, &person.name)? else {
                return Ok(vec![]);
            };
            let claim = super::actors::StaffClaim::load(c, config)?;
            let actor = super::actors::person_json(&urls, &person, &public, &claim);
            let mut inboxes = Vec::new();
            for s in spaces::list(c, false)? {
                inboxes.extend(store::follower_inboxes(c, s.id)?);
            }
            inboxes.sort();
            inboxes.dedup();
            let id = urls.person(&person.name);
            let update = json!({
                "@context": super::actors::context(),
                "id": urls.new_activity("update"),
                "type": "Update",
                "actor": id,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": actor,
            });
            Ok(vec![Outgoing {
                activity: update,
                signer: format!("person:{}", person.name),
                inboxes,
            }])
        }
        other => {
            tracing::warn!(kind = other, "unknown outbox event kind; skipped");
            Ok(vec![])
        }
    }
}

/// A moderator's `Delete` or `Block` as sent, or (for the log entry `undo`) its `Undo`, by the
/// same moderator with the same addressing.
fn moderation_activity(urls: &Urls, activity: Value, undo: Option<i64>) -> Value {
    match undo {
        None => with_context(activity),
        Some(entry) => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/modlog/{entry}/undo", urls.base()),
            "type": "Undo",
            "actor": activity["actor"],
            "to": activity["to"],
            "cc": activity["cc"],
            "audience": activity["audience"],
            "object": activity,
        }),
    }
}

fn with_context(mut activity: Value) -> Value {
    activity["@context"] = json!("https://www.w3.org/ns/activitystreams");
    activity
}

/// `Update` of an object by its author, with the object's addressing.
fn update_of(urls: &Urls, object: Value) -> Value {
    json!({
        "id": urls.new_activity("update"),
        "type": "Update",
        "actor": object["attributedTo"],
        "to": object["to"],
        "cc": object["cc"],
        "audience": object["audience"],
        "object": object,
    })
}

/// The ActivityPub id of a post: ours, or the one it came with from its server.
fn post_object_id(urls: &Urls, l: &Loaded) -> Value {
    match (&l.post.ap_id, l.post.parent_id) {
        (Some(ap), _) => json!(ap),
        (None, None) => json!(objects::thread_id(urls, &l.space.name, l.thread.id)),
        (None, Some(_)) => json!(objects::post_id(urls, l.post.id)),
    }
}

/// The author's `Delete` of their post, addressed to the post's Group.
fn delete_of(urls: &Urls, l: &Loaded, group: &url::Url) -> Value {
    let id = post_object_id(urls, l);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls.new_activity("delete"),
        "type": "Delete",
        "actor": urls.person(&l.author.name),
        "object": { "id": id, "type": "Tombstone" },
        "to": [objects::PUBLIC],
        "cc": [group],
        "audience": group,
    })
}

/// A post written here in a space on another server: its author sends the activity to that
/// space's Group, which passes it on to its followers (FEP-1b12), us included. Nothing is
/// announced from here. A reply also goes to the person replied to, when they are on a third
/// server.
fn to_remote_group(
    c: &mut DbConn,
    urls: &Urls,
    domain: &str,
    l: &Loaded,
    kind: &str,
) -> AppResult<Vec<Outgoing>> {
    let Some(group) = remote_group(c, &l.space)? else {
        return Ok(vec![]);
    };
    let group_id = url::Url::parse(&group.ap_id).map_err(AppError::internal)?;
    let activity = match kind {
        outbox::THREAD_CREATED | outbox::REPLY_CREATED => {
            with_context(objects::create(urls, &object_of(c, urls, domain, l)?))
        }
        outbox::POST_UPDATED => with_context(update_of(urls, object_of(c, urls, domain, l)?)),
        _ => delete_of(urls, l, &group_id),
    };
    let mut inboxes = vec![group.inbox.clone()];
    if kind == outbox::REPLY_CREATED
        && let Some(pid) = l.post.parent_id
        && let Some(parent) = posts::find(c, pid)?
    {
        let parent_author = persons::get(c, parent.author_id)?;
        // On the Group's own server the reply arrives with the Group.
        if let Some(remote) = remote_actor_of(c, parent_author.remote_actor_id)?
            && remote.domain != group.domain
        {
            inboxes.push(remote.inbox);
        }
    }
    Ok(vec![Outgoing {
        activity,
        signer: format!("person:{}", l.author.name),
        inboxes,
    }])
}
