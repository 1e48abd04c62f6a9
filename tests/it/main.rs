//! One integration-test binary (one link step instead of one per file).

mod harness;

mod api;
mod applications;
mod architecture;
mod avatars;
mod bans;
mod browser;
mod cli;
mod conversations;
mod conversations_web;
mod csrf;
mod desk;
mod durability;
mod federation;
mod fixtures;
mod health;
mod held;
mod instances;
mod interop;
mod limits;
mod migrations;
mod moderation;
mod notifications;
mod peer;
mod policy;
mod privileges;
mod removals;
mod spam;
mod staff;
mod web;
mod xss;
