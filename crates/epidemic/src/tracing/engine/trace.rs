//! A trace: the close contacts of cases, then, if asked, their secondary contacts (`hop` does
//! the meeting of stays with the sources' presence).
//!
//! **First hop.** Its meetings (a few hundred thousand at most) are written in a list as they
//! come, sorted by person with a radix sort and summed per person: no per-person table is touched
//! at random, and the answer comes out in person order.
//!
//! **Second hop.** Its meetings can run to tens of millions, so they are summed as they come in
//! per-person marks, split in lanes (`person % lanes`, lanes a power of two) that run on their own
//! threads: each lane sweeps every place but notes only its own people, so no two threads touch
//! the same person. The mark arrays are pooled between traces (a fresh 4 MB array costs a
//! millisecond of page faults).
//!
//! A meeting counts one exposure and its minutes (the stay's overlap with the period, so two
//! sources present together are not counted twice).

use super::hop::{Hop, Meeting, Source};
use super::{Contact, Engine, Query};

const NONE: u32 = u32::MAX;
const CASE: u32 = NONE - 1;
const EXCLUDED: u32 = NONE - 2;
const CLOSE: u32 = NONE - 3;

/// Sorts meetings by person: least significant digit first, 11 bits a pass.
fn by_person(mut items: Vec<Meeting>) -> Vec<Meeting> {
    const BITS: u32 = 11;
    let top = items.iter().map(|m| m.person).max().unwrap_or(0);
    let mut spare = items.clone();
    let mut shift = 0;
    while shift < 32 && (shift == 0 || top >> shift != 0) {
        let mut count = [0usize; 1 << BITS];
        for m in &items {
            count[((m.person >> shift) & ((1 << BITS) - 1)) as usize] += 1;
        }
        let mut at = 0;
        for c in count.iter_mut() {
            (*c, at) = (at, at + *c);
        }
        for m in &items {
            let d = ((m.person >> shift) & ((1 << BITS) - 1)) as usize;
            spare[count[d]] = *m;
            count[d] += 1;
        }
        std::mem::swap(&mut items, &mut spare);
        shift += BITS;
    }
    items
}

/// The close contacts from the first hop's meetings, in person order; cases and excluded people
/// are left out.
fn close_contacts(hop: &Hop, meetings: Vec<Meeting>, skip: &[u32]) -> Vec<Contact> {
    let meetings = by_person(meetings);
    let mut out: Vec<Contact> = Vec::with_capacity(meetings.len());
    for group in meetings.chunk_by(|a, b| a.person == b.person) {
        let person = group[0].person;
        if skip.binary_search(&person).is_ok() {
            continue;
        }
        let mut c = Contact {
            person,
            hop: 1,
            via: 0,
            place: None,
            first: u32::MAX,
            last: 0,
            exposures: group.len() as u32,
            minutes: group.iter().map(|m| hop.minutes(m)).sum(),
        };
        for m in group {
            if hop.not_before(m) < c.first {
                let (via, first, last) = hop.exposure(m);
                if first < c.first {
                    let place = hop.periods[m.period as usize].place;
                    (c.via, c.place, c.first, c.last) = (via, Some(place), first, last);
                }
            }
        }
        out.push(c);
    }
    out
}

/// The people of one lane of the second hop: per person `CASE`, `EXCLUDED`, `CLOSE`, `NONE` or
/// the position in `list`.
struct Lane {
    lane: u32,
    /// log2 of the number of lanes.
    shift: u32,
    slot: Vec<u32>,
    list: Vec<Contact>,
}

impl Lane {
    fn owns(&self, person: u32) -> bool {
        person & ((1 << self.shift) - 1) == self.lane
    }

    fn get(&self, person: u32) -> u32 {
        let i = (person >> self.shift) as usize;
        self.slot.get(i).copied().unwrap_or(NONE)
    }

    fn set(&mut self, person: u32, value: u32) {
        let i = (person >> self.shift) as usize;
        if self.slot.len() <= i {
            self.slot.resize(i + 1, NONE);
        }
        self.slot[i] = value;
    }

    /// Notes a meeting of one of this lane's people.
    fn note(&mut self, hop: &Hop, m: &Meeting) {
        match self.get(m.person) {
            CASE | EXCLUDED | CLOSE => {}
            NONE => {
                let (via, first, last) = hop.exposure(m);
                self.set(m.person, self.list.len() as u32);
                self.list.push(Contact {
                    person: m.person,
                    hop: 2,
                    via,
                    place: Some(hop.periods[m.period as usize].place),
                    first,
                    last,
                    exposures: 1,
                    minutes: hop.minutes(m),
                });
            }
            i => {
                let c = &mut self.list[i as usize];
                c.exposures += 1;
                c.minutes += hop.minutes(m);
                if hop.not_before(m) < c.first {
                    let (via, first, last) = hop.exposure(m);
                    if first < c.first {
                        let place = hop.periods[m.period as usize].place;
                        (c.via, c.place, c.first, c.last) = (via, Some(place), first, last);
                    }
                }
            }
        }
    }
}

/// The lanes' contacts by person: sorted when few, else read off the people in order (every
/// lane's marks interleaved), which costs no comparison.
fn in_order(lanes: &[Lane]) -> Vec<Contact> {
    let total: usize = lanes.iter().map(|f| f.list.len()).sum();
    let people: usize = lanes.iter().map(|f| f.slot.len()).sum();
    if total * 16 < people {
        let mut all: Vec<Contact> = lanes.iter().flat_map(|f| f.list.iter().copied()).collect();
        all.sort_unstable_by_key(|c| c.person);
        return all;
    }
    let mut out = Vec::with_capacity(total);
    let rows = lanes.iter().map(|f| f.slot.len()).max().unwrap_or(0);
    for row in 0..rows {
        for f in lanes {
            if let Some(c) = f.slot.get(row).and_then(|at| f.list.get(*at as usize)) {
                out.push(*c);
            }
        }
    }
    out
}

