//! `intake keys create | list | revoke`: the service's API keys of one workspace. Creating and
//! revoking a key is written to the workspace's audit log.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use intake_store::{AuditEntry, Role, SqliteStore, local_time};
use serde_json::json;

use crate::args::KeysCommand;
use crate::output::{json_line, outln};

/// Runs a `keys` subcommand.
pub fn run(store: &SqliteStore, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Create { role, label, email } => {
            let role =
                Role::from_name(&role).ok_or_else(|| anyhow!("--role {role:?}: use admin or member"))?;
            let created = store.create_key_with_email(role, &label, email.as_deref())?;
            // Whether it has an address, not the address: the audit log names no person.
            let detail = json!({ "role": role.as_str(), "label": label, "email": email.is_some() });
            audit(store, "key.create", created.key.id, detail)?;
            outln!(
                "key {} ({}) for workspace {}; it is shown only now:",
                created.key.id,
                role.as_str(),
                store.workspace()
            )?;
            outln!("{}", created.secret)?;
        }
        KeysCommand::List { json } => list(store, json)?,
        KeysCommand::Revoke { id } => {
            if !store.revoke_key(id)? {
                bail!("workspace {} has no live key {id} (see intake keys list)", store.workspace());
            }
            audit(store, "key.revoke", id, json!({}))?;
            outln!("key {id} revoked")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(store: &SqliteStore, json: bool) -> anyhow::Result<()> {
    let keys = store.keys()?;
    if json {
        let listed: Vec<_> = keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.id.to_string(), "role": k.role, "label": k.label, "prefix": k.prefix,
                    "created_at": k.created_at, "last_used_at": k.last_used_at, "revoked_at": k.revoked_at,
                    "email": k.email,
                })
            })
            .collect();
        return Ok(json_line(&serde_json::Value::from(listed))?);
    }
    if keys.is_empty() {
        outln!("workspace {} has no keys (intake keys create)", store.workspace())?;
    }
    for k in keys {
        let state = match k.revoked_at {
            Some(at) => format!("revoked {}", local_time(at)),
            None => format!("last used {}", k.last_used_at.map_or("never".to_string(), local_time)),
        };
        let notify = k.email.as_deref().map(|e| format!("  notifies {e}")).unwrap_or_default();
        outln!(
            "{:>4}  {:<6}  {}…  created {}  {state}  {}{notify}",
            k.id,
            k.role.as_str(),
            k.prefix,
            local_time(k.created_at),
            k.label
        )?;
    }
    Ok(())
}

fn audit(store: &SqliteStore, action: &str, key: i64, detail: serde_json::Value) -> anyhow::Result<()> {
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_default());
    let target = format!("key:{key}");
    Ok(store.audit(&AuditEntry { actor: &actor, action, target: &target, address: "", detail })?)
}
