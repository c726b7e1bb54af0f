//! The demo district's epidemic: a few thousand people under management over the last 30 days,
//! screenings at its checkpoints, quarantine sites with rooms, health checks, samples and
//! results, so every view is alive on first start. Each part generates its own, in order.

use platform::audit::Actor;
use platform::auth::Action;
use platform::auth::permission::{Grantee, grant};
use platform::demo::DemoContext;

use crate::policy::Policy;

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    health_department(ctx).await?;
    crate::screening::demo::generate(ctx).await?;
    crate::quarantine::demo::generate(ctx).await?;
    crate::checks::demo::generate(ctx).await?;
    crate::testing::demo::generate(ctx).await?;
    Ok(())
}

/// The health department (卫健) of the demo's first district works in this module and receives
/// case notifications: granted the module, named in the policy.
async fn health_department(ctx: &DemoContext) -> anyhow::Result<()> {
    const HEALTH: &str = "SELECT id, area_code FROM org_units WHERE kind = 'department' \
         AND name LIKE '%卫生健康%' ORDER BY id";
    let units: Vec<(i64, String)> =
        platform::with_db!(&ctx.db, pool => sqlx::query_as(HEALTH).fetch_all(pool).await)?;
    let actor = Actor::system("demo");
    for (id, area) in &units {
        grant(
            &ctx.db,
            &actor,
            Grantee::Unit { id: *id },
            area,
            crate::MODULE,
            Action::Write,
        )
        .await
        .map_err(|e| anyhow::anyhow!("granting the health department: {}", e.key))?;
    }
    if let Some((id, _)) = units.first() {
        let policy = Policy {
            health_unit_id: Some(*id),
            ..Policy::default()
        };
        crate::policy::save(&ctx.db, &actor, &policy)
            .await
            .map_err(|e| anyhow::anyhow!("storing the demo policy: {}", e.key))?;
    }
    Ok(())
}
