//! `GET /v1/meetings/nearby`, `GET /v1/meetings/upcoming` and `GET /v1/meetings/{id}/occurrences`.

pub mod json;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use utoipa::IntoParams;

use super::extract::cache::cached_json;
use super::extract::params::{Instant, Latitude, Longitude, RadiusKm, SearchLimit, WindowMinutes};
use super::extract::path::{MeetingPath, Path};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use super::meetings::FilterParams;
use super::meetings::view::FieldSet;
use crate::domain::geo::Coordinates;
use crate::domain::index::SortOrder;
use crate::service::Lantern;
use crate::service::query::CommonFilters;
use crate::service::search::{NearbySearch, SearchAnswer, UpcomingSearch};
use json::{
    NearbyResponse, OccurrenceListResponse, OccurrenceResponse, SearchQueryEcho, SearchResult, UpcomingResponse,
};

/// The order of nearby results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Distance, then id.
    #[default]
    Distance,
    /// Start of the reported occurrence, then distance, then id.
    Start,
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "distance" => Ok(Sort::Distance),
            "start" => Ok(Sort::Start),
            other => Err(format!("must be `distance` or `start`, got `{other}`")),
        }
    }
}

impl utoipa::PartialSchema for Sort {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["distance", "start"]))
            .default(Some(serde_json::json!("distance")))
            .into()
    }
}

impl utoipa::ToSchema for Sort {}

impl From<Sort> for SortOrder {
    fn from(s: Sort) -> Self {
        match s {
            Sort::Distance => SortOrder::Distance,
            Sort::Start => SortOrder::Start,
        }
    }
}

/// Where a nearby search looks. Only meetings with coordinates take part.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceParams {
    /// Latitude of the place, WGS84 degrees.
    #[param(inline)]
    pub lat: Latitude,
    /// Longitude of the place, WGS84 degrees.
    #[param(inline)]
    pub lon: Longitude,
    /// Great-circle radius in km.
    #[param(inline, required = false)]
    pub radius_km: RadiusKm,
    /// `distance` (distance, then id) or `start` (start, then distance, then id).
    #[param(inline, required = false)]
    pub sort: Sort,
}

impl FromQuery for PlaceParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            lat: q.required("lat"),
            lon: q.required("lon"),
            radius_km: q.or_default("radius_km"),
            sort: q.or_default("sort"),
        }
    }
}

/// The time window and page size every search takes.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowParams {
    /// RFC 3339 instant to answer for (default now; an `upcoming` cursor pins it).
    #[param(inline)]
    pub at: Option<Instant>,
    /// Minutes ahead.
    #[param(inline, required = false)]
    pub starting_within: WindowMinutes,
    /// Also report meetings running at `at`.
    #[param(required = false, default = false)]
    pub include_in_progress: bool,
    /// Page size.
    #[param(inline, required = false)]
    pub limit: SearchLimit,
}

impl FromQuery for WindowParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            at: q.optional("at"),
            starting_within: q.or_default("starting_within"),
            include_in_progress: q.or_default("include_in_progress"),
            limit: q.or_default("limit"),
        }
    }
}

/// The shape of each result.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShapeParams {
    /// Only these meeting fields in each result's `meeting` (comma-separated; `id` always): a
    /// compact answer for a phone, e.g. `fields=name,location,online`. Default: the whole meeting.
    #[param(value_type = Option<String>, pattern = "^(id|slug|name|fellowship|service_body_id|external_id|attendance|schedule|location|online|types|languages|notes|group_name|website|closures|created_at|updated_at|version|contacts|published)(,(id|slug|name|fellowship|service_body_id|external_id|attendance|schedule|location|online|types|languages|notes|group_name|website|closures|created_at|updated_at|version|contacts|published))*$")]
    pub fields: Option<FieldSet>,
}

impl FromQuery for ShapeParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { fields: q.optional("fields") }
    }
}

crate::query_group!(
    /// Every parameter of `GET /v1/meetings/nearby`.
    pub struct NearbyQuery {
        place: PlaceParams,
        window: WindowParams,
        shape: ShapeParams,
        filters: FilterParams,
    }
);

/// The nearest meetings starting soon.
#[utoipa::path(
    tag = "search",
    params(NearbyQuery),
    responses(
        (status = 200, body = NearbyResponse, description = "Matching meetings, nearest first (or soonest with sort=start)"),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/meetings/nearby")]
pub async fn nearby(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<NearbyQuery>,
) -> Result<HttpResponse, ApiError> {
    let NearbyQuery { place, window, shape, filters } = query.0;
    let point = Coordinates::new(place.lat.get(), place.lon.get())
        .map_err(|err| ApiError::invalid_query([("lat".to_owned(), vec![err.0])].into()))?;
    let search = NearbySearch {
        point,
        radius_km: place.radius_km.get(),
        at: window.at.map(|t| t.0),
        window_minutes: window.starting_within.get(),
        include_in_progress: window.include_in_progress,
        limit: window.limit.get() as usize,
        sort: place.sort.into(),
        filters: filters.into(),
    };
    let answer = lantern.search_nearby(&search)?;
    let query = SearchQueryEcho {
        lat: Some(place.lat.get()),
        lon: Some(place.lon.get()),
        radius_km: Some(place.radius_km.get()),
        ..echo(&answer, &search.filters, &window, &shape, place.sort)
    };
    let fields = shape.fields.unwrap_or(FieldSet::ALL);
    let results = answer.hits.iter().map(|h| SearchResult::new(h, answer.at, true, fields)).collect();
    cached_json(&req, &NearbyResponse { results, query }, max_age(window.at.is_some()))
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
    window: &WindowParams,
    shape: &ShapeParams,
    sort: Sort,
) -> SearchQueryEcho {
    SearchQueryEcho {
        lat: None,
        lon: None,
        radius_km: None,
        at: super::meetings::json::instant(answer.at),
        starting_within: window.starting_within.get(),
        include_in_progress: window.include_in_progress,
        limit: window.limit.get() as usize,
        sort,
        fellowship: strings(&f.fellowships),
        types: strings(&f.types),
        exclude_types: strings(&f.exclude_types),
        attendance: answer.attendance.iter().map(|a| a.name().to_owned()).collect(),
        language: strings(&f.languages),
        service_body: f.service_bodies.iter().map(|b| b.get()).collect(),
        fields: shape.fields.map(FieldSet::names),
    }
}

/// Where a page of `upcoming` continues: the resolved `at`, then after this (start, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpcomingCursor {
    at: DateTime<Utc>,
    start: DateTime<Utc>,
    id: i64,
}