/// Lanes a trace runs in: the machine's cores, rounded down to a power of two, at most 8.
fn lanes() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8) as u32);
    1 << cores.ilog2()
}

impl Engine {
    /// Close contacts of `cases` and, if asked, their secondary contacts; cases themselves and
    /// excluded people are never returned. Sorted by hop, then person.
    pub fn trace(&self, cases: &[u32], q: &Query) -> Vec<Contact> {
        self.trace_in(cases, q, lanes())
    }

    /// `trace` with the second hop in `lanes` parallel lanes (rounded down to a power of two;
    /// 1: on the calling thread alone).
    pub fn trace_in(&self, cases: &[u32], q: &Query, lanes: u32) -> Vec<Contact> {
        let mut skip: Vec<u32> = cases.iter().chain(&q.excluded).copied().collect();
        skip.sort_unstable();
        let mut first = Hop::new(self, q.window);
        for case in cases {
            self.stays_of(*case, |place, start, end, _| {
                first.sources.push(Source {
                    place,
                    start,
                    end,
                    person: *case,
                });
            });
        }
        first.prepare();
        let mut meetings = Vec::new();
        first.sweep(|m| meetings.push(m));
        let mut close = close_contacts(&first, meetings, &skip);
        drop(first);
        self.add_manual(&mut close, cases, &skip, q);
        if !q.second_hop {
            return close;
        }
        let secondary = self.second_hop(&close, cases, q, lanes);
        close.extend(secondary);
        close
    }

    /// Manual contacts of the cases join the close contacts (which stay in person order).
    fn add_manual(&self, close: &mut Vec<Contact>, cases: &[u32], skip: &[u32], q: &Query) {
        let before = close.len();
        for (contact, case) in &q.manual {
            if !cases.contains(case) || skip.binary_search(contact).is_ok() {
                continue;
            }
            match close[..before].binary_search_by_key(contact, |c| c.person) {
                Ok(i) => close[i].exposures += 1,
                Err(_) => {
                    if let Some(c) = close[before..].iter_mut().find(|c| c.person == *contact) {
                        c.exposures += 1;
                    } else {
                        close.push(Contact {
                            person: *contact,
                            hop: 1,
                            via: *case,
                            place: None,
                            first: 0,
                            last: 0,
                            exposures: 1,
                            minutes: 0,
                        });
                    }
                }
            }
        }
        if close.len() > before {
            close.sort_by_key(|c| c.person);
        }
    }

    /// The secondary contacts of `close` (their stays ending after their first exposure), in
    /// person order.
    fn second_hop(&self, close: &[Contact], cases: &[u32], q: &Query, lanes: u32) -> Vec<Contact> {
        let people = self.person_off.len().max(
            self.delta_person
                .keys()
                .map(|p| *p as usize + 2)
                .max()
                .unwrap_or(0),
        );
        let shift = lanes.max(1).ilog2();
        let rows = people.div_ceil(1 << shift);
        let mut lanes: Vec<Lane> = (0..1u32 << shift)
            .map(|lane| Lane {
                lane,
                shift,
                slot: self.scratch(rows),
                list: Vec::new(),
            })
            .collect();
        let lane_of = |p: u32| (p & ((1 << shift) - 1)) as usize;
        let marks = cases
            .iter()
            .map(|p| (*p, CASE))
            .chain(q.excluded.iter().map(|p| (*p, EXCLUDED)))
            .chain(close.iter().map(|c| (c.person, CLOSE)));
        for (person, mark) in marks {
            let l = &mut lanes[lane_of(person)];
            if l.get(person) == NONE {
                l.set(person, mark);
            }
        }
        let mut hop = Hop::new(self, q.window);
        for c in close {
            let since = if c.place.is_some() { c.first } else { 0 };
            self.stays_of(c.person, |place, start, end, _| {
                if end >= since {
                    hop.sources.push(Source {
                        place,
                        start,
                        end,
                        person: c.person,
                    });
                }
            });
        }
        hop.prepare();
        let hop = &hop;
        let run = |lane: &mut Lane| {
            hop.sweep(|m| {
                if lane.owns(m.person) {
                    lane.note(hop, &m);
                }
            })
        };
        if let [one] = lanes.as_mut_slice() {
            run(one);
        } else {
            std::thread::scope(|scope| {
                for lane in lanes.iter_mut() {
                    scope.spawn(move || run(lane));
                }
            });
        }
        let answer = in_order(&lanes);
        let everyone: Vec<u32> = cases
            .iter()
            .chain(&q.excluded)
            .copied()
            .chain(close.iter().map(|c| c.person))
            .chain(answer.iter().map(|c| c.person))
            .collect();
        for p in everyone {
            lanes[lane_of(p)].set(p, NONE);
        }
        for lane in lanes {
            self.give_back(lane.slot);
        }
        answer
    }

    /// A mark array of at least `rows` entries, all `NONE`: from the pool when there is one.
    fn scratch(&self, rows: usize) -> Vec<u32> {
        let pooled = self.scratch.lock().map(|mut p| p.pop()).unwrap_or(None);
        let mut slot = pooled.unwrap_or_default();
        if slot.len() < rows {
            slot.resize(rows, NONE);
        }
        slot
    }

    /// Returns a mark array, every entry `NONE` again, to the pool.
    fn give_back(&self, slot: Vec<u32>) {
        if let Ok(mut pool) = self.scratch.lock()
            && pool.len() < 16
        {
            pool.push(slot);
        }
    }
}
