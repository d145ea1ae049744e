//! `/v1/keys`: admins issue, list, rotate and revoke API keys. Tokens are shown once.

pub mod json;

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use super::extract::auth::{blocking, key_holder};
use super::extract::body::decode;
use super::extract::path::{KeyPath, Path};
use super::extract::problem::{ApiError, Problem};
use super::extract::write::{no_body, write};
use crate::domain::access::Caller;
use crate::service::Lantern;
use crate::service::keys::IssuedKey;
use json::{CreateKeyRequest, IssuedKeyResponse, KeyListResponse, KeyResponse};

fn issued(key: &IssuedKey) -> IssuedKeyResponse {
    IssuedKeyResponse { key: KeyResponse::from(&key.key), token: key.token.clone() }
}

/// Issues a key. The answer holds its token, which is never shown again.
#[utoipa::path(
    tag = "keys",
    request_body = CreateKeyRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = IssuedKeyResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin key"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/keys")]
pub async fn create_key(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key =
        write(&req, &lantern, &body, decode::<CreateKeyRequest>, |l, w| l.create_key(&w.caller, w.body.into())).await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(issued(&key)))
}

/// The key this request is made with: who it is and what it may do (its role, its service body,
/// its expiry), for any valid key. A console asks it to offer only what the key allows.
#[utoipa::path(
    tag = "keys",
    security(("api_key" = [])),
    responses((status = 200, body = KeyResponse, description = "The caller's key; never its token")),
)]
#[get("/keys/me")]
pub async fn my_key(req: HttpRequest, lantern: web::Data<Lantern>) -> Result<HttpResponse, ApiError> {
    let key = match key_holder(&req, &lantern).await? {
        Caller::Key(key) => KeyResponse::from(&key),
        // Only the command line acts without a key, and it does not speak HTTP.
        _ => return Err(ApiError::Unauthorized("this needs an API key: `Authorization: Bearer <key>`".into())),
    };
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(key))
}

/// Every key, revoked ones included; never their tokens.
#[utoipa::path(
    tag = "keys",
    security(("api_key" = [])),
    responses(
        (status = 200, body = KeyListResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/keys")]
pub async fn list_keys(req: HttpRequest, lantern: web::Data<Lantern>) -> Result<HttpResponse, ApiError> {
    let caller = key_holder(&req, &lantern).await?;
    let keys = blocking(&lantern, move |l| l.list_keys(&caller)).await?;
    let results = keys.iter().map(KeyResponse::from).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(KeyListResponse { results, next_cursor: None }))
}

/// Gives a key a new token; the old token stops working at once.
#[utoipa::path(
    tag = "keys",
    params(KeyPath),
    security(("api_key" = [])),
    responses(
        (status = 200, body = IssuedKeyResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The key is revoked"),
    )
)]
#[post("/keys/{id}/rotate")]
pub async fn rotate_key(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<KeyPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let key = write(&req, &lantern, &[], no_body, move |l, w| l.rotate_key(&w.caller, id)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(issued(&key)))
}

/// Revokes a key at once.
#[utoipa::path(
    tag = "keys",
    params(KeyPath),
    security(("api_key" = [])),
    responses(
        (status = 200, body = KeyResponse, description = "Revoked (or already was)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/keys/{id}")]
pub async fn revoke_key(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<KeyPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let key = write(&req, &lantern, &[], no_body, move |l, w| l.revoke_key(&w.caller, id)).await?;
    Ok(HttpResponse::Ok().json(KeyResponse::from(&key)))
}
