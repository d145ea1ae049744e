//! Path parameters: `Path<T>` parses the id a route names into its domain type, documented by
//! `T`'s `IntoParams`. An id that does not parse names nothing: 404.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use utoipa::IntoParams;

use super::problem::ApiError;
use crate::domain::ids::{FellowshipCode, MeetingId, ServiceBodyId};
use crate::service::error::FieldErrors;

/// A struct of path parameters, read from the matched route.
pub trait FromPath: Sized {
    /// The parameters, or the error the route answers when they do not parse.
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError>;
}

/// The path extractor: named `Path` so that utoipa documents `T` from the handler's signature.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: FromPath> FromRequest for Path<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A literal path shadowed by a placeholder route (`PUT /v1/meetings/nearby`) is 405, not an unknown id.
        ready(T::from_path(req).map(Path).map_err(|e| super::methods::not_allowed(req).unwrap_or(e)))
    }
}

fn segment<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.match_info().get(name).unwrap_or_default()
}

/// `{id}` of a meeting.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MeetingPath {
    /// Meeting id.
    #[param(value_type = i64, minimum = 1)]
    pub id: MeetingId,
}

impl FromPath for MeetingPath {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        let raw = segment(req, "id");
        raw.parse().map(|id| Self { id }).map_err(|_| ApiError::NotFound(format!("there is no meeting `{raw}`")))
    }
}

/// `{id}` of a service body.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ServiceBodyPath {
    /// Service body id.
    #[param(value_type = i64, minimum = 1)]
    pub id: ServiceBodyId,
}

impl FromPath for ServiceBodyPath {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        let raw = segment(req, "id");
        raw.parse().map(|id| Self { id }).map_err(|_| ApiError::NotFound(format!("there is no service body `{raw}`")))
    }
}

/// `{id}` of an API key.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyPath {
    /// Key id.
    #[param(minimum = 1)]
    pub id: i64,
}

impl FromPath for KeyPath {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        let raw = segment(req, "id");
        raw.parse()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| Self { id })
            .ok_or_else(|| ApiError::NotFound(format!("there is no key `{raw}`")))
    }
}

/// `{id}` of a source.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SourcePath {
    /// Source id.
    #[param(minimum = 1)]
    pub id: i64,
}

impl FromPath for SourcePath {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        let raw = segment(req, "id");
        raw.parse()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| Self { id })
            .ok_or_else(|| ApiError::NotFound(format!("there is no source `{raw}`")))
    }
}

/// `{file}` of a file compiled into the binary (the embed's, the console's): its content-hashed name.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AssetPath {
    /// A content-hashed file name, as the script or page that loads it names it.
    pub file: String,
}

impl FromPath for AssetPath {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        Ok(Self { file: segment(req, "file").to_owned() })
    }
}

/// `{code}` of a fellowship. A code that is not well formed cannot be created: 422 naming `code`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FellowshipPath {
    /// Fellowship code: lowercase letters, digits and single hyphens, at most 32.
    #[param(value_type = String, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 32)]
    pub code: FellowshipCode,
}

impl FromPath for FellowshipPath {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        segment(req, "code").parse().map(|code| Self { code }).map_err(|e: crate::domain::ids::InvalidValue| {
            ApiError::Unprocessable(FieldErrors::from([("code".to_owned(), vec![e.0])]))
        })
    }
}
