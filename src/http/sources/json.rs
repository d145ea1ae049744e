//! The JSON of `/v1/sources`: the source to follow (decoded field by field) and a source with its
//! status.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::ids::{FellowshipCode, ServiceBodyId};
use crate::domain::schedule::TimeZone;
use crate::domain::source::{DEFAULT_EVERY_MINUTES, Source, SourceKind, SourceSpec};
use crate::http::extract::body::{Fields, JsonBody};
use crate::http::imports::ImportResponse;
use crate::http::meetings::json::instant;
use crate::service::error::{FieldErrors, push_error};
use crate::service::sources::SourceWrite;

/// A source to follow. Unknown fields are 422.
#[derive(Debug, ToSchema)]
pub struct SourceRequest {
    /// Where it is published: an http(s) URL, at most 2,000 characters (a BMLT root server's base
    /// URL, e.g. `https://bmlt.example.org/main_server`). Credentials in it are used, never shown.
    /// An address that is not public (loopback, private, link-local, metadata) is refused unless
    /// the server allows private sources.
    #[schema(max_length = 2000, example = "https://intergroup.example.org/wp-admin/admin-ajax.php?action=meetings")]
    pub url: String,
    /// `meeting-guide` (a Meeting Guide JSON feed) or `bmlt` (a BMLT root server).
    #[schema(value_type = String, pattern = "^(meeting-guide|bmlt)$")]
    pub kind: SourceKind,
    /// Where its meetings go (BMLT: below which its service bodies go); one source per body.
    #[schema(value_type = i64, minimum = 1)]
    pub service_body_id: ServiceBodyId,
    /// The meetings' fellowship; default the service body's (BMLT: else `na`).
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub fellowship: Option<FellowshipCode>,
    /// Minutes between pulls, 5 to 10,080 (a week); default 360.
    #[schema(minimum = 5, maximum = 10080, default = 360)]
    pub every_minutes: Option<u32>,
    /// The IANA zone of records with neither a zone nor coordinates (default the service body's).
    #[schema(value_type = Option<String>, example = "America/Chicago")]
    pub time_zone: Option<TimeZone>,
}

impl JsonBody for SourceRequest {
    const FIELDS: &'static [&'static str] =
        &["url", "kind", "service_body_id", "fellowship", "every_minutes", "time_zone"];

    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self {
        let every_minutes = f.integer("every_minutes", e).map(|n| {
            u32::try_from(n).unwrap_or_else(|_| {
                push_error(e, "every_minutes", "must be 5 to 10080 minutes");
                DEFAULT_EVERY_MINUTES
            })
        });
        let service_body_id = f.id("service_body_id", e);
        if f.get("service_body_id").is_none() {
            push_error(e, "service_body_id", "is required");
        }
        Self {
            url: f.required_text("url", e).map(|u| u.trim().to_owned()).unwrap_or_default(),
            kind: f.required("kind", e).unwrap_or(SourceKind::MeetingGuide),
            service_body_id: service_body_id
                .unwrap_or_else(|| ServiceBodyId::new(1).unwrap_or_else(|_| unreachable!())),
            fellowship: f.parsed("fellowship", e),
            every_minutes,
            time_zone: f.parsed("time_zone", e),
        }
    }
}

impl SourceRequest {
    /// The write the service checks, with the problems found while decoding.
    pub fn into_write(self, problems: FieldErrors) -> SourceWrite {
        let spec = SourceSpec {
            url: self.url,
            kind: self.kind,
            service_body_id: self.service_body_id,
            fellowship: self.fellowship,
            every_minutes: self.every_minutes.unwrap_or(DEFAULT_EVERY_MINUTES),
            time_zone: self.time_zone,
        };
        SourceWrite { spec, problems }
    }
}

/// A followed source and how its last pull went.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceResponse {
    /// Its id.
    pub id: i64,
    /// Where it is published, without credentials.
    pub url: String,
    /// `meeting-guide` or `bmlt`.
    #[schema(example = "meeting-guide", pattern = "^(meeting-guide|bmlt)$")]
    pub kind: String,
    /// Where its meetings go.
    pub service_body_id: i64,
    /// The meetings' fellowship, if set.
    pub fellowship: Option<String>,
    /// Minutes between pulls.
    pub every_minutes: u32,
    /// The zone of records with neither a zone nor coordinates, if set.
    pub time_zone: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When the last pull started (RFC 3339, UTC).
    pub last_attempt_at: Option<String>,
    /// When a pull last succeeded.
    pub last_success_at: Option<String>,
    /// How the last pull ended: `imported`, `not_modified` (the server answered 304; nothing was
    /// applied) or `failed` (the meetings stay as they were).
    #[schema(example = "imported", pattern = "^(imported|not_modified|failed)$")]
    pub last_status: Option<String>,
    /// Why the last pull failed.
    pub last_error: Option<String>,
    /// What the last import did: the import endpoints' answer without its `changes`.
    #[schema(value_type = Option<ImportResponse>)]
    pub last_diff: Option<serde_json::Value>,
    /// When it is pulled next (after failures, sooner than its interval: 1, 2, 4 … minutes).
    pub next_pull_at: String,
}

impl From<&Source> for SourceResponse {
    fn from(s: &Source) -> Self {
        Self {
            id: s.id,
            url: s.public_url(),
            kind: s.spec.kind.name().to_owned(),
            service_body_id: s.spec.service_body_id.get(),
            fellowship: s.spec.fellowship.as_ref().map(ToString::to_string),
            every_minutes: s.spec.every_minutes,
            time_zone: s.spec.time_zone.map(|z| z.name().to_owned()),
            created_at: instant(s.created_at),
            last_attempt_at: s.last_attempt_at.map(instant),
            last_success_at: s.last_success_at.map(instant),
            last_status: s.last_status.map(|p| p.name().to_owned()),
            last_error: s.last_error.clone(),
            last_diff: s.last_diff.clone(),
            next_pull_at: instant(s.next_pull_at),
        }
    }
}

/// Every followed source, in one page.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceListResponse {
    /// By id.
    pub results: Vec<SourceResponse>,
    /// Always `null`: one page.
    pub next_cursor: Option<String>,
}
