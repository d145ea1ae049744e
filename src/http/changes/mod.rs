//! `GET /v1/changes`: the public feed of changes, by sequence, for apps and mirrors that sync.

pub mod json;

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::IntoParams;

use super::extract::auth::{blocking, caller};
use super::extract::cache::vary_by_key;
use super::extract::params::{ListLimit, Sequence};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use crate::domain::ids::ServiceBodyId;
use crate::service::Lantern;
use json::{ChangeListResponse, ChangeResponse};

/// The parameters of the feed.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// Changes after this sequence number (0: from the start).
    #[param(inline, required = false)]
    pub since: Sequence,
    /// Only changes of this service body and its descendants.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub service_body: Option<ServiceBodyId>,
    /// Page size.
    #[param(inline, required = false)]
    pub limit: ListLimit,
}

impl FromQuery for ChangesParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { since: q.or_default("since"), service_body: q.optional("service_body"), limit: q.or_default("limit") }
    }
}

/// Changes after `since`, oldest first. Contacts, service-body contacts, unpublished meetings
/// (shown as `null`), actors and key changes are left out unless the caller has an admin key.
/// Once the log has been pruned (`lantern changes prune`), a `since` below the pruned point is 410.
#[utoipa::path(
    tag = "history",
    params(ChangesParams),
    security((), ("api_key" = [])),
    responses(
        (status = 200, body = ChangeListResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`service_body` names no service body"),
        (status = 410, body = Problem, content_type = "application/problem+json", description = "`since` is below the point the log was pruned to: read the current state from the lists, then follow from the sequence the problem names"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<ChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let ChangesParams { since, service_body, limit } = query.0;
    let (since, limit) = (since.get(), limit.get() as usize);
    let caller = caller(&req, &lantern).await?;
    let page = blocking(&lantern, move |l| l.changes(&caller, since, service_body, limit)).await?;
    let results = page.changes.iter().map(|c| ChangeResponse::new(c, page.private)).collect();
    let body = ChangeListResponse { results, next_since: page.next_since };
    let response = HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=5")).json(body);
    Ok(vary_by_key(response, page.private))
}
