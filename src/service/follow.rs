//! Following the change log: every node keeps its snapshot in step with the database by applying
//! the changes any node (or `lantern import`, or another process on the same SQLite file) commits.
//!
//! **Why reading "changes after the last one applied" is exact.** Sequence numbers are not gap-free
//! (a rolled-back write consumed one), and in general a transaction can commit after a later
//! sequence number is already visible. Lantern rules the second out: every write transaction first
//! takes the writers' lock (`change_log::serialize_writers`: a PostgreSQL transaction-scoped advisory
//! lock shared by all nodes, the SQLite write lock), allocates its sequence numbers only while holding
//! it, and releases it only once its commit or rollback is visible (PostgreSQL releases a
//! transaction's locks after marking it committed; a streaming replica replays commits in that
//! order). So when a follower sees change N, every sequence number below N belongs either to a change
//! it can see too or to a transaction that rolled back and will never appear. A gap is therefore never
//! waited for, and a change is never skipped.
//!
//! **What is applied.** A follower reads which entities changed after its last applied sequence and
//! then their current rows (not the records in the log), under the node's writer lock so that no
//! local write publishes in between. The rows it reads may be newer than the last change it read;
//! that is harmless, since every later change is applied again on the next round and applying the
//! current state twice gives the same snapshot. Meetings identical to what the snapshot holds (the
//! node's own writes, already published) are not republished.
//!
//! **When it rebuilds.** When the log no longer holds the last applied change as it was (the database
//! was dropped and restored, or the log was pruned past it), or when more changes are pending than a
//! full load costs, the follower loads everything again and swaps the snapshot whole.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Lantern, ServiceError};
use crate::domain::directory::Directory;
use crate::domain::ids::MeetingId;
use crate::storage::change_log::{self, EntityKind};
use crate::storage::{AnyConnection, Database, StorageError, queries};

/// Changes read per round.
const BATCH: i64 = 5_000;

/// Beyond this many pending sequence numbers a full load is cheaper than catching up.
const REBUILD_BEYOND: i64 = 200_000;

/// How far the node's snapshot is behind the database.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// The last change the snapshot holds (every change up to it is applied).
    pub applied_seq: i64,
    /// When that change was made, as the log recorded it (to notice a log that was replaced).
    pub applied_made_at: Option<NaiveDateTime>,
    /// The last change the database holds, as last seen (on the primary).
    pub head_seq: i64,
    /// When this node first saw a change it has not applied (`None` when none is pending).
    pub pending_since: Option<DateTime<Utc>>,
    /// The last change this node wrote itself: a replica must have replayed it before the
    /// follower may read rows from it, or it would put older rows over the node's own writes.
    pub own_seq: i64,
    /// Whether the last attempt to reach the database succeeded.
    pub database_reachable: bool,
}

impl Progress {
    /// How long the oldest change this node has not applied has been waiting, as far as this node
    /// can tell: since it first saw it (0 when none is pending). Change times are the writers'
    /// clocks, taken before a write waits for its locks, so a long import would look old on commit.
    pub fn lag_seconds(&self, now: DateTime<Utc>) -> f64 {
        match self.pending_since {
            Some(seen) if self.head_seq > self.applied_seq => (now - seen).num_milliseconds().max(0) as f64 / 1000.0,
            _ => 0.0,
        }
    }

    /// Records the head of the log as seen `now`.
    fn saw_head(&mut self, head: i64, now: DateTime<Utc>) {
        self.head_seq = head.max(self.applied_seq);
        if self.head_seq > self.applied_seq {
            self.pending_since.get_or_insert(now);
        } else {
            self.pending_since = None;
        }
        self.database_reachable = true;
    }
}

/// What one round of following did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Nothing was pending.
    Quiet,
    /// This many changes were applied; more may be pending.
    Applied(usize),
    /// The snapshot was loaded again whole.
    Rebuilt,
}

