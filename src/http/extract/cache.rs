//! Cacheable JSON answers: a strong `ETag` (a hash of the body, or a record's version),
//! `Cache-Control`, `304` on a matching `If-None-Match`, and `Vary: Authorization` where private
//! fields may appear.

use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, ContentType, EntityTag, HeaderValue, IfNoneMatch};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use serde::Serialize;

use super::problem::ApiError;

/// How long public directory answers may be cached, in seconds.
pub const DIRECTORY_MAX_AGE: u32 = 60;

/// Serializes `body` and answers `200` with a strong `ETag` over it, or `304` when the client has it.
pub fn cached_json<T: Serialize>(req: &HttpRequest, body: &T, max_age: u32) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    Ok(respond(req, bytes, EntityTag::new_strong(format!("{:016x}", hasher.finish())), max_age))
}

/// Answers `200` with `tag` as the `ETag` (a record's version), or `304` when the client has it.
pub fn tagged_json<T: Serialize>(
    req: &HttpRequest,
    body: &T,
    tag: EntityTag,
    max_age: u32,
) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(respond(req, bytes, tag, max_age))
}

fn respond(req: &HttpRequest, bytes: Vec<u8>, tag: EntityTag, max_age: u32) -> HttpResponse {
    tagged_body(req, bytes, ContentType::json(), tag, max_age)
}

/// Answers `200` with `body` of `content_type`, `tag` as its `ETag` and `max_age` seconds of
/// public caching, or `304` when the client has it.
pub fn tagged_body(
    req: &HttpRequest,
    body: impl actix_web::body::MessageBody + 'static,
    content_type: impl actix_web::http::header::TryIntoHeaderPair,
    tag: EntityTag,
    max_age: u32,
) -> HttpResponse {
    let cache_control = format!("public, max-age={max_age}");
    let matches = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
        None => false,
    };
    let mut response = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response.insert_header(header::ETag(tag)).insert_header((header::CACHE_CONTROL, cache_control));
    if matches {
        return response.finish();
    }
    response.insert_header(content_type).body(body)
}

/// Marks an answer that depends on the caller's key; one with private fields is not stored by
/// shared caches.
pub fn vary_by_key(mut response: HttpResponse, private: bool) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    response
}

/// The first 8 bytes of a file's SHA-256 in hex: the part of a served file's name that changes with
/// its content, so that the name can be cached for good.
pub fn content_digest(bytes: &[u8]) -> String {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Answers a file compiled into the binary under a content-hashed name: cached for a year, immutable.
pub fn immutable_file(content_type: &'static str, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}
