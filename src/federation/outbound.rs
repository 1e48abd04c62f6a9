//! Turns outbox events into activities and delivery rows: each event in one transaction with
//! its deliveries, so an event is either fully queued or still pending.

use serde_json::Value;

use super::Federation;
use super::actors::authority;
use super::objects;
use super::urls::Urls;
use crate::db::{self, federation as store, outbox, persons, posts, spaces, threads};
use crate::error::{AppError, AppResult};

/// Processes pending events; returns how many.
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
    let n = events.len();
    for event in events {
        let urls = Urls::new(&h.config);
        let domain = h.config.domain.clone();
        let config = h.config.clone();
        let result =
            h.db.transaction(move |c| {
                if !outbox::mark_processed(c, event.id, db::now())? {
                    return Ok(()); // another worker took it
                }
                let batch = build(c, &urls, &domain, &event)?;
                if let Some((space, activities)) = batch {
                    // Nothing is ever queued for a blocked server.
                    let inboxes: Vec<String> = store::follower_inboxes(c, space.id)?
                        .into_iter()
                        .filter(|i| {
                            url::Url::parse(i)
                                .ok()
                                .and_then(|u| u.host_str().map(|h| !config.is_blocked(h)))
                                .unwrap_or(false)
                        })
                        .collect();
                    let signer = format!("space:{}", space.name);
                    for activity in &activities {
                        let id = activity["id"].as_str().unwrap_or_default().to_string();
                        let payload = activity.to_string();
                        for inbox in &inboxes {
                            let host = url::Url::parse(inbox)
                                .map(|u| authority(&u))
                                .unwrap_or_default();
                            store::enqueue(c, &id, &signer, inbox, &host, &payload)?;
                        }
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = result {
            e.log();
        }
    }
    n
}

/// The activities for one event, and the space whose followers receive them.
fn build(
    c: &mut db::DbConn,
    urls: &Urls,
    domain: &str,
    event: &outbox::Event,
) -> AppResult<Option<(spaces::Space, Vec<Value>)>> {
    match event.kind.as_str() {
        outbox::THREAD_CREATED => {
            let Some(thread) = threads::find(c, event.subject_id)? else {
                return Ok(None);
            };
            let space = spaces::get(c, thread.space_id)?;
            let opening_id =
                posts::opening_id(c, thread.id)?.ok_or_else(|| AppError::not_found("post"))?;
            let opening = posts::find(c, opening_id)?.ok_or_else(|| AppError::not_found("post"))?;
            if opening.deleted_at.is_some() {
                return Ok(None);
            }
            let author = persons::get(c, opening.author_id)?;
            let at = objects::Place {
                urls,
                domain,
                space: &space,
                thread: &thread,
            };
            let page = objects::page(&at, &opening, &author);
            let create = objects::create(urls, &page);
            // Threadiverse peers read the Announce of the Create; Mastodon-like peers only show
            // an Announce of the object itself (as Lemmy also sends it).
            let activities = vec![
                objects::announce(urls, &space.name, &create),
                objects::announce(urls, &space.name, &page),
            ];
            Ok(Some((space, activities)))
        }
        outbox::REPLY_CREATED => {
            let Some(post) = posts::find(c, event.subject_id)? else {
                return Ok(None);
            };
            if post.deleted_at.is_some() {
                return Ok(None);
            }
            let thread =
                threads::find(c, post.thread_id)?.ok_or_else(|| AppError::not_found("thread"))?;
            let space = spaces::get(c, thread.space_id)?;
            let parent_id = post.parent_id.ok_or_else(|| AppError::not_found("post"))?;
            let parent = posts::find(c, parent_id)?.ok_or_else(|| AppError::not_found("post"))?;
            let author = persons::get(c, post.author_id)?;
            let parent_author = persons::get(c, parent.author_id)?;
            let at = objects::Place {
                urls,
                domain,
                space: &space,
                thread: &thread,
            };
            let note = objects::note(&at, &post, &author, &parent, &parent_author);
            // Replies are not boosted into microblog timelines: only the Announce of the Create.
            let activities = vec![objects::announce(
                urls,
                &space.name,
                &objects::create(urls, &note),
            )];
            Ok(Some((space, activities)))
        }
        other => {
            tracing::warn!(kind = other, "unknown outbox event kind; skipped");
            Ok(None)
        }
    }
}
