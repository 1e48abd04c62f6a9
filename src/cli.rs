//! The command line: `hearth serve | migrate | admin …`. Parsing lives here (not in `main.rs`) so
//! tests can run commands in-process.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};
use crate::domain::Role;
use crate::service::{Hearth, accounts, password};

#[derive(Parser, Debug)]
#[command(
    name = "hearth",
    version,
    about = "Hearth: a federated community server where brands and their customers talk as people.",
    long_about = "Hearth: a federated community server where brands and their customers talk as people.\n\n\
        With no configuration at all, `hearth serve` listens on http://127.0.0.1:8080 and keeps its \
        data in a SQLite database under ./data. Settings come from an optional TOML file (--config or \
        HEARTH_CONFIG) and HEARTH_* environment variables, e.g. HEARTH_DATABASE_URL=postgres://… \
        See docs/configuration.md for every key."
)]
pub struct Cli {
    /// Path to a hearth.toml configuration file.
    #[arg(long, global = true, env = "HEARTH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (migrates the database first). Stops cleanly on Ctrl-C or SIGTERM.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Administrative tasks on this instance's database.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an account with any role, whatever the registration mode.
    ///
    /// Without --password-stdin a random password is generated and printed once.
    CreateUser {
        /// The handle: 1-30 characters of a-z, 0-9 and _.
        name: String,
        /// admin, moderator, staff or member.
        #[arg(long, value_parser = parse_role, default_value = "member")]
        role: Role,
        /// The name shown next to what they write, e.g. "Jane Doe".
        #[arg(long)]
        display_name: Option<String>,
        /// Staff title, e.g. "Support Lead" (staff and admins only).
        #[arg(long)]
        title: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a space (a community, e.g. "support"), whatever the registration mode.
    CreateSpace {
        /// The handle: 1-30 characters of a-z, 0-9 and _ (shared with people's names).
        name: String,
        /// The title shown on pages, e.g. "Support".
        #[arg(long)]
        title: String,
        /// What the space is for (Markdown).
        #[arg(long, default_value = "")]
        description: String,
        /// Only staff start threads; everyone may reply.
        #[arg(long)]
        announcements: bool,
    },
    /// Change an account's role.
    SetRole {
        name: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("expected one of {}", Role::choices()))
}

/// A command's failure: what to print and the exit code (2 for configuration and usage errors).
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure {
            message: e.to_string(),
            code: 2,
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            message: format!("error: {e:#}"),
            code: 1,
        }
    }
}

impl From<crate::error::AppError> for Failure {
    fn from(e: crate::error::AppError) -> Self {
        let code = if e.status() < 500 { 2 } else { 1 };
        Failure {
            message: format!("error: {e}"),
            code,
        }
    }
}

/// Loads the configuration for a command: the file named by `--config` / `HEARTH_CONFIG`, then
/// the environment. Unknown environment variables are printed as warnings.
pub fn load_config(
    cli: &Cli,
    env: Vec<(String, String)>,
    err: &mut dyn Write,
) -> Result<Config, Failure> {
    let (config, report) = Config::load(cli.config.as_deref(), env)?;
    for w in report.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    Ok(config)
}

/// Runs one command to completion (for `serve`: until Ctrl-C or SIGTERM).
pub async fn run(
    cli: Cli,
    config: Config,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let url = config.database_url.clone();
            let db = tokio::task::spawn_blocking(move || crate::db::Db::open(&url, 1))
                .await
                .map_err(anyhow::Error::from)?
                .map_err(|e| anyhow::anyhow!("database_url ({}): {e:#}", config.database_url))?;
            drop(db);
            let _ = writeln!(out, "database is up to date ({})", config.database_url);
            Ok(())
        }
        Command::Admin(cmd) => {
            let state = crate::app::build(config).await?;
            admin(&state.hearth, cmd, stdin, out).await
        }
    }
}

async fn serve(config: Config) -> Result<(), Failure> {
    if !config.data_dir.as_os_str().is_empty() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| Failure {
            message: format!(
                "configuration error: data_dir: cannot create {}: {e}",
                config.data_dir.display()
            ),
            code: 2,
        })?;
    }
    let bind = config.bind;
    let state = crate::app::build(config).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| Failure {
            message: format!("configuration error: bind: cannot listen on {bind}: {e}"),
            code: 2,
        })?;
    tracing::info!(
        "Hearth is listening on http://{} (public address {})",
        listener.local_addr().unwrap_or(bind),
        state.config().public_url()
    );
    let shutdown = tokio_util::sync::CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        crate::app::shutdown_signal().await;
        tracing::info!("shutting down");
        trigger.cancel();
    });
    crate::app::serve(state, listener, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn admin(
    h: &Hearth,
    cmd: AdminCommand,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match cmd {
        AdminCommand::CreateUser {
            name,
            role,
            display_name,
            title,
            password_stdin,
        } => {
            let (pw, generated) = if password_stdin {
                let mut line = String::new();
                stdin
                    .read_line(&mut line)
                    .map_err(|e| anyhow::anyhow!("cannot read the password from stdin: {e}"))?;
                let pw = line.trim_end_matches(['\r', '\n']).to_string();
                (pw, false)
            } else {
                (password::generate(), true)
            };
            let person = accounts::create(
                h,
                None,
                accounts::NewAccount {
                    name,
                    password: pw.clone(),
                    role,
                    display_name: display_name.unwrap_or_default(),
                    title: title.unwrap_or_default(),
                },
            )
            .await?;
            let _ = writeln!(out, "created {} ({})", person.name, person.role);
            if generated {
                let _ = writeln!(out, "password: {pw}");
            }
            Ok(())
        }
        AdminCommand::CreateSpace {
            name,
            title,
            description,
            announcements,
        } => {
            let mode = if announcements {
                crate::domain::PostingMode::Announcements
            } else {
                crate::domain::PostingMode::Open
            };
            let space = crate::service::spaces::create(
                h,
                None,
                crate::service::spaces::NewSpace {
                    name,
                    title,
                    description,
                    rules: String::new(),
                    posting_mode: Some(mode),
                },
            )
            .await?;
            let _ = writeln!(out, "created space {} ({})", space.name, space.posting_mode);
            Ok(())
        }
        AdminCommand::SetRole { name, role } => {
            let n = name.trim().to_ascii_lowercase();
            let person =
                h.db.transaction(move |c| {
                    let p = crate::db::persons::find_local(c, &n)?
                        .ok_or_else(|| crate::error::AppError::not_found("account"))?;
                    crate::service::admin::change_role(c, &p, role, None, " (command line)")?;
                    Ok(p)
                })
                .await?;
            h.outbox.notify_one();
            let _ = writeln!(out, "{} is now {role}", person.name);
            Ok(())
        }
    }
}
