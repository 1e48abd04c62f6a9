//! Actors: our own (people, spaces, the instance actor) and cached remote ones, as the
//! `activitypub_federation` traits want them, and the JSON documents we serve for ours.

use activitypub_federation::config::Data;
use activitypub_federation::protocol::verification::verify_domains_match;
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use url::Url;

use super::error::{FedError, FedResult};
use super::protocol::ActorJson;
use super::urls::{LocalRef, Urls};
use crate::db::{self, federation as store};
use crate::error::AppError;
use crate::service::Hearth;

/// A new RSA-2048 key pair, generated on the blocking pool (it takes tens of milliseconds).
async fn generate_keys() -> FedResult<activitypub_federation::http_signatures::Keypair> {
    Ok(db::blocking(|| {
        activitypub_federation::http_signatures::generate_actor_keypair()
            .map_err(|e| AppError::internal(anyhow::anyhow!("key generation failed: {e}")))
    })
    .await?)
}

/// Keys of a local actor, created on first use (2048-bit RSA, what peers verify).
pub async fn ensure_keys(h: &Hearth, handle: &str) -> FedResult<(String, String)> {
    let handle = handle.to_string();
    let lookup = handle.clone();
    if let Some(k) = h.db.run(move |c| Ok(store::find_keys(c, &lookup)?)).await? {
        return Ok(k);
    }
    // One key generation at a time: a thread fanned out to many followers asks for the Group's
    // keys from every delivery at once, and each would otherwise generate its own.
    static GENERATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = GENERATING.lock().await;
    let lookup = handle.clone();
    if let Some(k) = h.db.run(move |c| Ok(store::find_keys(c, &lookup)?)).await? {
        return Ok(k);
    }
    let pair = generate_keys().await?;
    Ok(h.db
        .run(move |c| {
            Ok(store::store_keys(
                c,
                &handle,
                &pair.public_key,
                &pair.private_key,
            )?)
        })
        .await?)
}

/// The instance actor's keys, created on first start.
pub async fn ensure_instance_keys(h: &Hearth) -> FedResult<(String, String)> {
    let settings = h.db.run(|c| Ok(db::instance::get(c)?)).await?;
    if !settings.private_key_pem.is_empty() {
        return Ok((settings.public_key_pem, settings.private_key_pem));
    }
    let pair = generate_keys().await?;
    let (public, private) = (pair.public_key.clone(), pair.private_key.clone());
    h.db.transaction(move |c| {
        // Another process may have created them meanwhile: keep the first.
        let s = db::instance::get(c)?;
        if s.private_key_pem.is_empty() {
            db::instance::set_keys(c, &public, &private)?;
            Ok((public, private))
        } else {
            Ok((s.public_key_pem, s.private_key_pem))
        }
    })
    .await
    .map_err(FedError)
}

/// One of our own actors, with what is needed to sign as it.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: Url,
    pub inbox: Url,
    pub public_key_pem: String,
    pub private_key_pem: String,
}

impl LocalActor {
    /// Loads (and if needed creates keys for) the local actor a signer string names:
    /// `instance`, `space:<name>` or `person:<name>`.
    pub async fn for_signer(h: &Hearth, urls: &Urls, signer: &str) -> FedResult<LocalActor> {
        let (id, keys) = match signer.split_once(':') {
            None if signer == "instance" => (urls.instance_actor(), ensure_instance_keys(h).await?),
            Some(("space", name)) => (urls.space(name), ensure_keys(h, name).await?),
            Some(("person", name)) => (urls.person(name), ensure_keys(h, name).await?),
            _ => {
                return Err(FedError(AppError::internal(anyhow::anyhow!(
                    "unknown signer {signer}"
                ))));
            }
        };
        Ok(LocalActor {
            inbox: urls.inbox_of(&id),
            id,
            public_key_pem: keys.0,
            private_key_pem: keys.1,
        })
    }
}

