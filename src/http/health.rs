//! `GET /healthz` (the process is up) and `GET /readyz` (the directory is loaded and in step with the database).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::Lantern;

/// Liveness or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok` (liveness), `ready`, or `lagging` (the snapshot is further behind the database than the
    /// node's `--max-lag-seconds`).
    pub status: String,
    /// For readiness: `ok`, or `unreachable` when the database does not answer (the node keeps
    /// answering reads from its snapshot, and stays ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// For readiness: how many meetings the loaded directory holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meetings: Option<usize>,
    /// For readiness: how many of them the search index holds (those that can start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indexed: Option<usize>,
    /// For readiness: the last change-log sequence number the snapshot holds (every change up to
    /// it is applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_seq: Option<i64>,
    /// For readiness: the last sequence number the database holds, as last seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_seq: Option<i64>,
    /// For readiness: the age in seconds of the oldest committed change the snapshot does not hold
    /// yet (0 when none is pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = HealthResponse)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
        database: None,
        meetings: None,
        indexed: None,
        applied_seq: None,
        head_seq: None,
        lag_seconds: None,
    })
}

/// The directory snapshot and its search index are loaded and within `--max-lag-seconds` of the
/// database. A node whose database stops answering stays ready (it answers reads from its
/// snapshot) and says `"database": "unreachable"`.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = HealthResponse, description = "Ready to serve"),
        (status = 503, body = HealthResponse, description = "The snapshot is further behind the database than allowed"),
    )
)]
#[get("/readyz")]
pub async fn readyz(lantern: web::Data<Lantern>) -> HttpResponse {
    let observed = {
        let lantern = lantern.clone();
        web::block(move || lantern.observe(Duration::from_secs(1))).await
    };
    let progress = observed.unwrap_or_else(|_| lantern.progress());
    let directory = lantern.directory();
    let lag = progress.lag_seconds(lantern.clock().now());
    let lagging = lag > lantern.max_lag().as_secs_f64();
    let answer = HealthResponse {
        status: if lagging { "lagging" } else { "ready" }.into(),
        database: Some(if progress.database_reachable { "ok" } else { "unreachable" }.into()),
        meetings: Some(directory.meeting_count()),
        indexed: Some(directory.indexed_count()),
        applied_seq: Some(progress.applied_seq),
        head_seq: Some(progress.head_seq),
        lag_seconds: Some(lag),
    };
    if lagging {
        tracing::warn!(lag_seconds = lag, "the snapshot is behind the database");
        HttpResponse::ServiceUnavailable().json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    }
}
