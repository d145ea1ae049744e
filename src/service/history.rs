//! Reading the change log: the public feed of changes (private fields redacted by the HTTP
//! layer, keys left out), and one meeting's history for keys with rights to it.

use chrono::{DateTime, Utc};

use super::Lantern;
use super::error::{ServiceError, push_error};
use super::guard::{Right, stored_meeting};
use crate::domain::access::{ApiKey, Caller};
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::Meeting;
use crate::domain::service_body::{Fellowship, ServiceBody};
use crate::storage::StorageError;
pub use crate::storage::change_log::ChangeKind;
use crate::storage::change_log::{self, ChangeRow, EntityKind, FeedQuery};

/// A record as the change log keeps it.
#[derive(Debug, Clone)]
pub enum Record {
    /// A meeting.
    Meeting(Box<Meeting>),
    /// A service body.
    ServiceBody(Box<ServiceBody>),
    /// A fellowship.
    Fellowship(Fellowship),
    /// A key (never its token).
    Key(ApiKey),
}

/// One recorded change.
#[derive(Debug, Clone)]
pub struct ChangeEntry {
    /// Its position in the log; strictly increasing.
    pub seq: i64,
    /// What kind of record.
    pub entity_kind: EntityKind,
    /// Its id or code.
    pub entity_id: String,
    /// What happened.
    pub change_kind: ChangeKind,
    /// The service body after the change (before it, for deletions).
    pub service_body_id: Option<i64>,
    /// The key's name (or `seed`, `cli`).
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The record before.
    pub before: Option<Record>,
    /// The record after.
    pub after: Option<Record>,
}

/// A page of the feed.
#[derive(Debug, Clone)]
pub struct ChangePage {
    /// The changes, by sequence.
    pub changes: Vec<ChangeEntry>,
    /// Pass as `since` for the next page, when more may follow.
    pub next_since: Option<i64>,
    /// True when the caller may see private fields and actors (admins).
    pub private: bool,
}

impl Lantern {
    /// Changes after `since`, optionally only those of a service body and its descendants.
    /// Admins also see key changes and every private field. Blocking.
    pub fn changes(
        &self,
        caller: &Caller,
        since: i64,
        service_body: Option<ServiceBodyId>,
        limit: usize,
    ) -> Result<ChangePage, ServiceError> {
        let directory = self.directory();
        let bodies = match service_body {
            Some(id) if directory.service_body(id).is_none() => {
                let mut errors = super::error::FieldErrors::new();
                push_error(&mut errors, "service_body", format!("there is no service body {id}"));
                return Err(ServiceError::UnknownReference(errors));
            }
            Some(id) => Some(directory.subtree(id).into_iter().map(ServiceBodyId::get).collect()),
            None => None,
        };
        let private = caller.is_admin();
        let kinds = EntityKind::ALL.into_iter().filter(|k| private || *k != EntityKind::Key).collect();
        let limit_plus_one = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let query =
            FeedQuery { after: since, limit: limit_plus_one, kinds, service_bodies: bodies, ..FeedQuery::default() };
        let mut conn = self.database().conn()?;
        let mut rows = change_log::feed(&mut conn, &query)?;
        // Read after the page, so that a prune committed meanwhile cannot leave a silent hole in it.
        let pruned = change_log::pruned_through(&mut conn)?;
        if since < pruned {
            return Err(ServiceError::Gone(format!(
                "changes up to {pruned} were pruned: read the current state from the lists (GET /v1/meetings, \
                 /v1/service-bodies, /v1/fellowships), then follow the changes from since={pruned}"
            )));
        }
        let more = rows.len() > limit;
        rows.truncate(limit);
        let changes = rows.into_iter().map(entry).collect::<Result<Vec<_>, _>>()?;
        let next_since = if more { changes.last().map(|c| c.seq) } else { None };
        Ok(ChangePage { changes, next_since, private })
    }

