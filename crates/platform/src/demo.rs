//! The demo district's base: a synthetic area tree (generated names under the unassigned
//! province code 99, never a real place), org units, and an account for every role at every
//! level. Deterministic for a seed. Modules add their own data afterwards through `Module::demo`.

use chrono::Utc;
use domain::DivisionCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::{Role, hash_password};
use crate::db::Db;
use crate::users::{repo as users, units};

/// How big a district to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// 2 townships, 4 villages, 8 grids: for tests.
    Tiny,
    /// About 12 townships and sub-districts, 250 villages and communities, 800 grids.
    District,
    /// Five districts of that size under one city.
    City,
}

impl Scale {
    pub fn parse(text: &str) -> Option<Scale> {
        match text {
            "tiny" => Some(Scale::Tiny),
            "district" => Some(Scale::District),
            "city" => Some(Scale::City),
            _ => None,
        }
    }

    /// (townships, villages, grids) per district.
    fn shape(self) -> (u32, u32, u32) {
        match self {
            Scale::Tiny => (2, 4, 8),
            Scale::District | Scale::City => (12, 250, 800),
        }
    }
}

/// What modules get to build their demo data on.
pub struct DemoContext {
    pub db: Db,
    pub seed: u64,
    pub scale: Scale,
    /// The top of the generated tree (the district, or the city).
    pub root: DivisionCode,
}

impl DemoContext {
    /// A generator for a module, seeded from the demo seed and the module's name, so adding one
    /// module never changes another's data.
    pub fn rng(&self, module: &str) -> StdRng {
        let salt = module.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        StdRng::seed_from_u64(self.seed ^ salt)
    }
}

/// Runs one part of the demo and logs how long it took (at `info`, as `demo part`), so a slow
/// part shows in the demo's own output.
pub async fn timed<F>(part: &str, work: F) -> anyhow::Result<()>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    let started = std::time::Instant::now();
    let result = work.await;
    tracing::info!(
        part,
        seconds = format!("{:.2}", started.elapsed().as_secs_f64()),
        "demo part"
    );
    result
}

/// One demo account, for printing.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub area_name: String,
}

pub struct DemoSummary {
    pub root: DivisionCode,
    pub areas: usize,
    pub accounts: Vec<DemoAccount>,
}

const SYLLABLES: &[char] = &[
    '安', '宁', '和', '平', '兴', '福', '东', '西', '南', '北', '新', '丰', '泰', '华', '康', '乐',
    '祥', '瑞', '清', '河', '山', '湖', '桥', '林', '石', '杨', '柳', '梅', '桃', '金', '沙', '龙',
    '凤', '鹤', '春', '秋', '光', '明', '阳', '青', '云', '溪', '泉', '白', '长', '永', '顺', '广',
    '德', '仁', '盛', '昌', '隆', '源',
];

/// The district's departments: (unit name, user name suffix).
pub const DEPARTMENTS: &[(&str, &str)] = &[
    ("区卫生健康局", "health"),
    ("区工业和信息化局", "industry"),
    ("区发展和改革局", "development"),
    ("区农业农村局", "agriculture"),
    ("区乡村振兴局", "revitalization"),
    ("区应急管理局", "emergency"),
    ("区住房和城乡建设局", "housing"),
    ("区城市管理局", "urban"),
    ("区市场监督管理局", "market"),
    ("区信访局", "petition"),
    ("区教育局", "education"),
    ("区交通运输局", "transport"),
    ("区投资促进局", "investment"),
];

struct NameMaker {
    rng: StdRng,
    used: std::collections::HashSet<String>,
}

