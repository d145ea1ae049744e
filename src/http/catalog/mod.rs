//! The catalog: fellowships, the service body tree and the type vocabulary (reads here, admin
//! writes in `writes`, the records they write in `json`).

pub mod json;
pub mod writes;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::cache::{DIRECTORY_MAX_AGE, cached_json};
use super::extract::path::{Path, ServiceBodyPath};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use crate::domain::directory::Directory;
use crate::domain::ids::ServiceBodyId;
use crate::domain::service_body::ServiceBody;
use crate::domain::vocabulary::{NAME_LANGUAGES, TypeOrigin};
use crate::service::Lantern;

/// A fellowship.
#[derive(Debug, Serialize, ToSchema)]
pub struct FellowshipResponse {
    /// Short code used by filters (`aa`).
    pub code: String,
    /// Full name.
    pub name: String,
    /// World service web site.
    pub website: Option<String>,
    /// How many published meetings it has.
    pub meeting_count: usize,
}

/// A list of fellowships.
#[derive(Debug, Serialize, ToSchema)]
pub struct FellowshipListResponse {
    /// All fellowships, by code.
    pub results: Vec<FellowshipResponse>,
    /// Always `null`: the list is one page.
    pub next_cursor: Option<String>,
}

/// Lists the fellowships.
#[utoipa::path(tag = "catalog", responses((status = 200, body = FellowshipListResponse)))]
#[get("/fellowships")]
pub async fn list_fellowships(req: HttpRequest, lantern: web::Data<Lantern>) -> Result<HttpResponse, ApiError> {
    let directory = lantern.directory();
    let counts = &directory.usage().meetings_per_fellowship;
    let results = directory
        .fellowships()
        .map(|f| FellowshipResponse {
            code: f.code.to_string(),
            name: f.name.clone(),
            website: f.website.clone(),
            meeting_count: counts.get(&f.code).copied().unwrap_or(0),
        })
        .collect();
    cached_json(&req, &FellowshipListResponse { results, next_cursor: None }, DIRECTORY_MAX_AGE)
}

/// A service body with its descendants.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceBodyResponse {
    /// Positive 64-bit id; `service_body` filters take it.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// `region`, `area`, `district`, `intergroup` or `other`.
    pub kind: String,
    /// The body above it; `null` for a root.
    pub parent_id: Option<i64>,
    /// The fellowship it serves, if one.
    pub fellowship: Option<String>,
    /// IANA zone its meetings default to.
    pub time_zone: String,
    /// Its web site.
    pub website: Option<String>,
    /// Public e-mail address.
    pub email: Option<String>,
    /// Public phone number.
    pub phone: Option<String>,
    /// Its id in the source it was imported from (a BMLT server's service body id).
    pub external_id: Option<String>,
    /// Incremented on every change; `If-Match` on admin writes names it.
    pub version: i64,
    /// The bodies below it, by id, each with its own children.
    #[schema(no_recursion)]
    pub children: Vec<ServiceBodyResponse>,
}

impl ServiceBodyResponse {
    fn tree(directory: &Directory, body: &ServiceBody) -> Self {
        let d = &body.data;
        Self {
            id: body.id.get(),
            name: d.name.clone(),
            kind: d.kind.name().to_owned(),
            parent_id: d.parent_id.map(ServiceBodyId::get),
            fellowship: d.fellowship.as_ref().map(ToString::to_string),
            time_zone: d.time_zone.name().to_owned(),
            website: d.website.clone(),
            email: d.email.clone(),
            phone: d.phone.clone(),
            external_id: d.external_id.clone(),
            version: body.version,
            children: directory
                .children(body.id)
                .iter()
                .filter_map(|id| directory.service_body(*id))
                .map(|child| Self::tree(directory, child))
                .collect(),
        }
    }
}

/// The service body forest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceBodyListResponse {
    /// Root service bodies by id, each with its descendants nested in `children`.
    pub results: Vec<ServiceBodyResponse>,
    /// Always `null`: the tree is one page.
    pub next_cursor: Option<String>,
}

/// The tree of service bodies.
#[utoipa::path(tag = "catalog", responses((status = 200, body = ServiceBodyListResponse)))]
#[get("/service-bodies")]
pub async fn list_service_bodies(req: HttpRequest, lantern: web::Data<Lantern>) -> Result<HttpResponse, ApiError> {
    let directory = lantern.directory();
    let results = directory
        .service_bodies()
        .filter(|b| b.data.parent_id.is_none())
        .map(|b| ServiceBodyResponse::tree(&directory, b))
        .collect();
    cached_json(&req, &ServiceBodyListResponse { results, next_cursor: None }, DIRECTORY_MAX_AGE)
}