/// Wakes the follower early: a local commit, or a PostgreSQL notification.
#[derive(Default)]
pub struct Signal {
    woken: Mutex<bool>,
    condvar: Condvar,
}

impl Signal {
    /// Wakes the waiting follower (or makes its next wait return at once).
    pub fn nudge(&self) {
        *self.woken.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.condvar.notify_all();
    }

    /// Waits until nudged or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        let woken = self.woken.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut woken, _) =
            self.condvar.wait_timeout_while(woken, timeout, |w| !*w).unwrap_or_else(PoisonError::into_inner);
        *woken = false;
    }
}

/// The directory as the database holds it, and the progress that goes with it: the head is read
/// before the records, so whatever the load misses is after the head and is applied on catching up.
pub(crate) fn load(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<(Directory, Progress, Duration), StorageError> {
    let started = std::time::Instant::now();
    let head = change_log::head(conn)?;
    let made_at = change_log::made_at(conn, head)?;
    let records = queries::load_records(conn)?;
    let loaded = started.elapsed();
    let directory = Directory::new(records.fellowships, records.service_bodies, records.meetings, now);
    let progress = Progress {
        applied_seq: head,
        applied_made_at: made_at,
        head_seq: head,
        pending_since: None,
        own_seq: 0,
        database_reachable: true,
    };
    Ok((directory, progress, loaded))
}

impl Lantern {
    /// The database snapshots are loaded and followed from: the replica when one is set.
    pub(crate) fn reader(&self) -> &Database {
        self.replica.as_ref().unwrap_or(&self.db)
    }

    /// How far the snapshot is behind, as last seen.
    pub fn progress(&self) -> Progress {
        *self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_progress(&self, change: impl FnOnce(&mut Progress)) {
        change(&mut self.progress.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Records that the database could not be reached (the snapshot keeps answering).
    fn unreachable(&self) {
        self.set_progress(|p| p.database_reachable = false);
    }

    /// Reads the head of the log from the primary (waiting at most `wait` for a connection), for
    /// readiness and metrics; on failure, marks the database unreachable and keeps the last progress seen.
    pub fn observe(&self, wait: Duration) -> Progress {
        let head = self.db.conn_within(wait).and_then(|mut conn| change_log::head(&mut conn));
        let now = self.clock.now();
        match head {
            Ok(head) => self.set_progress(|p| p.saw_head(head, now)),
            Err(_) => self.unreachable(),
        }
        self.progress()
    }

    /// Records a write this node committed: changes `before + 1 ..= after`, the last made at `made`.
    /// When the snapshot held everything up to `before`, it now holds everything up to `after` (the
    /// caller publishes the write under the writer lock it still holds).
    pub(crate) fn wrote(&self, before: i64, after: i64, made: Option<NaiveDateTime>) {
        if after <= before {
            return;
        }
        let now = self.clock.now();
        self.set_progress(|p| {
            p.own_seq = p.own_seq.max(after);
            if p.applied_seq == before {
                p.applied_seq = after;
                p.applied_made_at = made;
            }
            p.saw_head(p.head_seq.max(after), now);
        });
    }

    /// Applies every change committed since the last one applied (in rounds of a few thousand), or
    /// loads the directory again when it must. Blocking.
    pub fn catch_up(&self) -> Result<Round, ServiceError> {
        self.catch_up_while(|| true)
    }

    /// Like `catch_up`, but stops between rounds once `go_on` says so (a node shutting down does not
    /// wait for a long backlog).
    pub fn catch_up_while(&self, go_on: impl Fn() -> bool) -> Result<Round, ServiceError> {
        let (mut total, mut rebuilt) = (0, false);
        while go_on() {
            match self.follow_round() {
                Ok(Round::Applied(n)) => total += n,
                Ok(Round::Quiet) => break,
                // What was committed during the load is applied by the next round; a second
                // rebuild in one call waits for the next call.
                Ok(Round::Rebuilt) if rebuilt => break,
                Ok(Round::Rebuilt) => rebuilt = true,
                Err(e) => {
                    self.unreachable();
                    return Err(e);
                }
            }
        }
        Ok(match (rebuilt, total) {
            (true, _) => Round::Rebuilt,
            (false, 0) => Round::Quiet,
            (false, n) => Round::Applied(n),
        })
    }

    /// One round: at most `BATCH` changes, under the node's writer lock.
    fn follow_round(&self) -> Result<Round, ServiceError> {
        // A connection first: while the database is unreachable the follower waits for it without
        // holding the writer lock, so that local writes answer "unavailable", not "busy". (Writers
        // take the lock first, but never hold it waiting for a connection longer than the wait.)
        let mut primary = self.db.conn()?;
        let writer = self.snapshots.lock();
        let Progress { applied_seq: applied, applied_made_at, own_seq, .. } = self.progress();
        let now = self.clock.now();
        let head = change_log::head(&mut primary)?;
        drop(primary);
        let mut conn = self.reader().conn()?;
        let reader_head = if self.replica.is_some() { change_log::head(&mut conn)? } else { head };
        self.set_progress(|p| p.saw_head(head, now));
        if head < applied {
            tracing::warn!(applied, head, "the change log is shorter than what was applied; loading again");
            drop((writer, conn));
            return self.rebuild();
        }
        if reader_head < applied.max(own_seq) {
            // The replica has not replayed what this snapshot already holds: wait for it.
            return Ok(Round::Quiet);
        }
        let replaced = applied > 0 && change_log::made_at(&mut conn, applied)? != applied_made_at;
        let pruned = change_log::pruned_through(&mut conn)? > applied;
        if replaced || pruned || reader_head - applied > REBUILD_BEYOND {
            tracing::warn!(
                applied,
                reader_head,
                replaced,
                pruned,
                "cannot catch up from the change log; loading again"
            );
            drop((writer, conn));
            return self.rebuild();
        }
        let markers = change_log::markers_after(&mut conn, applied, BATCH)?;
        let Some(last) = markers.last().cloned() else { return Ok(Round::Quiet) };
        let mut meetings = BTreeSet::new();
        let mut catalog = false;
        for marker in &markers {
            match EntityKind::from_name(&marker.entity_kind) {
                Some(EntityKind::Meeting) => {
                    if let Some(id) = marker.entity_id.parse().ok().and_then(|id| MeetingId::new(id).ok()) {
                        meetings.insert(id);
                    }
                }
                Some(EntityKind::ServiceBody | EntityKind::Fellowship) => catalog = true,
                Some(EntityKind::Key) | None => {}
            }
        }
        let ids: Vec<MeetingId> = meetings.into_iter().collect();
        let rows = queries::live_meetings(&mut conn, &ids)?;
        let catalog = catalog.then(|| queries::load_catalog(&mut conn)).transpose()?;
        drop(conn);
        let current = self.directory();
        let updates: Vec<(MeetingId, Option<Arc<crate::domain::meeting::Meeting>>)> = rows
            .into_iter()
            .filter(|(id, row)| current.meeting(*id).map(|m| &**m) != row.as_ref())
            .map(|(id, row)| (id, row.map(Arc::new)))
            .collect();
        if !updates.is_empty() || catalog.is_some() {
            self.snapshots.publish(&writer, |d| {
                let d = match catalog {
                    Some((fellowships, bodies)) => d.with_catalog(fellowships, bodies),
                    None => d.clone(),
                };
                if updates.is_empty() { d } else { d.with_meetings(updates, now) }
            });
        }
        self.set_progress(|p| {
            p.applied_seq = last.seq;
            p.applied_made_at = Some(last.created_at);
            // Whatever is still pending was seen now, at the latest.
            p.pending_since = None;
            p.saw_head(head.max(last.seq), now);
        });
        drop(writer);
        Ok(Round::Applied(markers.len()))
    }

    /// Loads the directory again from the database and swaps it in whole. Blocking.
    pub fn rebuild(&self) -> Result<Round, ServiceError> {
        let (directory, progress, _) = load(&mut *self.reader().conn()?, self.clock.now())?;
        let writer = self.snapshots.lock();
        self.snapshots.publish(&writer, |_| directory);
        self.set_progress(|p| *p = Progress { own_seq: p.own_seq, ..progress });
        tracing::info!(applied_seq = progress.applied_seq, "directory loaded again from the database");
        Ok(Round::Rebuilt)
    }
}

/// How a node follows the change log.
#[derive(Debug, Clone)]
pub struct FollowSettings {
    /// How often the log is read when nothing wakes the follower sooner.
    pub poll: Duration,
    /// Listen for PostgreSQL notifications at this URL (the primary), to apply changes promptly.
    pub listen: Option<String>,
}

/// The background follower of one node: a thread that applies changes, and on PostgreSQL one that
/// listens for the notifications write transactions send at commit.
pub struct ChangeFollower {
    stop: Arc<AtomicBool>,
    signal: Arc<Signal>,
    threads: Vec<JoinHandle<()>>,
}

/// How often the listening connection's socket is read: diesel offers no blocking wait on it, so
/// the listener reads it without blocking (a local read, no round trip to the server) at this pace.
const LISTEN_TICK: Duration = Duration::from_millis(20);

impl ChangeFollower {
    /// Starts following.
    pub fn start(lantern: Arc<Lantern>, settings: FollowSettings) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = Arc::clone(&lantern.follow_signal);
        let mut threads = Vec::new();
        if let Some(url) = settings.listen.clone() {
            let (stop, signal) = (Arc::clone(&stop), Arc::clone(&signal));
            threads.push(std::thread::spawn(move || listen(&url, &stop, &signal)));
        }
        let thread_stop = Arc::clone(&stop);
        threads.push(std::thread::spawn(move || {
            let mut failures = 0u32;
            while !thread_stop.load(Ordering::Relaxed) {
                let wait = match lantern.catch_up_while(|| !thread_stop.load(Ordering::Relaxed)) {
                    Ok(_) => {
                        if failures > 0 {
                            tracing::info!("the database answers again; following the change log");
                        }
                        failures = 0;
                        let p = lantern.progress();
                        // Behind the primary (a replica not yet replayed): look again soon.
                        if p.head_seq > p.applied_seq { Duration::from_millis(50) } else { settings.poll }
                    }
                    Err(e) => {
                        if failures == 0 {
                            tracing::warn!(error = %e, "cannot follow the change log; answering from the snapshot");
                        }
                        failures = failures.saturating_add(1);
                        settings.poll.max(Duration::from_millis(250 * u64::from(failures.min(20))))
                    }
                };
                lantern.follow_signal.wait(wait);
            }
        }));
        Self { stop, signal, threads }
    }

    /// Stops both threads and waits for them.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.signal.nudge();
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// Listens on the primary for commits and wakes the follower; reconnects when the connection drops.
fn listen(url: &str, stop: &AtomicBool, signal: &Signal) {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};
    while !stop.load(Ordering::Relaxed) {
        let connected = PgConnection::establish(url).map_err(|e| e.to_string()).and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {}", change_log::CHANNEL)).map(|()| c).map_err(|e| e.to_string())
        });
        let mut conn = match connected {
            Ok(conn) => conn,
            Err(_) => {
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        // Whatever was committed while not listening is found by the next poll; wake it now.
        signal.nudge();
        'listening: while !stop.load(Ordering::Relaxed) {
            let mut woken = false;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(_) => woken = true,
                    Err(_) => break 'listening,
                }
            }
            if woken {
                signal.nudge();
            }
            std::thread::sleep(LISTEN_TICK);
        }
    }
}
