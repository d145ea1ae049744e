//! The service layer's error: what a use case can fail with, independent of HTTP.

use std::collections::BTreeMap;

/// Why the database could not serve a request (the HTTP layer answers 503 or 507 for it).
pub use crate::storage::Outage;
use crate::storage::StorageError;

/// Problems keyed by the dotted path of the field at fault.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Adds one problem for one field.
pub fn push_error(errors: &mut FieldErrors, field: impl Into<String>, message: impl Into<String>) {
    errors.entry(field.into()).or_default().push(message.into());
}

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request's parameters do not make sense (HTTP 400).
    #[error("invalid query parameters")]
    InvalidQuery(FieldErrors),
    /// Well-formed input that breaks a rule (HTTP 422).
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// No such thing, or not visible to the caller (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// Well-formed parameters that name things that do not exist: a fellowship, a service body or
    /// a type code in a filter (HTTP 404, each named).
    #[error("the request names things that do not exist")]
    UnknownReference(FieldErrors),
    /// No key, or a key that is unknown, revoked or expired, where one is needed (HTTP 401).
    #[error("{0}")]
    Unauthorized(String),
    /// A valid key acting outside its role or service body (HTTP 403); also when the record does
    /// not exist, so that scope does not reveal existence.
    #[error("{0}")]
    Forbidden(String),
    /// The record changed since the version the caller named in `If-Match` (HTTP 412).
    #[error("the record is at version {current}, not the one If-Match names")]
    PreconditionFailed {
        /// The version it is at.
        current: i64,
    },
    /// The request contradicts the stored state, for example deleting a service body that still
    /// has meetings (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// What was asked for is no longer kept, for example changes older than the pruned log (HTTP 410).
    #[error("{0}")]
    Gone(String),
    /// Too many failed authentications from this address (HTTP 429).
    #[error("too many failed authentications; retry after {retry_after_secs} s")]
    TooManyAttempts {
        /// Seconds until the address may try again.
        retry_after_secs: u64,
    },
    /// Storage failed (HTTP 500, details logged, never returned).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A blocking task could not run (HTTP 500).
    #[error("background task failed: {0}")]
    Task(String),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Storage(StorageError::Query(e))
    }
}

impl ServiceError {
    /// A 422 about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        push_error(&mut errors, field, message);
        ServiceError::Invalid(errors)
    }
}
