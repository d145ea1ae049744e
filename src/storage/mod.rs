//! Diesel storage for both backends: connections, schema, rows and queries. No business rules.

pub mod backup;
pub mod change_log;
pub mod connection;
pub mod keys;
pub(crate) mod meeting_rows;
pub mod queries;
pub(crate) mod rows;
pub(crate) mod schema;
pub mod sources;
pub mod writes;

pub use connection::{AnyConnection, Backend, DEFAULT_WAIT, Database};

/// What can go wrong below the service layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database could not be reached or a connection not taken from the pool.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// Migrations failed at start.
    #[error("migrations failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// A stored value does not convert to its domain type.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Writes queued in this process longer than the database wait.
    #[error("{0}")]
    Busy(String),
    /// The database failed after a write of the same request may have committed.
    #[error("after a write may have committed: {0}")]
    Lost(String),
}

/// Why the database could not serve a request that was itself fine: the answer is 503 (507 when
/// full), never 500, and says whether anything may have been written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// No connection within the wait: the server is down, restarting or out of connections.
    /// Nothing was written.
    Unreachable,
    /// Other writers held the lock longer than the wait. Nothing was written.
    Busy,
    /// The connection broke during the request: a write may have been committed.
    Lost,
    /// No room left (disk full, SQLite's `max_page_count`). Nothing was written.
    Full,
    /// The database takes no writes (a read-only file or a server in recovery). Nothing was written.
    ReadOnly,
}

impl StorageError {
    /// The outage this error is, if it is one rather than a defect.
    pub fn outage(&self) -> Option<Outage> {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match self {
            StorageError::Connect(_) => Some(Outage::Unreachable),
            StorageError::Busy(_) => Some(Outage::Busy),
            StorageError::Lost(_) => Some(Outage::Lost),
            StorageError::Query(Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _)) => {
                Some(Outage::Lost)
            }
            StorageError::Query(Error::DatabaseError(Kind::ReadOnlyTransaction, _)) => Some(Outage::ReadOnly),
            StorageError::Query(Error::DatabaseError(_, info)) => outage_in_message(info.message()),
            StorageError::Query(Error::BrokenTransactionManager) => Some(Outage::Lost),
            // The commit failed and so did the rollback: whether it committed is not known.
            StorageError::Query(Error::RollbackErrorOnCommit { .. }) => Some(Outage::Lost),
            _ => None,
        }
    }
}

/// What SQLite's and PostgreSQL's messages say, for the errors diesel does not give a kind. The
/// messages are English: a PostgreSQL server with another `lc_messages` has these outages answer 500.
fn outage_in_message(message: &str) -> Option<Outage> {
    let m = message.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if any(&["database is locked", "database table is locked", "lock timeout"]) {
        Some(Outage::Busy)
    } else if any(&["database or disk is full", "could not extend file", "no space left on device"]) {
        Some(Outage::Full)
    } else if any(&["readonly database", "read-only transaction"]) {
        Some(Outage::ReadOnly)
    } else if any(&["shutting down", "starting up", "in recovery mode", "too many clients"]) {
        Some(Outage::Unreachable)
    } else if any(&[
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "ssl connection has been closed",
        "disk i/o error",
    ]) {
        Some(Outage::Lost)
    } else {
        None
    }
}
