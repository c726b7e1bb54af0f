//! Scheduled generation: every template with a daily time is generated, once a day after that
//! time (Beijing), for each root area of the tree, into the archive — by the `command.bulletins`
//! job, under a lease so one node does it.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use domain::DivisionCode;
use platform::AppState;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Lang;
use platform::module::JobDef;

use super::{repo, service};

pub const JOB: &str = "command.bulletins";

pub fn job() -> JobDef {
    JobDef {
        name: JOB,
        every: Duration::from_secs(5 * 60),
        run: |state| {
            Box::pin(async move {
                sweep(&state, Utc::now()).await?;
                Ok(())
            })
        },
    }
}

/// Beijing's day and `HH:MM` at `now`.
fn beijing(now: DateTime<Utc>) -> (NaiveDate, String) {
    let local = now.with_timezone(&domain::dates::china_offset());
    (local.date_naive(), local.format("%H:%M").to_string())
}

/// Generates what is due at `now` and not yet in the archive; answers the new archive ids.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<i64>> {
    let (today, time) = beijing(now);
    let roots = platform::areas::repo::roots(state.db()).await?;
    let tr = state.tr(Lang::ZhCn);
    let actor = Actor::system(JOB);
    let mut made = Vec::new();
    for t in service::templates(state.db()).await? {
        let Some(at) = &t.daily_at else { continue };
        if time.as_str() < at.as_str() {
            continue;
        }
        for root in &roots {
            if repo::archived_exists(state.db(), &t.name, &root.code, today).await? {
                continue;
            }
            let area = DivisionCode::parse(&root.code)?;
            let user = CurrentUser::system(JOB, area.clone());
            let (id, ..) =
                service::generate(state, &actor, &user, &tr, &t.name, &area, today).await?;
            made.push(id);
        }
    }
    Ok(made)
}
