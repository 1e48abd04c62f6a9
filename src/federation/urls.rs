//! Every ActivityPub id and URL of this instance is minted here.

use url::Url;

use crate::config::Config;

/// The local actor a URL names, if it names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalRef {
    Person(String),
    Space(String),
    Instance,
}

#[derive(Clone, Debug)]
pub struct Urls {
    base: String,
}

fn parse(s: String) -> Url {
    // Built from the validated domain and a validated handle: always a valid URL.
    Url::parse(&s).unwrap_or_else(|e| panic!("minted URL {s} is invalid: {e}"))
}

impl Urls {
    pub fn new(config: &Config) -> Urls {
        Urls {
            base: config.public_url(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn person(&self, name: &str) -> Url {
        parse(format!("{}/u/{name}", self.base))
    }

    pub fn space(&self, name: &str) -> Url {
        parse(format!("{}/s/{name}", self.base))
    }

    pub fn instance_actor(&self) -> Url {
        parse(format!("{}/actor", self.base))
    }

    pub fn inbox_of(&self, actor: &Url) -> Url {
        parse(format!("{}/inbox", actor.as_str().trim_end_matches('/')))
    }

    pub fn shared_inbox(&self) -> Url {
        parse(format!("{}/inbox", self.base))
    }

    pub fn followers(&self, space: &str) -> Url {
        parse(format!("{}/s/{space}/followers", self.base))
    }

    pub fn outbox(&self, actor: &Url) -> Url {
        parse(format!("{}/outbox", actor.as_str().trim_end_matches('/')))
    }

    pub fn staff(&self, space: &str) -> Url {
        parse(format!("{}/s/{space}/staff", self.base))
    }

    pub fn moderators(&self, space: &str) -> Url {
        parse(format!("{}/s/{space}/moderators", self.base))
    }

    pub fn featured(&self, space: &str) -> Url {
        parse(format!("{}/s/{space}/featured", self.base))
    }

    pub fn key_id(&self, actor: &Url) -> String {
        format!("{actor}#main-key")
    }

    /// A new, unique id for an activity we send.
    pub fn new_activity(&self, kind: &str) -> Url {
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::rng().fill_bytes(&mut b);
        parse(format!(
            "{}/activities/{kind}/{}",
            self.base,
            hex::encode(b)
        ))
    }

    /// Which local actor `url` names, if any (`/u/<name>`, `/s/<name>`, `/actor`).
    pub fn local_actor(&self, url: &Url) -> Option<LocalRef> {
        let s = url.as_str();
        let rest = s.strip_prefix(self.base.as_str())?;
        if rest == "/actor" {
            return Some(LocalRef::Instance);
        }
        let (kind, name) = rest.trim_start_matches('/').split_once('/')?;
        // Local names never hold `@`: `/s/support@elsewhere.example` is our page of a space on
        // another server, not an actor of ours.
        if name.is_empty() || name.contains(['/', '?', '#', '@']) {
            return None;
        }
        match kind {
            "u" => Some(LocalRef::Person(name.to_string())),
            "s" => Some(LocalRef::Space(name.to_string())),
            _ => None,
        }
    }
}
