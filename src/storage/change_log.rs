//! The change log: one row per write, appended in the same transaction as the write itself.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{change_log, change_log_pruned};
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
    /// An API key (its record never holds the token or its hash).
    Key,
}

impl EntityKind {
    /// Every kind.
    pub const ALL: [EntityKind; 4] =
        [EntityKind::Meeting, EntityKind::ServiceBody, EntityKind::Fellowship, EntityKind::Key];

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The name stored and shown on the wire.
    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Meeting => "meeting",
            EntityKind::ServiceBody => "service_body",
            EntityKind::Fellowship => "fellowship",
            EntityKind::Key => "key",
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
    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [ChangeKind::Create, ChangeKind::Update, ChangeKind::Delete, ChangeKind::Restore]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// The name stored and shown on the wire.
    pub fn name(self) -> &'static str {
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

/// Appends one change, returning its sequence number; call inside the write's transaction.
pub fn append(conn: &mut AnyConnection, change: Change) -> Result<i64, StorageError> {
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
    Ok(diesel::insert_into(change_log::table).values(&row).returning(change_log::seq).get_result(conn)?)
}

/// How many changes are recorded.
pub fn count(conn: &mut AnyConnection) -> Result<i64, StorageError> {
    Ok(change_log::table.count().get_result(conn)?)
}

/// A record the change log keeps whole: what kind it is, its id, and its service body.
pub trait Recorded: serde::Serialize {
    /// The kind of entity.
    const KIND: EntityKind;
    /// Its id (or code) as text.
    fn entity_id(&self) -> String;
    /// The service body it belongs to, if any.
    fn service_body(&self) -> Option<i64>;
}

impl Recorded for crate::domain::meeting::Meeting {
    const KIND: EntityKind = EntityKind::Meeting;
    fn entity_id(&self) -> String {
        self.id.to_string()
    }
    fn service_body(&self) -> Option<i64> {
        Some(self.data.service_body_id.get())
    }
}

impl Recorded for crate::domain::service_body::ServiceBody {
    const KIND: EntityKind = EntityKind::ServiceBody;
    fn entity_id(&self) -> String {
        self.id.to_string()
    }
    fn service_body(&self) -> Option<i64> {
        Some(self.id.get())
    }
}

impl Recorded for crate::domain::service_body::Fellowship {
    const KIND: EntityKind = EntityKind::Fellowship;
    fn entity_id(&self) -> String {
        self.code.to_string()
    }
    fn service_body(&self) -> Option<i64> {
        None
    }
}

impl Recorded for crate::domain::access::ApiKey {
    const KIND: EntityKind = EntityKind::Key;
    fn entity_id(&self) -> String {
        self.id.to_string()
    }
    fn service_body(&self) -> Option<i64> {
        self.service_body_id.map(|b| b.get())
    }
}

/// Appends the change of one record from `before` to `after` (either absent), made by `actor`.
pub fn record<T: Recorded>(
    conn: &mut AnyConnection,
    actor: &str,
    change_kind: ChangeKind,
    before: Option<&T>,
    after: Option<&T>,
    at: DateTime<Utc>,
) -> Result<i64, StorageError> {
    let json = |r: &T| serde_json::to_value(r).map_err(|e| StorageError::Corrupt(e.to_string()));
    let Some(entity_id) = after.or(before).map(Recorded::entity_id) else {
        return Err(StorageError::Corrupt("a change needs a record before or after".into()));
    };
    append(
        conn,
        Change {
            entity_kind: T::KIND,
            entity_id,
            service_body_before: before.and_then(Recorded::service_body),
            service_body_after: after.and_then(Recorded::service_body),
            change_kind,
            before: before.map(json).transpose()?,
            after: after.map(json).transpose()?,
            actor: actor.to_owned(),
            at,
        },
    )
}

/// Makes write transactions take their turn, so that change-log sequence numbers commit in order,
/// a follower reading "changes after N" never skips one that commits late, and every write reads
/// the state the previous one committed. Call first in the transaction. PostgreSQL: a
/// transaction-scoped advisory lock shared by every node. SQLite: a write that matches no row takes
/// the database's write lock now (waiting up to `busy_timeout`), instead of at the first real write
/// after reads, where a second process would fail with "database is locked". Either waits at most
/// `wait` (on PostgreSQL through `lock_timeout`, for the rest of the transaction), then fails.
pub fn serialize_writers(conn: &mut AnyConnection, wait: std::time::Duration) -> Result<(), StorageError> {
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Postgresql(pg) => pg.batch_execute(&format!(
            "SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock(7353012026)",
            wait.as_millis().max(1)
        ))?,
        AnyConnection::Sqlite(lite) => lite.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; UPDATE change_log SET seq = seq WHERE seq < 0",
            wait.as_millis().max(1)
        ))?,
    }
    Ok(())
}

