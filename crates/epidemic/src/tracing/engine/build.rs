//! Building the index from passages: pairing each person's passages into stays, then laying the
//! stays out by (place, start). The large orders come from stable counting sorts (linear, and
//! reading and writing each array in streams) — an indirect comparison sort over 13 million stays
//! costs seconds in cache misses; only each person's few passages are put in (place, minute)
//! order by a comparison sort of their own.

use super::{Engine, MASK, OPEN, Passage, Rule, Stay, StayParams};

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

/// Offsets of a stable counting sort: `off[k]..off[k + 1]` will hold the items of key `k`.
fn offsets(keys: usize, items: impl Iterator<Item = usize>) -> Vec<u32> {
    let mut off = vec![0u32; keys + 1];
    for k in items {
        off[k + 1] += 1;
    }
    for k in 0..keys {
        off[k + 1] += off[k];
    }
    off
}

/// A stable counting sort of `items` by `key` (below `keys`); answers the sorted items and the
/// offsets of each key.
fn counting_sort<T: Copy>(
    items: &[T],
    keys: usize,
    key: impl Fn(&T) -> usize,
) -> (Vec<T>, Vec<u32>) {
    let off = offsets(keys, items.iter().map(&key));
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut fill = off.clone();
    let spare = out.spare_capacity_mut();
    for item in items {
        let at = &mut fill[key(item)];
        spare[*at as usize].write(*item);
        *at += 1;
    }
    // SAFETY: the offsets count every item once, so each of the `items.len()` slots was written
    // exactly once above.
    unsafe { out.set_len(items.len()) };
    (out, off)
}

/// Minutes spanned by the passages, past which a counting sort by minute is not worth its table.
const MINUTE_KEYS: usize = 1 << 22;

impl Engine {
    /// Builds the index from passages in id order. `rules[place]` says how a place is searched
    /// (missing: `Rule::Window`).
    pub fn build(params: StayParams, passages: &[Passage], rules: Vec<Rule>) -> Engine {
        let persons = passages.iter().map(|p| p.person + 1).max().unwrap_or(0) as usize;
        let places = passages.iter().map(|p| p.place + 1).max().unwrap_or(0) as usize;
        // By person in one stable pass (ties in id order), then each person's few passages by
        // (place, minute) with a stable sort of their own: ready for pairing. Two more passes
        // over the whole array (by minute, then by place) cost more than these small sorts.
        let (mut by_person, person_off) = counting_sort(passages, persons, |p| p.person as usize);
        let mut stays: Vec<Stay> = Vec::with_capacity(passages.len());
        for w in person_off.windows(2) {
            let own = &mut by_person[w[0] as usize..w[1] as usize];
            own.sort_by_key(|p| (p.place, p.minute));
            pair(params, own, |s| stays.push(s));
        }
        drop(by_person);
        let mut engine = Engine {
            params,
            rules,
            passages: passages.len() as u64,
            ..Engine::default()
        };
        engine.lay_out(stays, persons, places);
        engine
    }

    /// Arranges stays (in person order, each person's in place and start order) into the base
    /// arrays.
    fn lay_out(&mut self, stays: Vec<Stay>, persons: usize, places: usize) {
        let n = stays.len();
        let (lo, hi) = stays.iter().fold((u32::MAX, 0), |(lo, hi), s| {
            (lo.min(s.start), hi.max(s.start))
        });
        // Each stay travels with its index in person order, so its position in the result gives
        // each person's positions.
        let keyed: Vec<(Stay, u32)> = stays
            .iter()
            .zip(0..n as u32)
            .map(|(s, i)| (*s, i))
            .collect();
        let by_start = if n == 0 || (hi - lo) as usize >= MINUTE_KEYS {
            let mut v = keyed;
            v.sort_by_key(|(s, _)| s.start);
            v
        } else {
            let v = counting_sort(&keyed, (hi - lo) as usize + 1, |(s, _)| {
                (s.start - lo) as usize
            })
            .0;
            drop(keyed);
            v
        };
        let (order, place_off) = counting_sort(&by_start, places, |(s, _)| s.place as usize);
        drop(by_start);
        let mut span = vec![0u32; places];
        self.start = Vec::with_capacity(n);
        self.end = Vec::with_capacity(n);
        self.person = Vec::with_capacity(n);
        let mut pos_of = vec![0u32; n];
        for (pos, (s, i)) in order.iter().enumerate() {
            self.start.push(s.start);
            self.end.push(s.end);
            self.person.push(s.person);
            let len = (s.end & MASK) - s.start;
            let sp = &mut span[s.place as usize];
            *sp = (*sp).max(len);
            pos_of[*i as usize] = pos as u32;
        }
        drop(order);
        // `stays` are in person order, so positions follow in the same order.
        self.person_off = offsets(persons, stays.iter().map(|s| s.person as usize));
        self.person_stays = pos_of;
        self.place_off = place_off;
        self.span = span;
        self.delta.clear();
        self.delta_place.clear();
        self.delta_person.clear();
    }
}
