//! Configuration: built-in defaults, then an optional `hearth.toml`, then `HEARTH_*` environment
//! variables. Loaded once by the caller and passed down; there is no global configuration, so
//! several instances can live in one process (the federation tests rely on that).
//!
//! Every key is listed in [`KEYS`] with its documentation; `docs/configuration.md` is checked
//! against that list by a test, so the reference cannot drift from the code.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The value kinds a key can hold. Environment variables are strings, so this says how to read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Bool,
}

/// One configuration key: its name in `hearth.toml`, its kind and a one-line description.
/// The environment variable is `HEARTH_` + the name in upper case.
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub doc: &'static str,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "bind",
        kind: Kind::Str,
        default: "127.0.0.1:8080",
        doc: "Address and port the HTTP server listens on.",
    },
    Key {
        name: "domain",
        kind: Kind::Str,
        default: "localhost:8080",
        doc: "Public host name (and port, if not 443) people use to reach this instance. No scheme, no path.",
    },
    Key {
        name: "data_dir",
        kind: Kind::Str,
        default: "./data",
        doc: "Directory for the SQLite database and other local state. Created if missing.",
    },
    Key {
        name: "database_url",
        kind: Kind::Str,
        default: "sqlite://<data_dir>/hearth.db",
        doc: "`sqlite://PATH` or `postgres://user@host/db`. PostgreSQL is the backend for larger communities.",
    },
    Key {
        name: "db_pool_size",
        kind: Kind::Int,
        default: "8",
        doc: "Maximum open database connections (1-256).",
    },
    Key {
        name: "log",
        kind: Kind::Str,
        default: "info",
        doc: "Log filter in `tracing` syntax, e.g. `info` or `hearth=debug,tower_http=info`.",
    },
    Key {
        name: "secure_cookies",
        kind: Kind::Str,
        default: "auto",
        doc: "`always`, `never` or `auto` (secure unless the domain is localhost or 127.0.0.1). Never `never` in production.",
    },
    Key {
        name: "trust_proxy_headers",
        kind: Kind::Bool,
        default: "false",
        doc: "Take the client address from `X-Forwarded-For` (only behind a reverse proxy you run).",
    },
    Key {
        name: "login_attempts_per_minute",
        kind: Kind::Int,
        default: "10",
        doc: "Login attempts allowed per client address and per account name each minute before 429 (1-10000).",
    },
    Key {
        name: "posts_per_minute",
        kind: Kind::Int,
        default: "30",
        doc: "Threads and replies one person may write per minute before 429 (1-100000).",
    },
    Key {
        name: "reports_per_hour",
        kind: Kind::Int,
        default: "20",
        doc: "Reports one person may make per hour before 429 (1-100000).",
    },
    Key {
        name: "registrations_per_hour",
        kind: Kind::Int,
        default: "10",
        doc: "Accounts that may be registered from one client address per hour before 429 (1-100000).",
    },
    Key {
        name: "inbox_per_minute",
        kind: Kind::Int,
        default: "3000",
        doc: "Activities accepted per minute from one remote server before 429 (1-10000000); peers retry later.",
    },
    Key {
        name: "max_body_bytes",
        kind: Kind::Int,
        default: "1048576",
        doc: "Largest request body accepted, in bytes; larger requests get 413.",
    },
    Key {
        name: "federation_insecure",
        kind: Kind::Bool,
        default: "false",
        doc: "FOR LOCAL TESTING ONLY: federate over plain http with peers on loopback/private addresses. Never in production.",
    },
    Key {
        name: "blocked_domains",
        kind: Kind::Str,
        default: "",
        doc: "Servers Hearth never federates with (comma-separated host names; subdomains included): their activities are refused, nothing is sent to them.",
    },
    Key {
        name: "brand_url",
        kind: Kind::Str,
        default: "",
        doc: "The brand's own website (https://…), shown on staff profiles on other servers; Mastodon marks it verified when that page links back to the profile with rel=\"me\".",
    },
    Key {
        name: "session_days",
        kind: Kind::Int,
        default: "30",
        doc: "How long a web login or an API login token stays valid, in days (1-3650).",
    },
];

