//! The published directory snapshot: readers load it without waiting, writers replace it under
//! one lock in commit order, and a background thread folds a grown delta into a new base.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, MutexGuard};

use arc_swap::ArcSwap;

use crate::domain::clock::Clock;
use crate::domain::directory::Directory;

/// The current snapshot and the writer lock that orders its replacements.
pub struct Snapshots {
    current: ArcSwap<Directory>,
    writer: Mutex<()>,
    compacting: AtomicBool,
    compactions: AtomicU64,
    clock: Arc<dyn Clock>,
}

/// Proof that the caller holds the writer lock.
pub struct WriterGuard<'a>(#[expect(dead_code, reason = "held for its drop")] MutexGuard<'a, ()>);

impl Snapshots {
    /// Starts with `directory`.
    pub fn new(directory: Directory, clock: Arc<dyn Clock>) -> Self {
        Self {
            current: ArcSwap::from_pointee(directory),
            writer: Mutex::default(),
            compacting: AtomicBool::new(false),
            compactions: AtomicU64::new(0),
            clock,
        }
    }

    /// The current snapshot; it never changes under the caller.
    pub fn load(&self) -> Arc<Directory> {
        self.current.load_full()
    }

    /// How many compactions finished.
    pub fn compactions(&self) -> u64 {
        self.compactions.load(Ordering::Relaxed)
    }

    /// Takes the writer lock: hold it from the start of a write transaction until its snapshot is published.
    pub fn lock(&self) -> WriterGuard<'_> {
        WriterGuard(self.writer.lock())
    }

    /// Takes the writer lock if it comes free within `wait` (writes in a queue that long answer 503).
    pub fn lock_within(&self, wait: Duration) -> Option<WriterGuard<'_>> {
        self.writer.try_lock_for(wait).map(WriterGuard)
    }

    /// Publishes the snapshot `change` makes of the current one; starts a compaction when the
    /// delta has grown.
    pub fn publish(self: &Arc<Self>, _writer: &WriterGuard<'_>, change: impl FnOnce(&Directory) -> Directory) {
        let next = change(&self.load());
        let compact = next.needs_compaction();
        self.current.store(Arc::new(next));
        if compact {
            self.compact_in_background();
        }
    }

    /// Builds a new base off the write path and installs it under the writer lock, keeping the
    /// writes made meanwhile in the delta.
    fn compact_in_background(self: &Arc<Self>) {
        if self.compacting.swap(true, Ordering::AcqRel) {
            return;
        }
        let snapshots = Arc::clone(self);
        let spawned = std::thread::Builder::new().name("compaction".into()).spawn(move || {
            let from = snapshots.load();
            let started = std::time::Instant::now();
            let base = from.compacted_base(snapshots.clock.now());
            let _writer = snapshots.lock();
            let next = snapshots.load().rebased(&from, base, snapshots.clock.now());
            snapshots.current.store(Arc::new(next));
            snapshots.compacting.store(false, Ordering::Release);
            snapshots.compactions.fetch_add(1, Ordering::Relaxed);
            tracing::info!(elapsed_ms = started.elapsed().as_millis(), "directory delta compacted");
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the compaction thread; the delta keeps growing");
            self.compacting.store(false, Ordering::Release);
        }
    }
}
