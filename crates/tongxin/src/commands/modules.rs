//! `tongxin modules list|grant|revoke`: module grants beyond the roles' defaults — a department's
//! modules go to its unit, exceptions to one user. Audited as `module.grant` / `module.revoke`.

use std::process::ExitCode;

use domain::DivisionCode;
use platform::audit::Actor;
use platform::auth::permission::{self, Action, Grantee};
use platform::users::{repo, units};

use super::user::refuse;
use crate::cli::{Cli, Grantee as GranteeArgs, ModulesCommand};
use crate::modules;
use crate::settings::{self, FileSettings};

pub async fn run(cli: &Cli, file: &FileSettings, cmd: &ModulesCommand) -> anyhow::Result<ExitCode> {
    let known = modules::all();
    if let ModulesCommand::List = cmd {
        println!(
            "{:<16} default roles (admins and commanders hold every module)",
            "module"
        );
        for m in &known {
            let roles: Vec<_> = m.default_roles().iter().map(|r| r.as_str()).collect();
            println!("{:<16} {}", m.name(), roles.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let db = super::open(&settings::db_url(cli, file, settings::DEFAULT_DB)).await?;
    let actor = Actor::cli();
    let args = match cmd {
        ModulesCommand::Grant { to, .. } => to,
        ModulesCommand::Revoke { from } => from,
        ModulesCommand::List => unreachable!("answered above"),
    };
    let names: Vec<_> = known.iter().map(|m| m.name()).collect();
    anyhow::ensure!(
        names.contains(&args.module.as_str()),
        "no module {:?}; one of {}",
        args.module,
        names.join(", ")
    );
    let (grantee, area, who) = grantee(&db, args).await?;
    match cmd {
        ModulesCommand::Grant { read_only, .. } => {
            let action = if *read_only {
                Action::Read
            } else {
                Action::Write
            };
            permission::grant(&db, &actor, grantee, &area, &args.module, action)
                .await
                .map_err(refuse)?;
            println!("{who} holds {} ({})", args.module, action.as_str());
        }
        ModulesCommand::Revoke { .. } => {
            if permission::revoke(&db, &actor, grantee, &area, &args.module)
                .await
                .map_err(refuse)?
            {
                println!("{who} no longer holds {} by grant", args.module);
            } else {
                println!("{who} had no grant of {}", args.module);
            }
        }
        ModulesCommand::List => unreachable!("answered above"),
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The grantee, its area (for the audit entry) and how to name it.
async fn grantee(
    db: &platform::Db,
    args: &GranteeArgs,
) -> anyhow::Result<(Grantee, String, String)> {
    if let Some(username) = &args.username {
        let user = repo::get_by_username(db, username)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
        return Ok((
            Grantee::User { id: user.id },
            user.area_code,
            format!("user {}", user.username),
        ));
    }
    match (&args.unit, &args.area) {
        (Some(name), Some(area)) => {
            let code =
                DivisionCode::parse(area).map_err(|e| anyhow::anyhow!("--area {area:?}: {e}"))?;
            let unit = units::find(db, code.as_str(), name)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no unit {name} in {}", code.as_str()))?;
            Ok((
                Grantee::Unit { id: unit.id },
                unit.area_code,
                format!("unit {}", unit.name),
            ))
        }
        _ => anyhow::bail!("name a user with --username, or a unit with --unit and --area"),
    }
}
