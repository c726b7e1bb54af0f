//! The engine against a pairwise reference: for random passages, every hop finds the same people
//! with the same first exposure as a plain loop over all pairs of stays.

use super::*;

fn p(person: u32, place: u32, minute: u32, out: bool) -> Passage {
    Passage {
        person,
        place,
        minute,
        out,
    }
}

fn q(window: u32, second_hop: bool) -> Query {
    Query {
        window,
        second_hop,
        excluded: vec![],
        manual: vec![],
    }
}

#[test]
fn entries_and_exits_pair_into_stays_and_the_window_widens_the_case() {
    let ps = [
        p(1, 1, 1000, false),
        p(1, 1, 1100, true),
        p(2, 1, 1120, false), // 20 minutes after the case left: close
        p(3, 1, 1140, false), // 40 minutes after: not
        p(4, 1, 900, true),   // an exit alone: an instant, 100 minutes before: not
    ];
    let e = Engine::build(StayParams::default(), &ps, vec![]);
    let found = e.trace(&[1], &q(30, false));
    assert_eq!(found.iter().map(|c| c.person).collect::<Vec<_>>(), vec![2]);
    assert_eq!((found[0].first, found[0].last), (1120, 1120));
}

#[test]
fn added_passages_pair_like_a_rebuild() {
    let ps = [
        p(1, 1, 1000, false),
        p(1, 1, 1100, true),
        p(2, 1, 1200, false),
        p(2, 1, 1260, true),
        p(3, 2, 1000, false),
    ];
    let built = Engine::build(StayParams::default(), &ps, vec![]);
    let mut grown = Engine::build(StayParams::default(), &ps[..1], vec![]);
    for x in &ps[1..] {
        grown.add(*x);
    }
    for case in 1..4 {
        assert_eq!(
            built.trace(&[case], &q(120, true)),
            grown.trace(&[case], &q(120, true))
        );
    }
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

/// Every stay the engine holds: (place, start, end, person).
fn all_stays(e: &Engine) -> Vec<(u32, u32, u32, u32)> {
    let mut out = Vec::new();
    for place in 0..e.place_off.len().saturating_sub(1) {
        for i in e.place_off[place] as usize..e.place_off[place + 1] as usize {
            out.push((place as u32, e.start[i], e.end[i] & MASK, e.person[i]));
        }
    }
    for s in &e.delta {
        out.push((s.place, s.start, s.end & MASK, s.person));
    }
    out
}

/// Person → (hop, first exposure), by looping over all pairs of stays.
fn pairwise(e: &Engine, cases: &[u32], q: &Query) -> std::collections::BTreeMap<u32, (u8, u32)> {
    use std::collections::BTreeMap;
    let stays = all_stays(e);
    let meets = |place: u32, (cs, ce): (u32, u32), (ks, ke): (u32, u32)| match e.rule(place) {
        Rule::Window => ks <= ce + q.window && cs <= ke + q.window,
        Rule::SameDay => day(ks) <= day(ce) && day(cs) <= day(ke),
    };
    let skip = |p: u32| cases.contains(&p) || q.excluded.contains(&p);
    let mut hop1: BTreeMap<u32, u32> = BTreeMap::new();
    for c in stays.iter().filter(|s| cases.contains(&s.3)) {
        for k in stays.iter().filter(|k| k.0 == c.0 && !skip(k.3)) {
            if meets(c.0, (c.1, c.2), (k.1, k.2)) {
                let first = c.1.max(k.1);
                let at = hop1.entry(k.3).or_insert(first);
                *at = (*at).min(first);
            }
        }
    }
    let mut hop2: BTreeMap<u32, u32> = BTreeMap::new();
    for (contact, since) in &hop1 {
        for c in stays.iter().filter(|s| s.3 == *contact && s.2 >= *since) {
            for k in stays.iter().filter(|k| k.0 == c.0 && !skip(k.3)) {
                if !hop1.contains_key(&k.3) && meets(c.0, (c.1, c.2), (k.1, k.2)) {
                    let first = c.1.max(k.1);
                    let at = hop2.entry(k.3).or_insert(first);
                    *at = (*at).min(first);
                }
            }
        }
    }
    let mut out: BTreeMap<u32, (u8, u32)> = hop1.into_iter().map(|(p, f)| (p, (1, f))).collect();
    if q.second_hop {
        out.extend(hop2.into_iter().map(|(p, f)| (p, (2, f))));
    }
    out
}

/// Random passages of `people` people at `places` places over three days.
fn random_passages(rng: &mut Rng, people: u64, places: u64, n: usize) -> Vec<Passage> {
    let mut ps = Vec::new();
    while ps.len() < n {
        let person = 1 + rng.below(people) as u32;
        let place = 1 + rng.below(places) as u32;
        let minute = 30_000_000 + rng.below(3 * 1440) as u32;
        match rng.below(10) {
            0..5 => {
                ps.push(p(person, place, minute, false));
                ps.push(p(person, place, minute + 1 + rng.below(200) as u32, true));
            }
            5..8 => ps.push(p(person, place, minute, false)),
            _ => ps.push(p(person, place, minute, true)),
        }
    }
    ps.sort_by_key(|p| p.minute);
    ps
}

#[test]
fn both_hops_find_the_people_and_first_exposures_a_pairwise_loop_finds() {
    let mut rng = Rng(2020_0123);
    for round in 0..24 {
        let ps = random_passages(&mut rng, 80, 6, 500);
        // Place 2 is a building: the same-day rule.
        let rules = vec![Rule::Window, Rule::Window, Rule::SameDay];
        // Half the rounds take the last passages through `add`, as a live index does.
        let engine = if round % 2 == 0 {
            Engine::build(StayParams::default(), &ps, rules)
        } else {
            let mut e = Engine::build(StayParams::default(), &ps[..350], rules);
            for x in &ps[350..] {
                e.add(*x);
            }
            e
        };
        let cases: Vec<u32> = (0..1 + rng.below(3))
            .map(|_| 1 + rng.below(80) as u32)
            .collect();
        let query = Query {
            window: [0, 10, 30, 120][round % 4],
            second_hop: true,
            excluded: vec![1 + rng.below(80) as u32],
            manual: vec![],
        };
        let want = pairwise(&engine, &cases, &query);
        let found = engine.trace_in(&cases, &query, 1);
        for lanes in [2, 4] {
            let parallel = engine.trace_in(&cases, &query, lanes);
            assert_eq!(
                parallel, found,
                "round {round}: {lanes} lanes answer as one"
            );
        }
        // The mark arrays go back to a pool: a trace after others answers the same.
        assert_eq!(
            engine.trace_in(&cases, &query, 1),
            found,
            "round {round}: again"
        );
        let got: std::collections::BTreeMap<u32, (u8, u32)> =
            found.iter().map(|c| (c.person, (c.hop, c.first))).collect();
        assert!(!want.is_empty(), "round {round}: a meaningful sample");
        assert_eq!(got, want, "round {round}: cases {cases:?}, {query:?}");
        let sorted = found
            .windows(2)
            .all(|w| (w[0].hop, w[0].person) < (w[1].hop, w[1].person));
        assert!(sorted, "by hop, then person");
        for c in &found {
            let via_ok = if c.hop == 1 {
                cases.contains(&c.via)
            } else {
                want.get(&c.via).is_some_and(|(h, _)| *h == 1)
            };
            assert!(via_ok, "round {round}: {c:?} names a source of its hop");
            assert!(c.exposures >= 1 && c.last >= c.first);
        }
    }
}

#[test]
fn two_cases_present_together_count_the_minutes_once() {
    let ps = [
        p(1, 1, 1000, false),
        p(1, 1, 1060, true),
        p(2, 1, 1000, false),
        p(2, 1, 1060, true),
        p(3, 1, 1030, false),
        p(3, 1, 1090, true),
    ];
    let e = Engine::build(StayParams::default(), &ps, vec![]);
    let found = e.trace(&[1, 2], &q(30, false));
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].person, found[0].minutes, found[0].exposures),
        (3, 30, 1)
    );
    assert_eq!((found[0].first, found[0].last), (1030, 1060));
}
