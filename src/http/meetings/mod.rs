//! `/v1/meetings`: the list and one meeting (reads), the publishing writes, and the JSON shape of
//! a meeting everywhere it appears.

pub mod json;
pub mod request;
pub mod view;
pub mod writes;

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::IntoParams;

use super::extract::auth::{caller, version_tag};
use super::extract::cache::{DIRECTORY_MAX_AGE, cached_json, tagged_json, vary_by_key};
use super::extract::params::{BoxParam, Instant, ListCursor, ListLimit, attendance_list, bbox_schema, day_list};
use super::extract::params::{fellowship_list, id_list, language_list, type_list};
use super::extract::path::{MeetingPath, Path};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use crate::domain::ids::{FellowshipCode, LanguageCode, ServiceBodyId, TypeCode};
use crate::domain::meeting::Attendance;
use crate::domain::schedule::Weekday;
use crate::service::Lantern;
use crate::service::query::{CommonFilters, MeetingQuery, VisiblePage};
use json::{MeetingListResponse, MeetingResponse};

/// The filters every meeting query takes. Lists are comma-separated (repeated keys and `key[]=`
/// work too); empty values count as absent. A well-formed code or id that names nothing is 404.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Any of these fellowship codes (`aa,na`).
    #[param(schema_with = fellowship_list, style = Form, explode = false, required = false)]
    pub fellowship: Vec<FellowshipCode>,
    /// Any of these service body ids, each with its descendants.
    #[param(schema_with = id_list, style = Form, explode = false, required = false)]
    pub service_body: Vec<ServiceBodyId>,
    /// Has all of these type codes (`O,BE`; see `GET /v1/types`).
    #[param(schema_with = type_list, style = Form, explode = false, required = false)]
    pub types: Vec<TypeCode>,
    /// Has none of these type codes.
    #[param(schema_with = type_list, style = Form, explode = false, required = false)]
    pub exclude_types: Vec<TypeCode>,
    /// Any of `in_person`, `hybrid`, `online`, `inactive` (`in_person` excludes hybrid). Default:
    /// all for lists, `in_person,hybrid` for nearby, `online` for upcoming.
    #[param(schema_with = attendance_list, style = Form, explode = false, required = false)]
    pub attendance: Vec<Attendance>,
    /// Any of these ISO 639-1 languages (`en,es`).
    #[param(schema_with = language_list, style = Form, explode = false, required = false)]
    pub language: Vec<LanguageCode>,
}

impl FromQuery for FilterParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            fellowship: q.list("fellowship"),
            service_body: q.list("service_body"),
            types: q.list("types"),
            exclude_types: q.list("exclude_types"),
            attendance: q.list("attendance"),
            language: q.list("language"),
        }
    }
}

impl From<FilterParams> for CommonFilters {
    fn from(p: FilterParams) -> Self {
        Self {
            fellowships: p.fellowship,
            service_bodies: p.service_body,
            types: p.types,
            exclude_types: p.exclude_types,
            attendance: p.attendance,
            languages: p.language,
        }
    }
}

/// What a meeting list matches beside the shared filters: the list's and the exports' parameters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Meets on any of these days (`monday,tuesday`).
    #[param(schema_with = day_list, style = Form, explode = false, required = false)]
    pub day: Vec<Weekday>,
    /// Case-insensitive text in name, location or notes.
    pub q: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat`; `min_lon > max_lon` crosses the antimeridian,
    /// `min_lat > max_lat` is 400.
    #[param(schema_with = bbox_schema, required = false)]
    pub bbox: Option<BoxParam>,
    /// Meetings changed at or after this RFC 3339 instant.
    #[param(inline)]
    pub updated_since: Option<Instant>,
}

impl FromQuery for MatchParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            day: q.list("day"),
            q: q.optional("q"),
            bbox: q.optional("bbox"),
            updated_since: q.optional("updated_since"),
        }
    }
}

impl MatchParams {
    /// The service's query: these, the shared filters, from the start, up to `limit`.
    pub fn query(self, filters: FilterParams, limit: usize) -> MeetingQuery {
        MeetingQuery {
            common: filters.into(),
            days: self.day,
            text: self.q,
            bbox: self.bbox.map(|b| b.0),
            updated_since: self.updated_since.map(|t| t.0),
            after: None,
            limit,
        }
    }
}

/// Paging of `GET /v1/meetings`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size.
    #[param(inline, required = false)]
    pub limit: ListLimit,
    /// `next_cursor` of the previous page.
    #[param(inline)]
    pub cursor: Option<ListCursor>,
}

impl FromQuery for PageParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { limit: q.or_default("limit"), cursor: q.optional("cursor") }
    }
}

/// An export answers every match: `limit` and `cursor` are a 400 there (undocumented, so never sent
/// by a client that reads the document).
#[derive(Debug)]
pub struct WholeAnswer;

impl FromQuery for WholeAnswer {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        for name in ["limit", "cursor"] {
            q.refuse(name, "an export answers every match: it takes no `limit` or `cursor`");
        }
        Self
    }
}

impl IntoParams for WholeAnswer {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        Vec::new()
    }
}

crate::query_group!(
    /// Every parameter of `GET /v1/meetings`.
    pub struct ListQuery {
        matching: MatchParams,
        page: PageParams,
        filters: FilterParams,
    }
);

crate::query_group!(
    /// Every parameter of the exports: the list's, without paging.
    pub struct ExportQuery {
        matching: MatchParams,
        filters: FilterParams,
        whole: WholeAnswer,
    }
);

/// Lists published meetings by ascending id, filtered, one page at a time. With a key, also the
/// unpublished meetings of its service bodies, with their private fields.
#[utoipa::path(
    tag = "meetings",
    params(ListQuery),
    security((), ("api_key" = [])),
    responses(
        (status = 200, body = MeetingListResponse, description = "One page of meetings"),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/meetings")]
pub async fn list_meetings(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { matching, page, filters } = query.0;
    let query =
        MeetingQuery { after: page.cursor.and_then(|c| c.0), ..matching.query(filters, page.limit.get() as usize) };
    let caller = caller(&req, &lantern).await?;
    let VisiblePage { page, private } = lantern.list_meetings(query, &caller)?;
    let results = page.meetings.iter().zip(&private).map(|(m, p)| MeetingResponse::for_caller(m, *p));
    let next_cursor = page.next_after.map(ListCursor::after);
    let body = MeetingListResponse { results: results.collect(), next_cursor };
    Ok(vary_by_key(cached_json(&req, &body, DIRECTORY_MAX_AGE)?, private.contains(&true)))
}

/// One meeting: published ones for everybody; unpublished ones and the private fields
/// (`contacts`, `published`) only with a key that has rights to its service body. The `ETag` is
/// the meeting's version, for `If-Match` on writes.
#[utoipa::path(
    tag = "meetings",
    params(MeetingPath),
    security((), ("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "The meeting"),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting"),
    )
)]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&req, &lantern).await?;
    let (meeting, private) = lantern.meeting_for(path.0.id, &caller)?;
    let body = MeetingResponse::for_caller(&meeting, private);
    Ok(vary_by_key(tagged_json(&req, &body, version_tag(meeting.version), DIRECTORY_MAX_AGE)?, private))
}
