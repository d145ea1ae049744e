//! The parts of a search the index runs per query: the bound a walk through the trees keeps,
//! the per-query zone offsets behind the cheap start-time prefilter, and ordering the hits.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::{Entry, Hit, NearbyQuery, SortOrder, TimeWindow};
use crate::domain::filter::MeetingFilter;
use crate::domain::geo::chord_squared;
use crate::domain::occurrence::reported_occurrence;
use crate::domain::weekmask::{may_start_at, offsets_around};

/// The state of one search's walk through one or more trees.
pub(super) struct Walk {
    pub(super) hits: Vec<Hit>,
    pub(super) seen: Vec<u32>,
    pub(super) zones: ZoneOffsets,
    /// The query point's unit vector, in double precision (hits are measured with it).
    pub(super) target: [f64; 3],
    /// The nearest `limit` hits' squared chords, ascending (searches by distance only).
    nearest: Vec<f64>,
    limit: usize,
    by_distance: bool,
    bound: f64,
    reach: f64,
}

impl Walk {
    /// A walk for `query`, whose point's unit vector is `target`.
    pub(super) fn new(query: &NearbyQuery, target: [f64; 3]) -> Self {
        let mut walk = Self {
            hits: Vec::new(),
            seen: Vec::new(),
            zones: ZoneOffsets::new(&query.time),
            target,
            nearest: Vec::new(),
            limit: query.limit,
            by_distance: query.sort == SortOrder::Distance,
            bound: 0.0,
            reach: 0.0,
        };
        walk.set_bound(tolerant(chord_squared(query.radius_km)));
        walk
    }

    /// Squared chords, computed in single precision from the trees' points, above which nothing
    /// can change the answer: the exact bound plus a margin several times the rounding of unit
    /// vectors to f32 (under 1.2e-7 in the chord) and of the arithmetic (under 2.4e-7 relative).
    pub(super) fn reach(&self) -> f64 {
        self.reach
    }

    fn set_bound(&mut self, bound: f64) {
        self.bound = bound;
        self.reach = bound + 1e-6 * bound.sqrt() + 1e-6 * bound + 1e-12;
    }

    /// Keeps a hit at squared chord `d2`; once a search by distance has `limit` hits, the bound
    /// shrinks to the `limit`-th nearest (widened by the tolerance, so ties still break by id).
    pub(super) fn hit(&mut self, hit: Hit, d2: f64) {
        self.hits.push(hit);
        if !self.by_distance || self.limit == 0 {
            return;
        }
        let at = self.nearest.partition_point(|x| *x <= d2);
        if at < self.limit {
            self.nearest.insert(at, d2);
            self.nearest.truncate(self.limit);
            if let (true, Some(kth)) = (self.nearest.len() == self.limit, self.nearest.last()) {
                let bound = self.bound.min(tolerant(*kth));
                self.set_bound(bound);
            }
        }
    }
}

/// A squared chord widened by the float tolerance within which two meetings count as equally far:
/// the chord and the haversine distance are computed differently, so a candidate this close to a
/// bound is still checked, and the id decides.
fn tolerant(d2: f64) -> f64 {
    d2 * (1.0 + 1e-9) + 1e-15
}

/// The offsets each zone uses around one query's window, computed once per zone per query.
pub(super) struct ZoneOffsets {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    known: Vec<(Tz, (i64, i64))>,
}

impl ZoneOffsets {
    pub(super) fn new(time: &TimeWindow) -> Self {
        let back = if time.include_in_progress { Duration::days(1) } else { Duration::zero() };
        Self {
            from: time.at - back,
            to: time.at + Duration::minutes(i64::from(time.window_minutes)),
            known: Vec::new(),
        }
    }

    fn offsets(&mut self, zone: Tz) -> (i64, i64) {
        match self.known.iter().find(|(z, _)| *z == zone) {
            Some((_, offsets)) => *offsets,
            None => {
                let offsets = offsets_around(zone, self.from, self.to);
                self.known.push((zone, offsets));
                offsets
            }
        }
    }

    /// The cheap superset test: could the meeting start in the window (or run at its start)?
    pub(super) fn plausible(&mut self, entry: &Entry, time: &TimeWindow) -> bool {
        let offsets = self.offsets(entry.starts.zone());
        entry.starts.may_start(time.at, i64::from(time.window_minutes), time.include_in_progress, offsets)
    }

    /// The same test for one start at local minute of the week `local_start` in `zone`, not running.
    pub(super) fn may_start_at(&mut self, zone: Tz, local_start: u16, time: &TimeWindow) -> bool {
        let offsets = self.offsets(zone);
        may_start_at(i64::from(local_start), time.at, i64::from(time.window_minutes), 0, offsets)
    }
}

/// The matching meetings among `entries` with an occurrence in the window, by start then id; with
/// `zones`, only those passing the prefilter are checked exactly.
pub(super) fn upcoming_among<'a>(
    entries: impl Iterator<Item = &'a Entry>,
    time: &TimeWindow,
    filter: &MeetingFilter,
    mut zones: Option<&mut ZoneOffsets>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = entries
        .filter(|e| filter.matches_meeting(&e.meeting))
        .filter(|e| zones.as_deref_mut().is_none_or(|z| z.plausible(e, time)))
        .filter_map(|entry| {
            let t = time;
            let occurrence = reported_occurrence(&entry.meeting.data, t.at, t.window_minutes, t.include_in_progress)?;
            Some(Hit { meeting: Arc::clone(&entry.meeting), distance_km: 0.0, occurrence })
        })
        .collect();
    sort_by_start(&mut hits);
    hits
}

/// Orders upcoming hits: by the reported occurrence's start, then id.
pub fn sort_by_start(hits: &mut [Hit]) {
    hits.sort_by(|a, b| a.occurrence.start.cmp(&b.occurrence.start).then(a.meeting.id.cmp(&b.meeting.id)));
}

/// Two answers to the same query (from disjoint sets of meetings) as one.
pub fn merge_hits(mut a: Vec<Hit>, b: Vec<Hit>, sort: SortOrder, limit: usize) -> Vec<Hit> {
    if b.is_empty() {
        return a;
    }
    a.extend(b);
    finish(a, sort, limit)
}

pub(super) fn finish(mut hits: Vec<Hit>, sort: SortOrder, limit: usize) -> Vec<Hit> {
    let by_distance = |a: &Hit, b: &Hit| a.distance_km.total_cmp(&b.distance_km).then(a.meeting.id.cmp(&b.meeting.id));
    match sort {
        SortOrder::Distance => hits.sort_by(by_distance),
        SortOrder::Start => {
            hits.sort_by(|a, b| a.occurrence.start.cmp(&b.occurrence.start).then_with(|| by_distance(a, b)))
        }
    }
    hits.truncate(limit);
    hits
}
