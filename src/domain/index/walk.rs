//! The parts of a search the index runs per query: merging the trees' distance-ordered walks,
//! the per-query zone offsets behind the cheap start-time prefilter, and ordering the hits.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::{Entry, Hit, Item, SortOrder, TimeWindow};
use crate::domain::filter::MeetingFilter;
use crate::domain::occurrence::reported_occurrence;
use crate::domain::weekmask::offsets_around;

/// Several distance-ordered walks merged into one distance-ordered walk.
pub(super) struct Merged<I: Iterator>(pub(super) Vec<std::iter::Peekable<I>>);

impl<'a, I: Iterator<Item = (&'a Item, f64)>> Iterator for Merged<I> {
    type Item = (&'a Item, f64);

    fn next(&mut self) -> Option<Self::Item> {
        let nearest = self
            .0
            .iter_mut()
            .enumerate()
            .filter_map(|(i, walk)| walk.peek().map(|(_, d2)| (i, *d2)))
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        self.0[nearest.0].next()
    }
}

/// The state of one search's walk through one or more trees.
pub(super) struct Walk {
    pub(super) hits: Vec<Hit>,
    pub(super) seen: Vec<u32>,
    pub(super) zones: ZoneOffsets,
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

    /// The cheap superset test: could the meeting start in the window (or run at its start)?
    pub(super) fn plausible(&mut self, entry: &Entry, time: &TimeWindow) -> bool {
        let zone = entry.starts.zone();
        let offsets = match self.known.iter().find(|(z, _)| *z == zone) {
            Some((_, offsets)) => *offsets,
            None => {
                let offsets = offsets_around(zone, self.from, self.to);
                self.known.push((zone, offsets));
                offsets
            }
        };
        entry.starts.may_start(time.at, i64::from(time.window_minutes), time.include_in_progress, offsets)
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
