//! The JSON of `/v1/keys`: the key to issue (decoded field by field), a key, and an issued token.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::access::{ApiKey, NewKey, Role};
use crate::domain::ids::ServiceBodyId;
use crate::http::extract::body::{Fields, JsonBody};
use crate::http::meetings::json::instant;
use crate::service::error::FieldErrors;

/// A key to issue. Unknown fields are 422.
#[derive(Debug, ToSchema)]
pub struct CreateKeyRequest {
    /// What the key is called, 1–100 characters; recorded as the actor of its changes.
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub name: String,
    /// What it may do.
    #[schema(value_type = String, example = "publisher", pattern = "^(admin|publisher|observer)$")]
    pub role: Role,
    /// Required for publishers and observers, absent for admins.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub service_body_id: Option<ServiceBodyId>,
    /// When the key stops working (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl JsonBody for CreateKeyRequest {
    const FIELDS: &'static [&'static str] = &["name", "role", "service_body_id", "expires_at"];

    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self {
        Self {
            name: f.required_text("name", e).unwrap_or_default(),
            role: f.required("role", e).unwrap_or(Role::Observer),
            service_body_id: f.id("service_body_id", e),
            expires_at: f.instant("expires_at", e),
        }
    }
}

impl From<CreateKeyRequest> for NewKey {
    fn from(r: CreateKeyRequest) -> Self {
        Self { name: r.name, role: r.role, service_body_id: r.service_body_id, expires_at: r.expires_at }
    }
}

/// A key (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyResponse {
    /// Its id, also the public part of its token.
    pub id: i64,
    /// What it is called.
    pub name: String,
    /// `admin`, `publisher` or `observer`.
    #[schema(example = "publisher")]
    pub role: String,
    /// The service body a publisher or observer acts for.
    pub service_body_id: Option<i64>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub expires_at: Option<String>,
    /// RFC 3339, UTC, to the minute.
    pub last_used_at: Option<String>,
    /// RFC 3339, UTC.
    pub revoked_at: Option<String>,
}

impl From<&ApiKey> for KeyResponse {
    fn from(k: &ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name.clone(),
            role: k.role.name().to_owned(),
            service_body_id: k.service_body_id.map(|b| b.get()),
            created_at: instant(k.created_at),
            expires_at: k.expires_at.map(instant),
            last_used_at: k.last_used_at.map(instant),
            revoked_at: k.revoked_at.map(instant),
        }
    }
}

/// A key with its token, which is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKeyResponse {
    /// The key.
    pub key: KeyResponse,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Every key.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyListResponse {
    /// Keys by id.
    pub results: Vec<KeyResponse>,
    /// Always `null`: one page.
    pub next_cursor: Option<String>,
}
