//! The "starting soon" use cases: nearby, upcoming worldwide, and one meeting's occurrences.

use chrono::{DateTime, Duration, Utc};

use super::Lantern;
use super::error::{FieldErrors, ServiceError, push_error};
use super::query::CommonFilters;
use crate::domain::geo::Coordinates;
use crate::domain::ids::MeetingId;
use crate::domain::index::{Hit, NearbyQuery, SortOrder, TimeWindow};
use crate::domain::meeting::{Attendance, Meeting};
use crate::domain::occurrence::{Occurrence, occurrences_between};

/// The longest range `occurrences` answers, in days.
pub const MAX_OCCURRENCE_DAYS: i64 = 366;

/// A nearby search as the caller asked it; `at` is `None` for "now".
#[derive(Debug, Clone)]
pub struct NearbySearch {
    /// Where.
    pub point: Coordinates,
    /// How far, in km.
    pub radius_km: f64,
    /// When; `None` for now.
    pub at: Option<DateTime<Utc>>,
    /// Starting within this many minutes.
    pub window_minutes: u32,
    /// Report meetings in progress.
    pub include_in_progress: bool,
    /// At most this many results.
    pub limit: usize,
    /// Order.
    pub sort: SortOrder,
    /// Shared filters; an empty attendance means in person or hybrid.
    pub filters: CommonFilters,
}

/// An upcoming search: no place, ordered by start then id, resumable after a (start, id).
#[derive(Debug, Clone)]
pub struct UpcomingSearch {
    /// When; `None` for now.
    pub at: Option<DateTime<Utc>>,
    /// Starting within this many minutes.
    pub window_minutes: u32,
    /// Report meetings in progress.
    pub include_in_progress: bool,
    /// Page size.
    pub limit: usize,
    /// Continue after this (start, raw id; 0 is before every meeting).
    pub after: Option<(DateTime<Utc>, i64)>,
    /// Shared filters; an empty attendance means online.
    pub filters: CommonFilters,
}

/// Results with the instant they were computed for.
#[derive(Debug, Clone)]
pub struct SearchAnswer {
    /// The resolved `at`.
    pub at: DateTime<Utc>,
    /// The attendance filter in effect.
    pub attendance: Vec<Attendance>,
    /// The hits.
    pub hits: Vec<Hit>,
    /// For upcoming: more may follow this page.
    pub more: bool,
}

/// One meeting's occurrences in a resolved range.
#[derive(Debug, Clone)]
pub struct OccurrenceList {
    /// The meeting.
    pub meeting: std::sync::Arc<Meeting>,
    /// Start of the range.
    pub from: DateTime<Utc>,
    /// End of the range.
    pub to: DateTime<Utc>,
    /// Occurrences starting in it, in order.
    pub occurrences: Vec<Occurrence>,
}

impl Lantern {
    fn resolve_at(&self, at: Option<DateTime<Utc>>) -> DateTime<Utc> {
        at.unwrap_or_else(|| self.clock().now())
    }

    /// The nearest matching meetings starting soon (or running).
    pub fn search_nearby(&self, search: &NearbySearch) -> Result<SearchAnswer, ServiceError> {
        let directory = self.directory();
        let mut filters = search.filters.clone();
        if filters.attendance.is_empty() {
            filters.attendance = vec![Attendance::InPerson, Attendance::Hybrid];
        }
        let attendance = filters.attendance.clone();
        let filter = self.resolve_filters(&directory, filters)?;
        let at = self.resolve_at(search.at);
        let query = NearbyQuery {
            point: search.point,
            radius_km: search.radius_km,
            time: TimeWindow {
                at,
                window_minutes: search.window_minutes,
                include_in_progress: search.include_in_progress,
            },
            filter,
            sort: search.sort,
            limit: search.limit,
        };
        #[cfg(feature = "baseline")]
        if self.scan_search {
            let hits = crate::domain::directory::scan::DirectoryScan(&directory).nearby(&query);
            return Ok(SearchAnswer { at, attendance, hits, more: false });
        }
        let hits = directory.nearby(&query);
        Ok(SearchAnswer { at, attendance, hits, more: false })
    }

    /// Matching meetings anywhere starting soon, by start then id, one page at a time.
    pub fn search_upcoming(&self, search: &UpcomingSearch) -> Result<SearchAnswer, ServiceError> {
        let directory = self.directory();
        let mut filters = search.filters.clone();
        if filters.attendance.is_empty() {
            filters.attendance = vec![Attendance::Online];
        }
        let attendance = filters.attendance.clone();
        let filter = self.resolve_filters(&directory, filters)?;
        let at = self.resolve_at(search.at);
        let time =
            TimeWindow { at, window_minutes: search.window_minutes, include_in_progress: search.include_in_progress };
        let mut hits: Vec<Hit> = directory
            .upcoming(&time, &filter)
            .into_iter()
            .filter(|h| search.after.is_none_or(|after| (h.occurrence.start, h.meeting.id.get()) > after))
            .take(search.limit + 1)
            .collect();
        let more = hits.len() > search.limit;
        hits.truncate(search.limit);
        Ok(SearchAnswer { at, attendance, hits, more })
    }

    /// A published meeting's occurrences starting in `[from, to]` (at most 366 days; `from` defaults
    /// to now and `to` to 30 days after `from`).
    pub fn occurrences(
        &self,
        id: MeetingId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<OccurrenceList, ServiceError> {
        let meeting = self.meeting(id)?;
        let from = self.resolve_at(from);
        let to = to.unwrap_or(from + Duration::days(30));
        let mut errors = FieldErrors::new();
        if to < from {
            push_error(&mut errors, "to", "must not be before `from`");
        } else if to - from > Duration::days(MAX_OCCURRENCE_DAYS) {
            push_error(&mut errors, "to", format!("the range may span at most {MAX_OCCURRENCE_DAYS} days"));
        }
        if !errors.is_empty() {
            return Err(ServiceError::InvalidQuery(errors));
        }
        let occurrences = occurrences_between(&meeting.data, from, to);
        Ok(OccurrenceList { meeting, from, to, occurrences })
    }
}
