//! One hop of a search. The sources' stays (the cases' for the first hop, the close contacts'
//! after their exposure for the second) are sorted by place and start and merged into periods of
//! continuous presence. Each place's stays are then swept in start order over the stretches those
//! periods can reach: a stay meets the periods its own reach overlaps (its window, or its Beijing
//! days at a same-day place), found with a pointer that only moves forward. A hop never
//! enumerates pairs of stays.
//!
//! The earliest exposure a meeting gives names a source: the earliest-arriving source of the
//! period that the stay meets — a binary search over the period's running maximum of departures
//! — which gives exactly the minimum over all (source, stay) pairs of the later arrival, as a
//! pairwise join would.

use super::{Engine, MASK, Rule, day_end, day_start};

/// A stay of a source (a case, or a close contact after their exposure).
#[derive(Clone, Copy, Debug)]
pub(super) struct Source {
    pub place: u32,
    pub start: u32,
    pub end: u32,
    pub person: u32,
}

/// Continuous presence `[a, b]` at `place` of the sources `from..to` (sorted by start).
#[derive(Clone, Copy, Debug)]
pub(super) struct Period {
    pub a: u32,
    pub b: u32,
    pub place: u32,
    from: u32,
    to: u32,
}

/// A stay `[ks, ke]` of `person` that met a period (16 bytes: a first hop writes hundreds of
/// thousands and sorts them).
#[derive(Clone, Copy, Debug)]
pub(super) struct Meeting {
    pub person: u32,
    pub ks: u32,
    pub ke: u32,
    pub period: u32,
}

/// The minutes around a stay `[ks, ke]` in which a source's presence makes a contact.
fn reach(rule: Rule, window: u32, ks: u32, ke: u32) -> (u32, u32) {
    match rule {
        Rule::Window => (ks.saturating_sub(window), ke.saturating_add(window)),
        Rule::SameDay => (day_start(ks), day_end(ke)),
    }
}

/// The starts of the stays that can meet a period `[a, b]` at a place whose longest stay is
/// `span` minutes.
fn scan(rule: Rule, window: u32, span: u32, a: u32, b: u32) -> (u32, u32) {
    match rule {
        Rule::Window => (
            a.saturating_sub(window).saturating_sub(span),
            b.saturating_add(window),
        ),
        Rule::SameDay => (day_start(a).saturating_sub(span), day_end(b)),
    }
}

/// A hop's sources and their periods.
pub(super) struct Hop<'a> {
    engine: &'a Engine,
    window: u32,
    pub sources: Vec<Source>,
    /// Per source, the latest departure among its period's sources up to it.
    reach_end: Vec<u32>,
    pub periods: Vec<Period>,
    /// Index of the first period of each place, in place order, and the end.
    place_starts: Vec<u32>,
}

impl<'a> Hop<'a> {
    pub fn new(engine: &'a Engine, window: u32) -> Self {
        Hop {
            engine,
            window,
            sources: Vec::new(),
            reach_end: Vec::new(),
            periods: Vec::new(),
            place_starts: Vec::new(),
        }
    }

    /// Sorts the sources and merges them into periods, per place.
    pub fn prepare(&mut self) {
        self.sources
            .sort_unstable_by_key(|s| (u64::from(s.place) << 32) | u64::from(s.start));
        self.reach_end = vec![0; self.sources.len()];
        self.periods.clear();
        self.place_starts.clear();
        for (i, s) in self.sources.iter().enumerate() {
            let i = i as u32;
            let same_place = self.periods.last().is_some_and(|p| p.place == s.place);
            if !same_place {
                self.place_starts.push(self.periods.len() as u32);
            }
            match self.periods.last_mut() {
                Some(p) if same_place && s.start <= p.b => {
                    p.b = p.b.max(s.end);
                    p.to = i + 1;
                }
                _ => self.periods.push(Period {
                    a: s.start,
                    b: s.end,
                    place: s.place,
                    from: i,
                    to: i + 1,
                }),
            }
            let from = self.periods.last().expect("pushed above").from;
            let before = if i > from {
                self.reach_end[i as usize - 1]
            } else {
                0
            };
            self.reach_end[i as usize] = before.max(s.end);
        }
        self.place_starts.push(self.periods.len() as u32);
    }