/// A recorded change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = change_log)]
#[expect(missing_docs, reason = "the columns, as the migrations document them")]
pub struct ChangeRow {
    pub seq: i64,
    pub entity_kind: String,
    pub entity_id: String,
    pub service_body_before: Option<i64>,
    pub service_body_after: Option<i64>,
    pub change_kind: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub actor: String,
    pub created_at: chrono::NaiveDateTime,
}

/// Which changes a feed page reads.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    /// Changes after this sequence number.
    pub after: i64,
    /// At most this many.
    pub limit: i64,
    /// Only these entity kinds.
    pub kinds: Vec<EntityKind>,
    /// Only changes whose service body before or after is one of these.
    pub service_bodies: Option<Vec<i64>>,
    /// Only changes made at or after this instant.
    pub from: Option<chrono::NaiveDateTime>,
    /// Only changes made before this instant.
    pub until: Option<chrono::NaiveDateTime>,
    /// Only changes of this entity.
    pub entity_id: Option<String>,
}

/// Changes in sequence order.
pub fn feed(conn: &mut AnyConnection, q: &FeedQuery) -> Result<Vec<ChangeRow>, StorageError> {
    let kinds: Vec<&str> = q.kinds.iter().map(|k| k.name()).collect();
    let mut query = change_log::table
        .filter(change_log::seq.gt(q.after))
        .filter(change_log::entity_kind.eq_any(kinds))
        .order(change_log::seq)
        .limit(q.limit)
        .select(ChangeRow::as_select())
        .into_boxed();
    if let Some(from) = q.from {
        query = query.filter(change_log::created_at.ge(from));
    }
    if let Some(until) = q.until {
        query = query.filter(change_log::created_at.lt(until));
    }
    if let Some(id) = &q.entity_id {
        query = query.filter(change_log::entity_id.eq(id.clone()));
    }
    if let Some(bodies) = &q.service_bodies {
        query = query.filter(
            change_log::service_body_before
                .eq_any(bodies.clone())
                .or(change_log::service_body_after.eq_any(bodies.clone())),
        );
    }
    Ok(query.load(conn)?)
}

