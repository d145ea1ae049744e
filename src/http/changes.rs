//! `GET /v1/changes`: the public feed of changes, by sequence, for apps and mirrors that sync.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::{blocking, caller};
use super::cache::vary_by_key;
use super::history_dto::{ChangeListResponse, ChangeResponse};
use super::params::ParamErrors;
use super::problem::{ApiError, Problem};
use crate::service::Lantern;

/// The parameters of the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documents the parameters; parsing reads the raw map")]
pub struct ChangesParams {
    /// Changes after this sequence number (default 0: from the start).
    #[param(value_type = Option<i64>, minimum = 0)]
    since: Option<String>,
    /// Only changes of this service body and its descendants.
    #[param(value_type = Option<i64>)]
    service_body: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

/// Changes after `since`, oldest first. Contacts, service-body contacts, unpublished meetings
/// (shown as `null`), actors and key changes are left out unless the caller has an admin key.
#[utoipa::path(
    tag = "history",
    params(ChangesParams),
    security((), ("api_key" = [])),
    responses(
        (status = 200, body = ChangeListResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    params: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let mut e = ParamErrors::default();
    let since = e.one::<u64>("since", params.get("since")).map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX));
    let service_body = e.one::<crate::domain::ids::ServiceBodyId>("service_body", params.get("service_body"));
    let limit = e.limit(params.get("limit"), 100, 500);
    e.finish().map_err(ApiError::invalid_query)?;
    let caller = caller(&req, &lantern).await?;
    let page = blocking(&lantern, move |l| l.changes(&caller, since, service_body, limit)).await?;
    let results = page.changes.iter().map(|c| ChangeResponse::new(c, page.private)).collect();
    let body = ChangeListResponse { results, next_since: page.next_since };
    let response = HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=5")).json(body);
    Ok(vary_by_key(response, page.private))
}
