//! Building the index from passages. Two stable counting sorts put the passages in (place,
//! minute) order, ties in id order (linear, reading and writing each array in streams, every
//! cursor table small enough for the caches); then one walk over each place's passages pairs
//! them into stays — each person's pending entry at the place kept in a per-person slot — and
//! writes the stays in the order they start, which is the base arrays' order. A comparison sort
//! over millions of passages would cost seconds in cache misses, as would grouping them by
//! person first (a million cursors) and laying the stays out again afterwards.

use super::{Engine, MASK, OPEN, Passage, Rule, StayParams};

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

/// A stable counting sort of the items of `parts`, one after the other, by `key` (below `keys`);
/// answers the sorted items and the offsets of each key.
fn counting_sort<T: Copy>(
    parts: &[&[T]],
    keys: usize,
    key: impl Fn(&T) -> usize,
) -> (Vec<T>, Vec<u32>) {
    let items = || parts.iter().flat_map(|part| part.iter());
    let len = parts.iter().map(|part| part.len()).sum();
    let off = offsets(keys, items().map(&key));
    let mut out: Vec<T> = Vec::with_capacity(len);
    let mut fill = off.clone();
    let spare = out.spare_capacity_mut();
    for item in items() {
        let at = &mut fill[key(item)];
        spare[*at as usize].write(*item);
        *at += 1;
    }
    // SAFETY: the offsets count every item once, so each of the `len` slots was written exactly
    // once above.
    unsafe { out.set_len(len) };
    (out, off)
}

/// Minutes spanned by the passages, past which a counting sort by minute is not worth its table.
const MINUTE_KEYS: usize = 1 << 22;

/// No pending entry (a person's slot in the pairing walk).
const NONE: u32 = u32::MAX;

impl Engine {
    /// Builds the index from passages in id order. `rules[place]` says how a place is searched
    /// (missing: `Rule::Window`).
    pub fn build(params: StayParams, passages: &[Passage], rules: Vec<Rule>) -> Engine {
        Engine::build_from_parts(params, &[passages], rules)
    }

    /// As `build`, from the passages of `parts` one after the other (as read in id ranges),
    /// without copying them into one array first.
    pub fn build_from_parts(params: StayParams, parts: &[&[Passage]], rules: Vec<Rule>) -> Engine {
        let passages = parts.iter().map(|part| part.len()).sum::<usize>();
        let (mut persons, mut places, mut lo, mut hi) = (0, 0, u32::MAX, 0);
        for p in parts.iter().flat_map(|part| part.iter()) {
            persons = persons.max(p.person as usize + 1);
            places = places.max(p.place as usize + 1);
            lo = lo.min(p.minute);
            hi = hi.max(p.minute);
        }
        let by_minute = if passages == 0 || (hi - lo) as usize >= MINUTE_KEYS {
            let mut v = parts.concat();
            v.sort_by_key(|p| p.minute);
            v
        } else {
            counting_sort(parts, (hi - lo) as usize + 1, |p| (p.minute - lo) as usize).0
        };
        let (sorted, place_passages) = counting_sort(&[&by_minute], places, |p| p.place as usize);
        drop(by_minute);
        let mut engine = Engine {
            params,
            rules,
            passages: passages as u64,
            ..Engine::default()
        };
        engine.pair(&sorted, &place_passages, persons);
        drop(sorted);
        // Room was made for a stay a passage; an exit that closed a stay took none.
        engine.start.shrink_to_fit();
        engine.end.shrink_to_fit();
        engine.person.shrink_to_fit();
        // Each person's positions, in place order as the positions are.
        engine.person_off = offsets(persons, engine.person.iter().map(|p| *p as usize));
        let mut fill = engine.person_off.clone();
        let mut person_stays = vec![0u32; engine.person.len()];
        for (pos, p) in engine.person.iter().enumerate() {
            let at = &mut fill[*p as usize];
            person_stays[*at as usize] = pos as u32;
            *at += 1;
        }
        engine.person_stays = person_stays;
        engine
    }

    /// Pairs the passages (in place, minute and id order; `place_passages` their offsets per
    /// place) into the base arrays. At a place, a person's entry followed by their next passage
    /// there being an exit within `max_stay` minutes is a stay from entry to exit; any other
    /// entry is a stay of `default_stay` minutes (marked `OPEN`); an exit not paired is a stay of
    /// one instant. A stay is written when its first passage is met, so stays come out in start
    /// order (ties in id order); an exit that closes one only sets its end.
    fn pair(&mut self, sorted: &[Passage], place_passages: &[u32], persons: usize) {
        let params = self.params;
        let n = sorted.len();
        self.start = Vec::with_capacity(n);
        self.end = Vec::with_capacity(n);
        self.person = Vec::with_capacity(n);
        self.place_off = Vec::with_capacity(place_passages.len());
        self.place_off.push(0);
        self.span = vec![0; place_passages.len().saturating_sub(1)];
        // Per person: (place, position of its stay) of the entry waiting for its exit; a slot
        // naming another place is empty, so no slot is cleared between places.
        let mut pending = vec![(NONE, NONE); persons];
        for (place, range) in place_passages.windows(2).enumerate() {
            let first = self.start.len();
            for p in &sorted[range[0] as usize..range[1] as usize] {
                let slot = &mut pending[p.person as usize];
                if slot.0 == place as u32 {
                    let at = slot.1 as usize;
                    *slot = (NONE, NONE);
                    let start = self.start[at];
                    if p.out && p.minute - start <= params.max_stay {
                        self.end[at] = p.minute;
                        continue;
                    }
                }
                let end = if p.out {
                    p.minute
                } else {
                    *slot = (place as u32, self.start.len() as u32);
                    (p.minute + params.default_stay) | OPEN
                };
                self.start.push(p.minute);
                self.end.push(end);
                self.person.push(p.person);
            }
            self.span[place] = (self.start[first..].iter())
                .zip(&self.end[first..])
                .map(|(s, e)| (e & MASK) - s)
                .max()
                .unwrap_or(0);
            self.place_off.push(self.start.len() as u32);
        }
        self.delta.clear();
        self.delta_place.clear();
        self.delta_person.clear();
    }
}
