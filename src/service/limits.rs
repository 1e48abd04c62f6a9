//! Rate limits beyond logins: posting and reporting per person, registering per address, and
//! the inbox per remote server. Exceeding one answers 429 with `Retry-After` (and changes
//! nothing); peers retry deliveries that got 429, so nothing sent to us is lost. The limits are
//! kept in memory per process (governor's GCRA), configured in `Config`.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;
use crate::error::{AppError, AppResult};

pub struct Limits {
    posts: DefaultKeyedRateLimiter<i64>,
    reports: DefaultKeyedRateLimiter<i64>,
    registrations: DefaultKeyedRateLimiter<IpAddr>,
    inbox: DefaultKeyedRateLimiter<String>,
}

fn n(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v.max(1)).unwrap_or(NonZeroU32::MIN)
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    what: &str,
) -> AppResult<()> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        let mut e = AppError::rate_limited(wait);
        e.message = format!("too many {what} in a short time; try again in {wait} s");
        e
    })
}

impl Limits {
    pub fn new(c: &Config) -> Limits {
        Limits {
            posts: RateLimiter::keyed(Quota::per_minute(n(c.posts_per_minute))),
            reports: RateLimiter::keyed(Quota::per_hour(n(c.reports_per_hour))),
            registrations: RateLimiter::keyed(Quota::per_hour(n(c.registrations_per_hour))),
            inbox: RateLimiter::keyed(Quota::per_minute(n(c.inbox_per_minute))),
        }
    }

    /// A local person starting a thread or replying.
    pub fn post(&self, person: i64) -> AppResult<()> {
        check(&self.posts, &person, "posts")
    }

    pub fn report(&self, person: i64) -> AppResult<()> {
        check(&self.reports, &person, "reports")
    }

    /// A new account from this address.
    pub fn registration(&self, ip: IpAddr) -> AppResult<()> {
        check(&self.registrations, &ip, "registrations")
    }

    /// An activity from this server (`host[:port]`).
    pub fn inbox(&self, server: &str) -> AppResult<()> {
        check(&self.inbox, &server.to_ascii_lowercase(), "activities")
    }

    /// Drops the state of keys that are back to a full quota; called periodically.
    pub fn forget_idle(&self) {
        self.posts.retain_recent();
        self.reports.retain_recent();
        self.registrations.retain_recent();
        self.inbox.retain_recent();
    }
}
