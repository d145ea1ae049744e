//! The one shape of every write: who is calling (401/429 before the body is read), what
//! `If-Match` asks, the body decoded, the service call (which checks scope: 403) on the blocking
//! pool; then the written response with its version as the `ETag`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::auth::{blocking, key_holder, precondition, version_tag};
use super::problem::ApiError;
use super::public_url::PublicUrl;
use crate::domain::access::Caller;
use crate::service::publish::Precondition;
use crate::service::{Lantern, ServiceError};

/// What a write's service call gets: who asks, on what condition, with what.
pub struct WriteRequest<B> {
    /// The key holder.
    pub caller: Caller,
    /// What `If-Match` asks.
    pub precondition: Precondition,
    /// The decoded body.
    pub body: B,
}

/// Runs a write: key (401/429) → `If-Match` (400) → body (400/413/422) → the service call.
pub async fn write<B: Send + 'static, R: Send + 'static>(
    req: &HttpRequest,
    lantern: &web::Data<Lantern>,
    body: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<B, ApiError>,
    call: impl FnOnce(&Lantern, WriteRequest<B>) -> Result<R, ServiceError> + Send + 'static,
) -> Result<R, ApiError> {
    let caller = key_holder(req, lantern).await?;
    let precondition = precondition(req)?;
    let body = decode(body)?;
    blocking(lantern, move |l| call(l, WriteRequest { caller, precondition, body })).await
}

/// The decoder of writes that take no body (deletes, rotations): whatever is sent is ignored.
pub fn no_body(_: &[u8]) -> Result<(), ApiError> {
    Ok(())
}

/// A written record: `status`, its version as the `ETag`, and for `201` its absolute `Location`.
pub fn written<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    version: i64,
    path: &str,
    body: &T,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(header::ETag(version_tag(version)));
    if status == StatusCode::CREATED {
        response.insert_header((header::LOCATION, PublicUrl::of(req).join(path)));
    }
    response.json(body)
}
