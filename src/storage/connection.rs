//! Connections: the backend is chosen from the URL scheme (never by trial), pooled with r2d2,
//! SQLite pragmas set on every connection, and the embedded migrations run at open.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::StorageError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub use any::AnyConnection;

mod any {
    use diesel::{PgConnection, SqliteConnection};

    /// One connection to either backend.
    #[derive(diesel::MultiConnection)]
    pub enum AnyConnection {
        /// A PostgreSQL connection.
        Postgresql(PgConnection),
        /// An SQLite connection.
        Sqlite(SqliteConnection),
    }
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// Anything else: a file path.
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` select PostgreSQL; anything else is an SQLite path.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Upgrades go forward only: a database that holds a migration this build does not know was
/// migrated by a newer Lantern, and this one refuses to touch it (a downgrade is a restore of the
/// backup taken before the upgrade).
fn refuse_newer_schema<C>(conn: &mut C, known: EmbeddedMigrations) -> diesel::migration::Result<()>
where
    C: MigrationHarness<C::Backend> + diesel::connection::Connection,
    EmbeddedMigrations: diesel::migration::MigrationSource<C::Backend>,
{
    use diesel::migration::MigrationSource;
    let known: std::collections::BTreeSet<String> =
        MigrationSource::<C::Backend>::migrations(&known)?.iter().map(|m| m.name().version().to_string()).collect();
    let newer: Vec<String> =
        conn.applied_migrations()?.iter().map(ToString::to_string).filter(|v| !known.contains(v)).collect();
    if newer.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the database was migrated by a newer Lantern (migrations {} are unknown to this build): run that version or newer, or restore the backup taken before the upgrade",
            newer.join(", ")
        )
        .into())
    }
}

/// Opens connections of the backend the URL names; a failed PostgreSQL connection is an error,
/// never a fallback to an SQLite file.
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    /// How long an SQLite connection waits for another writer's lock (`busy_timeout`).
    busy: Duration,
    /// Statements run on every new SQLite connection after the standard pragmas (fault tests
    /// use it to make a database full or read-only).
    sqlite_setup: String,
}

impl Manager {
    fn new(url: &str) -> Self {
        Self { url: url.to_owned(), backend: Backend::from_url(url), busy: DEFAULT_WAIT, sqlite_setup: String::new() }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(AnyConnection::Postgresql),
            Backend::Sqlite => {
                let path = self.url.strip_prefix("sqlite://").unwrap_or(&self.url);
                let mut conn = SqliteConnection::establish(path)?;
                let busy = self.busy.as_millis();
                conn.batch_execute(&format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy}; PRAGMA synchronous = NORMAL; {}",
                    self.sqlite_setup
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    /// A connection given back by a panicking thread may hold an open transaction; one that lost
    /// its server is useless: neither goes back to the pool.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// A pooled connection.
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The database: a connection pool of one backend, migrated at open.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<Manager>,
    /// What the pool was built from: the URL, the backend and the wait.
    manager: Manager,
}

/// How long a request waits for the database by default: for a pooled connection, for SQLite's
/// write lock and for the writers' turn on PostgreSQL. Past it the request answers 503.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// The session advisory lock that orders migrations across nodes.
const MIGRATION_LOCK: i64 = 7_353_012_027;

impl Database {
    /// Connects, sets SQLite to WAL, and runs pending migrations.
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let manager = Manager::new(url);
        let mut first = manager.connect().map_err(|e| StorageError::Connect(e.to_string()))?;
        match &mut first {
            AnyConnection::Sqlite(c) => {
                c.batch_execute("PRAGMA journal_mode = WAL;")?;
                refuse_newer_schema(c, SQLITE_MIGRATIONS).map_err(|e| StorageError::Migration(e.to_string()))?;
                // Processes starting together on a new file may both find a migration pending; the
                // one that loses rolls back (each migration is one transaction) and looks again.
                let mut attempt = 0;
                loop {
                    match c.run_pending_migrations(SQLITE_MIGRATIONS) {
                        Ok(_) => break Ok(()),
                        Err(_) if attempt < 50 => {
                            attempt += 1;
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        Err(e) => break Err(e),
                    }
                }
            }
            AnyConnection::Postgresql(c) => {
                // Nodes starting together on an empty database migrate one after the other: the
                // second finds nothing pending. (Seeding is ordered by the writers' lock.)
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let migrated = refuse_newer_schema(c, POSTGRES_MIGRATIONS)
                    .and_then(|()| c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()));
                c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                migrated
            }
        }
        .map_err(|e| StorageError::Migration(e.to_string()))?;
        Self::pool(manager)
    }

    /// Connects to a streaming replica of a database `open` migrated: read-only, so it neither
    /// migrates nor sets the journal mode.
    pub fn open_replica(url: &str) -> Result<Self, StorageError> {
        let manager = Manager::new(url);
        manager.connect().map_err(|e| StorageError::Connect(e.to_string()))?;
        Self::pool(manager)
    }

    /// The same database with requests waiting at most `wait` for it (a new pool).
    pub fn with_wait(self, wait: Duration) -> Result<Self, StorageError> {
        Self::pool(Manager { busy: wait, ..self.manager })
    }

    /// The same database with `sql` run on every new SQLite connection (a new pool): fault tests
    /// use `PRAGMA max_page_count` or `PRAGMA query_only` to make it full or read-only.
    pub fn with_sqlite_setup(self, sql: &str) -> Result<Self, StorageError> {
        Self::pool(Manager { sqlite_setup: sql.to_owned(), ..self.manager })
    }

    /// How long a request waits for a connection or a lock before it answers 503.
    pub fn wait(&self) -> Duration {
        self.manager.busy
    }

    fn pool(manager: Manager) -> Result<Self, StorageError> {
        let size = match manager.backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(manager.busy)
            .build(manager.clone())
            .map_err(|e| StorageError::Connect(e.to_string()))?;
        Ok(Self { pool, manager })
    }

    /// The URL it was opened with (it may hold a password: never log it).
    pub fn url(&self) -> &str {
        &self.manager.url
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.manager.backend
    }

    /// A connection from the pool. Blocking: call from a blocking thread.
    pub fn conn(&self) -> Result<PooledConnection, StorageError> {
        self.pool.get().map_err(|e| StorageError::Connect(e.to_string()))
    }

    /// The pool's connections: how many are open and how many of those are idle, and the most it opens.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections, self.pool.max_size())
    }

    /// A connection from the pool, waiting at most `wait` (readiness checks must not hang).
    pub fn conn_within(&self, wait: Duration) -> Result<PooledConnection, StorageError> {
        self.pool.get_timeout(wait).map_err(|e| StorageError::Connect(e.to_string()))
    }
}
