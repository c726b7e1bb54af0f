//! The demo district's economy: the industry department (工信) holds the module, and 30 days of
//! resumption history for every enterprise. Each part generates its own, in order.

use platform::auth::Action;
use platform::demo::{DemoContext, timed};

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    industry_department(ctx).await?;
    timed("economy.resumption", crate::resumption::demo::generate(ctx)).await?;
    timed(
        "economy.inspections",
        crate::inspections::demo::generate(ctx),
    )
    .await?;
    timed("economy.needs", crate::needs::demo::generate(ctx)).await?;
    timed("economy.ppe", crate::ppe::demo::generate(ctx)).await?;
    Ok(())
}

/// The industry and information technology department (工业和信息化局) of the demo works in
/// this module: granted it, written directly like the rest of the demo, which the kernel
/// audits once as `system.demo`.
async fn industry_department(ctx: &DemoContext) -> anyhow::Result<()> {
    const INDUSTRY: &str = "SELECT id FROM org_units WHERE kind = 'department' \
         AND name LIKE '%工业和信息化%' ORDER BY id";
    const GRANT: &str = "INSERT INTO unit_modules (unit_id, module, level, granted_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id, module) DO NOTHING";
    let units: Vec<i64> =
        platform::with_db!(&ctx.db, pool => sqlx::query_scalar(INDUSTRY).fetch_all(pool).await)?;
    let now = chrono::Utc::now();
    let mut tx = ctx.db.begin().await?;
    for id in &units {
        platform::with_conn!(&mut tx, conn => sqlx::query(GRANT)
            .bind(id).bind(crate::MODULE).bind(Action::Write.as_str()).bind(now)
            .execute(conn).await.map(|_| ()))?;
    }
    tx.commit().await?;
    Ok(())
}
