//! The HTTP API: route table, middleware, problem+json errors and the OpenAPI document.

pub mod bmlt;
pub mod catalog;
pub mod changes;
mod compression;
pub mod console;
mod document;
pub mod embed;
pub mod exports;
pub mod extract;
pub mod feeds;
pub mod health;
pub mod imports;
pub mod keys;
pub mod limits;
pub mod meetings;
pub mod metrics;
pub mod places;
pub mod search;
pub mod sources;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpMessage as _, web};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::service::Lantern;
use extract::problem::{self as problem, internal_problem, problem_response};
use extract::public_url::PublicUrl;

fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        scope::scope("/v1")
            // The fixed segments are registered before `/meetings/{id}`.
            .service(meetings::list_meetings)
            .service(exports::geojson_export)
            .service(exports::csv_export)
            .service(exports::calendar_export)
            .service(exports::meeting_calendar)
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
            .service(imports::import_meeting_guide)
            .service(catalog::list_types)
            .service(places::search_places)
            .service(places::time_zone_at)
            .service(changes::list_changes)
            .service(feeds::meeting_guide_feed)
            .service(keys::my_key)
            .service(keys::list_keys)
            .service(keys::create_key)
            .service(keys::rotate_key)
            .service(keys::revoke_key)
            .service(sources::list_sources)
            .service(sources::add_source)
            .service(sources::get_source)
            .service(sources::remove_source)
            .service(sources::pull_source),
    )
    .service(bmlt::semantic_json)
    .service(bmlt::semantic_json_bare)
    .service(bmlt::semantic_jsonp)
    .service(bmlt::semantic_jsonp_bare)
    .service(embed::embed_script)
    .service(embed::embed_page)
    .service(embed::embed_file)
    .service(console::console_page)
    .service(console::console_file)
    .service(health::healthz)
    .service(health::readyz)
    .service(metrics::metrics);
}

/// The OpenAPI document, generated from the route table without a database.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new().into_utoipa_app().openapi(document::base()).configure(routes).split_for_parts();
    document::with_conventions(api)
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
    app_with(lantern, public_url, Shared::default())
}

/// What every worker of one server shares: the metrics it records and the limits it counts.
#[derive(Clone)]
pub struct Shared {
    /// Request counts and latencies.
    pub metrics: web::Data<metrics::Metrics>,
    /// Rate limits, trusted proxies and the request timeout.
    pub limits: web::Data<limits::Limits>,
}

impl Default for Shared {
    /// Fresh metrics, no limits.
    fn default() -> Self {
        Self { metrics: web::Data::new(metrics::Metrics::new()), limits: web::Data::new(limits::Limits::default()) }
    }
}