/// Every change of one entity, in order.
pub fn of_entity(conn: &mut AnyConnection, kind: EntityKind, id: &str) -> Result<Vec<ChangeRow>, StorageError> {
    Ok(change_log::table
        .filter(change_log::entity_kind.eq(kind.name()))
        .filter(change_log::entity_id.eq(id))
        .order(change_log::seq)
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// One change by sequence number.
pub fn get(conn: &mut AnyConnection, seq: i64) -> Result<Option<ChangeRow>, StorageError> {
    Ok(change_log::table.find(seq).select(ChangeRow::as_select()).first(conn).optional()?)
}

/// The PostgreSQL channel on which every write transaction announces new changes at commit.
pub const CHANNEL: &str = "lantern_changes";

/// Announces new changes to the nodes listening on [`CHANNEL`] (PostgreSQL delivers it at commit,
/// and not at all on rollback); on SQLite, where nodes poll, it does nothing. Call inside the write's
/// transaction.
pub fn announce(conn: &mut AnyConnection) -> Result<(), StorageError> {
    use diesel::connection::SimpleConnection;
    if let AnyConnection::Postgresql(pg) = conn {
        pg.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
    }
    Ok(())
}

/// The highest sequence number recorded, 0 when the log is empty.
pub fn head(conn: &mut AnyConnection) -> Result<i64, StorageError> {
    let head: Option<i64> = change_log::table.select(diesel::dsl::max(change_log::seq)).first(conn)?;
    Ok(head.unwrap_or(0))
}

/// What a follower needs of one change: which entity, and when.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = change_log)]
#[expect(missing_docs, reason = "the columns, as the migrations document them")]
pub struct Marker {
    pub seq: i64,
    pub entity_kind: String,
    pub entity_id: String,
    pub created_at: chrono::NaiveDateTime,
}

/// At most `limit` changes after `after`, in sequence order, without their records.
pub fn markers_after(conn: &mut AnyConnection, after: i64, limit: i64) -> Result<Vec<Marker>, StorageError> {
    Ok(change_log::table
        .filter(change_log::seq.gt(after))
        .order(change_log::seq)
        .limit(limit)
        .select(Marker::as_select())
        .load(conn)?)
}

/// When change `seq` was made, or `None` when the log holds no such change.
pub fn made_at(conn: &mut AnyConnection, seq: i64) -> Result<Option<chrono::NaiveDateTime>, StorageError> {
    Ok(change_log::table.find(seq).select(change_log::created_at).first(conn).optional()?)
}

/// Every change up to this sequence number that was not its entity's latest has been pruned; 0 when
/// the log was never pruned. A reader that has not seen every change up to it must start over.
pub fn pruned_through(conn: &mut AnyConnection) -> Result<i64, StorageError> {
    let through: Option<i64> =
        change_log_pruned::table.select(change_log_pruned::through_seq).first(conn).optional()?;
    Ok(through.unwrap_or(0))
}

/// What pruning removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// How many changes were deleted.
    pub deleted: usize,
    /// The new `pruned_through` (unchanged when nothing was deleted).
    pub through_seq: i64,
}

/// Deletes the changes made before `cutoff`, except each entity's latest change (which holds its
/// current state, so that every record stays restorable), and records how far the log was pruned.
/// Call inside a write transaction that holds the writers' lock.
pub fn prune(
    conn: &mut AnyConnection,
    cutoff: chrono::NaiveDateTime,
    at: DateTime<Utc>,
) -> Result<Pruned, StorageError> {
    // A change is superseded when a later one of the same entity exists: a correlated lookup on
    // the (entity_kind, entity_id) index, which stays linear where `NOT IN (SELECT max ... GROUP BY)`
    // would compare every row with every entity's latest once the list outgrows PostgreSQL's work_mem.
    let later = diesel::alias!(change_log as later_changes);
    let superseded = diesel::dsl::exists(
        later
            .filter(later.field(change_log::entity_kind).eq(change_log::entity_kind))
            .filter(later.field(change_log::entity_id).eq(change_log::entity_id))
            .filter(later.field(change_log::seq).gt(change_log::seq))
            .select(later.field(change_log::seq)),
    );
    let doomed = change_log::created_at.lt(cutoff).and(superseded);
    let last: Option<i64> = change_log::table.filter(doomed).select(diesel::dsl::max(change_log::seq)).first(conn)?;
    let previous = pruned_through(conn)?;
    let Some(last) = last else { return Ok(Pruned { deleted: 0, through_seq: previous }) };
    let deleted = diesel::delete(change_log::table.filter(doomed)).execute(conn)?;
    let through_seq = last.max(previous);
    diesel::delete(change_log_pruned::table).execute(conn)?;
    diesel::insert_into(change_log_pruned::table)
        .values((
            change_log_pruned::id.eq(1),
            change_log_pruned::through_seq.eq(through_seq),
            change_log_pruned::pruned_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(Pruned { deleted, through_seq })
}
