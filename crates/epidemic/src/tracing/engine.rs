//! The tracing engine: an in-memory, compact index of presence intervals (stays) per place, and
//! the close- and secondary-contact search over it. Pure: no I/O, no clock — `live` feeds it from
//! the passages table and keeps it current.
//!
//! **Stays.** Passages are paired per person and place, in time order (ties in id order): an
//! entry followed by that person's next passage at the place being an exit within `max_stay`
//! minutes is a stay from entry to exit; any other entry is a stay of `default_stay` minutes (an
//! entry without a recorded exit: compounds and venues rarely scan people out); an exit not paired
//! with an entry is a stay of one instant (a scan at the gate). Times are whole minutes since
//! 1970-01-01 UTC (`u32`, good until 10136).
//!
//! **Contacts.** A case's stay `[cs, ce]` and another person's `[ks, ke]` at the same place are a
//! contact when
//! - `Rule::Window` (venues, markets, checkpoints, …): `ks <= ce + W` and `cs <= ke + W`, i.e. the
//!   stays overlap once the case's is widened by the window `W` (default 30 minutes);
//! - `Rule::SameDay` (a household-like place: a building, a care home): the stays touch a common
//!   Beijing day — people sharing a stairwell or a ward on a day are close contacts whatever the
//!   hour.
//!
//! Secondary contacts are the contacts (same rules) of a close contact's stays that end at or after
//! that contact's first exposure, who are neither cases nor close contacts.
//!
//! **Layout.** Base arrays sorted by (place, start): `start`, `end`, `person` (`u32` each, 12
//! bytes a stay) with per-place offsets and the longest stay of each place (so a time range is a
//! binary search plus a short scan); per person the positions of their stays (4 bytes a stay).
//! Passages added after the build go to a small delta (per place and per person lists) until the
//! next rebuild folds them in.

use std::collections::HashMap;

/// A passage as the engine takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Passage {
    pub person: u32,
    pub place: u32,
    pub minute: u32,
    pub out: bool,
}

/// How passages become stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StayParams {
    /// Minutes an entry without a paired exit counts as.
    pub default_stay: u32,
    /// An exit more than this many minutes after the entry is not paired with it.
    pub max_stay: u32,
}

impl Default for StayParams {
    fn default() -> Self {
        StayParams {
            default_stay: 60,
            max_stay: 720,
        }
    }
}

/// How contacts are found at a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Rule {
    #[default]
    Window,
    SameDay,
}

/// What a trace asks.
#[derive(Clone, Debug)]
pub struct Query {
    /// Window in minutes around a case's stay.
    pub window: u32,
    pub second_hop: bool,
    /// People never returned nor followed (already quarantined, protected staff).
    pub excluded: Vec<u32>,
    /// Close contacts known without a passage: (contact, case).
    pub manual: Vec<(u32, u32)>,
}

/// One person found: the earliest exposure, and how many there were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub person: u32,
    /// 1 close contact, 2 secondary contact.
    pub hop: u8,
    /// The case (hop 1) or close contact (hop 2) of the earliest exposure.
    pub via: u32,
    /// `None` for a manual contact.
    pub place: Option<u32>,
    /// The later of the two arrivals (minutes).
    pub first: u32,
    /// The earlier of the two departures, or `first` when the stays only came within the window.
    pub last: u32,
    /// Exposures found (stay pairs).
    pub exposures: u32,
    /// Minutes of overlap over all exposures.
    pub minutes: u32,
}

const OPEN: u32 = 1 << 31;
const MASK: u32 = !OPEN;
const NONE: u32 = u32::MAX;
/// Beijing is UTC+8: days begin at 16:00 UTC.
const BEIJING: u32 = 480;

fn day(minute: u32) -> u32 {
    (minute + BEIJING) / 1440
}

#[derive(Clone, Copy, Debug)]
struct Stay {
    place: u32,
    start: u32,
    /// With `OPEN` set while the end is the default one.
    end: u32,
    person: u32,
}

/// The index.
#[derive(Default)]
pub struct Engine {
    params: StayParams,
    place_off: Vec<u32>,
    start: Vec<u32>,
    end: Vec<u32>,
    person: Vec<u32>,
    span: Vec<u32>,
    person_off: Vec<u32>,
    person_stays: Vec<u32>,
    rules: Vec<Rule>,
    delta: Vec<Stay>,
    delta_place: HashMap<u32, Vec<u32>>,
    delta_person: HashMap<u32, Vec<u32>>,
    passages: u64,
}