/// The application with the metrics and limits of `shared`.
pub fn app_with(
    lantern: web::Data<Lantern>,
    public_url: PublicUrl,
    shared: Shared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new().into_utoipa_app().openapi(document::base()).configure(routes).split_for_parts();
    let api = document::with_conventions(api);
    let known = web::Data::new(extract::methods::KnownRoutes::new(&api));
    let Shared { metrics, limits } = shared;
    let recorder = metrics.clone();
    let limiter = limits.clone();
    app.app_data(lantern)
        .app_data(metrics)
        .app_data(limits)
        .app_data(public_url)
        .app_data(known)
        .app_data(web::PayloadConfig::new(extract::body::MAX_BODY_BYTES))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .default_service(web::to(extract::methods::unrouted))
        // Rate limits and the request timeout, inside CORS so that a 429 or 503 carries its headers.
        .wrap_fn(move |req, srv| {
            use actix_web::ResponseError as _;
            use actix_web::dev::Service as _;
            let timeout = limiter.timeout();
            let id = req.extensions().get::<RequestId>().map(ToString::to_string);
            let outcome = match limiter.check(req.request()) {
                Some(secs) => {
                    let refusal =
                        extract::problem::ApiError::RateLimited(secs, "this client or key sent too many requests");
                    Err(req.into_response(refusal.error_response()))
                }
                None => Ok(srv.call(req)),
            };
            async move {
                let call = match outcome {
                    Ok(call) => call,
                    Err(refused) => return Ok(refused.map_into_right_body()),
                };
                let Some(limit) = timeout else { return call.await.map(ServiceResponse::map_into_left_body) };
                // Past the limit the handler is dropped and a 503 is answered in its place.
                match actix_web::rt::time::timeout(limit, call).await {
                    Ok(res) => res.map(ServiceResponse::map_into_left_body),
                    // The request went with the abandoned handler, so this is an error whose
                    // answer carries by itself what the layers outside add to answers.
                    Err(_) => {
                        let mut problem = extract::problem::ApiError::TimedOut(limit.as_secs()).render(id.clone());
                        let headers = problem.headers_mut();
                        if let Some(value) = id.and_then(|id| id.parse().ok()) {
                            headers.insert(actix_web::http::header::HeaderName::from_static("x-request-id"), value);
                        }
                        headers.insert(
                            actix_web::http::header::X_CONTENT_TYPE_OPTIONS,
                            actix_web::http::header::HeaderValue::from_static("nosniff"),
                        );
                        Err(actix_web::error::InternalError::from_response("request timeout", problem).into())
                    }
                }
            }
        })
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
                let known = res.response().error().and_then(|e| e.as_error::<problem::ApiError>());
                let replacement = if let Some(rendered) =
                    known.filter(|_| status.is_server_error()).map(|e| e.render(Some(id.clone())))
                {
                    // A server error our handlers named (an outage): its own problem, with the request id.
                    Some(rendered)
                } else if status.is_server_error() && status != 503 {
                    Some(problem_response(&internal_problem(id.clone())))
                } else if status.is_client_error() && !is_problem {
                    // Rejections that bypass our handlers (an oversized raw body, say) still answer problem+json.
                    Some(problem_response(&problem::status_problem(status)))
                } else {
                    None
                };
                let mut res = match replacement {
                    // The new body keeps the headers the layers inside added (CORS above all, so
                    // that a browser can read the problem), but for the ones that describe the body.
                    Some(mut replacement) => {
                        for (name, value) in res.headers() {
                            let describes_body =
                                [actix_web::http::header::CONTENT_TYPE, actix_web::http::header::CONTENT_LENGTH]
                                    .contains(name);
                            if !describes_body && !replacement.headers().contains_key(name) {
                                replacement.headers_mut().append(name.clone(), value.clone());
                            }
                        }
                        res.into_response(replacement)
                    }
                    None => res,
                };
                if let Ok(value) = id.parse() {
                    res.headers_mut().insert(actix_web::http::header::HeaderName::from_static("x-request-id"), value);
                }
                Ok(res)
            }
        })
        // Counted with the status the client gets (after the problem conversion above).
        .wrap_fn(move |req, srv| {
            use actix_web::dev::Service as _;
            let started = std::time::Instant::now();
            let method = req.method().clone();
            let call = srv.call(req);
            let recorder = recorder.clone();
            async move {
                let outcome = call.await;
                match &outcome {
                    Ok(res) => recorder.record(
                        res.request().match_pattern().as_deref(),
                        &method,
                        res.status().as_u16(),
                        started.elapsed(),
                    ),
                    // An answer made of an error (a timeout): its route went with its request.
                    Err(e) => {
                        let status = e.as_response_error().status_code().as_u16();
                        recorder.record(None, &method, status, started.elapsed());
                    }
                }
                outcome
            }
        })
        // Answers of a kilobyte or more, compressed as the client asks (see compression.rs).
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service as _;
            let call = srv.call(req);
            async move { call.await.map(compression::mark_small) }
        })
        .wrap(actix_web::middleware::Compress::default())
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service as _;
            let call = srv.call(req);
            async move { call.await.map(compression::unmark) }
        })
        // The API's documentation page (Swagger UI, served from the binary) may run only its own
        // files and fetch only this server; the embed and the console set their own policies.
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service as _;
            let docs = req.path().starts_with("/docs");
            let call = srv.call(req);
            async move {
                let mut res = call.await?;
                if docs {
                    res.headers_mut().insert(
                        actix_web::http::header::CONTENT_SECURITY_POLICY,
                        actix_web::http::header::HeaderValue::from_static(DOCS_POLICY),
                    );
                }
                Ok(res)
            }
        })
        // Every answer, problems made above included, is taken only as the type it says.
        .wrap(actix_web::middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
        .wrap(TracingLogger::default())
}

/// The documentation page's policy: Swagger UI's own scripts and styles (it sets inline styles on
/// elements as it renders), its icons as data URIs, and the document from this server.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn cors() -> actix_cors::Cors {
    use actix_web::http::{Method, header};
    actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::LINK, header::RETRY_AFTER])
        .max_age(3600)
}
