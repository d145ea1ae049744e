//! Use cases over storage and the directory snapshot: open and seed, list and look up, readiness.
//! Owns transaction boundaries and keeps the in-memory snapshot in step with the database.

pub mod catalog_writes;
pub mod error;
pub mod follow;
mod guard;
pub mod history;
pub mod imports;
pub mod keys;
pub mod publish;
pub mod query;
pub mod search;
pub mod seed;
pub mod snapshot;
pub mod sources;

use std::path::PathBuf;
use std::sync::Arc;

use crate::domain::clock::Clock;
use crate::domain::directory::Directory;
use crate::domain::vocabulary::Vocabulary;
use crate::storage::{Database, StorageError, queries};
pub use error::ServiceError;
use seed::SeedFile;

/// The seed compiled into the binary from `seed-data/directory.json`.
pub const BUILTIN_SEED: &str = include_str!("../../seed-data/directory.json");

/// What to load into an empty database at start.
#[derive(Debug, Clone)]
pub enum SeedSource {
    /// The seed compiled into the binary.
    Builtin,
    /// A seed file on disk.
    File(PathBuf),
    /// A seed already in memory (tests, generators).
    Inline(Box<SeedFile>),
    /// Start empty.
    None,
}

impl SeedSource {
    fn read(self) -> Result<Option<SeedFile>, ServiceError> {
        let text = match self {
            SeedSource::None => return Ok(None),
            SeedSource::Inline(seed) => return Ok(Some(*seed)),
            SeedSource::Builtin => BUILTIN_SEED.to_owned(),
            SeedSource::File(path) => std::fs::read_to_string(&path)
                .map_err(|e| invalid_seed(format!("cannot read {}: {e}", path.display())))?,
        };
        serde_json::from_str(&text).map(Some).map_err(|e| invalid_seed(e.to_string()))
    }
}

fn invalid_seed(message: String) -> ServiceError {
    ServiceError::Invalid(error::FieldErrors::from([("seed".to_owned(), vec![message])]))
}

/// The running application: the database, the derived directory snapshot, the vocabulary and the clock.
pub struct Lantern {
    db: Database,
    snapshots: Arc<snapshot::Snapshots>,
    vocabulary: Vocabulary,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "baseline")]
    scan_search: bool,
    failed_auth: keys::FailedAuth,
    zones: std::sync::OnceLock<crate::domain::zones::ZoneFinder>,
    places: crate::domain::places::LazyGazetteer,
    source_settings: sources::SharedSettings,
    replica: Option<Database>,
    progress: std::sync::Mutex<follow::Progress>,
    follow_signal: Arc<follow::Signal>,
    max_lag: std::time::Duration,
    imports: std::sync::atomic::AtomicU64,
}

/// How long `/readyz` lets the snapshot fall behind before the node reports not ready.
pub const DEFAULT_MAX_LAG: std::time::Duration = std::time::Duration::from_secs(5);

impl Lantern {
    /// Opens and migrates the database, seeds it when empty, and loads the directory snapshot.
    /// Blocking: call at start-up or from a blocking thread.
    pub fn open(database_url: &str, seed: SeedSource, clock: Arc<dyn Clock>) -> Result<Self, ServiceError> {
        let lantern = Self::open_database(database_url, seed, clock)?;
        lantern.load_snapshot()
    }

    /// Loads the directory snapshot (from the replica, when one is set) and the change-log
    /// position it stands at.
    fn load_snapshot(self) -> Result<Self, ServiceError> {
        let started = std::time::Instant::now();
        let (directory, progress, loaded) = follow::load(&mut *self.reader().conn()?, self.clock.now())?;
        tracing::info!(
            meetings = directory.meeting_count(),
            indexed = directory.indexed_count(),
            applied_seq = progress.applied_seq,
            load_ms = loaded.as_millis(),
            build_ms = (started.elapsed() - loaded).as_millis(),
            "directory loaded and indexed"
        );
        *self.progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = progress;
        Ok(Self { snapshots: Arc::new(snapshot::Snapshots::new(directory, Arc::clone(&self.clock))), ..self })
    }