/// Pairs one person's passages (sorted by place, then minute, ties in id order) into stays.
fn pair(params: StayParams, ps: &[Passage], mut emit: impl FnMut(Stay)) {
    let mut i = 0;
    while i < ps.len() {
        let p = ps[i];
        let next = ps.get(i + 1).filter(|n| n.place == p.place);
        if !p.out {
            match next {
                Some(n) if n.out && n.minute - p.minute <= params.max_stay => {
                    emit(Stay {
                        place: p.place,
                        start: p.minute,
                        end: n.minute,
                        person: p.person,
                    });
                    i += 2;
                    continue;
                }
                _ => emit(Stay {
                    place: p.place,
                    start: p.minute,
                    end: (p.minute + params.default_stay) | OPEN,
                    person: p.person,
                }),
            }
        } else {
            emit(Stay {
                place: p.place,
                start: p.minute,
                end: p.minute,
                person: p.person,
            });
        }
        i += 1;
    }
}

impl Engine {
    /// Builds the index from passages in id order. `rules[place]` says how a place is searched
    /// (missing: `Rule::Window`).
    pub fn build(params: StayParams, passages: &[Passage], rules: Vec<Rule>) -> Engine {
        let persons = passages.iter().map(|p| p.person + 1).max().unwrap_or(0) as usize;
        // Counting sort by person (stable: id order kept within a person).
        let mut off = vec![0u32; persons + 1];
        for p in passages {
            off[p.person as usize + 1] += 1;
        }
        for i in 0..persons {
            off[i + 1] += off[i];
        }
        let mut by_person = vec![
            Passage {
                person: 0,
                place: 0,
                minute: 0,
                out: false
            };
            passages.len()
        ];
        let mut fill = off.clone();
        for p in passages {
            let at = &mut fill[p.person as usize];
            by_person[*at as usize] = *p;
            *at += 1;
        }
        let mut stays: Vec<Stay> = Vec::with_capacity(passages.len());
        for w in off.windows(2) {
            let slice = &mut by_person[w[0] as usize..w[1] as usize];
            slice.sort_by_key(|p| (p.place, p.minute));
            pair(params, slice, |s| stays.push(s));
        }
        drop(by_person);
        let mut engine = Engine {
            params,
            rules,
            passages: passages.len() as u64,
            ..Engine::default()
        };
        engine.lay_out(stays, persons);
        engine
    }

    /// Arranges stays (in person order) into the base arrays.
    fn lay_out(&mut self, stays: Vec<Stay>, persons: usize) {
        let places = stays.iter().map(|s| s.place + 1).max().unwrap_or(0) as usize;
        let mut off = vec![0u32; places + 1];
        for s in &stays {
            off[s.place as usize + 1] += 1;
        }
        for i in 0..places {
            off[i + 1] += off[i];
        }
        let n = stays.len();
        let mut order = vec![0u32; n];
        let mut fill = off.clone();
        for (i, s) in stays.iter().enumerate() {
            let at = &mut fill[s.place as usize];
            order[*at as usize] = i as u32;
            *at += 1;
        }
        for w in off.windows(2) {
            order[w[0] as usize..w[1] as usize].sort_by_key(|i| stays[*i as usize].start);
        }
        let mut span = vec![0u32; places];
        self.start = Vec::with_capacity(n);
        self.end = Vec::with_capacity(n);
        self.person = Vec::with_capacity(n);
        let mut pos_of = vec![0u32; n];
        for (pos, i) in order.iter().enumerate() {
            let s = stays[*i as usize];
            self.start.push(s.start);
            self.end.push(s.end);
            self.person.push(s.person);
            let len = (s.end & MASK) - s.start;
            let sp = &mut span[s.place as usize];
            *sp = (*sp).max(len);
            pos_of[*i as usize] = pos as u32;
        }
        drop(order);
        let mut poff = vec![0u32; persons + 1];
        for s in &stays {
            poff[s.person as usize + 1] += 1;
        }
        for i in 0..persons {
            poff[i + 1] += poff[i];
        }
        // `stays` are in person order, so positions follow in the same order.
        self.person_stays = pos_of;
        self.person_off = poff;
        self.place_off = off;
        self.span = span;
        self.delta.clear();
        self.delta_place.clear();
        self.delta_person.clear();
    }

    /// Passages indexed (base and delta).
    pub fn passages(&self) -> u64 {
        self.passages
    }

    /// Stays indexed.
    pub fn stays(&self) -> usize {
        self.start.len() + self.delta.len()
    }

