//! Who must be tested on a day and who was, from the index: one obligation per person and
//! group (a requirement's reason, a staff group, a mass-testing round).
//!
//! - Requirements: a person is listed under a reason from the first day of a requirement
//!   (`from_on`) until a sample is taken from that day on (for a retest after a positive pool,
//!   a single-tube sample: the pool's own tube does not count); requirements met stay counted (as
//!   tested) for 14 days after they were due.
//! - Staff groups: every member; tested when sampled within the group's last `every_days` days.
//! - Rounds: while a round runs, every registered person of its area; tested when sampled since
//!   it began.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::index::{Day, Index, REASONS};
use crate::testing::requirements::reasons::POOL_RETEST;

/// Days a met requirement stays counted after it was due.
const MET_SHOWN_DAYS: Day = 13;

/// A group of people who must be tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    Reason(u8),
    Staff(i64),
    Round(i64),
}

impl GroupKey {
    /// `requirement:pool_retest`, `staff:3`, `round:2`.
    pub fn code(&self) -> String {
        match self {
            GroupKey::Reason(r) => format!("requirement:{}", REASONS[usize::from(*r)]),
            GroupKey::Staff(id) => format!("staff:{id}"),
            GroupKey::Round(id) => format!("round:{id}"),
        }
    }

    pub fn parse(text: &str) -> Option<GroupKey> {
        let (kind, rest) = text.trim().split_once(':')?;
        match kind {
            "requirement" => REASONS
                .iter()
                .position(|r| *r == rest)
                .map(|r| GroupKey::Reason(r as u8)),
            "staff" => rest.parse().ok().map(GroupKey::Staff),
            "round" => rest.parse().ok().map(GroupKey::Round),
            _ => None,
        }
    }

    /// The group's name: a reason's catalog key is `coverage.reason.{reason}`; groups and
    /// rounds have their own names.
    pub fn name(&self, index: &Index, tr: &platform::i18n::Tr) -> String {
        match self {
            GroupKey::Reason(r) => tr
                .t(&format!("coverage.reason.{}", REASONS[usize::from(*r)]))
                .to_string(),
            GroupKey::Staff(id) => index
                .groups
                .get(id)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            GroupKey::Round(id) => index
                .rounds
                .get(id)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
        }
    }
}

/// One person who must be tested, in one group.
#[derive(Clone, Copy, Debug)]
pub struct Obligation {
    pub person: i64,
    pub area: u32,
    pub group: GroupKey,
    pub tested: bool,
}

/// Calls `f` for every obligation on `day` of a person whose area position lies in `scope`,
/// in the group `only` when given.
pub fn each(
    index: &Index,
    day: Day,
    scope: (u32, u32),
    only: Option<GroupKey>,
    mut f: impl FnMut(Obligation),
) {
    let inside = |a: u32| a >= scope.0 && a < scope.1;
    let wanted = |g: GroupKey| only.is_none_or(|o| o == g);
    // Requirements, one obligation per person and reason.
    if only.is_none_or(|o| matches!(o, GroupKey::Reason(_))) {
        let mut seen: HashMap<(i64, u8), (bool, bool, u32)> = HashMap::new();
        for r in &index.requirements {
            if r.from > day || !inside(r.area) || !wanted(GroupKey::Reason(r.reason)) {
                continue;
            }
            let Some(slot) = index.person(r.person) else {
                continue;
            };
            let met = if REASONS[usize::from(r.reason)] == POOL_RETEST {
                slot.single_between(r.from, day)
            } else {
                slot.sampled_between(r.from, day)
            };
            let e = seen
                .entry((r.person, r.reason))
                .or_insert((false, false, r.area));
            e.0 |= !met;
            e.1 |= r.due.saturating_add(MET_SHOWN_DAYS) >= day;
        }
        for ((person, reason), (unmet, recent, area)) in seen {
            if unmet || recent {
                f(Obligation {
                    person,
                    area,
                    group: GroupKey::Reason(reason),
                    tested: !unmet,
                });
            }
        }
    }
    for (id, g) in &index.groups {
        if !wanted(GroupKey::Staff(*id)) {
            continue;
        }
        let from = day.saturating_sub(g.every_days - 1);
        for person in &g.members {
            let Some(slot) = index.person(*person) else {
                continue;
            };
            if inside(slot.area) {
                f(Obligation {
                    person: *person,
                    area: slot.area,
                    group: GroupKey::Staff(*id),
                    tested: slot.sampled_between(from, day),
                });
            }
        }
    }
    for (id, r) in &index.rounds {
        if !wanted(GroupKey::Round(*id)) || r.from > day || r.until < day {
            continue;
        }
        let (lo, hi) = index.range(
            &domain::DivisionCode::parse(&r.area_code)
                .map(|c| c.subtree_range())
                .unwrap_or_default(),
        );
        let (lo, hi) = (lo.max(scope.0), hi.min(scope.1));
        if lo >= hi {
            continue;
        }
        let until = day.min(r.until);
        for (person, slot) in index.persons.iter().enumerate() {
            if slot.area >= lo && slot.area < hi {
                f(Obligation {
                    person: person as i64,
                    area: slot.area,
                    group: GroupKey::Round(*id),
                    tested: slot.sampled_between(r.from, until),
                });
            }
        }
    }
}

