//! `tongxin user add|passwd|disable|enable|pii|list`: account management from the server's shell,
//! for the first admin and for operators. Passwords come on standard input, never on the command
//! line. Every change is audited with the operator's OS user as the actor (`cli:USER`).

use std::io::BufRead;
use std::process::ExitCode;

use domain::DivisionCode;
use platform::audit::Actor;
use platform::auth::{self, Role};
use platform::users::service::{self, PasswordChange};
use platform::users::{NewUser, repo, units};

use crate::cli::{Cli, UserCommand};
use crate::settings::{self, FileSettings};

fn read_password(password_stdin: bool) -> anyhow::Result<String> {
    anyhow::ensure!(
        password_stdin,
        "give the password on standard input with --password-stdin"
    );
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A catalog error as an operator-readable message.
pub fn refuse(err: platform::AppError) -> anyhow::Error {
    let catalogs = platform::i18n::Catalogs::load(&[]).ok();
    let text = catalogs
        .map(|c| super::operator_tr(&c).t(&err.key).to_string())
        .unwrap_or_else(|| err.key.clone());
    anyhow::anyhow!("{text}")
}

pub async fn run(cli: &Cli, file: &FileSettings, cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    let db = super::open(&settings::db_url(cli, file, settings::DEFAULT_DB)).await?;
    let actor = Actor::cli();
    match cmd {
        UserCommand::Add {
            username,
            role,
            area,
            unit,
            display_name,
            enterprise,
            password_stdin,
        } => {
            let username = repo::normalize_username(username).map_err(refuse)?;
            let role = Role::parse(role).ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow::anyhow!("unknown role {role:?}; one of {}", names.join(", "))
            })?;
            let area =
                DivisionCode::parse(area).map_err(|e| anyhow::anyhow!("--area {area:?}: {e}"))?;
            anyhow::ensure!(
                platform::areas::repo::get(&db, area.as_str())
                    .await?
                    .is_some(),
                "no area {} (import the area tree first: tongxin areas import FILE)",
                area.as_str()
            );
            let enterprise_id = match enterprise {
                None => None,
                Some(code) => Some(enterprise_of(&db, role, &area, code).await?),
            };
            let password = read_password(*password_stdin)?;
            auth::check_password_policy(&username, &password).map_err(refuse)?;
            let unit_id = match unit {
                None => None,
                Some(name) => Some(match units::find(&db, area.as_str(), name).await? {
                    Some(unit) => unit.id,
                    None => {
                        let kind = unit_kind_for(role);
                        let id = service::create_unit(&db, &actor, name, kind, area.as_str())
                            .await
                            .map_err(refuse)?;
                        println!("created unit {name} ({kind}) in {}", area.as_str());
                        id
                    }
                }),
            };
            let hash = auth::hash_password(&password).await?;
            service::create(
                &db,
                &actor,
                &NewUser {
                    username: username.clone(),
                    display_name: display_name.clone().unwrap_or_else(|| username.clone()),
                    password_hash: hash,
                    role,
                    area_code: area.as_str().to_string(),
                    unit_id,
                    must_change_password: false,
                    enterprise_id,
                },
            )
            .await
            .map_err(refuse)?;
            println!("user {username} added ({role}, {})", area.as_str());
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let user = repo::get_by_username(&db, username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
            let password = read_password(*password_stdin)?;
            auth::check_password_policy(&user.username, &password).map_err(refuse)?;
            let hash = auth::hash_password(&password).await?;
            let ended = service::set_password(
                &db,
                &actor,
                &user,
                &hash,
                PasswordChange::Set { must_change: false },
            )
            .await
            .map_err(refuse)?;
            println!(
                "password of {} changed; {ended} sessions ended",
                user.username
            );
        }
        UserCommand::Disable { username } => {
            let user = repo::get_by_username(&db, username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
            let ended = service::set_disabled(&db, &actor, &user, true)
                .await
                .map_err(refuse)?;
            println!("user {} disabled; {ended} sessions ended", user.username);
        }
        UserCommand::Enable { username } => {
            let user = repo::get_by_username(&db, username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
            service::set_disabled(&db, &actor, &user, false)
                .await
                .map_err(refuse)?;
            println!("user {} enabled", user.username);
        }
        UserCommand::Pii { username, revoke } => {
            let user = repo::get_by_username(&db, username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
            service::set_can_reveal_pii(&db, &actor, &user, !revoke)
                .await
                .map_err(refuse)?;
            if *revoke {
                println!("{} may no longer reveal personal data", user.username);
            } else {
                println!(
                    "{} may reveal personal data, one record at a time, giving a reason",
                    user.username
                );
            }
        }
        UserCommand::List { area } => {
            let (lo, hi) = match area {
                Some(code) => DivisionCode::parse(code)
                    .map_err(|e| anyhow::anyhow!("--area {code:?}: {e}"))?
                    .subtree_range(),
                None => (String::new(), "~".to_string()),
            };
            let mut after = String::new();
            println!(
                "{:<20} {:<11} {:<15} {:<8} name / area",
                "username", "role", "area", "status"
            );
            loop {
                let page = repo::list(&db, (&lo, &hi), None, None, &after, 500).await?;
                for u in &page {
                    let status = if u.disabled { "disabled" } else { "active" };
                    println!(
                        "{:<20} {:<11} {:<15} {:<8} {} / {}",
                        u.username, u.role, u.area_code, status, u.display_name, u.area_name
                    );
                }
                match page.last() {
                    Some(last) if page.len() == 500 => after = last.username.clone(),
                    _ => break,
                }
            }
        }
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The registered enterprise an `enterprise` account speaks for: by its credit code, in the
/// account's area.
async fn enterprise_of(
    db: &platform::db::Db,
    role: Role,
    area: &DivisionCode,
    code: &str,
) -> anyhow::Result<i64> {
    anyhow::ensure!(
        role == Role::Enterprise,
        "--enterprise links an account in the enterprise role only"
    );
    let code = code.trim().to_ascii_uppercase();
    let found = platform::registry::enterprise::repo::find_by_uscc(db, &code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no enterprise with credit code {code}"))?;
    let inside = DivisionCode::parse(&found.area_code).is_ok_and(|c| area.contains(&c));
    anyhow::ensure!(
        inside,
        "enterprise {code} ({}) lies outside the account's area {}",
        found.area_code,
        area.as_str()
    );
    Ok(found.id)
}

fn unit_kind_for(role: Role) -> &'static str {
    match role {
        Role::Commander => "command",
        Role::Township => "township",
        Role::Village | Role::Grid => "village",
        Role::Enterprise => "enterprise",
        Role::Department | Role::Inspector | Role::Admin | Role::Auditor => "department",
        Role::Checkpoint => "team",
    }
}
