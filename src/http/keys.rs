//! `/v1/keys`: admins issue, list, rotate and revoke API keys. Tokens are shown once.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use super::auth::{blocking, json_body, key_holder};
use super::problem::{ApiError, Problem};
use super::write_dto::{CreateKeyRequest, IssuedKeyResponse, KeyListResponse, KeyResponse};
use crate::service::Lantern;
use crate::service::error::{FieldErrors, push_error};
use crate::service::keys::IssuedKey;
use crate::storage::keys::NewKey;

fn key_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(format!("there is no key `{raw}`")))
}

fn issued(key: &IssuedKey) -> IssuedKeyResponse {
    IssuedKeyResponse { key: KeyResponse::from(&key.key), token: key.token.clone() }
}

fn decode(request: CreateKeyRequest) -> Result<NewKey, ApiError> {
    let mut e = FieldErrors::new();
    let role = request.role.parse().map_err(|err: crate::domain::ids::InvalidValue| push_error(&mut e, "role", err.0));
    let body = request.service_body_id.map(crate::domain::ids::ServiceBodyId::new).transpose();
    let body = body.map_err(|err| push_error(&mut e, "service_body_id", err.0));
    let expires = request.expires_at.as_deref().map(chrono::DateTime::parse_from_rfc3339).transpose();
    let expires = expires.map_err(|err| push_error(&mut e, "expires_at", format!("not an RFC 3339 instant: {err}")));
    match (role, body, expires) {
        (Ok(role), Ok(service_body_id), Ok(expires)) => Ok(NewKey {
            name: request.name,
            role,
            service_body_id,
            expires_at: expires.map(|t| t.with_timezone(&chrono::Utc)),
        }),
        _ => Err(ApiError::Unprocessable(e)),
    }
}

/// Issues a key. The answer holds its token, which is never shown again.
#[utoipa::path(
    tag = "keys",
    request_body = CreateKeyRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = IssuedKeyResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
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
    let caller = key_holder(&req, &lantern).await?;
    let new = decode(json_body(&body)?)?;
    let key = blocking(&lantern, move |l| l.create_key(&caller, new)).await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(issued(&key)))
}

/// Every key, revoked ones included; never their tokens.
#[utoipa::path(
    tag = "keys",
    security(("api_key" = [])),
    responses(
        (status = 200, body = KeyListResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
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
    params(("id" = i64, Path, description = "Key id")),
    security(("api_key" = [])),
    responses(
        (status = 200, body = IssuedKeyResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The key is revoked"),
    )
)]
#[post("/keys/{id}/rotate")]
pub async fn rotate_key(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let key = blocking(&lantern, move |l| l.rotate_key(&caller, id)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(issued(&key)))
}

/// Revokes a key at once.
#[utoipa::path(
    tag = "keys",
    params(("id" = i64, Path, description = "Key id")),
    security(("api_key" = [])),
    responses(
        (status = 200, body = KeyResponse, description = "Revoked (or already was)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/keys/{id}")]
pub async fn revoke_key(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let key = blocking(&lantern, move |l| l.revoke_key(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(KeyResponse::from(&key)))
}