/// Coverage of one area's subtree.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct AreaCoverage {
    pub area_code: String,
    pub area_name: String,
    /// Persons × groups who must be tested.
    pub must: u64,
    pub tested: u64,
    pub untested: u64,
    /// tested / must, 0–1; 1 when nobody must be.
    pub rate: f64,
}

impl AreaCoverage {
    fn add(&mut self, tested: bool) {
        self.must += 1;
        if tested {
            self.tested += 1;
        } else {
            self.untested += 1;
        }
    }

    fn finish(&mut self) {
        self.rate = if self.must == 0 {
            1.0
        } else {
            self.tested as f64 / self.must as f64
        };
    }
}

/// The coverage of an area as a whole and of each of its children (and of the area itself,
/// for people registered directly on it, when there are any).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ByArea {
    pub total: AreaCoverage,
    pub children: Vec<AreaCoverage>,
}

pub fn by_area(
    index: &Index,
    day: Day,
    area: &domain::DivisionCode,
    only: Option<GroupKey>,
) -> ByArea {
    let scope = index.range(&area.subtree_range());
    let top = index.area_pos.get(area.as_str()).copied();
    let mut children: Vec<u32> = (scope.0..scope.1)
        .filter(|p| Some(index.area_parent[*p as usize]) == top && top.is_some())
        .collect();
    children.sort_unstable();
    // Each child's subtree end, to place an area position under its child.
    let ends: Vec<u32> = children
        .iter()
        .map(|c| {
            let code = domain::DivisionCode::parse(&index.areas[*c as usize]);
            code.map(|c| index.range(&c.subtree_range()).1)
                .unwrap_or(*c + 1)
        })
        .collect();
    let mut rows = vec![AreaCoverage::default(); children.len()];
    let mut own = AreaCoverage::default();
    let mut total = AreaCoverage::default();
    // Area position (from the scope's first) → row (u32::MAX: the area itself).
    let place: Vec<u32> = (scope.0..scope.1)
        .map(|a| {
            let i = children.partition_point(|c| *c <= a);
            if i > 0 && a < ends[i - 1] {
                (i - 1) as u32
            } else {
                u32::MAX
            }
        })
        .collect();
    each(index, day, scope, only, |o| {
        total.add(o.tested);
        let row = place[(o.area - scope.0) as usize];
        match rows.get_mut(row as usize) {
            Some(r) => r.add(o.tested),
            None => own.add(o.tested),
        }
    });
    let label = |p: u32, mut c: AreaCoverage| {
        c.area_code = index.areas[p as usize].clone();
        c.area_name = index.area_names[p as usize].clone();
        c.finish();
        c
    };
    let mut out: Vec<AreaCoverage> = children
        .iter()
        .zip(rows)
        .map(|(p, c)| label(*p, c))
        .collect();
    if let Some(top) = top {
        if own.must > 0 {
            out.insert(0, label(top, own));
        }
        total = label(top, total);
    } else {
        total.area_code = area.as_str().to_string();
        total.finish();
    }
    ByArea {
        total,
        children: out,
    }
}

/// Untested obligations in the subtree, sorted by area code, person and group.
pub fn untested(
    index: &Index,
    day: Day,
    area: &domain::DivisionCode,
    only: Option<GroupKey>,
) -> Vec<Obligation> {
    let scope = index.range(&area.subtree_range());
    let mut out = Vec::new();
    each(index, day, scope, only, |o| {
        if !o.tested {
            out.push(o);
        }
    });
    out.sort_unstable_by_key(|o| (o.area, o.person, o.group));
    out
}
