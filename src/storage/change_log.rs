//! The change log: one row per write, appended in the same transaction as the write itself.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::change_log;
use super::{AnyConnection, StorageError};

/// What kind of entity changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    /// A meeting.
    Meeting,
    /// A service body.
    ServiceBody,
    /// A fellowship.
    Fellowship,
}

impl EntityKind {
    fn name(self) -> &'static str {
        match self {
            EntityKind::Meeting => "meeting",
            EntityKind::ServiceBody => "service_body",
            EntityKind::Fellowship => "fellowship",
        }
    }
}

/// What happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// It was created.
    Create,
    /// It was changed.
    Update,
    /// It was (soft) deleted.
    Delete,
    /// It was restored.
    Restore,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Delete => "delete",
            ChangeKind::Restore => "restore",
        }
    }
}

/// One change to append.
#[derive(Debug, Clone)]
pub struct Change {
    /// The kind of entity.
    pub entity_kind: EntityKind,
    /// Its id (or code) as text.
    pub entity_id: String,
    /// Its service body before the change.
    pub service_body_before: Option<i64>,
    /// Its service body after the change.
    pub service_body_after: Option<i64>,
    /// What happened.
    pub change_kind: ChangeKind,
    /// The whole record before, as JSON.
    pub before: Option<serde_json::Value>,
    /// The whole record after, as JSON.
    pub after: Option<serde_json::Value>,
    /// The name of the key that made it (never the token), or `seed`.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = change_log)]
struct NewChangeRow {
    entity_kind: &'static str,
    entity_id: String,
    service_body_before: Option<i64>,
    service_body_after: Option<i64>,
    change_kind: &'static str,
    before_json: Option<String>,
    after_json: Option<String>,
    actor: String,
    created_at: chrono::NaiveDateTime,
}

/// Appends one change; call inside the write's transaction.
pub fn append(conn: &mut AnyConnection, change: Change) -> Result<(), StorageError> {
    let Change {
        entity_kind,
        entity_id,
        service_body_before,
        service_body_after,
        change_kind,
        before,
        after,
        actor,
        at,
    } = change;
    let row = NewChangeRow {
        entity_kind: entity_kind.name(),
        entity_id,
        service_body_before,
        service_body_after,
        change_kind: change_kind.name(),
        before_json: before.map(|v| v.to_string()),
        after_json: after.map(|v| v.to_string()),
        actor,
        created_at: at.naive_utc(),
    };
    diesel::insert_into(change_log::table).values(&row).execute(conn)?;
    Ok(())
}

/// How many changes are recorded.
pub fn count(conn: &mut AnyConnection) -> Result<i64, StorageError> {
    Ok(change_log::table.count().get_result(conn)?)
}
