//! `tongxin bulletin --template NAME --area CODE --date YYYY-MM-DD --out FILE.docx [--xlsx FILE]`
//! writes a bulletin composed from the figures now; `tongxin bulletin --list` prints the
//! templates. The figures are the platform's own (as the command sees them), in the operator's
//! language (`TONGXIN_LANG`, Chinese by default).

use std::process::ExitCode;

use chrono::NaiveDate;
use command::bulletin::service;
use domain::DivisionCode;
use platform::auth::CurrentUser;
use platform::config::Config;

use crate::cli::BulletinArgs;

pub async fn run(url: &str, args: &BulletinArgs) -> anyhow::Result<ExitCode> {
    let db = super::open(url).await?;
    if args.list {
        for t in service::templates(&db).await? {
            println!("{}\t{}", t.name, t.title);
        }
        db.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = &args.out else {
        anyhow::bail!("--out FILE.docx is required");
    };
    let app = platform::assemble(
        Config::new(url, "127.0.0.1:0".parse()?),
        db.clone(),
        crate::modules::all(),
    )?;
    let state = app.state;
    let tr = super::operator_tr(state.catalogs());
    let area = match &args.area {
        Some(code) => DivisionCode::parse(code.trim()).map_err(|e| {
            anyhow::anyhow!(
                "--area {code:?}: {}",
                platform::error::AppError::from(e).message(&tr)
            )
        })?,
        None => {
            let roots = platform::areas::repo::roots(&db).await?;
            let root = roots
                .first()
                .ok_or_else(|| anyhow::anyhow!("{}", tr.t("bulletin.cli.no_areas")))?;
            DivisionCode::parse(&root.code)?
        }
    };
    if platform::areas::repo::get(&db, area.as_str())
        .await?
        .is_none()
    {
        anyhow::bail!(
            "{}",
            tr.f("bulletin.cli.unknown_area", &[("area", area.as_str())])
        );
    }
    let date = match &args.date {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--date {d:?}: {}", tr.t("figures.bad_date")))?,
        None => platform::responsibility::today(),
    };
    let user = CurrentUser::system("cli:bulletin", area.clone());
    let bulletin = service::compose(&state, &user, &tr, &args.template, &area, date)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message(&tr)))?;
    let docx = service::docx(&bulletin).map_err(|e| anyhow::anyhow!("{}", e.message(&tr)))?;
    std::fs::write(out, docx)?;
    if let Some(path) = &args.xlsx {
        let bytes =
            service::xlsx(&tr, &bulletin).map_err(|e| anyhow::anyhow!("{}", e.message(&tr)))?;
        std::fs::write(path, bytes)?;
    }
    let unavailable = bulletin
        .figures
        .iter()
        .filter(|f| f.value.is_none())
        .count();
    println!(
        "{}",
        tr.f(
            "bulletin.cli.written",
            &[
                ("path", &out.display().to_string()),
                ("title", &bulletin.title),
                ("area", &bulletin.area_name),
                ("date", &bulletin.official_date),
                ("figures", &bulletin.figures.len().to_string()),
                ("unavailable", &unavailable.to_string()),
            ]
        )
    );
    for f in &bulletin.figures {
        match f.value {
            Some(v) => println!("  {} = {v}", f.key),
            None => println!("  {} = -", f.key),
        }
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}
