//! Request and response bodies of the publishing API: what a publisher sends for a meeting, a
//! service body, a fellowship and a key, and what comes back.

// Field meanings are in their names; the few that need words have them.
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{ClosuresResponse, ContactResponse, LocationResponse, OnlineResponse, instant};
use crate::domain::access::ApiKey;
use crate::domain::service_body::{Fellowship, ServiceBody};

/// A meeting as a publisher sends it (`POST`, `PUT`): the meeting's JSON shape without the
/// read-only `id`, `created_at`, `updated_at` and `version` (accepted and ignored). Unknown fields
/// are 422.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the body; decoding reads the JSON field by field")]
pub struct PublishMeetingRequest {
    /// 1–200 characters.
    name: String,
    /// Lowercase letters, digits and single hyphens, at most 100, unique in the service body;
    /// derived from the name when absent.
    slug: Option<String>,
    /// A code from `GET /v1/fellowships`.
    fellowship: String,
    service_body_id: i64,
    external_id: Option<String>,
    /// `in_person`, `hybrid`, `online` or `inactive`. In-person and hybrid meetings need
    /// `location` with coordinates; online and hybrid ones need `online.conference_url` or
    /// `online.conference_phone`.
    #[schema(example = "in_person")]
    attendance: String,
    /// `null` for meetings by appointment.
    schedule: Option<ScheduleRequest>,
    location: Option<LocationResponse>,
    online: Option<OnlineResponse>,
    /// Codes from `GET /v1/types` (default none).
    types: Option<Vec<String>>,
    /// ISO 639-1 codes (default none).
    languages: Option<Vec<String>>,
    notes: Option<String>,
    group_name: Option<String>,
    /// An http(s) URL.
    website: Option<String>,
    closures: Option<ClosuresResponse>,
    /// Private contact people (default none).
    contacts: Option<Vec<ContactResponse>>,
    /// Unpublished meetings are invisible to the public (default `true`).
    published: Option<bool>,
}

/// When a meeting meets.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the body; decoding reads the JSON field by field")]
pub struct ScheduleRequest {
    /// At least one of `monday` … `sunday`.
    #[schema(example = json!(["monday", "thursday"]))]
    days: Vec<String>,
    /// Local `HH:MM`, 24-hour.
    #[schema(example = "19:30")]
    start_time: String,
    /// 1–1440 (default 60).
    duration_minutes: Option<u16>,
    /// IANA zone name; when absent it is derived from the coordinates (else the service body's zone).
    #[schema(example = "America/New_York")]
    time_zone: Option<String>,
    /// `1`–`5` or `-1` for the last (default every week).
    weeks_of_month: Option<Vec<i8>>,
}

/// Which state to restore.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// A `seq` from the meeting's history: restore the state after that change.
    pub seq: Option<i64>,
}

/// A service body as an admin sends it (`POST`, `PUT`). Unknown fields are 422.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the body; decoding reads the JSON field by field")]
pub struct ServiceBodyRequest {
    /// 1–200 characters.
    name: String,
    /// `region`, `area`, `district`, `intergroup` or `other`.
    kind: String,
    /// The body above it; `null` for a root. Must not be the body itself or below it.
    parent_id: Option<i64>,
    fellowship: Option<String>,
    /// IANA zone its meetings default to.
    time_zone: String,
    website: Option<String>,
    /// Private.
    contact: Option<ContactResponse>,
}

/// A service body record, as written and as the change feed shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceBodyRecordResponse {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub fellowship: Option<String>,
    pub time_zone: String,
    pub website: Option<String>,
    /// Private: present only for admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactResponse>,
    pub created_at: String,
    pub updated_at: String,
    /// The `ETag`.
    pub version: i64,
}

impl ServiceBodyRecordResponse {
    /// The record; `private` adds the contact.
    pub fn new(b: &ServiceBody, private: bool) -> Self {
        let d = &b.data;
        Self {
            id: b.id.get(),
            name: d.name.clone(),
            kind: d.kind.name().to_owned(),
            parent_id: d.parent_id.map(|p| p.get()),
            fellowship: d.fellowship.as_ref().map(ToString::to_string),
            time_zone: d.time_zone.name().to_owned(),
            website: d.website.clone(),
            contact: d.contact.as_ref().filter(|_| private).map(ContactResponse::from),
            created_at: instant(b.created_at),
            updated_at: instant(b.updated_at),
            version: b.version,
        }
    }
}

/// A fellowship as an admin sends it (`PUT /v1/fellowships/{code}`; `POST` also takes `code`).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FellowshipRequest {
    /// Lowercase letters, digits and single hyphens; required by `POST`, taken from the path by `PUT`.
    #[serde(default)]
    pub code: Option<String>,
    /// 1–200 characters.
    pub name: String,
    /// An http(s) URL.
    #[serde(default)]
    pub website: Option<String>,
}

/// A fellowship record.
#[derive(Debug, Serialize, ToSchema)]
pub struct FellowshipRecordResponse {
    pub code: String,
    pub name: String,
    pub website: Option<String>,
}

impl From<&Fellowship> for FellowshipRecordResponse {
    fn from(f: &Fellowship) -> Self {
        Self { code: f.code.to_string(), name: f.name.clone(), website: f.website.clone() }
    }
}

/// A key to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// 1–100 characters; recorded as the actor of the key's changes.
    pub name: String,
    /// `admin`, `publisher` or `observer`.
    #[schema(example = "publisher")]
    pub role: String,
    /// Required for publishers and observers, absent for admins.
    #[serde(default)]
    pub service_body_id: Option<i64>,
    /// RFC 3339; the key stops working then.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A key (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyResponse {
    pub id: i64,
    pub name: String,
    #[schema(example = "publisher")]
    pub role: String,
    pub service_body_id: Option<i64>,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// To the minute.
    pub last_used_at: Option<String>,
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
    pub key: KeyResponse,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Every key.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyListResponse {
    pub results: Vec<KeyResponse>,
    /// Always `null`: one page.
    pub next_cursor: Option<String>,
}