#[async_trait::async_trait]
impl Object for LocalActor {
    type DataType = Hearth;
    type Kind = Value;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &Data<Hearth>) -> Result<Option<Self>, FedError> {
        let urls = Urls::new(&data.app_data().config);
        let signer = match urls.local_actor(&id) {
            Some(LocalRef::Instance) => "instance".to_string(),
            Some(LocalRef::Space(n)) => format!("space:{n}"),
            Some(LocalRef::Person(n)) => format!("person:{n}"),
            None => return Ok(None),
        };
        Ok(Some(
            LocalActor::for_signer(data.app_data(), &urls, &signer).await?,
        ))
    }

    async fn into_json(self, _data: &Data<Hearth>) -> Result<Value, FedError> {
        Ok(json!({ "id": self.id, "inbox": self.inbox }))
    }

    async fn verify(_json: &Value, _expected: &Url, _data: &Data<Hearth>) -> Result<(), FedError> {
        Err(FedError(AppError::forbidden(
            "local actors are not accepted from elsewhere",
        )))
    }

    async fn from_json(_json: Value, _data: &Data<Hearth>) -> Result<Self, FedError> {
        Err(FedError(AppError::forbidden(
            "local actors are not accepted from elsewhere",
        )))
    }
}

impl Actor for LocalActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

/// A remote actor from our cache.
#[derive(Debug, Clone)]
pub struct ApubRemote {
    pub row: store::RemoteActor,
    pub id: Url,
    pub inbox: Url,
}

impl ApubRemote {
    fn from_row(row: store::RemoteActor) -> FedResult<ApubRemote> {
        Ok(ApubRemote {
            id: Url::parse(&row.ap_id)?,
            inbox: Url::parse(&row.inbox)?,
            row,
        })
    }
}

/// `host[:port]` of a URL, as shown in handles (`@ana@mastodon.example`).
pub fn authority(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// Remote text for a single line: no control characters, at most `max` characters.
fn clean_line(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

#[async_trait::async_trait]
impl Object for ApubRemote {
    type DataType = Hearth;
    type Kind = ActorJson;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.row.last_refreshed_at.and_utc())
    }

    async fn read_from_id(id: Url, data: &Data<Hearth>) -> Result<Option<Self>, FedError> {
        let key = id.to_string();
        let row = data
            .db
            .run(move |c| Ok(store::find_actor(c, &key)?))
            .await?;
        row.map(ApubRemote::from_row).transpose()
    }

    async fn into_json(self, _data: &Data<Hearth>) -> Result<ActorJson, FedError> {
        Ok(ActorJson {
            id: self.id.clone(),
            kind: self.row.kind.clone(),
            preferred_username: Some(self.row.username.clone()),
            name: Some(self.row.display_name.clone()),
            summary: Some(self.row.summary_html.clone()),
            icon: self.row.avatar_url.clone().map(Value::String),
            inbox: self.inbox.clone(),
            endpoints: None,
            public_key: self.public_key(),
            posting_restricted_to_mods: Some(self.row.posting_restricted),
            staff_of: self.row.staff_of.clone().map(Value::String),
            staff_title: Some(self.row.staff_title.clone()),
        })
    }

    async fn verify(
        json: &ActorJson,
        expected: &Url,
        _data: &Data<Hearth>,
    ) -> Result<(), FedError> {
        verify_domains_match(&json.id, expected)?;
        verify_domains_match(&json.inbox, expected)?;
        if json.public_key.owner != json.id {
            return Err(FedError(AppError::invalid(
                "publicKey",
                "the key's owner is not the actor",
            )));
        }
        Ok(())
    }

    async fn from_json(json: ActorJson, data: &Data<Hearth>) -> Result<Self, FedError> {
        let username = json
            .preferred_username
            .as_deref()
            .map(|u| clean_line(u, 100))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| {
                json.id
                    .path_segments()
                    .and_then(|mut s| s.next_back().map(str::to_string))
                    .unwrap_or_default()
            });
        let display_name = json
            .name
            .as_deref()
            .map(|n| clean_line(n, 100))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| username.clone());
        let staff_of = match &json.staff_of {
            Some(claim) => verify_staff(data, &json.id, claim).await,
            None => None,
        };
        let staff_title = staff_of
            .as_ref()
            .and(json.staff_title.as_deref())
            .map(|t| clean_line(t, 100))
            .unwrap_or_default();
        let form = store::RemoteActorForm {
            ap_id: json.id.to_string(),
            kind: clean_line(&json.kind, 40),
            domain: authority(&json.id),
            username,
            display_name,
            summary_html: crate::text::sanitize(json.summary.as_deref().unwrap_or_default()),
            avatar_url: json.icon_url(),
            inbox: json.inbox.to_string(),
            shared_inbox: json
                .endpoints
                .as_ref()
                .and_then(|e| e.shared_inbox.as_ref())
                .map(Url::to_string),
            public_key_pem: json.public_key.public_key_pem.clone(),
            last_refreshed_at: db::now(),
            posting_restricted: json.posting_restricted_to_mods.unwrap_or(false),
            staff_of,
            staff_title,
        };
        let row = data
            .db
            .run(move |c| Ok(store::upsert_actor(c, &form)?))
            .await?;
        ApubRemote::from_row(row)
    }
}

