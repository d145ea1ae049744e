//! Compression of answers above a size, gzip or brotli as the client's `Accept-Encoding` prefers
//! (actix's `Compress`, which negotiates q-values and streams). `Compress` has no threshold, so an
//! inner layer marks small answers `Content-Encoding: identity` (which `Compress` leaves alone) and
//! an outer layer takes the mark off again. Every answer at or above the threshold carries
//! `Vary: Accept-Encoding`, compressed or not, so that a shared cache keeps the variants apart.
//!
//! `ETag`s are left as they are: a record's `ETag` is its version, which `If-Match` compares
//! strongly, and a compressed `GET` must still hand out a tag a write can send back.

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};

/// Answers smaller than this are sent as they are: compressing them saves less than it costs.
pub const MIN_BYTES: u64 = 1024;

/// The inner layer: marks a small answer so that `Compress` leaves it alone.
pub fn mark_small<B: MessageBody>(mut res: ServiceResponse<B>) -> ServiceResponse<B> {
    let small = match res.response().body().size() {
        BodySize::Sized(n) => n < MIN_BYTES,
        BodySize::None => true,
        BodySize::Stream => false,
    };
    let headers = res.headers_mut();
    if small && !headers.contains_key(header::CONTENT_ENCODING) {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    } else if !small && !varies_by_encoding(headers) {
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    res
}

/// The outer layer: takes the mark off (`identity` is not a content coding a response may name).
pub fn unmark<B>(mut res: ServiceResponse<B>) -> ServiceResponse<B> {
    let headers = res.headers_mut();
    if headers.get(header::CONTENT_ENCODING).is_some_and(|v| v == "identity") {
        headers.remove(header::CONTENT_ENCODING);
    }
    res
}

fn varies_by_encoding(headers: &header::HeaderMap) -> bool {
    headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}
