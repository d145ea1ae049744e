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

pub use connection::{AnyConnection, Backend, Database};

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
}