/// Fetches a document from its origin (signed by our instance actor, with the usual refusal of
/// private addresses); the library checks that its `id` is the URL it came from.
async fn fetch_json(data: &Data<Hearth>, url: &Url) -> Option<(Url, Value)> {
    activitypub_federation::fetch::fetch_object_http::<Hearth, Value>(url, data)
        .await
        .ok()
        .map(|r| (r.url, r.object))
}

/// Whether `list` (a collection's `orderedItems` or `items`) names `actor`, as a URL or as an
/// object with that id.
fn lists(collection: &Value, actor: &Url) -> bool {
    let items = collection
        .get("orderedItems")
        .or_else(|| collection.get("items"))
        .and_then(Value::as_array);
    items.is_some_and(|items| {
        items.iter().any(|i| {
            let id = i.as_str().or_else(|| i.get("id").and_then(Value::as_str));
            id == Some(actor.as_str())
        })
    })
}

/// Checks a claim to be staff of a brand (`hearth:staffOf`). It counts only when the claimed
/// Group lives on the actor's own server (same scheme, host and port), really is a Group, and
/// its `staff` collection — also on that server — lists the actor; both are fetched from there,
/// never taken from the claim. Returns the Group's id, or None: a claim that does not check out
/// is not shown, and is not an error. At most three claimed Groups are tried.
pub async fn verify_staff(data: &Data<Hearth>, actor: &Url, claim: &Value) -> Option<String> {
    let claimed: Vec<Url> = match claim {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
    .iter()
    .filter_map(|s| Url::parse(s).ok())
    .take(3)
    .collect();
    let same_server = |u: &Url| u.scheme() == actor.scheme() && authority(u) == authority(actor);
    for group_id in claimed.iter().filter(|g| same_server(g)) {
        let Some((at, group)) = fetch_json(data, group_id).await else {
            continue;
        };
        if !same_server(&at) || group.get("type").and_then(Value::as_str) != Some("Group") {
            continue;
        }
        let Some(staff) = group
            .get("staff")
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok())
            .filter(same_server)
        else {
            continue;
        };
        if let Some((at, collection)) = fetch_json(data, &staff).await
            && same_server(&at)
            && lists(&collection, actor)
        {
            // The library checked that the Group's `id` is the URL it came from.
            return Some(group_id.to_string());
        }
    }
    None
}

impl Actor for ApubRemote {
    fn public_key_pem(&self) -> &str {
        &self.row.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        None
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.row
            .shared_inbox
            .as_deref()
            .and_then(|s| Url::parse(s).ok())
    }
}

/// The JSON-LD context of our actors: ActivityStreams, security (keys), and the Lemmy terms
/// threadiverse peers read (`postingRestrictedToMods`, `moderators`).
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "lemmy": "https://join-lemmy.org/ns#",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "hearth": "https://hearth.invalid/ns#",
            "staff": { "@id": "hearth:staff", "@type": "@id" },
            "staffOf": { "@id": "hearth:staffOf", "@type": "@id" },
            "staffTitle": "hearth:staffTitle",
        }
    ])
}

fn public_key(urls: &Urls, id: &Url, pem: &str) -> Value {
    json!({ "id": urls.key_id(id), "owner": id, "publicKeyPem": pem })
}

