//! The demo district's epidemic: a few thousand people under management over the last 30 days,
//! screenings at its checkpoints, quarantine sites with rooms, health checks, samples and
//! results, so every view is alive on first start. Each part generates its own, in order.

use platform::demo::DemoContext;

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    crate::screening::demo::generate(ctx).await?;
    crate::quarantine::demo::generate(ctx).await?;
    crate::checks::demo::generate(ctx).await?;
    crate::testing::demo::generate(ctx).await?;
    Ok(())
}
