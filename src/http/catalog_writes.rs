//! Admin writes of service bodies (`POST /v1/service-bodies`, `PUT`/`PATCH`/`DELETE
//! /v1/service-bodies/{id}`) and fellowships (`POST /v1/fellowships`, `PUT /v1/fellowships/{code}`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, patch, post, put, web};
use serde_json::Value;

use super::auth::{blocking, json_body, key_holder, precondition, written};
use super::json_fields::{Fields, merge_patch};
use super::problem::{ApiError, Problem};
use super::write_dto::{FellowshipRecordResponse, FellowshipRequest, ServiceBodyRecordResponse, ServiceBodyRequest};
use crate::domain::ids::{FellowshipCode, ServiceBodyId};
use crate::domain::meeting::Contact;
use crate::domain::schedule::TimeZone;
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData, ServiceBodyKind};
use crate::service::Lantern;
use crate::service::catalog_writes::ServiceBodyWrite;
use crate::service::error::{FieldErrors, push_error};

const BODY_FIELDS: &[&str] = &[
    "name",
    "kind",
    "parent_id",
    "fellowship",
    "time_zone",
    "website",
    "contact",
    // Read-only, ignored.
    "id",
    "created_at",
    "updated_at",
    "version",
    "children",
];

fn decode_body(v: &Value) -> ServiceBodyWrite {
    let mut e = FieldErrors::new();
    let f = Fields::body(v, BODY_FIELDS, &mut e);
    let name = f.required_text("name", &mut e).map(|n| n.trim().to_owned()).unwrap_or_default();
    let kind = f.required_text("kind", &mut e).and_then(|k| {
        let kind = ServiceBodyKind::from_name(&k);
        if kind.is_none() {
            push_error(&mut e, "kind", format!("`{k}` is not one of region, area, district, intergroup, other"));
        }
        kind
    });
    let parent_id = f
        .integer("parent_id", &mut e)
        .and_then(|p| ServiceBodyId::new(p).map_err(|err| push_error(&mut e, "parent_id", err.0)).ok());
    let contact = f.get("contact").and_then(|c| {
        let c = Fields::new(c, "contact", &["name", "email", "phone"], &mut e)?;
        Some(Contact {
            name: c.trimmed("name", &mut e),
            email: c.trimmed("email", &mut e),
            phone: c.trimmed("phone", &mut e),
        })
    });
    let data = ServiceBodyData {
        name,
        kind: kind.unwrap_or(ServiceBodyKind::Other),
        parent_id,
        fellowship: f.parsed("fellowship", &mut e),
        time_zone: f.required("time_zone", &mut e).unwrap_or(TimeZone::from(chrono_tz::UTC)),
        website: f.trimmed("website", &mut e),
        contact,
    };
    ServiceBodyWrite { data, problems: e }
}

fn body_id(raw: &str) -> Result<ServiceBodyId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(format!("there is no service body `{raw}`")))
}

fn written_body(status: StatusCode, body: &ServiceBody) -> HttpResponse {
    let location = format!("/v1/service-bodies/{}", body.id);
    written(status, body.version, &location, &ServiceBodyRecordResponse::new(body, true))
}

/// Creates a service body; admin keys only.
#[utoipa::path(
    tag = "publishing",
    request_body = ServiceBodyRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = ServiceBodyRecordResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-bodies")]
pub async fn create_service_body(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = key_holder(&req, &lantern).await?;
    let body: Value = json_body(&body)?;
    let write = decode_body(&body);
    let created = blocking(&lantern, move |l| l.create_service_body(&caller, write)).await?;
    Ok(written_body(StatusCode::CREATED, &created))
}

/// Replaces a service body; admin keys only; `If-Match` as for meetings.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Service body id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`")),
    request_body = ServiceBodyRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, body = ServiceBodyRecordResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/service-bodies/{id}")]
pub async fn replace_service_body(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = body_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let body: Value = json_body(&body)?;
    let pre = precondition(&req);
    let updated = blocking(&lantern, move |l| l.update_service_body(&caller, id, &pre, |_| decode_body(&body))).await?;
    Ok(written_body(StatusCode::OK, &updated))
}

/// Changes some fields of a service body with a JSON merge patch; admin keys only.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Service body id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = ServiceBodyRecordResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/service-bodies/{id}")]
pub async fn patch_service_body(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = body_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let body: Value = json_body(&body)?;
    let pre = precondition(&req);
    let patch = body;
    let edit = move |current: &ServiceBody| {
        let mut merged = serde_json::to_value(ServiceBodyRecordResponse::new(current, true)).unwrap_or(Value::Null);
        merge_patch(&mut merged, &patch);
        decode_body(&merged)
    };
    let updated = blocking(&lantern, move |l| l.update_service_body(&caller, id, &pre, edit)).await?;
    Ok(written_body(StatusCode::OK, &updated))
}

/// Deletes (softly) a service body without live meetings or child bodies; admin keys only.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Service body id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "It still has meetings or child bodies"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/service-bodies/{id}")]
pub async fn delete_service_body(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = body_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let pre = precondition(&req);
    blocking(&lantern, move |l| l.delete_service_body(&caller, id, &pre)).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn fellowship(code: Option<String>, request: FellowshipRequest) -> Result<Fellowship, ApiError> {
    let mut e = FieldErrors::new();
    let code = match code.or(request.code) {
        Some(code) => code.parse::<FellowshipCode>().map_err(|err| push_error(&mut e, "code", err.0)).ok(),
        None => {
            push_error(&mut e, "code", "is required");
            None
        }
    };
    match code {
        Some(code) => Ok(Fellowship { code, name: request.name.trim().to_owned(), website: request.website }),
        None => Err(ApiError::Unprocessable(e)),
    }
}

async fn put_fellowship(
    req: &HttpRequest,
    lantern: &web::Data<Lantern>,
    code: Option<String>,
    body: &[u8],
) -> Result<HttpResponse, ApiError> {
    let caller = key_holder(req, lantern).await?;
    let fellowship = fellowship(code, json_body(body)?)?;
    let record = FellowshipRecordResponse::from(&fellowship);
    let created = blocking(lantern, move |l| l.put_fellowship(&caller, fellowship)).await?;
    Ok(if created { HttpResponse::Created().json(record) } else { HttpResponse::Ok().json(record) })
}

/// Creates (or replaces) a fellowship; admin keys only.
#[utoipa::path(
    tag = "publishing",
    request_body = FellowshipRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = FellowshipRecordResponse, description = "Created"),
        (status = 200, body = FellowshipRecordResponse, description = "Replaced"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fellowships")]
pub async fn create_fellowship(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    put_fellowship(&req, &lantern, None, &body).await
}

/// Creates or replaces the fellowship with this code; admin keys only.
#[utoipa::path(
    tag = "publishing",
    params(("code" = String, Path, description = "Fellowship code")),
    request_body = FellowshipRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = FellowshipRecordResponse, description = "Created"),
        (status = 200, body = FellowshipRecordResponse, description = "Replaced"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/fellowships/{code}")]
pub async fn replace_fellowship(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    code: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    put_fellowship(&req, &lantern, Some(code.into_inner()), &body).await
}