    /// Like `open`, but loads and follows the directory from a streaming replica at `replica_url`
    /// (writes, notifications and the head of the log stay on the primary).
    pub fn open_with_replica(
        database_url: &str,
        replica_url: &str,
        seed: SeedSource,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ServiceError> {
        let lantern = Self::open_database(database_url, seed, clock)?;
        let replica = Database::open_replica(replica_url)?;
        Self { replica: Some(replica), ..lantern }.load_snapshot()
    }

    /// Opens, migrates and seeds the database like `open`, but leaves the directory empty: for
    /// tools that only manage keys, which must not wait for a million meetings to load.
    pub fn open_database(database_url: &str, seed: SeedSource, clock: Arc<dyn Clock>) -> Result<Self, ServiceError> {
        let vocabulary = Vocabulary::builtin().map_err(StorageError::Corrupt)?;
        let db = Database::open(database_url)?;
        let mut conn = db.conn()?;
        if queries::is_empty(&mut conn)?
            && let Some(mut seed) = seed.read()?
        {
            seed::validate(&mut seed, &vocabulary)?;
            if let Some(count) = seed::insert(&mut conn, &seed, clock.now())? {
                tracing::info!(meetings = count, "seeded an empty database");
            }
        }
        drop(conn);
        Ok(Self {
            db,
            snapshots: Arc::new(snapshot::Snapshots::new(Directory::default(), Arc::clone(&clock))),
            vocabulary,
            clock,
            #[cfg(feature = "baseline")]
            scan_search: false,
            failed_auth: keys::FailedAuth::default(),
            zones: std::sync::OnceLock::new(),
            places: crate::domain::places::LazyGazetteer::default(),
            source_settings: sources::SharedSettings::default(),
            replica: None,
            progress: std::sync::Mutex::default(),
            follow_signal: Arc::default(),
            max_lag: DEFAULT_MAX_LAG,
            imports: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Answers nearby searches by scanning every meeting instead of walking the index: the
    /// baseline that the load test prints beside the index's figures. Same answers, far slower.
    /// Only in builds with the `baseline` feature.
    #[cfg(feature = "baseline")]
    pub fn with_scan_search(mut self, scan: bool) -> Self {
        self.scan_search = scan;
        self
    }

    /// The gazetteer of place search, built on first use (`serve` builds it at start, beside
    /// loading the directory); `None` only if the built-in data is broken.
    pub fn places(&self) -> Option<&crate::domain::places::Gazetteer> {
        self.places.get()
    }

    /// Requests wait at most `wait` for the database (a connection, a lock) before answering 503.
    pub fn with_database_wait(self, wait: std::time::Duration) -> Result<Self, ServiceError> {
        let replica = self.replica.map(|r| r.with_wait(wait)).transpose()?;
        Ok(Self { db: self.db.with_wait(wait)?, replica, ..self })
    }

    /// Replaces the database pool with what `f` makes of it (fault tests make it full or read-only).
    pub fn map_database(
        self,
        f: impl FnOnce(Database) -> Result<Database, StorageError>,
    ) -> Result<Self, ServiceError> {
        Ok(Self { db: f(self.db)?, ..self })
    }

    /// How many bad keys one address may send per minute before further bad keys get 429.
    pub fn with_failed_auth_limit(mut self, limit: u32) -> Self {
        self.failed_auth = keys::FailedAuth::new(limit);
        self
    }

    /// How far behind the database the snapshot may fall before `/readyz` answers 503.
    pub fn with_max_lag(mut self, max_lag: std::time::Duration) -> Self {
        self.max_lag = max_lag;
        self
    }

    /// How far behind the database the snapshot may fall before `/readyz` answers 503.
    pub fn max_lag(&self) -> std::time::Duration {
        self.max_lag
    }

    /// The current directory snapshot; it never changes under the caller.
    pub fn directory(&self) -> Arc<Directory> {
        self.snapshots.load()
    }

    /// The type vocabulary.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The injected clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// How many times this process folded the snapshot's delta into a new base.
    pub fn compactions(&self) -> u64 {
        self.snapshots.compactions()
    }

    /// The database (for tests and tools).
    pub fn database(&self) -> &Database {
        &self.db
    }
}