/// Environment variables with the `HEARTH_` prefix that are not configuration keys but are
/// known to Hearth, so they are not reported as unknown.
const KNOWN_NON_KEYS: &[&str] = &["HEARTH_CONFIG", "HEARTH_TEST_DATABASE_URL"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookies {
    Auto,
    Always,
    Never,
}

/// Which database the URL names. Chosen from the scheme, never by trial and error, so a typo in a
/// PostgreSQL URL can't silently become a new SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://./data/hearth.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(raw.to_string()))
        } else {
            Err("must start with sqlite:// or postgres://".into())
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

impl fmt::Display for DatabaseUrl {
    /// Never prints a PostgreSQL password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if at > s => write!(f, "{}://***{}", &u[..s], &u[at..]),
                _ => f.write_str(u),
            },
        }
    }
}

/// The validated configuration of one instance.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub domain: String,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub db_pool_size: u32,
    pub log: String,
    pub secure_cookies: SecureCookies,
    pub trust_proxy_headers: bool,
    pub login_attempts_per_minute: u32,
    pub posts_per_minute: u32,
    pub reports_per_hour: u32,
    pub registrations_per_hour: u32,
    pub inbox_per_minute: u32,
    pub max_body_bytes: usize,
    pub session_days: u32,
    /// Plain-http federation with loopback peers, for tests only.
    pub federation_insecure: bool,
    /// Lower-case host names; a host matches if it is one of them or a subdomain of one.
    pub blocked_domains: Vec<String>,
    /// The brand's website for staff profiles, when configured.
    pub brand_url: Option<String>,
}

/// Whether lower-case `host` is one of the lower-case `domains` or a subdomain of one. Runs on
/// every federation request, so it allocates nothing.
pub fn host_listed(domains: &[String], host: &str) -> bool {
    domains.iter().any(|d| {
        host.strip_suffix(d.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    })
}

/// A configuration problem, naming the key (and where its value came from) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// What [`Config::load`] found besides the configuration itself.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Unknown `HEARTH_*` environment variables: reported, not fatal, because other tools may
    /// share the prefix.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
}

/// A value together with where it came from, for error messages.
struct Sourced {
    value: Value,
    origin: String,
}

impl Config {
    /// Defaults only: what `hearth serve` uses with no file and no environment.
    pub fn defaults() -> Config {
        Self::from_values(BTreeMap::new()).expect("built-in defaults are valid")
    }

