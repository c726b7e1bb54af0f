//! The demo district's epidemic: a few thousand people under management over the last 30 days,
//! screenings at its checkpoints, quarantine sites with rooms, health checks, samples and
//! results, passages at its places over 14 days, so every view is alive on first start. Each part generates its own, in order.

use platform::auth::Action;
use platform::demo::{DemoContext, timed};

use crate::policy::Policy;

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    health_department(ctx).await?;
    timed("epidemic.screening", crate::screening::demo::generate(ctx)).await?;
    timed(
        "epidemic.quarantine",
        crate::quarantine::demo::generate(ctx),
    )
    .await?;
    timed("epidemic.checks", crate::checks::demo::generate(ctx)).await?;
    timed("epidemic.testing", crate::testing::demo::generate(ctx)).await?;
    timed("epidemic.passages", crate::passages::demo::generate(ctx)).await?;
    // The risk map starts coloured by the demo's cases (no audit entry, like every demo write).
    let actor = platform::audit::Actor::system("demo");
    timed("epidemic.risk", async {
        crate::risk::evaluate::run(&ctx.db, &actor, false, crate::time::today()).await?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// The health department (卫健) of the demo's first district works in this module and receives
/// case notifications: granted the module, named in the policy. Written directly, like the rest
/// of the demo, which the kernel audits once as `system.demo`.
async fn health_department(ctx: &DemoContext) -> anyhow::Result<()> {
    const HEALTH: &str = "SELECT id FROM org_units WHERE kind = 'department' \
         AND name LIKE '%卫生健康%' ORDER BY id";
    const GRANT: &str = "INSERT INTO unit_modules (unit_id, module, level, granted_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id, module) DO NOTHING";
    const POLICY: &str = "INSERT INTO epi_policy (id, body, updated_at, updated_by) \
         VALUES (1, $1, $2, 'demo') ON CONFLICT (id) DO NOTHING";
    let units: Vec<i64> =
        platform::with_db!(&ctx.db, pool => sqlx::query_scalar(HEALTH).fetch_all(pool).await)?;
    let now = chrono::Utc::now();
    let mut tx = ctx.db.begin().await?;
    for id in &units {
        platform::with_conn!(&mut tx, conn => sqlx::query(GRANT)
            .bind(id).bind(crate::MODULE).bind(Action::Write.as_str()).bind(now)
            .execute(conn).await.map(|_| ()))?;
    }
    if let Some(id) = units.first() {
        let policy = Policy {
            health_unit_id: Some(*id),
            ..Policy::default()
        };
        let body = serde_json::to_string(&policy)?;
        platform::with_conn!(&mut tx, conn => sqlx::query(POLICY)
            .bind(body).bind(now).execute(conn).await.map(|_| ()))?;
    }
    tx.commit().await?;
    Ok(())
}