    /// Bytes the index holds (capacity of its arrays and delta).
    pub fn bytes(&self) -> usize {
        let v4 = |v: &Vec<u32>| v.capacity() * 4;
        v4(&self.place_off)
            + v4(&self.start)
            + v4(&self.end)
            + v4(&self.person)
            + v4(&self.span)
            + v4(&self.person_off)
            + v4(&self.person_stays)
            + self.rules.capacity()
            + self.delta.capacity() * std::mem::size_of::<Stay>()
            + self
                .delta_place
                .values()
                .map(|v| v.capacity() * 4 + 16)
                .sum::<usize>()
            + self
                .delta_person
                .values()
                .map(|v| v.capacity() * 4 + 16)
                .sum::<usize>()
    }

    pub fn delta_len(&self) -> usize {
        self.delta.len()
    }

    pub fn set_rule(&mut self, place: u32, rule: Rule) {
        let i = place as usize;
        if self.rules.len() <= i {
            self.rules.resize(i + 1, Rule::Window);
        }
        self.rules[i] = rule;
    }

    fn rule(&self, place: u32) -> Rule {
        self.rules.get(place as usize).copied().unwrap_or_default()
    }

    fn span(&self, place: u32) -> u32 {
        self.span.get(place as usize).copied().unwrap_or(0)
    }

    /// A person's stays: (place, start, end, reference for `close`).
    fn stays_of(&self, person: u32, mut f: impl FnMut(u32, u32, u32, StayRef)) {
        let p = person as usize;
        if p + 1 < self.person_off.len() {
            for pos in
                &self.person_stays[self.person_off[p] as usize..self.person_off[p + 1] as usize]
            {
                let i = *pos as usize;
                let place = self.place_at(i);
                f(place, self.start[i], self.end[i], StayRef::Base(*pos));
            }
        }
        if let Some(list) = self.delta_person.get(&person) {
            for d in list {
                let s = self.delta[*d as usize];
                f(s.place, s.start, s.end, StayRef::Delta(*d));
            }
        }
    }

    /// The place of the base stay at position `i` (binary search over the offsets).
    fn place_at(&self, i: usize) -> u32 {
        (self.place_off.partition_point(|o| *o as usize <= i) - 1) as u32
    }

    /// Stays at `place` with `start <= hi` and `end >= lo`: (start, end, person).
    fn at_place(&self, place: u32, lo: u32, hi: u32, mut f: impl FnMut(u32, u32, u32)) {
        let p = place as usize;
        if p + 1 < self.place_off.len() {
            let (a, b) = (self.place_off[p] as usize, self.place_off[p + 1] as usize);
            let starts = &self.start[a..b];
            let from = lo.saturating_sub(self.span(place));
            let i = starts.partition_point(|s| *s < from);
            for j in a + i..b {
                let s = self.start[j];
                if s > hi {
                    break;
                }
                let e = self.end[j] & MASK;
                if e >= lo {
                    f(s, e, self.person[j]);
                }
            }
        }
        if let Some(list) = self.delta_place.get(&place) {
            for d in list {
                let s = self.delta[*d as usize];
                let e = s.end & MASK;
                if s.start <= hi && e >= lo {
                    f(s.start, e, s.person);
                }
            }
        }
    }

    /// Adds a passage that came after the build. Passages in time order per person and place
    /// pair exactly as a rebuild would; a late one is paired as if it were the newest (the next
    /// rebuild pairs it exactly).
    pub fn add(&mut self, p: Passage) {
        self.passages += 1;
        if p.out {
            // The person's latest stay at this place, if an entry still open within max_stay.
            let mut latest: Option<(u32, u32, StayRef)> = None;
            self.stays_of(p.person, |place, start, end, r| {
                if place == p.place && latest.is_none_or(|(s, _, _)| start >= s) {
                    latest = Some((start, end, r));
                }
            });
            if let Some((start, end, r)) = latest
                && end & OPEN != 0
                && p.minute >= start
                && p.minute - start <= self.params.max_stay
            {
                match r {
                    StayRef::Base(i) => self.end[i as usize] = p.minute,
                    StayRef::Delta(i) => self.delta[i as usize].end = p.minute,
                }
                self.widen(p.place, p.minute - start);
                return;
            }
        }
        let end = if p.out {
            p.minute
        } else {
            (p.minute + self.params.default_stay) | OPEN
        };
        let stay = Stay {
            place: p.place,
            start: p.minute,
            end,
            person: p.person,
        };
        self.widen(p.place, (end & MASK) - p.minute);
        let at = self.delta.len() as u32;
        self.delta.push(stay);
        self.delta_place.entry(p.place).or_default().push(at);
        self.delta_person.entry(p.person).or_default().push(at);
    }