impl NameMaker {
    fn make(&mut self, suffix: &str) -> String {
        loop {
            let a = SYLLABLES[self.rng.random_range(0..SYLLABLES.len())];
            let b = SYLLABLES[self.rng.random_range(0..SYLLABLES.len())];
            let name = format!("{a}{b}{suffix}");
            if a != b && self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

struct Plan {
    areas: Vec<(DivisionCode, String, Option<DivisionCode>)>,
    units: Vec<(String, &'static str, DivisionCode)>,
    users: Vec<(String, String, Role, DivisionCode, Option<String>)>,
}

fn plan(scale: Scale, seed: u64) -> Plan {
    let mut names = NameMaker {
        rng: StdRng::seed_from_u64(seed),
        used: Default::default(),
    };
    let mut p = Plan {
        areas: Vec::new(),
        units: Vec::new(),
        users: Vec::new(),
    };
    let province = DivisionCode::parse("990000000000").expect("valid");
    let city = DivisionCode::parse("990100000000").expect("valid");
    let districts: Vec<DivisionCode> = match scale {
        Scale::City => (1..=5)
            .map(|n| city.child_code(n).expect("valid"))
            .collect(),
        _ => vec![city.child_code(2).expect("valid")],
    };
    let root = if scale == Scale::City {
        city.clone()
    } else {
        districts[0].clone()
    };
    if scale == Scale::City {
        p.areas.push((city.clone(), "示范市".into(), None));
    }
    let _ = province;
    for (d_index, district) in districts.iter().enumerate() {
        let district_name = if d_index == 0 {
            "同心区".to_string()
        } else {
            names.make("区")
        };
        let parent = (scale == Scale::City).then(|| city.clone());
        p.areas
            .push((district.clone(), district_name.clone(), parent));
        let prefix = if scale == Scale::City {
            format!("d{:02}-", d_index + 1)
        } else {
            String::new()
        };
        let (townships, villages, grids) = scale.shape();
        // Sub-districts (001…), towns (101…), townships (201…): about 40/40/20.
        let sub_districts = (townships * 2).div_ceil(5);
        let towns = (townships * 2) / 5;
        let command_unit = format!("{district_name}疫情防控和经济发展指挥部");
        p.units
            .push((command_unit.clone(), "command", district.clone()));
        for (dept, _) in DEPARTMENTS {
            p.units.push((
                dept.replacen('区', &district_name, 1),
                "department",
                district.clone(),
            ));
        }
        for (dept, short) in DEPARTMENTS {
            p.users.push((
                format!("{prefix}dept-{short}"),
                dept.replacen('区', &district_name, 1),
                Role::Department,
                district.clone(),
                Some(dept.replacen('区', &district_name, 1)),
            ));
        }
        for n in 1..=3 {
            p.users.push((
                format!("{prefix}inspector{n:02}"),
                format!("检查员{n}"),
                Role::Inspector,
                district.clone(),
                Some(DEPARTMENTS[8].0.replacen('区', &district_name, 1)),
            ));
        }
        if d_index == 0 {
            p.users.push((
                "admin".into(),
                "系统管理员".into(),
                Role::Admin,
                root.clone(),
                None,
            ));
            p.users.push((
                "commander".into(),
                "指挥长".into(),
                Role::Commander,
                root.clone(),
                Some(command_unit.clone()),
            ));
            p.users.push((
                "auditor".into(),
                "审计员".into(),
                Role::Auditor,
                root.clone(),
                None,
            ));
        } else {
            p.users.push((
                format!("{prefix}commander"),
                format!("{district_name}指挥长"),
                Role::Commander,
                district.clone(),
                Some(command_unit.clone()),
            ));
        }
        let mut village_no = 0u32;
        for t in 0..townships {
            let (number, suffix) = if t < sub_districts {
                (1 + t, "街道")
            } else if t < sub_districts + towns {
                (101 + t - sub_districts, "镇")
            } else {
                (201 + t - sub_districts - towns, "乡")
            };
            let township = district.child_code(number).expect("valid township");
            let township_name = names.make(suffix);
            p.areas.push((
                township.clone(),
                township_name.clone(),
                Some(district.clone()),
            ));
            let office = if suffix == "街道" {
                format!("{township_name}办事处")
            } else {
                format!("{township_name}人民政府")
            };
            p.units.push((office.clone(), "township", township.clone()));
            p.users.push((
                format!("{prefix}town{:02}", t + 1),
                format!("{township_name}值班员"),
                Role::Township,
                township.clone(),
                Some(office.clone()),
            ));
            if t < 3 {
                p.users.push((
                    format!("{prefix}checkpoint{:02}", t + 1),
                    format!("{township_name}卡口"),
                    Role::Checkpoint,
                    township.clone(),
                    Some(office.clone()),
                ));
                p.users.push((
                    format!("{prefix}enterprise{:02}", t + 1),
                    format!("{township_name}企业联络员"),
                    Role::Enterprise,
                    township.clone(),
                    None,
                ));
            }
            // Villages spread evenly; the first ones get the remainder.
            let here = villages / townships + u32::from(t < villages % townships);
            for v in 0..here {
                village_no += 1;
                // Sub-districts hold communities; towns and townships mostly villages.
                let community = suffix == "街道" || v < 2;
                let number = if community { 1 + v } else { 200 + v };
                let village = township.child_code(number).expect("valid village");
                let village_name = names.make(if community { "社区" } else { "村" });
                p.areas.push((
                    village.clone(),
                    village_name.clone(),
                    Some(township.clone()),
                ));
                let committee = format!(
                    "{village_name}{}",
                    if community { "居委会" } else { "村委会" }
                );
                p.units
                    .push((committee.clone(), "village", village.clone()));
                p.users.push((
                    format!("{prefix}v{:02}{:02}", t + 1, v + 1),
                    format!("{village_name}干部"),
                    Role::Village,
                    village.clone(),
                    Some(committee.clone()),
                ));
                let grid_count = grids / villages + u32::from(village_no <= grids % villages);
                for g in 1..=grid_count {
                    let grid = village.child_code(g).expect("valid grid");
                    p.areas.push((
                        grid.clone(),
                        format!("{village_name}第{g}网格"),
                        Some(village.clone()),
                    ));
                    p.users.push((
                        format!("{prefix}g{:02}{:02}{:02}", t + 1, v + 1, g),
                        format!("{village_name}第{g}网格员"),
                        Role::Grid,
                        grid,
                        Some(committee.clone()),
                    ));
                }
            }
        }
    }
    p
}

/// Creates the base of the demo district in an empty database. Fails if areas already exist, so
/// a demo never mixes into real data.
pub async fn generate(
    db: &Db,
    scale: Scale,
    seed: u64,
    password: &str,
) -> anyhow::Result<DemoSummary> {
    anyhow::ensure!(
        crate::areas::repo::count_all(db).await? == 0,
        "the database already holds areas; the demo only fills an empty database"
    );
    let p = plan(scale, seed);
    // One hash for every demo account: argon2 per account would take a minute at district scale.
    let hash = hash_password(password).await?;
    let now = Utc::now();
    const AREA_SQL: &str = "INSERT INTO areas (code, name, level, parent_code, edition_year, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)";
    let year = 2020;
    let mut tx = db.begin().await?;
    for (code, name, parent) in &p.areas {
        crate::with_conn!(&mut tx, conn => sqlx::query(AREA_SQL)
            .bind(code.as_str()).bind(name).bind(code.level().as_str())
            .bind(parent.as_ref().map(|c| c.as_str().to_string())).bind(year).bind(now)
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    let mut unit_ids = std::collections::HashMap::new();
    for (name, kind, area) in &p.units {
        let id: i64 = crate::with_conn!(&mut tx, conn => sqlx::query_scalar(units::INSERT_SQL)
            .bind(name).bind(*kind).bind(area.as_str()).bind(None::<i64>).bind(now)
            .fetch_one(conn).await)?;
        unit_ids.insert(name.clone(), id);
    }
    let area_names: std::collections::HashMap<&str, &str> = p
        .areas
        .iter()
        .map(|(c, n, _)| (c.as_str(), n.as_str()))
        .collect();
    let mut accounts = Vec::new();
    for (username, display, role, area, unit) in &p.users {
        let unit_id = unit.as_ref().and_then(|u| unit_ids.get(u).copied());
        crate::with_conn!(&mut tx, conn => sqlx::query(users::INSERT_SQL)
            .bind(username).bind(display).bind(&hash).bind(role.as_str()).bind(area.as_str())
            .bind(unit_id).bind(false).bind(now).bind(None::<i64>)
            .execute(conn).await.map(|r| r.rows_affected()))?;
        accounts.push(DemoAccount {
            username: username.clone(),
            role: *role,
            area_name: area_names
                .get(area.as_str())
                .copied()
                .unwrap_or_default()
                .to_string(),
        });
    }
    // The demo's base is one write, by the system, like any other.
    let event = crate::audit::Event::new("system.demo")
        .area(
            p.areas
                .iter()
                .find(|(_, _, parent)| parent.is_none())
                .map(|(c, ..)| c.as_str())
                .unwrap_or_default(),
        )
        .after(serde_json::json!({
            "seed": seed,
            "areas": p.areas.len(),
            "units": p.units.len(),
            "accounts": p.users.len(),
        }));
    crate::audit::append(&mut tx, &crate::audit::Actor::system("demo"), event).await?;
    tx.commit().await?;
    let root = p
        .areas
        .iter()
        .find(|(_, _, parent)| parent.is_none())
        .map(|(c, ..)| c.clone())
        .expect("a root");
    Ok(DemoSummary {
        root,
        areas: p.areas.len(),
        accounts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::AreaLevel;

    #[test]
    fn the_district_scale_has_the_promised_shape() {
        let p = plan(Scale::District, 7);
        let count = |level| p.areas.iter().filter(|(c, ..)| c.level() == level).count();
        assert_eq!(count(AreaLevel::County), 1);
        assert_eq!(count(AreaLevel::Township), 12);
        assert_eq!(count(AreaLevel::Village), 250);
        assert_eq!(count(AreaLevel::Grid), 800);
        for role in Role::ALL {
            assert!(
                p.users.iter().any(|u| u.2 == role),
                "no demo account for {role}"
            );
        }
    }

    #[test]
    fn every_generated_parent_precedes_its_children_and_names_are_unique_per_parent() {
        let p = plan(Scale::City, 1);
        let mut seen = std::collections::HashSet::new();
        for (code, _, parent) in &p.areas {
            if let Some(parent) = parent {
                assert!(
                    seen.contains(parent.as_str()),
                    "{} before its parent",
                    code.as_str()
                );
                assert_eq!(code.parent().as_ref(), Some(parent));
            }
            seen.insert(code.as_str().to_string());
        }
        let mut usernames: Vec<_> = p.users.iter().map(|u| u.0.clone()).collect();
        usernames.sort();
        let before = usernames.len();
        usernames.dedup();
        assert_eq!(before, usernames.len(), "user names repeat");
    }

    #[test]
    fn the_same_seed_gives_the_same_district() {
        let a = plan(Scale::District, 42);
        let b = plan(Scale::District, 42);
        let c = plan(Scale::District, 43);
        assert_eq!(a.areas, b.areas);
        assert_ne!(a.areas, c.areas);
    }
}
