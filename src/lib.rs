//! Hearth: a self-hosted, federated community server. The binary (`main.rs`) only parses the
//! command line; everything else lives here so tests and benchmarks can drive it in-process.

pub mod api;
pub mod app;
pub mod assets;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
pub mod http;
pub mod service;
pub mod text;
pub mod web;