/// One service body with its descendants.
#[utoipa::path(
    tag = "catalog",
    params(ServiceBodyPath),
    responses(
        (status = 200, body = ServiceBodyResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service-bodies/{id}")]
pub async fn get_service_body(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<ServiceBodyPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let directory = lantern.directory();
    let body =
        directory.service_body(id).ok_or_else(|| ApiError::NotFound(format!("there is no service body {id}")))?;
    cached_json(&req, &ServiceBodyResponse::tree(&directory, body), DIRECTORY_MAX_AGE)
}

/// A type code of the shared vocabulary.
#[derive(Debug, Serialize, ToSchema)]
pub struct TypeResponse {
    /// The code, case-sensitive (`BE`, `NA-JFT`).
    pub code: String,
    /// Its name in the requested language, or English where it has none.
    pub name: String,
    /// Its names by language.
    pub names: std::collections::BTreeMap<String, String>,
    /// A longer explanation, where the source gives one.
    pub description: Option<String>,
    /// `meeting_guide` for base codes, else the fellowship whose format it is.
    pub origin: String,
    /// The fellowships whose published meetings use it.
    pub fellowships: Vec<String>,
}

/// A Meeting Guide language code and the language it stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct LanguageCodeResponse {
    /// The Meeting Guide code (`S`).
    pub meeting_guide_code: String,
    /// The ISO 639-1 code Lantern uses in `languages` (`es`).
    pub language: String,
}

/// The type vocabulary.
#[derive(Debug, Serialize, ToSchema)]
pub struct TypeListResponse {
    /// Every type code, by code.
    pub results: Vec<TypeResponse>,
    /// Always `null`: the vocabulary is one page.
    pub next_cursor: Option<String>,
    /// Meeting Guide codes that are languages here, not types.
    pub language_codes: Vec<LanguageCodeResponse>,
}

/// A language the vocabulary has names in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameLanguage(&'static str);

impl Default for NameLanguage {
    fn default() -> Self {
        Self("en")
    }
}

impl std::str::FromStr for NameLanguage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        NAME_LANGUAGES
            .iter()
            .find(|l| **l == s)
            .map(|l| Self(l))
            .ok_or_else(|| format!("`{s}` is not one of {}", NAME_LANGUAGES.join(", ")))
    }
}

impl utoipa::PartialSchema for NameLanguage {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(NAME_LANGUAGES.iter().copied()))
            .default(Some(serde_json::json!("en")))
            .into()
    }
}

impl utoipa::ToSchema for NameLanguage {}

/// The vocabulary's names language.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypesParams {
    /// Language of `name`.
    #[param(inline, required = false)]
    pub lang: NameLanguage,
}

impl FromQuery for TypesParams {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { lang: q.or_default("lang") }
    }
}

/// The type vocabulary shared by every fellowship.
#[utoipa::path(
    tag = "catalog",
    params(TypesParams),
    responses(
        (status = 200, body = TypeListResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/types")]
pub async fn list_types(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<TypesParams>,
) -> Result<HttpResponse, ApiError> {
    let lang = query.lang.0;
    let directory = lantern.directory();
    let usage = &directory.usage().fellowships_per_type;
    let vocabulary = lantern.vocabulary();
    let results = vocabulary
        .types()
        .map(|t| TypeResponse {
            code: t.code.to_string(),
            name: t.name_in(lang).to_owned(),
            names: t.names.clone(),
            description: t.description.clone(),
            origin: match &t.origin {
                TypeOrigin::MeetingGuide => "meeting_guide".to_owned(),
                TypeOrigin::Fellowship(f) => f.to_string(),
            },
            fellowships: usage.get(&t.code).into_iter().flat_map(|m| m.keys()).map(ToString::to_string).collect(),
        })
        .collect();
    let language_codes = vocabulary
        .language_codes()
        .iter()
        .map(|l| LanguageCodeResponse {
            meeting_guide_code: l.meeting_guide_code.clone(),
            language: l.language.to_string(),
        })
        .collect();
    cached_json(&req, &TypeListResponse { results, next_cursor: None, language_codes }, DIRECTORY_MAX_AGE)
}
