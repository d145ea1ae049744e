//! `GET /v1/meetings/nearby`, `GET /v1/meetings/upcoming` and `GET /v1/meetings/{id}/occurrences`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::cache::cached_json;
use super::meetings::{FilterParams, common_filters};
use super::params::ParamErrors;
use super::problem::{ApiError, Problem};
use super::search_dto::{
    NearbyResponse, OccurrenceListResponse, OccurrenceResponse, SearchQueryEcho, SearchResult, UpcomingResponse,
};
use crate::domain::geo::Coordinates;
use crate::domain::ids::MeetingId;
use crate::domain::index::SortOrder;
use crate::service::Lantern;
use crate::service::query::CommonFilters;
use crate::service::search::{NearbySearch, SearchAnswer, UpcomingSearch};

/// The largest `limit` of a search.
pub const MAX_SEARCH_LIMIT: usize = 200;
/// The default `limit` of a search.
pub const DEFAULT_SEARCH_LIMIT: usize = 20;

/// Parameters of `GET /v1/meetings/nearby` besides the filters. Only meetings with coordinates take part.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct NearbyParams {
    /// Latitude, −90…90 (required).
    #[param(value_type = f64, required = true)]
    lat: Option<String>,
    /// Longitude, −180…180 (required).
    #[param(value_type = f64, required = true)]
    lon: Option<String>,
    /// Great-circle radius in km, 0–20016 (default 50).
    #[param(value_type = Option<f64>)]
    radius_km: Option<String>,
    /// `distance` (default: distance, then id) or `start` (start, then distance, then id).
    sort: Option<String>,
}

/// The time window and page size every search takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct WindowParams {
    /// RFC 3339 instant to answer for (default now; an `upcoming` cursor pins it).
    at: Option<String>,
    /// Minutes ahead, 0–10080 (default 120).
    #[param(value_type = Option<u32>)]
    starting_within: Option<String>,
    /// Also report meetings running at `at` (default false).
    #[param(value_type = Option<bool>)]
    include_in_progress: Option<String>,
    /// 1–200 (default 20).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
}

/// The nearest meetings starting soon.
#[utoipa::path(
    tag = "search",
    params(NearbyParams, WindowParams, FilterParams),
    responses(
        (status = 200, body = NearbyResponse, description = "Matching meetings, nearest first (or soonest with sort=start)"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters"),
    )
)]
#[get("/meetings/nearby")]
pub async fn nearby(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    params: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = &*params;
    let mut e = ParamErrors::default();
    let lat = e.number("lat", p.get("lat"), None, -90.0, 90.0);
    let lon = e.number("lon", p.get("lon"), None, -180.0, 180.0);
    let radius_km = e.number("radius_km", p.get("radius_km"), Some(50.0), 0.0, 20016.0);
    let (at, window_minutes, include_in_progress, limit) = window(&mut e, p);
    let sort = sort(&mut e, p.get("sort"));
    let filters = common_filters(&mut e, p);
    e.finish().map_err(ApiError::invalid_query)?;
    // `number` has range-checked both, so this only fails if that check is ever loosened.
    let point =
        Coordinates::new(lat, lon).map_err(|err| ApiError::invalid_query([("lat".to_owned(), vec![err.0])].into()))?;
    let search = NearbySearch { point, radius_km, at, window_minutes, include_in_progress, limit, sort, filters };
    let answer = lantern.search_nearby(&search)?;
    let query = SearchQueryEcho {
        lat: Some(lat),
        lon: Some(lon),
        radius_km: Some(radius_km),
        ..echo(&answer, &search.filters, window_minutes, include_in_progress, limit, sort)
    };
    let results = answer.hits.iter().map(|h| SearchResult::new(h, answer.at, true)).collect();
    cached_json(&req, &NearbyResponse { results, query }, max_age(at.is_some()))
}

/// Parses `at`, `starting_within`, `include_in_progress` and `limit`.
fn window(e: &mut ParamErrors, p: &HashMap<String, String>) -> (Option<DateTime<Utc>>, u32, bool, usize) {
    (
        e.instant("at", p.get("at")),
        e.integer("starting_within", p.get("starting_within"), 120, 0, 10080),
        e.boolean("include_in_progress", p.get("include_in_progress"), false),
        e.limit(p.get("limit"), DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT),
    )
}

fn sort(e: &mut ParamErrors, value: Option<&String>) -> SortOrder {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None | Some("distance") => SortOrder::Distance,
        Some("start") => SortOrder::Start,
        Some(other) => {
            e.push("sort", format!("must be `distance` or `start`, got `{other}`"));
            SortOrder::Distance
        }
    }
}

/// A search pinned to an instant can be cached longer than one that means "now".
fn max_age(given_at: bool) -> u32 {
    if given_at { 300 } else { 60 }
}

fn strings<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

