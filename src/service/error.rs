//! The service layer's error: what a use case can fail with, independent of HTTP.

use std::collections::BTreeMap;

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
    /// Storage failed (HTTP 500, details logged, never returned).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A blocking task could not run (HTTP 500).
    #[error("background task failed: {0}")]
    Task(String),
}
