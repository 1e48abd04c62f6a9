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
        let result =
            h.db.transaction(move |c| {
                if !outbox::mark_processed(c, event.id, db::now())? {
                    return Ok(()); // another worker took it
                }
                let post_id = match event.kind.as_str() {
                    outbox::THREAD_CREATED => posts::opening_id(c, event.subject_id)?,
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
                        if url.host_str().is_none_or(|h| config.is_blocked(h)) {
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

/// The object (Page or Note) of a local post, as it is now.
fn object_of(c: &mut DbConn, urls: &Urls, domain: &str, l: &Loaded) -> AppResult<Value> {
    let at = objects::Place {
        urls,
        domain,
        space: &l.space,
        thread: &l.thread,
    };
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
    if let Some(remote) = person.remote_actor_id {
        use diesel::prelude::*;
        let ap_id: String = db::schema::remote_actors::table
            .find(remote)
            .select(db::schema::remote_actors::ap_id)
            .first(c)?;
        return Ok(objects::Addressee {
            actor: url::Url::parse(&ap_id).map_err(AppError::internal)?,
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
    use diesel::prelude::*;
    let Some(remote) = person.remote_actor_id else {
        return Ok(None);
    };
    Ok(db::schema::remote_actors::table
        .find(remote)
        .select(db::schema::remote_actors::inbox)
        .first(c)
        .optional()?)
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
                    activity: create,
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
            let object = object_of(c, &urls, domain, &l)?;
            let update = json!({
                "id": urls.new_activity("update"),
                "type": "Update",
                "actor": object["attributedTo"],
                "object": object,
                "to": object["to"],
                "cc": object["cc"],
                "audience": object["audience"],
            });
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
            let id = match l.post.parent_id {
                None => objects::thread_id(&urls, &l.space.name, l.thread.id),
                Some(_) => objects::post_id(&urls, l.post.id),
            };
            let delete = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": urls.new_activity("delete"),
                "type": "Delete",
                "actor": urls.person(&l.author.name),
                "object": { "id": id, "type": "Tombstone" },
                "to": [objects::PUBLIC],
                "cc": [urls.space(&l.space.name)],
                "audience": urls.space(&l.space.name),
            });
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
        outbox::LIKE_ADDED | outbox::LIKE_REMOVED => {
            let (Some(post), Some(person_id)) = (posts::find(c, event.subject_id)?, event.actor_id)
            else {
                return Ok(vec![]);
            };
            let (Some(object), Ok(author)) = (post.ap_id.clone(), persons::get(c, post.author_id))
            else {
                return Ok(vec![]);
            };
            let Some(remote_id) = author.remote_actor_id else {
                return Ok(vec![]);
            };
            let inbox: Option<String> = {
                use diesel::prelude::*;
                db::schema::remote_actors::table
                    .find(remote_id)
                    .select(db::schema::remote_actors::inbox)
                    .first(c)
                    .optional()?
            };
            let Some(inbox) = inbox else {
                return Ok(vec![]);
            };
            let liker = persons::get(c, person_id)?;
            let actor = urls.person(&liker.name);
            // A stable id, so the Undo names the Like it takes back.
            let like = json!({
                "id": format!("{}/likes/{}/{}", urls.base(), post.id, liker.id),
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
        other => {
            tracing::warn!(kind = other, "unknown outbox event kind; skipped");
            Ok(vec![])
        }
    }
}