/// A space as an ActivityPub `Group` (FEP-1b12).
pub fn group_json(urls: &Urls, space: &db::spaces::Space, public_key_pem: &str) -> Value {
    let id = urls.space(&space.name);
    json!({
        "@context": context(),
        "id": id,
        "type": "Group",
        "preferredUsername": space.name,
        "name": space.title,
        "summary": space.description_html,
        "source": { "content": space.description, "mediaType": "text/markdown" },
        "url": id,
        "inbox": urls.inbox_of(&id),
        "outbox": urls.outbox(&id),
        "followers": urls.followers(&space.name),
        "featured": urls.featured(&space.name),
        "attributedTo": urls.moderators(&space.name),
        "staff": urls.staff(&space.name),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": public_key(urls, &id, public_key_pem),
        "postingRestrictedToMods": space.posting_mode == "announcements",
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "published": space.created_at.and_utc(),
        "updated": space.updated_at.and_utc(),
    })
}

/// What staff carry on other servers: a profile field Mastodon shows ("Staff: Acme · Support
/// Lead"), a link to the brand's site when one is configured (Mastodon marks it verified when
/// that page links back with `rel="me"`), and Hearth's claim (`staffOf` the brand's Groups, with
/// `staffTitle`), which another Hearth believes only after finding the person in the Group's
/// `staff` collection.
pub struct StaffClaim {
    /// The instance's name (the brand).
    pub brand: String,
    pub brand_url: Option<String>,
    /// The spaces here; each lists its staff.
    pub spaces: Vec<String>,
}

impl StaffClaim {
    /// What the claim names, read from the instance settings and the spaces here.
    pub fn load(c: &mut db::DbConn, config: &crate::config::Config) -> diesel::QueryResult<Self> {
        Ok(StaffClaim {
            brand: db::instance::get(c)?.name,
            brand_url: config.brand_url.clone(),
            spaces: db::spaces::list(c, false)?
                .into_iter()
                .map(|s| s.name)
                .collect(),
        })
    }
}

/// A local person as an ActivityPub `Person`.
pub fn person_json(
    urls: &Urls,
    person: &db::persons::Person,
    public_key_pem: &str,
    staff: &StaffClaim,
) -> Value {
    let id = urls.person(&person.name);
    let profile = crate::service::views::Profile::from(person);
    let summary: String = person
        .bio
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", html_escape(l)))
        .collect();
    let mut doc = json!({
        "@context": context(),
        "id": id,
        "type": "Person",
        "preferredUsername": person.name,
        "name": profile.display_name,
        "summary": summary,
        "url": id,
        "inbox": urls.inbox_of(&id),
        "outbox": urls.outbox(&id),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": public_key(urls, &id, public_key_pem),
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "published": person.created_at.and_utc(),
    });
    if let Some(path) = &profile.avatar {
        doc["icon"] = json!({ "type": "Image", "url": format!("{}{path}", urls.base()) });
    }
    if profile.is_staff {
        let role = match &profile.title {
            Some(t) => format!("{} · {t}", staff.brand),
            None => staff.brand.to_string(),
        };
        let mut fields =
            vec![json!({ "type": "PropertyValue", "name": "Staff", "value": html_escape(&role) })];
        if let Some(site) = &staff.brand_url {
            let site = html_escape(site);
            fields.push(json!({
                "type": "PropertyValue",
                "name": "Website",
                "value": format!(r#"<a href="{site}" rel="me nofollow noopener noreferrer" target="_blank">{site}</a>"#),
            }));
        }
        doc["attachment"] = json!(fields);
        doc["staffOf"] = json!(
            staff
                .spaces
                .iter()
                .map(|s| urls.space(s))
                .collect::<Vec<_>>()
        );
        doc["staffTitle"] = json!(profile.title.unwrap_or_default());
    }
    doc
}

/// The instance actor: signs our fetches (GoToSocial and others refuse unsigned ones).
pub fn instance_json(urls: &Urls, domain: &str, name: &str, public_key_pem: &str) -> Value {
    let id = urls.instance_actor();
    json!({
        "@context": context(),
        "id": id,
        "type": "Application",
        "preferredUsername": domain,
        "name": name,
        "url": urls.base(),
        "inbox": urls.shared_inbox(),
        "outbox": urls.outbox(&id),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": public_key(urls, &id, public_key_pem),
        "manuallyApprovesFollowers": true,
    })
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
