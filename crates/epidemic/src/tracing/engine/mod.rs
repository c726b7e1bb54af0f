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
//! **Layout** (`build`). Base arrays sorted by (place, start): `start`, `end`, `person` (`u32`
//! each, 12 bytes a stay) with per-place offsets and the longest stay of each place (so a time
//! range is a binary search plus a short scan); per person the positions of their stays (4 bytes
//! a stay). Passages added after the build go to a small delta (per place and per person lists)
//! until the next rebuild folds them in. The build puts the passages in (place, minute) order with
//! two counting sorts, never by comparison over the whole set, and pairs each place's passages
//! into stays in one walk that writes them in start order.
//!
//! **Search** (`trace`). A hop never enumerates pairs of stays: the sources' stays (the cases',
//! or the close contacts' for the second hop) are sorted by place and start and merged into
//! periods of continuous presence; then each place's stays are swept once over the stretches
//! those periods can reach, each stay meeting the periods its own reach overlaps. A second hop
//! from 160,000 close contacts so costs one pass over the busy places, not 160,000 range scans.

mod build;
mod hop;
mod trace;

use std::collections::HashMap;
use std::sync::Mutex;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Exposures found: stays of this person that met a period of the sources' presence.
    pub exposures: u32,
    /// Minutes this person was present while a source was, over all exposures.
    pub minutes: u32,
}

/// Set on a stay's end while it is the default one (an entry not yet paired with an exit).
const OPEN: u32 = 1 << 31;
const MASK: u32 = !OPEN;
/// Beijing is UTC+8: days begin at 16:00 UTC.
const BEIJING: u32 = 480;

fn day(minute: u32) -> u32 {
    (minute + BEIJING) / 1440
}

/// The first minute of the Beijing day of `minute`.
fn day_start(minute: u32) -> u32 {
    (day(minute) * 1440).saturating_sub(BEIJING)
}

/// The last minute of the Beijing day of `minute`.
fn day_end(minute: u32) -> u32 {
    (day(minute) + 1) * 1440 - BEIJING - 1
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
    /// Mark arrays of finished traces, every entry cleared, for the next ones.
    scratch: Mutex<Vec<Vec<u32>>>,
}

#[derive(Clone, Copy, Debug)]
enum StayRef {
    Base(u32),
    Delta(u32),
}

impl Engine {
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
        let lists =
            |m: &HashMap<u32, Vec<u32>>| m.values().map(|v| v.capacity() * 4 + 16).sum::<usize>();
        v4(&self.place_off)
            + v4(&self.start)
            + v4(&self.end)
            + v4(&self.person)
            + v4(&self.span)
            + v4(&self.person_off)
            + v4(&self.person_stays)
            + self.rules.capacity()
            + self.delta.capacity() * std::mem::size_of::<Stay>()
            + lists(&self.delta_place)
            + lists(&self.delta_person)
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

    /// A person's stays: (place, start, end with `OPEN` cleared, reference for `add`).
    fn stays_of(&self, person: u32, mut f: impl FnMut(u32, u32, u32, StayRef)) {
        let p = person as usize;
        if p + 1 < self.person_off.len() {
            let own =
                &self.person_stays[self.person_off[p] as usize..self.person_off[p + 1] as usize];
            // A person's stays are laid out in place order: each place is found by a binary
            // search over the offsets after the previous one's.
            let mut place = 0;
            for pos in own {
                let i = *pos as usize;
                place += self.place_off[place + 1..].partition_point(|o| *o as usize <= i);
                f(
                    place as u32,
                    self.start[i],
                    self.end[i] & MASK,
                    StayRef::Base(*pos),
                );
            }
        }
        if let Some(list) = self.delta_person.get(&person) {
            for d in list {
                let s = self.delta[*d as usize];
                f(s.place, s.start, s.end & MASK, StayRef::Delta(*d));
            }
        }
    }

    /// Whether a stay's end is still the default one (an entry waiting for its exit).
    fn is_open(&self, r: StayRef) -> bool {
        let end = match r {
            StayRef::Base(i) => self.end[i as usize],
            StayRef::Delta(i) => self.delta[i as usize].end,
        };
        end & OPEN != 0
    }

    /// Adds a passage that came after the build. Passages in time order per person and place
    /// pair exactly as a rebuild would; a late one is paired as if it were the newest (the next
    /// rebuild pairs it exactly).
    pub fn add(&mut self, p: Passage) {
        self.passages += 1;
        if p.out {
            // The person's latest stay at this place, if an entry still open within max_stay.
            let mut latest: Option<(u32, StayRef)> = None;
            self.stays_of(p.person, |place, start, _, r| {
                if place == p.place && latest.is_none_or(|(s, _)| start >= s) {
                    latest = Some((start, r));
                }
            });
            if let Some((start, r)) = latest
                && self.is_open(r)
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
}

#[cfg(test)]
mod tests;
