//! Bodies of the search endpoints: one result per meeting with the occurrence it reports, and the
//! effective query echoed back.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::index::Hit;
use crate::domain::meeting::Meeting;
use crate::domain::occurrence::{Occurrence, starts_in_minutes};
use crate::http::meetings::json::{MeetingResponse, instant};
use crate::http::meetings::view::{FieldSet, MeetingView};

/// A meeting and the one occurrence the search reports for it.
#[derive(Serialize, ToSchema)]
pub struct SearchResult<'a> {
    /// The meeting, as `GET /v1/meetings/{id}` shows it (only `id` and the `fields` asked for,
    /// when `fields` is given). Written from the snapshot without copying.
    #[schema(schema_with = search_meeting)]
    pub meeting: MeetingView<'a>,
    /// Great-circle distance in km, to the metre (`null` for searches without a place).
    pub distance_km: Option<f64>,
    /// Start of the reported occurrence (of the running one when `in_progress`), UTC.
    #[schema(example = "2026-03-08T07:30:00Z")]
    pub next_start: String,
    /// The same instant in the meeting's zone.
    #[schema(example = "2026-03-08T03:30:00-04:00")]
    pub local_start: String,
    /// Whole minutes from `at` to the start, rounded down; negative while running.
    pub starts_in_minutes: i64,
    /// Whether the reported occurrence is running at `at`.
    pub in_progress: bool,
    /// Start plus duration, UTC.
    pub ends_at: String,
    /// The same instant in the meeting's zone.
    pub local_end: String,
}

/// A meeting's schema as `MeetingResponse` states it, but with only `id` required: with `fields`,
/// a result holds `id` and the fields asked for; without it, every field.
fn search_meeting() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::{RefOr, Schema};
    match <MeetingResponse as utoipa::PartialSchema>::schema() {
        RefOr::T(Schema::Object(mut object)) => {
            object.required = vec!["id".to_owned()];
            object.description = Some("A meeting: every field, or with `fields` only `id` and those.".to_owned());
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

/// Renders an instant in a meeting's zone with its offset.
pub fn local(t: DateTime<Utc>, meeting: &Meeting) -> String {
    match meeting.data.schedule.as_ref() {
        Some(s) => t.with_timezone(&s.time_zone.tz()).to_rfc3339_opts(SecondsFormat::Secs, false),
        None => instant(t),
    }
}

impl<'a> SearchResult<'a> {
    /// The result for a hit found at `at`, its meeting with `fields`; `with_distance` for searches
    /// from a place.
    pub fn new(hit: &'a Hit, at: DateTime<Utc>, with_distance: bool, fields: FieldSet) -> Self {
        let Occurrence { start, end, .. } = hit.occurrence;
        let meeting = hit.meeting.as_ref();
        Self {
            meeting: MeetingView::only(meeting, false, fields),
            distance_km: with_distance.then(|| (hit.distance_km * 1000.0).round() / 1000.0),
            next_start: instant(start),
            local_start: local(start, meeting),
            starts_in_minutes: starts_in_minutes(start, at),
            in_progress: hit.occurrence.is_running(at),
            ends_at: instant(end),
            local_end: local(end, meeting),
        }
    }
}

/// The effective parameters of a search, defaults filled in and `at` resolved.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchQueryEcho {
    /// Latitude searched from (`null` for upcoming).
    pub lat: Option<f64>,
    /// Longitude searched from (`null` for upcoming).
    pub lon: Option<f64>,
    /// Radius in km (`null` for upcoming).
    pub radius_km: Option<f64>,
    /// The instant the search answers for, UTC.
    pub at: String,
    /// Minutes ahead.
    pub starting_within: u32,
    /// Whether running meetings are reported.
    pub include_in_progress: bool,
    /// Page size.
    pub limit: usize,
    /// `distance` or `start`.
    pub sort: super::Sort,
    /// Fellowship codes (any).
    pub fellowship: Vec<String>,
    /// Type codes (all).
    pub types: Vec<String>,
    /// Type codes (none of).
    pub exclude_types: Vec<String>,
    /// Attendance options (any).
    pub attendance: Vec<String>,
    /// Languages (any).
    pub language: Vec<String>,
    /// Service body ids (any, with descendants).
    pub service_body: Vec<i64>,
    /// The meeting fields asked for, `id` included, in the meeting's order (a search never shows
    /// `contacts` or `published`, even when named); absent when `fields` was not given (all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<&'static str>>,
}

/// The answer of `GET /v1/meetings/nearby`.
#[derive(Serialize, ToSchema)]
pub struct NearbyResponse<'a> {
    /// Matching meetings in the chosen order, at most `limit`.
    pub results: Vec<SearchResult<'a>>,
    /// The effective query.
    pub query: SearchQueryEcho,
}

/// The answer of `GET /v1/meetings/upcoming`.
#[derive(Serialize, ToSchema)]
pub struct UpcomingResponse<'a> {
    /// Matching meetings by start, then id.
    pub results: Vec<SearchResult<'a>>,
    /// Pass as `cursor` with the same filters for the next page (it pins `at`); `null` at the end.
    pub next_cursor: Option<String>,
    /// The effective query.
    pub query: SearchQueryEcho,
}

/// One occurrence of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceResponse {
    /// Start, UTC.
    pub start: String,
    /// End, UTC.
    pub end: String,
    /// Start in the meeting's zone.
    pub local_start: String,
    /// End in the meeting's zone.
    pub local_end: String,
    /// The local date it is scheduled on.
    pub local_date: String,
}

/// The answer of `GET /v1/meetings/{id}/occurrences`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceListResponse {
    /// The meeting's id.
    pub meeting_id: i64,
    /// Its zone (`null` by appointment).
    pub time_zone: Option<String>,
    /// Start of the range, UTC.
    pub from: String,
    /// End of the range, UTC.
    pub to: String,
    /// Occurrences starting in the range, in order.
    pub results: Vec<OccurrenceResponse>,
}

impl OccurrenceResponse {
    /// Renders one occurrence of a meeting.
    pub fn new(o: &Occurrence, meeting: &Meeting) -> Self {
        Self {
            start: instant(o.start),
            end: instant(o.end),
            local_start: local(o.start, meeting),
            local_end: local(o.end, meeting),
            local_date: o.local_date.to_string(),
        }
    }
}
