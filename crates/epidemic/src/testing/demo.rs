use platform::demo::DemoContext;

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let _ = ctx;
    Ok(())
}
