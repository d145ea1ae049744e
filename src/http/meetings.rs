//! `GET /v1/meetings` and `GET /v1/meetings/{id}`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::{caller, version_tag};
use super::cache::{DIRECTORY_MAX_AGE, cached_json, tagged_json, vary_by_key};
use super::dto::{MeetingListResponse, MeetingResponse};
use super::params::{ParamErrors, encode_cursor};
use super::problem::{ApiError, Problem};
use crate::service::Lantern;
use crate::service::query::{CommonFilters, MeetingQuery, VisiblePage};

/// The largest `limit` of a meeting list.
pub const MAX_LIST_LIMIT: usize = 500;
/// The `limit` of a meeting list when none is given.
pub const DEFAULT_LIST_LIMIT: usize = 100;

/// The filters every meeting query takes. Lists are comma-separated; empty values count as absent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct FilterParams {
    /// Any of these fellowship codes (`aa,na`).
    fellowship: Option<String>,
    /// Any of these service body ids, each with its descendants.
    service_body: Option<String>,
    /// Has all of these type codes (`O,BE`).
    types: Option<String>,
    /// Has none of these type codes.
    exclude_types: Option<String>,
    /// Any of `in_person`, `hybrid`, `online`, `inactive` (`in_person` excludes hybrid). Default:
    /// all for lists, `in_person,hybrid` for nearby, `online` for upcoming.
    attendance: Option<String>,
    /// Any of these ISO 639-1 languages (`en,es`).
    language: Option<String>,
}

/// The other parameters of `GET /v1/meetings`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct ListMeetingsParams {
    /// Meets on any of these days (`monday,tuesday`).
    day: Option<String>,
    /// Case-insensitive text in name, location or notes.
    q: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat`; `min_lon > max_lon` crosses the antimeridian.
    bbox: Option<String>,
    /// RFC 3339 instant; meetings changed at or after it.
    updated_since: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Lists published meetings by ascending id, filtered, one page at a time. With a key, also the
/// unpublished meetings of its service bodies, with their private fields.
#[utoipa::path(
    tag = "meetings",
    params(FilterParams, ListMeetingsParams),
    security((), ("api_key" = [])),
    responses(
        (status = 200, body = MeetingListResponse, description = "One page of meetings"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "The key is unknown, revoked or expired"),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters"),
    )
)]
#[get("/meetings")]
pub async fn list_meetings(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    params: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = parse_list_query(&params).map_err(ApiError::invalid_query)?;
    let caller = caller(&req, &lantern).await?;
    let VisiblePage { page, private } = lantern.list_meetings(query, &caller)?;
    let results = page.meetings.iter().zip(&private).map(|(m, p)| MeetingResponse::for_caller(m, *p));
    let body = MeetingListResponse { results: results.collect(), next_cursor: page.next_after.map(encode_cursor) };
    Ok(vary_by_key(cached_json(&req, &body, DIRECTORY_MAX_AGE)?, private.contains(&true)))
}

fn parse_list_query(p: &HashMap<String, String>) -> Result<MeetingQuery, crate::service::error::FieldErrors> {
    let mut e = ParamErrors::default();
    let query = MeetingQuery {
        common: common_filters(&mut e, p),
        days: e.list("day", p.get("day")),
        text: p.get("q").map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
        bbox: e.bbox(p.get("bbox")),
        updated_since: e.instant("updated_since", p.get("updated_since")),
        after: e.cursor(p.get("cursor")),
        limit: e.limit(p.get("limit"), DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT),
    };
    e.finish().map(|()| query)
}

/// Parses the filters every meeting query shares.
pub fn common_filters(e: &mut ParamErrors, p: &HashMap<String, String>) -> CommonFilters {
    CommonFilters {
        fellowships: e.list("fellowship", p.get("fellowship")),
        service_bodies: e.list("service_body", p.get("service_body")),
        types: e.list("types", p.get("types")),
        exclude_types: e.list("exclude_types", p.get("exclude_types")),
        attendance: e.list("attendance", p.get("attendance")),
        languages: e.list("language", p.get("language")),
    }
}

/// One meeting: published ones for everybody; unpublished ones and the private fields
/// (`contacts`, `published`) only with a key that has rights to its service body. The `ETag` is
/// the meeting's version, for `If-Match` on writes.
#[utoipa::path(
    tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id")),
    security((), ("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "The meeting"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "The key is unknown, revoked or expired"),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting"),
    )
)]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.parse().map_err(|_| ApiError::NotFound(format!("there is no meeting `{id}`")))?;
    let caller = caller(&req, &lantern).await?;
    let (meeting, private) = lantern.meeting_for(id, &caller)?;
    let body = MeetingResponse::for_caller(&meeting, private);
    Ok(vary_by_key(tagged_json(&req, &body, version_tag(meeting.version), DIRECTORY_MAX_AGE)?, private))
}
