//! The records the catalog's admin writes take and give: service bodies and fellowships, each
//! request decoded field by field into the struct that documents it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::ids::{FellowshipCode, ServiceBodyId};
use crate::domain::meeting::Contact;
use crate::domain::schedule::TimeZone;
use crate::domain::service_body::{Fellowship, ServiceBody, ServiceBodyData, ServiceBodyKind};
use crate::http::extract::body::{Fields, JsonBody};
use crate::http::meetings::json::{ContactResponse, instant};
use crate::service::catalog_writes::ServiceBodyWrite;
use crate::service::error::{FieldErrors, push_error};

/// A service body as an admin sends it (`POST`, `PUT`); the read-only fields of a record
/// (`id`, `created_at`, `updated_at`, `version`, `children`) are accepted and ignored. Unknown
/// fields are 422.
#[derive(Debug, ToSchema)]
pub struct ServiceBodyRequest {
    /// Display name, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `region`, `area`, `district`, `intergroup` or `other`.
    #[schema(value_type = String, pattern = "^(region|area|district|intergroup|other)$")]
    pub kind: ServiceBodyKind,
    /// The body above it; `null` for a root. Must not be the body itself or below it.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub parent_id: Option<ServiceBodyId>,
    /// The fellowship it serves, if one.
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub fellowship: Option<FellowshipCode>,
    /// IANA zone its meetings default to.
    #[schema(value_type = String, example = "Europe/Berlin")]
    pub time_zone: TimeZone,
    /// An http(s) URL.
    pub website: Option<String>,
    /// Public e-mail address, shown in feeds (Meeting Guide `entity_email`).
    pub email: Option<String>,
    /// Public phone number, shown in feeds (Meeting Guide `entity_phone`, BMLT `helpline`).
    pub phone: Option<String>,
    /// Private contact.
    pub contact: Option<ContactResponse>,
    /// Its id in the source it was imported from (a BMLT import keeps a BMLT server's service body
    /// id here and maps the server's bodies by it); at most 200 characters.
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
}

impl JsonBody for ServiceBodyRequest {
    const FIELDS: &'static [&'static str] = &[
        "name",
        "kind",
        "parent_id",
        "fellowship",
        "time_zone",
        "website",
        "email",
        "phone",
        "contact",
        "external_id",
        // Read-only, ignored.
        "id",
        "created_at",
        "updated_at",
        "version",
        "children",
    ];

    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self {
        let kind = f.required_text("kind", e).and_then(|k| {
            let kind = ServiceBodyKind::from_name(&k);
            if kind.is_none() {
                push_error(e, "kind", format!("`{k}` is not one of region, area, district, intergroup, other"));
            }
            kind
        });
        let contact = f.get("contact").and_then(|c| {
            let c = Fields::new(c, "contact", &["name", "email", "phone"], e)?;
            Some(ContactResponse {
                name: c.trimmed("name", e),
                email: c.trimmed("email", e),
                phone: c.trimmed("phone", e),
            })
        });
        Self {
            name: f.required_text("name", e).map(|n| n.trim().to_owned()).unwrap_or_default(),
            kind: kind.unwrap_or(ServiceBodyKind::Other),
            parent_id: f.id("parent_id", e),
            fellowship: f.parsed("fellowship", e),
            time_zone: f.required("time_zone", e).unwrap_or(TimeZone::from(chrono_tz::UTC)),
            website: f.trimmed("website", e),
            email: f.trimmed("email", e),
            phone: f.trimmed("phone", e),
            contact,
            external_id: f.trimmed("external_id", e),
        }
    }
}

impl ServiceBodyRequest {
    /// The write the service checks, with the problems found while decoding.
    pub fn into_write(self, problems: FieldErrors) -> ServiceBodyWrite {
        let contact = self.contact.map(|c| Contact { name: c.name, email: c.email, phone: c.phone });
        let data = ServiceBodyData {
            name: self.name,
            kind: self.kind,
            parent_id: self.parent_id,
            fellowship: self.fellowship,
            time_zone: self.time_zone,
            website: self.website,
            email: self.email,
            phone: self.phone,
            contact,
            external_id: self.external_id,
        };
        ServiceBodyWrite { data, problems }
    }
}

/// A service body record, as written and as the change feed shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceBodyRecordResponse {
    /// Positive 64-bit id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// `region`, `area`, `district`, `intergroup` or `other`.
    pub kind: String,
    /// The body above it; `null` for a root.
    pub parent_id: Option<i64>,
    /// The fellowship it serves, if one.
    pub fellowship: Option<String>,
    /// IANA zone its meetings default to.
    pub time_zone: String,
    /// Its web site.
    pub website: Option<String>,
    /// Public e-mail address.
    pub email: Option<String>,
    /// Public phone number.
    pub phone: Option<String>,
    /// Private: present only for admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactResponse>,
    /// Its id in the source it was imported from (a BMLT server's service body id).
    pub external_id: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// Incremented on every change; the `ETag`.
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
            parent_id: d.parent_id.map(ServiceBodyId::get),
            fellowship: d.fellowship.as_ref().map(ToString::to_string),
            time_zone: d.time_zone.name().to_owned(),
            website: d.website.clone(),
            email: d.email.clone(),
            phone: d.phone.clone(),
            contact: d.contact.as_ref().filter(|_| private).map(ContactResponse::from),
            external_id: d.external_id.clone(),
            created_at: instant(b.created_at),
            updated_at: instant(b.updated_at),
            version: b.version,
        }
    }
}

/// A fellowship as an admin sends it (`PUT /v1/fellowships/{code}`; `POST` also takes `code`).
#[derive(Debug, ToSchema)]
pub struct FellowshipRequest {
    /// Lowercase letters, digits and single hyphens, at most 32; required by `POST`, taken from
    /// the path by `PUT` (where it must match, if given).
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 32)]
    pub code: Option<FellowshipCode>,
    /// Full name, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// An http(s) URL.
    pub website: Option<String>,
}

impl JsonBody for FellowshipRequest {
    const FIELDS: &'static [&'static str] = &["code", "name", "website"];

    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self {
        Self {
            code: f.parsed("code", e),
            name: f.required_text("name", e).map(|n| n.trim().to_owned()).unwrap_or_default(),
            website: f.trimmed("website", e),
        }
    }
}

/// A fellowship record.
#[derive(Debug, Serialize, ToSchema)]
pub struct FellowshipRecordResponse {
    /// Short code used by filters (`aa`).
    pub code: String,
    /// Full name.
    pub name: String,
    /// World service web site.
    pub website: Option<String>,
}

impl From<&Fellowship> for FellowshipRecordResponse {
    fn from(f: &Fellowship) -> Self {
        Self { code: f.code.to_string(), name: f.name.clone(), website: f.website.clone() }
    }
}
