//! One file per page family.

pub mod admin;
pub mod auth;
pub mod home;
pub mod profile;
pub mod settings;
pub mod spaces;
pub mod threads;