    /// Loads the configuration from an optional file and the given environment (pass
    /// `std::env::vars()` in the binary; tests pass their own list and never touch the process
    /// environment).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Config, LoadReport), ConfigError> {
        let mut values: BTreeMap<&'static str, Sourced> = BTreeMap::new();
        let mut report = LoadReport::default();

        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
                key: "config".into(),
                message: format!("cannot read {}: {e}", path.display()),
            })?;
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
                key: path.display().to_string(),
                message: format!("not valid TOML: {}", e.message()),
            })?;
            for (name, raw) in table {
                let key = find_key(&name).ok_or_else(|| ConfigError {
                    key: format!("{name} (in {})", path.display()),
                    message: format!("unknown key; known keys are {}", known_key_list()),
                })?;
                let origin = format!("{} (in {})", key.name, path.display());
                let value = match (key.kind, raw) {
                    (Kind::Str, toml::Value::String(s)) => Value::Str(s),
                    (Kind::Int, toml::Value::Integer(i)) => Value::Int(i),
                    (Kind::Bool, toml::Value::Boolean(b)) => Value::Bool(b),
                    (kind, other) => {
                        return Err(ConfigError {
                            key: origin,
                            message: format!(
                                "expected {}, found {}",
                                kind_name(kind),
                                other.type_str()
                            ),
                        });
                    }
                };
                values.insert(key.name, Sourced { value, origin });
            }
        }

        let mut env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("HEARTH_"))
            .collect();
        env.sort();
        for (var, raw) in env {
            if KNOWN_NON_KEYS.contains(&var.as_str()) {
                continue;
            }
            let name = var["HEARTH_".len()..].to_ascii_lowercase();
            let Some(key) = find_key(&name) else {
                report.warnings.push(format!(
                    "unknown environment variable {var} ignored; known keys are {}",
                    known_key_list()
                ));
                continue;
            };
            let value = match key.kind {
                Kind::Str => Value::Str(raw),
                Kind::Int => Value::Int(raw.trim().parse().map_err(|_| ConfigError {
                    key: var.clone(),
                    message: format!("expected a whole number, found `{raw}`"),
                })?),
                Kind::Bool => Value::Bool(parse_bool(&raw).ok_or_else(|| ConfigError {
                    key: var.clone(),
                    message: format!("expected true or false, found `{raw}`"),
                })?),
            };
            values.insert(key.name, Sourced { value, origin: var });
        }

        Ok((Self::from_values(values)?, report))
    }

    fn from_values(mut values: BTreeMap<&'static str, Sourced>) -> Result<Config, ConfigError> {
        // The database URL's default depends on data_dir, so it is taken apart from the others.
        let database_url_value = values.remove("database_url");
        let mut take = |name: &'static str| -> (Value, String) {
            match values.remove(name) {
                Some(s) => (s.value, s.origin),
                None => {
                    let key = find_key(name).expect("every taken key is declared in KEYS");
                    let value = match key.kind {
                        Kind::Str => Value::Str(key.default.to_string()),
                        Kind::Int => Value::Int(key.default.parse().expect("numeric default")),
                        Kind::Bool => Value::Bool(key.default == "true"),
                    };
                    (value, name.to_string())
                }
            }
        };
        let err = |origin: &str, message: String| ConfigError {
            key: origin.to_string(),
            message,
        };

        let (bind, origin) = take("bind");
        let bind_s = as_str(bind);
        let bind: SocketAddr = bind_s.parse().map_err(|_| {
            err(
                &origin,
                format!("`{bind_s}` is not an address like 127.0.0.1:8080"),
            )
        })?;

        let (domain, origin) = take("domain");
        let domain = as_str(domain);
        validate_domain(&domain).map_err(|m| err(&origin, m))?;

        let (data_dir, origin) = take("data_dir");
        let data_dir = PathBuf::from(as_str(data_dir));
        if data_dir.as_os_str().is_empty() {
            return Err(err(&origin, "must not be empty".into()));
        }

        let database_url = match database_url_value {
            Some(s) => {
                let raw = as_str(s.value);
                DatabaseUrl::parse(&raw).map_err(|m| err(&s.origin, m))?
            }
            None => DatabaseUrl::Sqlite(data_dir.join("hearth.db")),
        };

        let (v, origin) = take("db_pool_size");
        let db_pool_size = ranged(as_int(v), 1, 256).map_err(|m| err(&origin, m))? as u32;

        let (log, origin) = take("log");
        let log = as_str(log);
        if log.trim().is_empty() {
            return Err(err(&origin, "must not be empty".into()));
        }

        let (v, origin) = take("secure_cookies");
        let secure_cookies = match as_str(v).as_str() {
            "auto" => SecureCookies::Auto,
            "always" => SecureCookies::Always,
            "never" => SecureCookies::Never,
            other => {
                return Err(err(
                    &origin,
                    format!("expected auto, always or never, found `{other}`"),
                ));
            }
        };

        let (v, _) = take("trust_proxy_headers");
        let trust_proxy_headers = as_bool(v);

        let (v, origin) = take("login_attempts_per_minute");
        let login_attempts_per_minute =
            ranged(as_int(v), 1, 10_000).map_err(|m| err(&origin, m))? as u32;

        let (v, origin) = take("posts_per_minute");
        let posts_per_minute = ranged(as_int(v), 1, 100_000).map_err(|m| err(&origin, m))? as u32;
        let (v, origin) = take("reports_per_hour");
        let reports_per_hour = ranged(as_int(v), 1, 100_000).map_err(|m| err(&origin, m))? as u32;
        let (v, origin) = take("registrations_per_hour");
        let registrations_per_hour =
            ranged(as_int(v), 1, 100_000).map_err(|m| err(&origin, m))? as u32;
        let (v, origin) = take("inbox_per_minute");
        let inbox_per_minute =
            ranged(as_int(v), 1, 10_000_000).map_err(|m| err(&origin, m))? as u32;
        let (v, origin) = take("max_body_bytes");
        let max_body_bytes =
            ranged(as_int(v), 1024, 1 << 30).map_err(|m| err(&origin, m))? as usize;

        let (v, origin) = take("session_days");
        let session_days = ranged(as_int(v), 1, 3650).map_err(|m| err(&origin, m))? as u32;

        let (v, _) = take("federation_insecure");
        let federation_insecure = as_bool(v);

        let (v, origin) = take("blocked_domains");
        let mut blocked_domains = Vec::new();
        for d in as_str(v)
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|d| !d.is_empty())
        {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            validate_domain(&d).map_err(|m| err(&origin, m))?;
            blocked_domains.push(d);
        }

        let (v, origin) = take("brand_url");
        let brand_url = match as_str(v).trim() {
            "" => None,
            u => match url::Url::parse(u) {
                Ok(parsed)
                    if matches!(parsed.scheme(), "https" | "http") && parsed.host().is_some() =>
                {
                    Some(parsed.to_string())
                }
                _ => {
                    return Err(err(
                        &origin,
                        "must be an http(s) URL, e.g. https://acme.example".into(),
                    ));
                }
            },
        };

        Ok(Config {
            bind,
            domain,
            data_dir,
            database_url,
            db_pool_size,
            log,
            secure_cookies,
            trust_proxy_headers,
            login_attempts_per_minute,
            posts_per_minute,
            reports_per_hour,
            registrations_per_hour,
            inbox_per_minute,
            max_body_bytes,
            session_days,
            federation_insecure,
            blocked_domains,
            brand_url,
        })
    }

    /// Whether cookies get the `Secure` attribute.
    pub fn cookies_secure(&self) -> bool {
        match self.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            SecureCookies::Auto => !is_local_host(&self.domain),
        }
    }

    /// Whether `host` is on the block list (itself or as a subdomain of a listed host).
    pub fn is_blocked(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host_listed(&self.blocked_domains, &host)
    }

    /// The public base URL, e.g. `https://community.acme.example`. Plain http only for local hosts.
    pub fn public_url(&self) -> String {
        let scheme = if is_local_host(&self.domain) || self.federation_insecure {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", self.domain)
    }
}