    /// Deletes the changes made more than `days` days ago, except each record's latest change (so
    /// every record stays restorable to its current state); operators and admins only. Followers
    /// behind the pruned point load again, and the changes feed answers 410 below it.
    pub fn prune_changes(&self, caller: &Caller, days: u32) -> Result<change_log::Pruned, ServiceError> {
        super::guard::require_admin(caller)?;
        let now = self.clock().now();
        let cutoff = (now - chrono::Duration::days(i64::from(days))).naive_utc();
        let pruned = self.write(|conn| Ok(change_log::prune(conn, cutoff, now)?))?;
        tracing::info!(deleted = pruned.deleted, through_seq = pruned.through_seq, "change log pruned");
        Ok(pruned)
    }

    /// The changes of meetings made in `[from, until)` after sequence `after`, optionally of one
    /// meeting or of one service body and its descendants, oldest first, at most `limit`: the public view (BMLT's
    /// `GetChanges`); the caller keeps only changes of published meetings. Blocking.
    pub fn meeting_changes_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        meeting: Option<MeetingId>,
        service_body: Option<ServiceBodyId>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<ChangeEntry>, ServiceError> {
        let directory = self.directory();
        let query = FeedQuery {
            after,
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
            kinds: vec![EntityKind::Meeting],
            service_bodies: service_body.map(|id| directory.subtree(id).into_iter().map(ServiceBodyId::get).collect()),
            from: Some(from.naive_utc()),
            until: Some(until.naive_utc()),
            entity_id: meeting.map(|m| m.to_string()),
        };
        let mut conn = self.database().conn()?;
        let rows = change_log::feed(&mut conn, &query)?;
        Ok(rows.into_iter().map(entry).collect::<Result<Vec<_>, _>>()?)
    }

    /// Every change of a meeting, deleted or not; for keys that may see its private fields. Blocking.
    pub fn meeting_history(&self, caller: &Caller, id: MeetingId) -> Result<Vec<ChangeEntry>, ServiceError> {
        let directory = self.directory();
        let mut conn = self.database().conn()?;
        stored_meeting(&mut conn, caller, &directory, id, Right::ReadPrivate)?;
        let rows = change_log::of_entity(&mut conn, EntityKind::Meeting, &id.to_string())?;
        Ok(rows.into_iter().map(entry).collect::<Result<Vec<_>, _>>()?)
    }
}

fn entry(row: ChangeRow) -> Result<ChangeEntry, StorageError> {
    let ChangeRow {
        seq,
        entity_kind,
        entity_id,
        service_body_before,
        service_body_after,
        change_kind,
        before_json,
        after_json,
        actor,
        created_at,
    } = row;
    let corrupt = |what: &str| StorageError::Corrupt(format!("change_log {seq}: {what}"));
    let kind = EntityKind::from_name(&entity_kind).ok_or_else(|| corrupt("entity_kind"))?;
    let record = |json: Option<String>| -> Result<Option<Record>, StorageError> {
        let Some(json) = json else { return Ok(None) };
        let bad = |e: serde_json::Error| corrupt(&e.to_string());
        Ok(Some(match kind {
            EntityKind::Meeting => Record::Meeting(serde_json::from_str(&json).map_err(bad)?),
            EntityKind::ServiceBody => Record::ServiceBody(serde_json::from_str(&json).map_err(bad)?),
            EntityKind::Fellowship => Record::Fellowship(serde_json::from_str(&json).map_err(bad)?),
            EntityKind::Key => Record::Key(serde_json::from_str(&json).map_err(bad)?),
        }))
    };
    Ok(ChangeEntry {
        seq,
        entity_kind: kind,
        entity_id,
        change_kind: ChangeKind::from_name(&change_kind).ok_or_else(|| corrupt("change_kind"))?,
        service_body_id: service_body_after.or(service_body_before),
        actor,
        at: created_at.and_utc(),
        before: record(before_json)?,
        after: record(after_json)?,
    })
}
