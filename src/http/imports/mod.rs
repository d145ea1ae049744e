//! `/v1/service-bodies/{id}/imports`: feeds read into a service body's meetings, transactionally,
//! answered with the diff.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::extract::auth::{blocking, key_holder};
use super::extract::body::json;
use super::extract::params::time_zone_schema;
use super::extract::path::{Path, ServiceBodyPath};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use crate::domain::ids::FellowshipCode;
use crate::domain::meeting_guide::import::feed_items;
use crate::domain::schedule::TimeZone;
use crate::service::Lantern;
use crate::service::error::FieldErrors;
use crate::service::imports::{ImportOptions, ImportReport};

/// The largest feed an import takes.
pub const MAX_FEED_BYTES: usize = 20 * 1024 * 1024;

/// How to import.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `true`: answer the diff, write nothing.
    #[param(value_type = Option<bool>, default = false)]
    pub dry_run: bool,
    /// The IANA zone of records with neither a `timezone` nor coordinates (default: the service
    /// body's).
    #[param(schema_with = time_zone_schema, required = false)]
    pub time_zone: Option<TimeZone>,
    /// The meetings' fellowship (feeds name none); default: the service body's, else a 400. A
    /// well-formed code that names no fellowship is 404.
    #[param(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub fellowship: Option<FellowshipCode>,
    /// `false` keeps the body's imported meetings that the feed no longer has; by default they are
    /// soft-deleted. Meetings created through the API (no `external_id`) are never touched.
    #[param(value_type = Option<bool>, default = true)]
    pub remove_missing: bool,
}

impl FromQuery for ImportParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            dry_run: q.optional("dry_run").unwrap_or(false),
            time_zone: q.optional("time_zone"),
            fellowship: q.optional("fellowship"),
            remove_missing: q.optional("remove_missing").unwrap_or(true),
        }
    }
}

impl From<ImportParams> for ImportOptions {
    fn from(p: ImportParams) -> Self {
        Self { dry_run: p.dry_run, time_zone: p.time_zone, fellowship: p.fellowship, remove_missing: p.remove_missing }
    }
}

/// Something dropped or guessed while reading a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportWarning {
    /// The record's slug (empty when it has none).
    pub slug: String,
    /// The feed's field.
    pub field: String,
    /// What happened.
    pub message: String,
}

/// A record that gave no meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRejection {
    /// The record's slug (empty when it has none).
    pub slug: String,
    /// Problems by the feed's field names.
    pub errors: BTreeMap<String, Vec<String>>,
}

/// What an import did, or in a dry run would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    /// Nothing was written.
    pub dry_run: bool,
    /// New meetings.
    pub added: usize,
    /// Meetings that changed.
    pub updated: usize,
    /// Meetings already as the feed says.
    pub unchanged: usize,
    /// Imported meetings soft-deleted because the feed no longer has them.
    pub removed: usize,
    /// Records that gave no meeting.
    pub rejected: usize,
    /// Service bodies created (a BMLT import maps a server's service bodies; 0 for a feed).
    pub service_bodies_added: usize,
    /// Service bodies changed (BMLT imports; 0 for a feed).
    pub service_bodies_updated: usize,
    /// What was dropped or guessed.
    pub warnings: Vec<ImportWarning>,
    /// The records that gave no meeting.
    pub rejections: Vec<ImportRejection>,
    /// Each meeting added, updated or removed (a dry run: would be), in the order planned. Always
    /// in an import's answer; absent from a followed source's stored `last_diff`, which keeps the
    /// counts, warnings and rejections only.
    #[schema(required = false)]
    pub changes: Vec<ImportChange>,
}

/// One meeting an import adds, updates or removes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportChange {
    /// `add`, `update` or `remove`.
    #[schema(pattern = "^(add|update|remove)$")]
    pub action: &'static str,
    /// The meeting's id; `null` for one a dry run would add.
    pub meeting_id: Option<i64>,
    /// Its id in the feed (the record's slug, a BMLT meeting id).
    pub external_id: String,
    /// Its name (after the change, for an update).
    pub name: String,
    /// For an update, the fields that change, by the meeting JSON's names; empty otherwise.
    pub fields: Vec<String>,
}

impl From<ImportReport> for ImportResponse {
    fn from(r: ImportReport) -> Self {
        Self {
            dry_run: r.dry_run,
            added: r.added,
            updated: r.updated,
            unchanged: r.unchanged,
            removed: r.removed,
            rejected: r.rejected,
            service_bodies_added: r.service_bodies_added,
            service_bodies_updated: r.service_bodies_updated,
            warnings: r
                .warnings
                .into_iter()
                .map(|w| ImportWarning { slug: w.slug, field: w.field, message: w.message })
                .collect(),
            rejections: r.rejections.into_iter().map(|r| ImportRejection { slug: r.slug, errors: r.errors }).collect(),
            changes: r
                .changes
                .into_iter()
                .map(|c| ImportChange {
                    action: c.action,
                    meeting_id: c.meeting_id.map(|id| id.get()),
                    external_id: c.external_id,
                    name: c.name,
                    fields: c.fields,
                })
                .collect(),
        }
    }
}

/// Reads a feed's bytes: a JSON array of objects, else 400 naming `body`.
pub fn feed_records(bytes: &[u8]) -> Result<Vec<Value>, ApiError> {
    feed_items(json(bytes)?).map_err(|detail| {
        let errors = FieldErrors::from([("body".to_owned(), vec![detail.clone()])]);
        ApiError::BadRequest { detail, errors }
    })
}

/// Imports a Meeting Guide feed (the body, up to 20 MiB) into the service body: one transaction,
/// one change-log entry per changed meeting. Each record's `slug` is its meeting's `external_id`
/// in the body: a known slug updates that meeting, a new one adds one, and (unless
/// `remove_missing=false`) imported meetings whose slug is gone are soft-deleted. Real feeds'
/// quirks are read as they are (days as numbers, names or arrays; 12-hour times; coordinates as
/// strings; types as arrays or comma strings; split or whole addresses); what is dropped or guessed
/// is in `warnings`, and a record that gives no meeting is in `rejections` (by the feed's field
/// names) without blocking the others. Importing the same feed again changes nothing.
/// Publishers of the body (or its ancestors) and admins.
#[utoipa::path(
    tag = "imports",
    params(ServiceBodyPath, ImportParams),
    request_body(content = Vec<Object>, content_type = "application/json", description = "A Meeting Guide feed: a JSON array of records"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = ImportResponse, description = "What the import did (or, with `dry_run`, would do)"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Not a JSON array of objects, bad parameters, or no fellowship to give the meetings"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The key may not publish to this service body"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such service body, or `fellowship` names none"),
    )
)]
#[post("/service-bodies/{id}/imports/meeting-guide")]
pub async fn import_meeting_guide(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<ServiceBodyPath>,
    query: Query<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let caller = key_holder(&req, &lantern).await?;
    let body = path.0.id;
    let checked = caller.clone();
    blocking(&lantern, move |l| l.check_import(&checked, body)).await?;
    let bytes = payload
        .to_bytes_limited(MAX_FEED_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(format!("a feed may have at most {MAX_FEED_BYTES} bytes")))?
        .map_err(|e| ApiError::BadRequest {
            detail: format!("cannot read the body: {e}"),
            errors: FieldErrors::new(),
        })?;
    let records = feed_records(&bytes)?;
    let options = ImportOptions::from(query.0);
    let report = blocking(&lantern, move |l| l.import_meeting_guide(&caller, body, &records, &options)).await?;
    Ok(HttpResponse::Ok().json(ImportResponse::from(report)))
}
