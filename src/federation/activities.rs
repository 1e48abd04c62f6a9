//! Activities received in an inbox: `verify` (reads only) then `receive` (changes state).
//! Each `receive` first records the activity id, so a redelivered activity is a no-op.

use activitypub_federation::config::Data;
use activitypub_federation::protocol::verification::verify_urls_match;
use activitypub_federation::traits::Activity;
use serde_json::json;
use url::Url;

use super::actors::{ApubRemote, authority};
use super::delivery;
use super::error::{FedError, FedResult};
use super::protocol::{Follow, UndoFollow};
use super::urls::{LocalRef, Urls};
use crate::db::{federation as store, spaces};
use crate::error::AppError;
use crate::service::Hearth;

/// Everything an inbox accepts. Variants are told apart by their `type`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
#[enum_delegate::implement(Activity)]
pub enum InboxActivity {
    Follow(Follow),
    UndoFollow(UndoFollow),
}

/// The activity types Hearth handles; anything else is acknowledged (202) and ignored, so peers
/// do not retry activities we have no use for.
pub fn is_handled(activity: &serde_json::Value) -> bool {
    let kind = activity.get("type").and_then(|t| t.as_str());
    let inner = activity
        .get("object")
        .and_then(|o| o.get("type"))
        .and_then(|t| t.as_str());
    matches!(
        (kind, inner),
        (Some("Follow"), _) | (Some("Undo"), Some("Follow"))
    )
}

fn local_space(data: &Data<Hearth>, url: &Url) -> FedResult<String> {
    match Urls::new(&data.app_data().config).local_actor(url) {
        Some(LocalRef::Space(name)) => Ok(name),
        _ => Err(FedError(AppError::invalid(
            "object",
            "only spaces (Groups) can be followed here",
        ))),
    }
}

#[async_trait::async_trait]
impl Activity for Follow {
    type DataType = Hearth;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Hearth>) -> Result<(), FedError> {
        local_space(data, &self.object).map(drop)
    }

    /// Records the follower and answers with an `Accept` from the Group that embeds the Follow
    /// (what Mastodon matches on), queued in the same transaction.
    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let follower = self.actor.dereference(data).await?;
        let name = local_space(data, &self.object)?;
        let urls = Urls::new(&data.app_data().config);
        let accept_id = urls.new_activity("accept");
        let group = urls.space(&name);
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": accept_id,
            "type": "Accept",
            "actor": group,
            "to": [self.actor.inner()],
            "object": {
                "id": self.id,
                "type": "Follow",
                "actor": self.actor.inner(),
                "object": self.object,
            },
        });
        let payload = accept.to_string();
        let inbox = follower.inbox.clone();
        let activity_id = self.id.to_string();
        let signer = format!("space:{name}");
        data.db
            .transaction(move |c| {
                let space =
                    spaces::find_by_name(c, &name)?.ok_or_else(|| AppError::not_found("space"))?;
                if !store::first_time_seen(c, &activity_id)? {
                    return Ok(());
                }
                store::add_follow(c, space.id, follower.row.id, &activity_id)?;
                store::enqueue(
                    c,
                    accept_id.as_str(),
                    &signer,
                    inbox.as_str(),
                    &authority(&inbox),
                    &payload,
                )?;
                Ok(())
            })
            .await?;
        delivery::wake(data.app_data());
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for UndoFollow {
    type DataType = Hearth;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Hearth>) -> Result<(), FedError> {
        // Only the follower can undo their follow.
        verify_urls_match(self.actor.inner(), self.object.actor.inner())?;
        local_space(data, &self.object.object).map(drop)
    }

    async fn receive(self, data: &Data<Hearth>) -> Result<(), FedError> {
        let follower: ApubRemote = self.actor.dereference(data).await?;
        let name = local_space(data, &self.object.object)?;
        let activity_id = self.id.to_string();
        data.db
            .transaction(move |c| {
                let space =
                    spaces::find_by_name(c, &name)?.ok_or_else(|| AppError::not_found("space"))?;
                if store::first_time_seen(c, &activity_id)? {
                    store::remove_follow(c, space.id, follower.row.id)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }
}