fn echo(
    answer: &SearchAnswer,
    f: &CommonFilters,
    window: u32,
    running: bool,
    limit: usize,
    sort: SortOrder,
) -> SearchQueryEcho {
    SearchQueryEcho {
        lat: None,
        lon: None,
        radius_km: None,
        at: super::dto::instant(answer.at),
        starting_within: window,
        include_in_progress: running,
        limit,
        sort: match sort {
            SortOrder::Distance => "distance".into(),
            SortOrder::Start => "start".into(),
        },
        fellowship: strings(&f.fellowships),
        types: strings(&f.types),
        exclude_types: strings(&f.exclude_types),
        attendance: answer.attendance.iter().map(|a| a.name().to_owned()).collect(),
        language: strings(&f.languages),
        service_body: f.service_bodies.iter().map(|b| b.get()).collect(),
    }
}

/// Parameters of `GET /v1/meetings/upcoming` besides the filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct UpcomingParams {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Meetings anywhere in the world starting soon, for joining from a phone.
#[utoipa::path(
    tag = "search",
    params(UpcomingParams, WindowParams, FilterParams),
    responses(
        (status = 200, body = UpcomingResponse, description = "Matching meetings by start, then id"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters"),
    )
)]
#[get("/meetings/upcoming")]
pub async fn upcoming(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    params: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let p = &*params;
    let mut e = ParamErrors::default();
    let cursor = p.get("cursor").filter(|c| !c.is_empty()).map(|c| decode_upcoming_cursor(c).ok_or(()));
    if let Some(Err(())) = cursor {
        e.push("cursor", "is not a cursor this API issued");
    }
    let cursor = cursor.and_then(Result::ok);
    let (at, window_minutes, include_in_progress, limit) = window(&mut e, p);
    let filters = common_filters(&mut e, p);
    e.finish().map_err(ApiError::invalid_query)?;
    let at = cursor.map(|c| c.0).or(at);
    let after = cursor.map(|c| (c.1, c.2));
    let search = UpcomingSearch { at, window_minutes, include_in_progress, limit, after, filters };
    let answer = lantern.search_upcoming(&search)?;
    let next_cursor = if answer.more {
        answer.hits.last().map(|h| encode_upcoming_cursor(answer.at, h.occurrence.start, h.meeting.id))
    } else {
        None
    };
    let query = echo(&answer, &search.filters, window_minutes, include_in_progress, limit, SortOrder::Start);
    let results = answer.hits.iter().map(|h| SearchResult::new(h, answer.at, false)).collect();
    cached_json(&req, &UpcomingResponse { results, next_cursor, query }, max_age(at.is_some()))
}

fn encode_upcoming_cursor(at: DateTime<Utc>, start: DateTime<Utc>, id: MeetingId) -> String {
    format!("u{:x}.{:x}.{:x}", at.timestamp(), start.timestamp(), id.get())
}

fn decode_upcoming_cursor(raw: &str) -> Option<(DateTime<Utc>, DateTime<Utc>, MeetingId)> {
    let mut parts = raw.strip_prefix('u')?.split('.');
    let mut next = || i64::from_str_radix(parts.next()?, 16).ok();
    let (at, start, id) = (next()?, next()?, next()?);
    Some((DateTime::from_timestamp(at, 0)?, DateTime::from_timestamp(start, 0)?, MeetingId::new(id).ok()?))
}

/// Parameters of `GET /v1/meetings/{id}/occurrences`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct OccurrenceParams {
    /// RFC 3339 start of the range (default now).
    from: Option<String>,
    /// RFC 3339 end of the range (default 30 days after `from`; at most 366 days after it).
    to: Option<String>,
}

/// The concrete sessions of one meeting in a range, in UTC and local time.
#[utoipa::path(
    tag = "search",
    params(("id" = i64, Path, description = "Meeting id"), OccurrenceParams),
    responses(
        (status = 200, body = OccurrenceListResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad range"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting"),
    )
)]
#[get("/meetings/{id}/occurrences")]
pub async fn occurrences(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
    params: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let id: MeetingId = id.parse().map_err(|_| ApiError::NotFound(format!("there is no meeting `{id}`")))?;
    let mut e = ParamErrors::default();
    let (from, to) = (e.instant("from", params.get("from")), e.instant("to", params.get("to")));
    e.finish().map_err(ApiError::invalid_query)?;
    let given = from.is_some();
    let list = lantern.occurrences(id, from, to)?;
    let body = OccurrenceListResponse {
        meeting_id: list.meeting.id.get(),
        time_zone: list.meeting.data.schedule.as_ref().map(|s| s.time_zone.name().to_owned()),
        from: super::dto::instant(list.from),
        to: super::dto::instant(list.to),
        results: list.occurrences.iter().map(|o| OccurrenceResponse::new(o, &list.meeting)).collect(),
    };
    cached_json(&req, &body, max_age(given))
}
