//! `intake users add | list | remove`: the people of one workspace who sign in to the web
//! pages. Adding and removing is written to the workspace's audit log, by the user's id: the
//! log, like every log, names no address. A password never appears on the command line.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use intake_store::{AuditEntry, Role, SqliteStore, local_time};
use serde_json::json;

use crate::args::UsersCommand;
use crate::output::outln;

/// Runs a `users` subcommand.
pub fn run(store: &mut SqliteStore, command: UsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add { email, role, password_stdin, no_password } => {
            let role =
                Role::from_name(&role).ok_or_else(|| anyhow!("--role {role:?}: use admin or member"))?;
            let password = match (no_password, password_stdin) {
                (true, _) => None,
                (false, true) => Some(password_from_stdin()?),
                (false, false) => Some(password_from_prompt()?),
            };
            let user = store.add_user(&email, role, password.as_deref())?;
            audit(
                store,
                "user.add",
                user.id,
                json!({ "role": role.as_str(), "password": password.is_some() }),
            )?;
            let how = if user.has_password { "a password" } else { "sign-in links only" };
            outln!(
                "user {} ({}) added to workspace {} with {how}",
                user.email,
                role.as_str(),
                store.workspace()
            )?;
        }
        UsersCommand::List => list(store)?,
        UsersCommand::Remove { email } => {
            let Some(user) = store.user(&email)? else {
                bail!("workspace {} has no user {email} (see intake users list)", store.workspace());
            };
            store.remove_user(&email)?;
            audit(store, "user.remove", user.id, json!({}))?;
            outln!("user {} removed; their sessions have ended", user.email)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The shortest password accepted: a guessable one would make the limit on sign-ins moot.
const MIN_PASSWORD_CHARS: usize = 8;

fn checked(password: String) -> anyhow::Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password is shorter than {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}

fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    checked(line.trim_end_matches(['\r', '\n']).to_string())
}

fn password_from_prompt() -> anyhow::Result<String> {
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| anyhow!("reading the password ({e}); use --password-stdin or --no-password"))?;
    let again = rpassword::prompt_password("Again: ")?;
    if first != again {
        bail!("the two passwords differ");
    }
    checked(first)
}

fn list(store: &SqliteStore) -> anyhow::Result<()> {
    let users = store.users()?;
    if users.is_empty() {
        outln!("workspace {} has no users (intake users add EMAIL --role admin)", store.workspace())?;
    }
    for user in users {
        let sign_in = if user.has_password { "password or link" } else { "link only" };
        outln!(
            "{:>4}  {:<6}  {}  {sign_in}  added {}",
            user.id,
            user.role.as_str(),
            user.email,
            local_time(user.created_at)
        )?;
    }
    Ok(())
}

fn audit(store: &SqliteStore, action: &str, user: i64, detail: serde_json::Value) -> anyhow::Result<()> {
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
    let target = format!("user:{user}");
    Ok(store.audit(&AuditEntry { actor: &actor, action, target: &target, address: "", detail })?)
}
