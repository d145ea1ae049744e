//! RFC 9457 problem details: the one error type of the HTTP layer, and the conversions into it
//! from service errors and from actix's own extractor rejections.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::ServiceError;
use crate::service::error::FieldErrors;
use crate::service::error::Outage;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem detail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem (`urn:lantern:problem:invalid-query`).
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// For validation failures: messages per offending field (dotted paths).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    /// For server errors: the request id under which the details were logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Every way a request can fail; each variant says its status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a malformed query string or body, or parameters that do not make sense.
    #[error("{detail}")]
    BadRequest {
        /// What is wrong overall.
        detail: String,
        /// Messages per parameter.
        errors: FieldErrors,
    },
    /// 401: no key, or an unknown, revoked or expired one, where a key is needed.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a valid key outside its role or scope (also for records that do not exist).
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource, or not visible to the caller.
    #[error("{0}")]
    NotFound(String),
    /// 404: parameters that name things that do not exist, each named.
    #[error("the request names something that does not exist")]
    UnknownReference(FieldErrors),
    /// 405: a known path asked with a method it does not serve; holds the `Allow` value.
    #[error("this resource answers only {0}")]
    MethodNotAllowed(String),
    /// 409: the request contradicts the stored state.
    #[error("{0}")]
    Conflict(String),
    /// 410: what was asked for is no longer kept.
    #[error("{0}")]
    Gone(String),
    /// 412: `If-Match` names a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the body is larger than the documented limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 429: too many failed authentications from this address.
    #[error("too many failed authentications from this address; retry after {0} seconds")]
    TooManyRequests(u64),
    /// 429: this client or key sent more requests than its rate allows; holds the seconds to wait.
    #[error("{1}: retry after {0} seconds")]
    RateLimited(u64, &'static str),
    /// 503: the answer took longer than the server's request timeout.
    #[error(
        "the request took longer than {0} seconds and was abandoned; a write may still have been applied: read the record before repeating it"
    )]
    TimedOut(u64),
    /// 503 (507 when full): the database cannot serve the request now; holds what is logged.
    #[error("{}", outage_detail(*.0))]
    Unavailable(Outage, String),
    /// 422: a well-formed body that breaks a rule.
    #[error("the request breaks validation rules")]
    Unprocessable(FieldErrors),
    /// 500: logged with the request id, never detailed to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// Renders this error as its problem response.
    pub fn error_response_owned(self) -> HttpResponse {
        ResponseError::error_response(&self)
    }

    /// A 400 for parameter problems.
    pub fn invalid_query(errors: FieldErrors) -> Self {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        ApiError::BadRequest { detail: format!("invalid query parameters: {}", fields.join(", ")), errors }
    }

    fn problem(&self) -> Problem {
        let (kind, title, detail, errors) = match self {
            ApiError::BadRequest { detail, errors } => {
                ("invalid-request", "Bad request", detail.clone(), Some(errors.clone()).filter(|e| !e.is_empty()))
            }
            ApiError::Unauthorized(detail) => ("unauthorized", "Unauthorized", detail.clone(), None),
            ApiError::Forbidden(detail) => ("forbidden", "Forbidden", detail.clone(), None),
            ApiError::NotFound(detail) => ("not-found", "Not found", detail.clone(), None),
            ApiError::UnknownReference(errors) => {
                let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
                let detail = format!("the request names something that does not exist: {}", fields.join(", "));
                ("not-found", "Not found", detail, Some(errors.clone()))
            }
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed", self.to_string(), None),
            ApiError::Conflict(detail) => ("conflict", "Conflict", detail.clone(), None),
            ApiError::Gone(detail) => ("gone", "Gone", detail.clone(), None),
            ApiError::PreconditionFailed(detail) => ("stale-version", "Precondition failed", detail.clone(), None),
            ApiError::PayloadTooLarge(detail) => ("payload-too-large", "Payload too large", detail.clone(), None),
            ApiError::TooManyRequests(_) => ("too-many-requests", "Too many requests", self.to_string(), None),
            ApiError::RateLimited(..) => ("rate-limited", "Too many requests", self.to_string(), None),
            ApiError::TimedOut(_) => ("timeout", "Request timeout", self.to_string(), None),
            ApiError::Unprocessable(errors) => {
                ("validation-failed", "Validation failed", self.to_string(), Some(errors.clone()))
            }
            ApiError::Unavailable(outage, _) => {
                let (kind, title) = match outage {
                    Outage::Unreachable => ("database-unavailable", "Database unavailable"),
                    Outage::Busy => ("database-busy", "Database busy"),
                    Outage::Lost => ("database-connection-lost", "Database connection lost"),
                    Outage::Full => ("database-full", "Database full"),
                    Outage::ReadOnly => ("database-read-only", "Database read-only"),
                };
                (kind, title, self.to_string(), None)
            }
            ApiError::Internal(_) => (
                "internal-error",
                "Internal server error",
                "the server failed to answer; the request id identifies the logged details".to_owned(),
                None,
            ),
        };
        Problem {
            type_: format!("urn:lantern:problem:{kind}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors,
            request_id: None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::UnknownReference(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) | ApiError::RateLimited(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TimedOut(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unavailable(Outage::Full, _) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(details) => tracing::error!(error = %details, "request failed"),
            ApiError::Unavailable(outage, details) => {
                tracing::warn!(?outage, error = %details, "the database could not serve a request");
            }
            _ => {}
        }
        self.render(None)
    }
}

impl ApiError {
    /// The problem response, with the request id under which a server error was logged.
    pub fn render(&self, request_id: Option<String>) -> HttpResponse {
        let mut response = problem_response(&Problem { request_id, ..self.problem() });
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyRequests(secs) | ApiError::RateLimited(secs, _) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            ApiError::Unavailable(outage, _) if *outage != Outage::Full => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(if *outage == Outage::Busy { 1 } else { 5 }));
            }
            ApiError::MethodNotAllowed(allow) => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        response
    }
}

