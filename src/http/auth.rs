//! Who is calling (`Authorization: Bearer <key>`), `If-Match` preconditions, and running
//! blocking service calls off the actix workers.

use actix_web::http::header;
use actix_web::{HttpRequest, web};

use super::problem::ApiError;
use crate::domain::access::Caller;
use crate::service::publish::Precondition;
use crate::service::{Lantern, ServiceError};

/// The largest request body accepted, in bytes; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Runs a blocking service call on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    lantern: &web::Data<Lantern>,
    f: impl FnOnce(&Lantern) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ApiError> {
    let lantern = lantern.clone();
    web::block(move || f(&lantern)).await.map_err(|e| ApiError::Internal(e.to_string()))?.map_err(ApiError::from)
}

/// Parses a request body as JSON once the caller is known, so that a request without a valid
/// key is 401 whatever its body; malformed JSON is 400. (Bodies over the limit are refused with 413
/// before the handler runs.)
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
        detail: format!("malformed JSON body: {e}"),
        errors: crate::service::error::FieldErrors::new(),
    })
}

/// The caller: the public without an `Authorization` header, else the key it names (401 for a
/// bad one, 429 for an address that keeps failing).
pub async fn caller(req: &HttpRequest, lantern: &web::Data<Lantern>) -> Result<Caller, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(Caller::Public) };
    // Anything but a bearer token is a failed authentication too, and counts towards 429.
    let raw = value.to_str().unwrap_or_default();
    let token = raw.strip_prefix("Bearer ").unwrap_or(raw).trim().to_owned();
    let peer = req.peer_addr().map(|a| a.ip());
    blocking(lantern, move |l| l.authenticate(&token, peer)).await
}

/// The caller of an endpoint that always needs a key: 401 without one, before anything else is read.
pub async fn key_holder(req: &HttpRequest, lantern: &web::Data<Lantern>) -> Result<Caller, ApiError> {
    match caller(req, lantern).await? {
        Caller::Public => Err(ApiError::Unauthorized("this needs an API key: `Authorization: Bearer <key>`".into())),
        known => Ok(known),
    }
}

/// What `If-Match` asks: absent, `*`, or a list of strong entity tags (`"7"`, the version).
/// Weak tags never match, as strong comparison requires.
pub fn precondition(req: &HttpRequest) -> Precondition {
    let Some(value) = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Precondition::None;
    };
    if value.trim() == "*" {
        return Precondition::Exists;
    }
    let versions =
        value.split(',').filter_map(|tag| tag.trim().strip_prefix('"')?.strip_suffix('"')?.parse().ok()).collect();
    Precondition::Versions(versions)
}

/// A written record: `status`, its version as the `ETag`, and for `201` its `Location`.
pub fn written<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    version: i64,
    location: &str,
    body: &T,
) -> actix_web::HttpResponse {
    let mut response = actix_web::HttpResponse::build(status);
    response.insert_header(header::ETag(version_tag(version)));
    if status == actix_web::http::StatusCode::CREATED {
        response.insert_header((header::LOCATION, location.to_owned()));
    }
    response.json(body)
}

/// The strong entity tag of a record at a version.
pub fn version_tag(version: i64) -> header::EntityTag {
    header::EntityTag::new_strong(version.to_string())
}