    /// Meets every place's stays with its periods.
    pub fn sweep(&self, mut met: impl FnMut(Meeting)) {
        for w in self.place_starts.windows(2) {
            self.sweep_place(w[0] as usize, w[1] as usize, &mut met);
        }
    }

    /// Meets the stays of one place with its periods `from..to`.
    fn sweep_place(&self, from: usize, to: usize, met: &mut impl FnMut(Meeting)) {
        let e = self.engine;
        let periods = &self.periods[from..to];
        let place = periods[0].place;
        let rule = e.rule(place);
        let span = e.span(place);
        let p = place as usize;
        if p + 1 < e.place_off.len() {
            let (lo, hi) = (e.place_off[p] as usize, e.place_off[p + 1] as usize);
            let starts = &e.start[lo..hi];
            let ends = &e.end[lo..hi];
            let persons = &e.person[lo..hi];
            let mut pos = 0;
            // Stays come in start order, so the first period a stay can reach only moves on.
            let mut next = 0;
            for period in periods {
                let (scan_from, scan_to) = scan(rule, self.window, span, period.a, period.b);
                if pos < starts.len() && starts[pos] < scan_from {
                    pos += starts[pos..].partition_point(|s| *s < scan_from);
                }
                while pos < starts.len() && starts[pos] <= scan_to {
                    let (ks, ke) = (starts[pos], ends[pos] & MASK);
                    let (qlo, qhi) = reach(rule, self.window, ks, ke);
                    while next < periods.len() && periods[next].b < qlo {
                        next += 1;
                    }
                    self.meet(from, next, persons[pos], ks, ke, qhi, met);
                    pos += 1;
                }
            }
        }
        if let Some(list) = e.delta_place.get(&place) {
            for d in list {
                let s = e.delta[*d as usize];
                let (ks, ke) = (s.start, s.end & MASK);
                let (qlo, qhi) = reach(rule, self.window, ks, ke);
                let first = periods.partition_point(|m| m.b < qlo);
                self.meet(from, first, s.person, ks, ke, qhi, met);
            }
        }
    }

    /// Reports the meetings of a stay `[ks, ke]` reaching up to `qhi` with the periods from
    /// `from + first` on (those before end before its reach).
    #[allow(clippy::too_many_arguments)]
    fn meet(
        &self,
        from: usize,
        first: usize,
        person: u32,
        ks: u32,
        ke: u32,
        qhi: u32,
        met: &mut impl FnMut(Meeting),
    ) {
        for (i, m) in self.periods[from + first..].iter().enumerate() {
            if m.a > qhi || m.place != self.periods[from].place {
                break;
            }
            met(Meeting {
                person,
                ks,
                ke,
                period: (from + first + i) as u32,
            });
        }
    }

    /// The minutes a meeting's stay overlapped the period.
    pub fn minutes(&self, m: &Meeting) -> u32 {
        let p = &self.periods[m.period as usize];
        m.ke.min(p.b).saturating_sub(m.ks.max(p.a))
    }

    /// The earliest a meeting's exposure can begin: both present.
    pub fn not_before(&self, m: &Meeting) -> u32 {
        m.ks.max(self.periods[m.period as usize].a)
    }

    /// The exposure a meeting gives: (source, later arrival, earlier departure or the arrival)
    /// of the earliest-arriving source of the period that the stay meets.
    pub fn exposure(&self, m: &Meeting) -> (u32, u32, u32) {
        let period = &self.periods[m.period as usize];
        let rule = self.engine.rule(period.place);
        let (qlo, _) = reach(rule, self.window, m.ks, m.ke);
        let (from, to) = (period.from as usize, period.to as usize);
        let i = from + self.reach_end[from..to].partition_point(|e| *e < qlo);
        let s = self.sources[i.min(to - 1)];
        let first = m.ks.max(s.start);
        (s.person, first, m.ke.min(s.end).max(first))
    }
}