/// What a client is told of an outage: whether anything was written and what to do.
fn outage_detail(outage: Outage) -> &'static str {
    match outage {
        Outage::Unreachable => "the database cannot be reached now; nothing was changed: retry in a few seconds",
        Outage::Busy => {
            "the database was busy with other writes for longer than this server waits; nothing was changed: retry"
        }
        Outage::Lost => {
            "the connection to the database was lost during the request; a write may have been applied: read the record before repeating it"
        }
        Outage::Full => "the database has no room left for this write; nothing was changed",
        Outage::ReadOnly => "the database takes no writes now (it is read-only); nothing was changed",
    }
}

/// Renders a problem with its status and media type.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header(ContentType(PROBLEM_JSON.parse().unwrap_or(mime_json())))
        .body(serde_json::to_string(problem).unwrap_or_default())
}

fn mime_json() -> actix_web::mime::Mime {
    actix_web::mime::APPLICATION_JSON
}

/// A problem for a client error raised outside our handlers, named by its status alone.
pub fn status_problem(status: StatusCode) -> Problem {
    let title = status.canonical_reason().unwrap_or("Client error").to_owned();
    Problem {
        type_: format!("urn:lantern:problem:http-{}", status.as_u16()),
        detail: match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                format!("request bodies may have at most {} bytes", super::body::MAX_BODY_BYTES)
            }
            _ => format!("the request was refused: {}", title.to_lowercase()),
        },
        title,
        status: status.as_u16(),
        errors: None,
        request_id: None,
    }
}

/// The problem body a 500 carries, with the request id under which its details were logged.
pub fn internal_problem(request_id: String) -> Problem {
    Problem { request_id: Some(request_id), ..ApiError::Internal(String::new()).problem() }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::InvalidQuery(errors) => ApiError::invalid_query(errors),
            ServiceError::Invalid(errors) => ApiError::Unprocessable(errors),
            ServiceError::NotFound(detail) => ApiError::NotFound(detail),
            ServiceError::UnknownReference(errors) => ApiError::UnknownReference(errors),
            ServiceError::Unauthorized(detail) => ApiError::Unauthorized(detail),
            ServiceError::Forbidden(detail) => ApiError::Forbidden(detail),
            ServiceError::Conflict(detail) => ApiError::Conflict(detail),
            ServiceError::Gone(detail) => ApiError::Gone(detail),
            e @ ServiceError::PreconditionFailed { .. } => ApiError::PreconditionFailed(e.to_string()),
            ServiceError::TooManyAttempts { retry_after_secs } => ApiError::TooManyRequests(retry_after_secs),
            ServiceError::Storage(e) => match e.outage() {
                Some(outage) => ApiError::Unavailable(outage, e.to_string()),
                None => ApiError::Internal(e.to_string()),
            },
            ServiceError::Task(e) => ApiError::Internal(e),
        }
    }
}
