//! Admin writes of service bodies (`POST /v1/service-bodies`, `PUT`/`PATCH`/`DELETE
//! /v1/service-bodies/{id}`) and fellowships (`POST /v1/fellowships`, `PUT /v1/fellowships/{code}`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, patch, post, put, web};
use serde_json::Value;

use super::json::{FellowshipRecordResponse, FellowshipRequest, ServiceBodyRecordResponse, ServiceBodyRequest};
use crate::domain::service_body::{Fellowship, ServiceBody};
use crate::http::extract::auth::IfMatch;
use crate::http::extract::body::{decode, json_object, merge_patch, read};
use crate::http::extract::path::{FellowshipPath, Path, ServiceBodyPath};
use crate::http::extract::problem::{ApiError, Problem};
use crate::http::extract::write::{no_body, write, written};
use crate::service::Lantern;
use crate::service::catalog_writes::ServiceBodyWrite;
use crate::service::error::push_error;

fn decode_body(v: &Value) -> ServiceBodyWrite {
    let (request, problems) = read::<ServiceBodyRequest>(v);
    request.into_write(problems)
}

fn written_body(req: &HttpRequest, status: StatusCode, body: &ServiceBody) -> HttpResponse {
    let path = format!("/v1/service-bodies/{}", body.id);
    written(req, status, body.version, &path, &ServiceBodyRecordResponse::new(body, true))
}

/// Creates a service body; admin keys only.
#[utoipa::path(
    tag = "publishing",
    request_body = ServiceBodyRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = ServiceBodyRecordResponse),
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
    let created =
        write(&req, &lantern, &body, json_object, |l, w| l.create_service_body(&w.caller, decode_body(&w.body)))
            .await?;
    Ok(written_body(&req, StatusCode::CREATED, &created))
}

/// Replaces a service body; admin keys only; `If-Match` as for meetings.
#[utoipa::path(
    tag = "publishing",
    params(ServiceBodyPath, IfMatch),
    request_body = ServiceBodyRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, body = ServiceBodyRecordResponse),
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
    path: Path<ServiceBodyPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let updated = write(&req, &lantern, &body, json_object, move |l, w| {
        l.update_service_body(&w.caller, id, &w.precondition, |_| decode_body(&w.body))
    })
    .await?;
    Ok(written_body(&req, StatusCode::OK, &updated))
}

/// Changes some fields of a service body with a JSON merge patch; admin keys only.
#[utoipa::path(
    tag = "publishing",
    params(ServiceBodyPath, IfMatch),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = ServiceBodyRecordResponse),
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
    path: Path<ServiceBodyPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let updated = write(&req, &lantern, &body, json_object, move |l, w| {
        let edit = |current: &ServiceBody| {
            let mut merged = serde_json::to_value(ServiceBodyRecordResponse::new(current, true)).unwrap_or(Value::Null);
            merge_patch(&mut merged, &w.body);
            decode_body(&merged)
        };
        l.update_service_body(&w.caller, id, &w.precondition, edit)
    })
    .await?;
    Ok(written_body(&req, StatusCode::OK, &updated))
}

/// Deletes (softly) a service body without live meetings or child bodies; admin keys only.
#[utoipa::path(
    tag = "publishing",
    params(ServiceBodyPath, IfMatch),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
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
    path: Path<ServiceBodyPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    write(&req, &lantern, &[], no_body, move |l, w| l.delete_service_body(&w.caller, id, &w.precondition)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Decodes a fellowship body; `PUT` names the code in its path, `POST` in the body.
fn fellowship(path_code: Option<crate::domain::ids::FellowshipCode>, bytes: &[u8]) -> Result<Fellowship, ApiError> {
    let request = decode::<FellowshipRequest>(bytes)?;
    let mut e = crate::service::error::FieldErrors::new();
    let code = match (path_code, request.code) {
        (Some(path), Some(body)) if path != body => {
            push_error(&mut e, "code", format!("`{body}` differs from the code in the path, `{path}`"));
            None
        }
        (Some(code), _) | (None, Some(code)) => Some(code),
        (None, None) => {
            push_error(&mut e, "code", "is required");
            None
        }
    };
    code.map(|code| Fellowship { code, name: request.name, website: request.website }).ok_or(ApiError::Unprocessable(e))
}

async fn put_fellowship(
    req: &HttpRequest,
    lantern: &web::Data<Lantern>,
    path_code: Option<crate::domain::ids::FellowshipCode>,
    body: &[u8],
) -> Result<HttpResponse, ApiError> {
    let decode_fellowship = |bytes: &[u8]| fellowship(path_code, bytes);
    let (created, record) = write(req, lantern, body, decode_fellowship, |l, w| {
        let record = FellowshipRecordResponse::from(&w.body);
        l.put_fellowship(&w.caller, w.body).map(|created| (created, record))
    })
    .await?;
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
    params(FellowshipPath),
    request_body = FellowshipRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = FellowshipRecordResponse, description = "Created"),
        (status = 200, body = FellowshipRecordResponse, description = "Replaced"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/fellowships/{code}")]
pub async fn replace_fellowship(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<FellowshipPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    put_fellowship(&req, &lantern, Some(path.0.code), &body).await
}