    fn widen(&mut self, place: u32, len: u32) {
        let i = place as usize;
        if self.span.len() <= i {
            self.span.resize(i + 1, 0);
        }
        self.span[i] = self.span[i].max(len);
    }

    /// The contacts of one stay `[cs, ce]` at `place`: (person, first, last) for each.
    fn around(&self, place: u32, cs: u32, ce: u32, window: u32, mut f: impl FnMut(u32, u32, u32)) {
        let (lo, hi) = match self.rule(place) {
            Rule::Window => (cs.saturating_sub(window), ce + window),
            Rule::SameDay => (
                (day(cs) * 1440).saturating_sub(BEIJING),
                (day(ce) + 1) * 1440 - BEIJING - 1,
            ),
        };
        self.at_place(place, lo, hi, |ks, ke, person| {
            let first = cs.max(ks);
            let last = ce.min(ke).max(first);
            f(person, first, last);
        });
    }

    /// Close contacts of `cases` and, if asked, their secondary contacts; cases themselves and
    /// excluded people are never returned. Sorted by hop, then person.
    pub fn trace(&self, cases: &[u32], q: &Query) -> Vec<Contact> {
        const CASE: u32 = NONE - 1;
        const EXCLUDED: u32 = NONE - 2;
        // Per person: CASE, EXCLUDED, NONE or the position in `found` (a flat array: a second
        // hop touches up to every person).
        let people = self
            .person_off
            .len()
            .max(
                self.delta_person
                    .keys()
                    .map(|p| *p as usize + 2)
                    .max()
                    .unwrap_or(0),
            )
            .max(cases.iter().map(|p| *p as usize + 2).max().unwrap_or(0))
            .max(
                q.manual
                    .iter()
                    .map(|(p, _)| *p as usize + 2)
                    .max()
                    .unwrap_or(0),
            );
        let mut slot = Slots(vec![NONE; people]);
        for c in cases {
            slot.set(*c, CASE);
        }
        for x in &q.excluded {
            if slot.get(*x) == NONE {
                slot.set(*x, EXCLUDED);
            }
        }
        let mut found: Vec<Contact> = Vec::new();
        let note = |found: &mut Vec<Contact>,
                    slot: &mut Slots,
                    hop: u8,
                    person: u32,
                    via: u32,
                    place: Option<u32>,
                    first: u32,
                    last: u32| {
            let minutes = last - first;
            match slot.get(person) {
                CASE | EXCLUDED => {}
                NONE => {
                    slot.set(person, found.len() as u32);
                    found.push(Contact {
                        person,
                        hop,
                        via,
                        place,
                        first,
                        last,
                        exposures: 1,
                        minutes,
                    });
                }
                i => {
                    let c = &mut found[i as usize];
                    if c.hop == hop {
                        c.exposures += 1;
                        c.minutes += minutes;
                        if place.is_some() && (c.place.is_none() || first < c.first) {
                            (c.via, c.place, c.first, c.last) = (via, place, first, last);
                        }
                    }
                }
            }
        };
        for case in cases {
            self.stays_of(*case, |place, cs, ce, _| {
                let ce = ce & MASK;
                self.around(place, cs, ce, q.window, |k, first, last| {
                    note(&mut found, &mut slot, 1, k, *case, Some(place), first, last);
                });
            });
        }
        for (contact, case) in &q.manual {
            if cases.contains(case) {
                note(&mut found, &mut slot, 1, *contact, *case, None, 0, 0);
            }
        }
        let close = found.len();
        if q.second_hop {
            for i in 0..close {
                let (k, since) = {
                    let c = &found[i];
                    (c.person, if c.place.is_some() { c.first } else { 0 })
                };
                self.stays_of(k, |place, ks, ke, _| {
                    let ke = ke & MASK;
                    if ke < since {
                        return;
                    }
                    self.around(place, ks, ke, q.window, |s, first, last| {
                        note(&mut found, &mut slot, 2, s, k, Some(place), first, last);
                    });
                });
            }
        }
        found.sort_by_key(|c| (c.hop, c.person));
        found
    }
}

/// Per-person marks of a trace; people beyond the array are unmarked.
struct Slots(Vec<u32>);

impl Slots {
    fn get(&self, person: u32) -> u32 {
        self.0.get(person as usize).copied().unwrap_or(NONE)
    }

    fn set(&mut self, person: u32, value: u32) {
        let i = person as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, NONE);
        }
        self.0[i] = value;
    }
}

#[derive(Clone, Copy, Debug)]
enum StayRef {
    Base(u32),
    Delta(u32),
}

#[cfg(test)]
mod tests {
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
}
