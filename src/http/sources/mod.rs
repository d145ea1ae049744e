//! `/v1/sources`: the Meeting Guide feeds and BMLT servers Lantern follows. Anyone may read them
//! and their status; admins add, remove and pull them.

pub mod json;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use super::extract::auth::blocking;
use super::extract::body::{json, read};
use super::extract::path::{Path, SourcePath};
use super::extract::problem::{ApiError, Problem};
use super::extract::public_url::PublicUrl;
use super::extract::write::{no_body, write};
use crate::service::Lantern;
use json::{SourceListResponse, SourceRequest, SourceResponse};

/// Adds a source to follow; admins only. It is pulled at once (by the server's schedule) and
/// then every `every_minutes`, each pull a conditional GET applied as an import into the service
/// body (actor `source:<id>`): the same transactional, idempotent import as
/// `POST /v1/service-bodies/{id}/imports/meeting-guide` (or `lantern import bmlt`).
#[utoipa::path(
    tag = "sources",
    request_body = SourceRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = SourceResponse, headers(("Location" = String, description = "The source's URL"))),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin key"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The service body already follows a source"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sources")]
pub async fn add_source(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let decode = |bytes: &[u8]| json(bytes).map(|v| read::<SourceRequest>(&v));
    let source = write(&req, &lantern, &body, decode, |l, w| {
        let (request, problems) = w.body;
        l.add_source(&w.caller, request.into_write(problems))
    })
    .await?;
    let location = PublicUrl::of(&req).join(&format!("/v1/sources/{}", source.id));
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .json(SourceResponse::from(&source)))
}

/// Every followed source with how its last pull went: public, so that anyone can see where the
/// directory's meetings come from and how fresh they are. URLs never show credentials.
#[utoipa::path(tag = "sources", responses((status = 200, body = SourceListResponse)))]
#[get("/sources")]
pub async fn list_sources(lantern: web::Data<Lantern>) -> Result<HttpResponse, ApiError> {
    let sources = blocking(&lantern, |l| l.sources()).await?;
    let results = sources.iter().map(SourceResponse::from).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(SourceListResponse { results, next_cursor: None }))
}

/// One source and its status.
#[utoipa::path(
    tag = "sources",
    params(SourcePath),
    responses(
        (status = 200, body = SourceResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sources/{id}")]
pub async fn get_source(lantern: web::Data<Lantern>, path: Path<SourcePath>) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let source = blocking(&lantern, move |l| l.source(id)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-cache")).json(SourceResponse::from(&source)))
}

/// Stops following a source; admins only. Its meetings stay as they are (delete or re-import them
/// as needed).
#[utoipa::path(
    tag = "sources",
    params(SourcePath),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "No longer followed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sources/{id}")]
pub async fn remove_source(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<SourcePath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    write(&req, &lantern, &[], no_body, move |l, w| l.remove_source(&w.caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Pulls a source now, whatever its schedule; admins only. Answers 200 with its status after the
/// pull: `last_status` says whether it imported (`last_diff` is the import's answer), was not
/// modified, or failed (`last_error`; the meetings stay as they were).
#[utoipa::path(
    tag = "sources",
    params(SourcePath),
    security(("api_key" = [])),
    responses(
        (status = 200, body = SourceResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sources/{id}/pull")]
pub async fn pull_source(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<SourcePath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let source = write(&req, &lantern, &[], no_body, move |l, w| l.pull_source(&w.caller, id)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(SourceResponse::from(&source)))
}
