//! The change feed and a meeting's history as JSON: records in their API shape, with private
//! fields (and unpublished meetings) left out of the public feed.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::http::catalog::json::{FellowshipRecordResponse, ServiceBodyRecordResponse};
use crate::http::keys::json::KeyResponse;
use crate::http::meetings::json::{MeetingResponse, instant};
use crate::service::history::{ChangeEntry, Record};

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResponse {
    /// Strictly increasing position in the log; `since` takes it.
    pub seq: i64,
    /// `meeting`, `service_body`, `fellowship` (and `key` for admins).
    pub entity_kind: String,
    /// The record's id (a fellowship's code).
    pub entity_id: String,
    /// `create`, `update`, `delete` or `restore`.
    pub change_kind: String,
    /// The service body after the change (before it, for deletions).
    pub service_body_id: Option<i64>,
    /// RFC 3339, UTC.
    pub at: String,
    /// The key's name; for admins and in histories only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record before, in its API shape; `null` when it did not exist or was not public.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The record after, likewise.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

impl ChangeResponse {
    /// The change as the caller may see it.
    pub fn new(c: &ChangeEntry, private: bool) -> Self {
        Self {
            seq: c.seq,
            entity_kind: c.entity_kind.name().to_owned(),
            entity_id: c.entity_id.clone(),
            change_kind: c.change_kind.name().to_owned(),
            service_body_id: c.service_body_id,
            at: instant(c.at),
            actor: private.then(|| c.actor.clone()),
            before: c.before.as_ref().and_then(|r| record(r, private)),
            after: c.after.as_ref().and_then(|r| record(r, private)),
        }
    }
}

fn record(r: &Record, private: bool) -> Option<Value> {
    let json = match r {
        Record::Meeting(m) if private => serde_json::to_value(MeetingResponse::with_private(m)),
        Record::Meeting(m) if m.data.published => serde_json::to_value(MeetingResponse::from(m.as_ref())),
        Record::Meeting(_) => return None,
        Record::ServiceBody(b) => serde_json::to_value(ServiceBodyRecordResponse::new(b, private)),
        Record::Fellowship(f) => serde_json::to_value(FellowshipRecordResponse::from(f)),
        Record::Key(k) if private => serde_json::to_value(KeyResponse::from(k)),
        Record::Key(_) => return None,
    };
    json.ok()
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeListResponse {
    /// Changes by sequence.
    pub results: Vec<ChangeResponse>,
    /// Pass as `since` for the next page; `null` when this page reaches the end (then continue
    /// later from the last `seq` seen).
    pub next_since: Option<i64>,
}

/// A meeting's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryResponse {
    /// Changes by sequence.
    pub results: Vec<ChangeResponse>,
}
