//! The brute-force baseline: the same answers as the index by checking every meeting, kept off
//! the index's own interface. Property tests hold the index to it; benchmarks print it beside the
//! index's figures.

use std::sync::Arc;

use super::walk::{finish, upcoming_among};
use super::{Hit, NearbyQuery, SearchIndex, TimeWindow};
use crate::domain::filter::MeetingFilter;
use crate::domain::occurrence::reported_occurrence;

/// A scan over every meeting of an index.
#[derive(Debug, Clone, Copy)]
pub struct Scan<'a>(pub &'a SearchIndex);

impl Scan<'_> {
    /// The upcoming answer by checking every meeting exactly, without the prefilter.
    pub fn upcoming(&self, time: &TimeWindow, filter: &MeetingFilter) -> Vec<Hit> {
        upcoming_among(self.0.entries.iter(), time, filter, None)
    }

    /// The nearby answer by measuring every meeting.
    pub fn nearby(&self, query: &NearbyQuery) -> Vec<Hit> {
        let hits = self
            .0
            .entries
            .iter()
            .filter_map(|entry| {
                let point = entry.meeting.data.coordinates()?;
                let distance_km = query.point.distance_km(point);
                if distance_km > query.radius_km || !query.filter.matches_meeting(&entry.meeting) {
                    return None;
                }
                let t = &query.time;
                let occurrence =
                    reported_occurrence(&entry.meeting.data, t.at, t.window_minutes, t.include_in_progress)?;
                Some(Hit { meeting: Arc::clone(&entry.meeting), distance_km, occurrence })
            })
            .collect();
        finish(hits, query.sort, query.limit)
    }
}
