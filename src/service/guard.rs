//! What every write shares: the transaction under the writers' locks, and who may write what.

use chrono::{DateTime, Utc};
use diesel::Connection;

use super::Lantern;
use super::error::ServiceError;
use crate::domain::access::Caller;
use crate::domain::directory::Directory;
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::Meeting;
use crate::storage::{AnyConnection, StorageError, change_log, writes};

/// The least a write waits for a connection or the database's lock, however long it queued.
const MIN_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

impl Lantern {
    /// Runs `f` in a write transaction that holds this node's writer lock and, on PostgreSQL,
    /// the cluster-wide one; returns the lock still held, for publishing the snapshot.
    pub(crate) fn write_locked<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, ServiceError>,
    ) -> Result<(super::snapshot::WriterGuard<'_>, T), ServiceError> {
        // Every wait is bounded: a write that cannot go ahead within the database wait answers 503.
        let wait = self.db.wait();
        let started = std::time::Instant::now();
        let remaining = || wait.saturating_sub(started.elapsed()).max(MIN_WAIT);
        let writer = self.snapshots.lock_within(wait).ok_or_else(|| {
            StorageError::Busy(format!("writes on this node queued for more than {} ms", wait.as_millis()))
        })?;
        let mut conn = self.db.conn_within(remaining())?;
        let (value, before, after, made) = conn.transaction(|conn| {
            change_log::serialize_writers(conn, remaining())?;
            let before = change_log::head(conn)?;
            let value = f(conn)?;
            let after = change_log::head(conn)?;
            let made = if after > before { change_log::made_at(conn, after)? } else { None };
            change_log::announce(conn)?;
            Ok::<_, ServiceError>((value, before, after, made))
        })?;
        // The snapshot is about to hold this write (other nodes hear of it by notification or poll).
        self.wrote(before, after, made);
        self.follow_signal.nudge();
        Ok((writer, value))
    }

    /// A write transaction that changes no snapshot (keys).
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.write_locked(f).map(|(_, value)| value)
    }
}

/// 401 for the public, 403 for keys that are not admin keys.
pub(crate) fn require_admin(caller: &Caller) -> Result<(), ServiceError> {
    match caller {
        Caller::Public => Err(ServiceError::Unauthorized("this needs an admin API key".into())),
        c if c.is_admin() => Ok(()),
        _ => Err(ServiceError::Forbidden("only admin keys may do this".into())),
    }
}

/// 401 for the public, 403 for a key that may not publish to `body`.
pub(crate) fn may_publish(
    caller: &Caller,
    directory: &Directory,
    body: ServiceBodyId,
    what: &str,
) -> Result<(), ServiceError> {
    match caller {
        Caller::Public => Err(ServiceError::Unauthorized("publishing needs an API key".into())),
        c if c.may_publish(directory, body) => Ok(()),
        _ => Err(ServiceError::Forbidden(format!("this key may not {what} service body {body}"))),
    }
}

/// What a caller wants to do with a stored meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Right {
    /// Change it.
    Publish,
    /// Read its private fields and history.
    ReadPrivate,
}

/// The stored meeting (deleted or not) when the caller has the right to it: 401 for the public,
/// 403 for other keys whether or not it exists, 404 only for those who may see everything.
pub(crate) fn stored_meeting(
    conn: &mut AnyConnection,
    caller: &Caller,
    directory: &Directory,
    id: MeetingId,
    right: Right,
) -> Result<(Meeting, Option<DateTime<Utc>>), ServiceError> {
    if matches!(caller, Caller::Public) {
        return Err(ServiceError::Unauthorized("this needs an API key".into()));
    }
    let allowed = |m: &Meeting| match right {
        Right::Publish => caller.may_publish(directory, m.data.service_body_id),
        Right::ReadPrivate => caller.may_read_private(directory, m.data.service_body_id),
    };
    match writes::find_meeting(conn, id)? {
        Some((m, deleted)) if allowed(&m) => Ok((m, deleted)),
        None if caller.is_admin() => Err(ServiceError::NotFound(format!("there is no meeting {id}"))),
        _ => Err(ServiceError::Forbidden(format!("this key has no rights to meeting {id}"))),
    }
}
