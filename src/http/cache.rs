//! Cacheable JSON answers: a strong `ETag` over the body, `Cache-Control`, and `304` on a
//! matching `If-None-Match`.

use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, ContentType, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use serde::Serialize;

use super::problem::ApiError;

/// How long public directory answers may be cached, in seconds.
pub const DIRECTORY_MAX_AGE: u32 = 60;

/// Serializes `body` and answers `200` with a strong `ETag`, or `304` when the client has it.
pub fn cached_json<T: Serialize>(req: &HttpRequest, body: &T, max_age: u32) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let tag = EntityTag::new_strong(format!("{:016x}", hasher.finish()));
    let cache_control = format!("public, max-age={max_age}");
    let matches = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
        None => false,
    };
    let mut response = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response.insert_header(header::ETag(tag)).insert_header((header::CACHE_CONTROL, cache_control));
    if matches {
        return Ok(response.finish());
    }
    Ok(response.insert_header(ContentType::json()).body(bytes))
}
