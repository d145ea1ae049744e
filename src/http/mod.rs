//! The HTTP API: route table, middleware, problem+json errors and the OpenAPI document.

pub mod catalog;
pub mod changes;
pub mod extract;
pub mod health;
pub mod keys;
pub mod meetings;
mod methods;
pub mod search;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpMessage as _, web};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::service::Lantern;
use extract::problem::{self as problem, internal_problem, problem_response};
use extract::public_url::PublicUrl;

/// The document's fixed parts; paths and schemas come from the route table.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lantern",
        description = "Meeting-finder API for 12-step fellowships: the directory of meetings, and the nearest meeting starting soon.",
        license(name = "MIT")
    ),
    tags(
        (name = "meetings", description = "The meeting directory"),
        (name = "search", description = "Meetings starting soon, near a place or anywhere"),
        (name = "catalog", description = "Fellowships, service bodies and the type vocabulary"),
        (name = "publishing", description = "Writes for service offices: meetings (publisher keys), service bodies and fellowships (admin keys)"),
        (name = "history", description = "The change feed"),
        (name = "keys", description = "API keys (admin keys)"),
        (name = "health", description = "Liveness and readiness"),
    ),
    modifiers(&BearerKeys, &CommonResponses)
)]
struct ApiDoc;

/// Declares the `api_key` bearer scheme the write endpoints name.
struct BearerKeys;

impl utoipa::Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key from `lantern keys create` or `POST /v1/keys`: `lantern_<id>_<secret>`"))
            .build();
        components.add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

/// Adds the answers every operation of a kind can give, so that no annotation can forget them:
/// `401` and `429` wherever a key is read, `400` (malformed JSON) and `413` wherever a body is.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            ResponseBuilder::new().description(description).content(problem::PROBLEM_JSON, content).build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in methods::operations_mut(item) {
                let reads_key = op
                    .security
                    .iter()
                    .flatten()
                    .any(|s| serde_json::to_value(s).ok().and_then(|v| v.get("api_key").cloned()).is_some());
                let mut add = |status: &str, description: &str| {
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(description).into());
                };
                if reads_key {
                    add("401", "No key where one is needed, or an unknown, revoked or expired one");
                    add("429", "Too many bad keys from this address; see `Retry-After`");
                }
                if op.request_body.is_some() {
                    add("400", "Malformed JSON");
                    add("413", "Body over 64 KiB");
                }
            }
        }
    }
}

fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        scope::scope("/v1")
            // The fixed segments are registered before `/meetings/{id}`.
            .service(meetings::list_meetings)
            .service(meetings::writes::create_meeting)
            .service(search::nearby)
            .service(search::upcoming)
            .service(search::occurrences)
            .service(meetings::writes::meeting_history)
            .service(meetings::writes::restore_meeting)
            .service(meetings::get_meeting)
            .service(meetings::writes::replace_meeting)
            .service(meetings::writes::patch_meeting)
            .service(meetings::writes::delete_meeting)
            .service(catalog::list_fellowships)
            .service(catalog::writes::create_fellowship)
            .service(catalog::writes::replace_fellowship)
            .service(catalog::list_service_bodies)
            .service(catalog::writes::create_service_body)
            .service(catalog::get_service_body)
            .service(catalog::writes::replace_service_body)
            .service(catalog::writes::patch_service_body)
            .service(catalog::writes::delete_service_body)
            .service(catalog::list_types)
            .service(changes::list_changes)
            .service(keys::list_keys)
            .service(keys::create_key)
            .service(keys::rotate_key)
            .service(keys::revoke_key),
    )
    .service(health::healthz)
    .service(health::readyz);
}

/// The OpenAPI document, generated from the route table without a database.
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes).split_for_parts().1
}

/// The OpenAPI document as pretty JSON with a final newline, as committed.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// The whole application: routes, extractor error handlers, 405s, CORS, request ids and tracing.
/// Absolute URLs it writes start with `public_url`.
pub fn app(
    lantern: web::Data<Lantern>,
    public_url: PublicUrl,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes).split_for_parts();
    let known = web::Data::new(methods::KnownRoutes::new(&api));
    app.app_data(lantern)
        .app_data(public_url)
        .app_data(known)
        .app_data(web::PayloadConfig::new(extract::body::MAX_BODY_BYTES))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .default_service(web::to(methods::unrouted))
        .wrap(cors())
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service as _;
            let call = srv.call(req);
            async move {
                let res = call.await?.map_into_boxed_body();
                let id = res.request().extensions().get::<RequestId>().map(ToString::to_string);
                let Some(id) = id else { return Ok(res) };
                let status = res.status();
                let is_problem = res
                    .headers()
                    .get(actix_web::http::header::CONTENT_TYPE)
                    .is_some_and(|v| v.as_bytes() == problem::PROBLEM_JSON.as_bytes());
                let mut res = if status.is_server_error() && status != 503 {
                    res.into_response(problem_response(&internal_problem(id.clone())))
                } else if status.is_client_error() && !is_problem {
                    // Rejections that bypass our handlers (an oversized raw body, say) still answer problem+json.
                    res.into_response(problem_response(&problem::status_problem(status)))
                } else {
                    res
                };
                if let Ok(value) = id.parse() {
                    res.headers_mut().insert(actix_web::http::header::HeaderName::from_static("x-request-id"), value);
                }
                Ok(res)
            }
        })
        .wrap(TracingLogger::default())
}

fn cors() -> actix_cors::Cors {
    use actix_web::http::{Method, header};
    actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::LINK, header::RETRY_AFTER])
        .max_age(3600)
}
