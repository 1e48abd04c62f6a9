//! Small value types shared by every layer: roles, account states, registration modes and the
//! validated local handle. They are stored as text; `as_str`/`parse` are the only conversions.

use std::fmt;

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted spellings, for error messages.
            pub fn choices() -> String {
                [$($text),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// What a local person may do on this instance.
    Role {
        /// Configures the instance; is staff and may moderate everywhere.
        Admin => "admin",
        /// Moderates content; not necessarily an employee of the brand.
        Moderator => "moderator",
        /// Speaks for the brand under their own name, with a title.
        Staff => "staff",
        Member => "member",
    }
}

impl Role {
    /// Staff speak for the brand and carry the "Staff · <title>" badge.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Admin | Role::Moderator)
    }
}

text_enum! {
    AccountStatus {
        Active => "active",
        /// Registered while approval was required; waits for an admin.
        Pending => "pending",
        Rejected => "rejected",
        Suspended => "suspended",
    }
}

text_enum! {
    /// Who may create an account through the web or the API.
    RegistrationMode {
        Open => "open",
        /// Anyone may apply; an admin approves before the account can log in.
        Approval => "approval",
        /// Only with an invite code from an admin.
        Invite => "invite",
        Closed => "closed",
    }
}

text_enum! {
    TokenKind {
        /// A browser session (cookie).
        Session => "session",
        /// Returned by the API login; expires like a session.
        Login => "login",
        /// Created by the person for scripts and tools; lives until revoked.
        Personal => "personal",
    }
}

text_enum! {
    /// Who may start threads in a space. Everyone may reply in both modes.
    PostingMode {
        Open => "open",
        /// Only staff start threads (news, releases); customers reply.
        Announcements => "announcements",
    }
}

/// Names that would collide with routes, well-known actors or staff impersonation.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "static",
    "instance",
    "actor",
    "hearth",
    "root",
    "system",
    "moderator",
    "moderators",
    "staff",
    "support_team",
    "login",
    "logout",
    "register",
    "settings",
    "inbox",
    "outbox",
    "healthz",
    "well_known",
    "nodeinfo",
    "webfinger",
];

pub const NAME_MAX: usize = 30;

/// A local handle (person or space): 1-30 of `a-z 0-9 _`, stored in lower case. People and spaces
/// share one namespace, so this one type names both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle(String);

impl Handle {
    /// Validates a user-chosen name. `field` names the input in the error.
    pub fn parse(raw: &str) -> Result<Handle, String> {
        let name = raw.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err("must not be empty".into());
        }
        if name.chars().count() > NAME_MAX {
            return Err(format!("must be at most {NAME_MAX} characters"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err("may only contain letters a-z, digits and _".into());
        }
        Ok(Handle(name))
    }

    /// Like [`Handle::parse`], and also refuses names reserved for the system.
    pub fn parse_new(raw: &str) -> Result<Handle, String> {
        let h = Self::parse(raw)?;
        if RESERVED.contains(&h.0.as_str()) {
            return Err(format!("`{}` is reserved", h.0));
        }
        Ok(h)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_lowercase_and_limited() {
        assert_eq!(Handle::parse(" Alice_1 ").unwrap().as_str(), "alice_1");
        assert!(Handle::parse("").is_err());
        assert!(Handle::parse("a b").is_err());
        assert!(Handle::parse("ünï").is_err());
        assert!(Handle::parse(&"a".repeat(31)).is_err());
        assert!(Handle::parse(&"a".repeat(30)).is_ok());
        assert!(Handle::parse_new("Admin").is_err());
        assert!(Handle::parse("admin").is_ok());
    }

    #[test]
    fn text_enums_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        for m in RegistrationMode::ALL {
            assert_eq!(RegistrationMode::parse(m.as_str()), Some(*m));
        }
        assert_eq!(Role::parse("owner"), None);
        assert!(Role::Admin.is_staff() && Role::Staff.is_staff());
        assert!(!Role::Moderator.is_staff() && !Role::Member.is_staff());
    }
}