impl UpcomingCursor {
    fn encode(&self) -> String {
        format!("u{:x}.{:x}.{:x}", self.at.timestamp(), self.start.timestamp(), self.id)
    }
}

impl std::str::FromStr for UpcomingCursor {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        let parse = || {
            let mut parts = raw.strip_prefix('u')?.split('.');
            let mut next = || {
                let hex = parts.next().filter(|h| {
                    (1..=10).contains(&h.len()) && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                })?;
                i64::from_str_radix(hex, 16).ok()
            };
            let (at, start, id) = (next()?, next()?, next()?);
            parts.next().is_none().then_some(())?;
            Some(Self { at: DateTime::from_timestamp(at, 0)?, start: DateTime::from_timestamp(start, 0)?, id })
        };
        parse().ok_or_else(|| "is not a cursor this API issued".to_owned())
    }
}

impl utoipa::PartialSchema for UpcomingCursor {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^u[0-9a-f]{1,10}\.[0-9a-f]{1,10}\.[0-9a-f]{1,10}$"))
            .into()
    }
}

impl utoipa::ToSchema for UpcomingCursor {}

/// Parameters of `GET /v1/meetings/upcoming` besides the window and the filters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpcomingParams {
    /// `next_cursor` of the previous page (it pins `at`).
    #[param(inline)]
    pub cursor: Option<UpcomingCursor>,
}

impl FromQuery for UpcomingParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { cursor: q.optional("cursor") }
    }
}

crate::query_group!(
    /// Every parameter of `GET /v1/meetings/upcoming`.
    pub struct UpcomingQuery {
        page: UpcomingParams,
        window: WindowParams,
        shape: ShapeParams,
        filters: FilterParams,
    }
);

/// Meetings anywhere in the world starting soon, for joining from a phone.
#[utoipa::path(
    tag = "search",
    params(UpcomingQuery),
    responses(
        (status = 200, body = UpcomingResponse, description = "Matching meetings by start, then id"),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/meetings/upcoming")]
pub async fn upcoming(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<UpcomingQuery>,
) -> Result<HttpResponse, ApiError> {
    let UpcomingQuery { page, window, shape, filters } = query.0;
    let at = page.cursor.map(|c| c.at).or(window.at.map(|t| t.0));
    let search = UpcomingSearch {
        at,
        window_minutes: window.starting_within.get(),
        include_in_progress: window.include_in_progress,
        limit: window.limit.get() as usize,
        after: page.cursor.map(|c| (c.start, c.id)),
        filters: filters.into(),
    };
    let answer = lantern.search_upcoming(&search)?;
    let next_cursor = if answer.more {
        answer
            .hits
            .last()
            .map(|h| UpcomingCursor { at: answer.at, start: h.occurrence.start, id: h.meeting.id.get() }.encode())
    } else {
        None
    };
    let query = echo(&answer, &search.filters, &window, &shape, Sort::Start);
    let fields = shape.fields.unwrap_or(FieldSet::ALL);
    let results = answer.hits.iter().map(|h| SearchResult::new(h, answer.at, false, fields)).collect();
    cached_json(&req, &UpcomingResponse { results, next_cursor, query }, max_age(at.is_some()))
}

/// The range of `GET /v1/meetings/{id}/occurrences`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// RFC 3339 start of the range (default now).
    #[param(inline)]
    pub from: Option<Instant>,
    /// RFC 3339 end of the range (default 30 days after `from`; not before `from`, at most 366 days after it).
    #[param(inline)]
    pub to: Option<Instant>,
}

impl FromQuery for RangeParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { from: q.optional("from"), to: q.optional("to") }
    }
}

/// The concrete sessions of one meeting in a range, in UTC and local time.
#[utoipa::path(
    tag = "search",
    params(MeetingPath, RangeParams),
    responses(
        (status = 200, body = OccurrenceListResponse),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad range"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting"),
    )
)]
#[get("/meetings/{id}/occurrences")]
pub async fn occurrences(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
    query: Query<RangeParams>,
) -> Result<HttpResponse, ApiError> {
    let RangeParams { from, to } = query.0;
    let list = lantern.occurrences(path.0.id, from.map(|t| t.0), to.map(|t| t.0))?;
    let body = OccurrenceListResponse {
        meeting_id: list.meeting.id.get(),
        time_zone: list.meeting.data.schedule.as_ref().map(|s| s.time_zone.name().to_owned()),
        from: super::meetings::json::instant(list.from),
        to: super::meetings::json::instant(list.to),
        results: list.occurrences.iter().map(|o| OccurrenceResponse::new(o, &list.meeting)).collect(),
    };
    cached_json(&req, &body, max_age(from.is_some()))
}
