//! Who is calling (`Authorization: Bearer <key>`), `If-Match` preconditions, and running
//! blocking service calls off the actix workers.

use actix_web::http::header;
use actix_web::{HttpRequest, web};

use super::problem::ApiError;
use crate::domain::access::Caller;
use crate::service::publish::Precondition;
use crate::service::{Lantern, ServiceError};

/// Runs a blocking service call on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    lantern: &web::Data<Lantern>,
    f: impl FnOnce(&Lantern) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ApiError> {
    let lantern = lantern.clone();
    web::block(move || f(&lantern)).await.map_err(|e| ApiError::Internal(e.to_string()))?.map_err(ApiError::from)
}

/// The caller: the public without an `Authorization` header (an empty one counts as absent),
/// else the key it names (401 for a bad one; 429 once an address keeps sending bad ones).
pub async fn caller(req: &HttpRequest, lantern: &web::Data<Lantern>) -> Result<Caller, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(Caller::Public) };
    // Anything but a bearer token is a failed authentication too, and counts towards 429.
    let raw = value.to_str().unwrap_or("?").trim();
    let token = raw.strip_prefix("Bearer").map_or(raw, str::trim).to_owned();
    if token.is_empty() {
        return Ok(Caller::Public);
    }
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

/// The strong entity tag of a record at a version.
pub fn version_tag(version: i64) -> header::EntityTag {
    header::EntityTag::new_strong(version.to_string())
}