fn is_local_host(domain: &str) -> bool {
    let host = match domain.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => domain,
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost")
}

fn validate_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("must not be empty".into());
    }
    if domain.contains("://") {
        return Err(format!(
            "`{domain}` must be a host name without a scheme, e.g. community.example.com"
        ));
    }
    if domain.contains('/') || domain.contains(char::is_whitespace) || domain.contains('@') {
        return Err(format!(
            "`{domain}` must be a bare host name (optionally with :port), no path or spaces"
        ));
    }
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (domain, None),
    };
    if let Some(p) = port
        && p.parse::<u16>().is_err()
    {
        return Err(format!("`{domain}` has an invalid port `{p}`"));
    }
    let valid_host = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !valid_host {
        return Err(format!("`{domain}` is not a valid host name"));
    }
    Ok(())
}

fn find_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

fn known_key_list() -> String {
    KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "a string",
        Kind::Int => "a whole number",
        Kind::Bool => "true or false",
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn ranged(v: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range ({min}-{max})"))
    }
}

// The kinds were checked when the values were read, so these conversions only see the right kind.
fn as_str(v: Value) -> String {
    match v {
        Value::Str(s) => s,
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

fn as_int(v: Value) -> i64 {
    match v {
        Value::Int(i) => i,
        _ => unreachable!("integer keys only hold integers"),
    }
}

fn as_bool(v: Value) -> bool {
    match v {
        Value::Bool(b) => b,
        _ => unreachable!("boolean keys only hold booleans"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let c = Config::defaults();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.domain, "localhost:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/hearth.db"))
        );
        assert!(!c.cookies_secure(), "localhost runs over plain http");
        assert_eq!(c.public_url(), "http://localhost:8080");
    }

    #[test]
    fn environment_overrides_file_and_unknown_env_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.toml");
        std::fs::write(
            &path,
            "domain = \"community.acme.example\"\ndb_pool_size = 4\n",
        )
        .unwrap();
        let (c, report) = Config::load(
            Some(&path),
            env(&[
                ("HEARTH_DB_POOL_SIZE", "12"),
                ("HEARTH_DATA_DIR", "/srv/hearth"),
                ("HEARTH_BINDD", "x"),
                ("HEARTH_CONFIG", "ignored"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(c.domain, "community.acme.example");
        assert_eq!(c.db_pool_size, 12);
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("/srv/hearth/hearth.db"))
        );
        assert!(c.cookies_secure());
        assert_eq!(c.public_url(), "https://community.acme.example");
        assert_eq!(report.warnings.len(), 1);
        assert!(report.warnings[0].contains("HEARTH_BINDD"));
    }

    #[test]
    fn unknown_file_key_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.toml");
        std::fs::write(&path, "bnd = \"0.0.0.0:80\"\n").unwrap();
        let e = Config::load(Some(&path), env(&[])).unwrap_err();
        assert!(e.key.starts_with("bnd"), "{e}");
        assert!(e.message.contains("unknown key"), "{e}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let cases = [
            ("HEARTH_BIND", "not-an-address", "HEARTH_BIND"),
            ("HEARTH_DOMAIN", "https://acme.example", "HEARTH_DOMAIN"),
            ("HEARTH_DOMAIN", "acme.example/path", "HEARTH_DOMAIN"),
            ("HEARTH_DATABASE_URL", "mysql://x", "HEARTH_DATABASE_URL"),
            ("HEARTH_DB_POOL_SIZE", "0", "HEARTH_DB_POOL_SIZE"),
            ("HEARTH_DB_POOL_SIZE", "many", "HEARTH_DB_POOL_SIZE"),
            (
                "HEARTH_TRUST_PROXY_HEADERS",
                "perhaps",
                "HEARTH_TRUST_PROXY_HEADERS",
            ),
            (
                "HEARTH_SECURE_COOKIES",
                "sometimes",
                "HEARTH_SECURE_COOKIES",
            ),
        ];
        for (var, value, key) in cases {
            let e = Config::load(None, env(&[(var, value)])).unwrap_err();
            assert_eq!(e.key, key, "{var}={value}: {e}");
            let line = e.to_string();
            assert!(!line.contains('\n'), "one line: {line}");
        }
    }

    #[test]
    fn wrong_type_in_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.toml");
        std::fs::write(&path, "db_pool_size = \"eight\"\n").unwrap();
        let e = Config::load(Some(&path), env(&[])).unwrap_err();
        assert!(e.key.starts_with("db_pool_size"), "{e}");
        assert!(e.message.contains("whole number"), "{e}");
    }

    #[test]
    fn blocked_domains_include_subdomains() {
        let (c, _) = Config::load(
            None,
            env(&[("HEARTH_BLOCKED_DOMAINS", "spam.example, Evil.Example.")]),
        )
        .unwrap();
        assert!(c.is_blocked("spam.example"));
        assert!(c.is_blocked("a.b.spam.example"));
        assert!(c.is_blocked("evil.example"));
        assert!(!c.is_blocked("notspam.example"));
        assert!(!c.is_blocked("example"));
        let e = Config::load(
            None,
            env(&[("HEARTH_BLOCKED_DOMAINS", "ok.example, bad/domain")]),
        )
        .unwrap_err();
        assert_eq!(e.key, "HEARTH_BLOCKED_DOMAINS");
    }

    #[test]
    fn postgres_password_is_not_displayed() {
        let url = DatabaseUrl::parse("postgres://hearth:s3cret@db:5432/hearth").unwrap();
        assert_eq!(url.to_string(), "postgres://***@db:5432/hearth");
    }
}
