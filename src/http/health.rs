//! `GET /healthz` (the process is up) and `GET /readyz` (the database answers and the directory is loaded).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::Lantern;

/// Liveness or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    /// For readiness: whether the database answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// For readiness: how many meetings the loaded directory holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meetings: Option<usize>,
    /// For readiness: how many of them the search index holds (those that can start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indexed: Option<usize>,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = HealthResponse)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok".into(), database: None, meetings: None, indexed: None })
}

/// The database answers and the directory snapshot and its search index are loaded.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = HealthResponse, description = "Ready to serve"),
        (status = 503, body = HealthResponse, description = "The database does not answer"),
    )
)]
#[get("/readyz")]
pub async fn readyz(lantern: web::Data<Lantern>) -> HttpResponse {
    let directory = lantern.directory();
    let counts = (Some(directory.meeting_count()), Some(directory.indexed_count()));
    let check = {
        let lantern = lantern.clone();
        web::block(move || lantern.check_database()).await
    };
    match check {
        Ok(Ok(())) => HttpResponse::Ok().json(HealthResponse {
            status: "ready".into(),
            database: Some("ok".into()),
            meetings: counts.0,
            indexed: counts.1,
        }),
        Ok(Err(e)) => unavailable(e.to_string(), counts),
        Err(e) => unavailable(e.to_string(), counts),
    }
}

fn unavailable(error: String, (meetings, indexed): (Option<usize>, Option<usize>)) -> HttpResponse {
    tracing::warn!(%error, "readiness check failed");
    HttpResponse::ServiceUnavailable().json(HealthResponse {
        status: "unavailable".into(),
        database: Some("unreachable".into()),
        meetings,
        indexed,
    })
}
