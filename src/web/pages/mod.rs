//! One file per page family.

pub mod admin;
pub mod auth;
pub mod desk;
pub mod home;
pub mod moderation;
pub mod notifications;
pub mod profile;
pub mod settings;
pub mod spaces;
pub mod threads;
