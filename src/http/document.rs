//! The OpenAPI document's fixed parts, and the conventions applied to every operation once the
//! route table has added them, so that no annotation can forget them.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, ResponseBuilder};

use super::extract::methods::operations_mut;
use super::extract::problem::PROBLEM_JSON;

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
        (name = "sources", description = "Published Meeting Guide feeds and BMLT servers Lantern follows"),
        (name = "embed", description = "The embeddable meeting finder for other sites: its script, its files and its iframe page"),
        (name = "console", description = "The office console: a page in which volunteers keep their meetings current with an API key"),
        (name = "health", description = "Liveness and readiness"),
    ),
    modifiers(&BearerKeys)
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

/// The fixed parts; paths and schemas come from the route table.
pub fn base() -> Document {
    ApiDoc::openapi()
}

/// The document with the conventions every operation follows:
/// - `401` and `429` wherever a key is read (a bad key is 401; past the limit, 429);
/// - `400` (malformed JSON) and `413` (over 64 KiB) wherever a body is, and `400` wherever
///   `If-Match` is read;
/// - `503` everywhere (request timeout, database outage) and `507` on writes (database full);
/// - `allowEmptyValue` on every optional query parameter: an empty value counts as absent, as
///   HTML forms send unfilled fields.
pub fn with_conventions(mut api: Document) -> Document {
    for (path, item) in api.paths.paths.iter_mut() {
        // Health, readiness and metrics are never rate-limited (see `limits.rs`).
        let limited = !matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
        // Writes can find the database full.
        for op in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
            op.responses
                .responses
                .entry("507".to_owned())
                .or_insert_with(|| problem("The database has no room left for the write; nothing was changed").into());
        }
        for op in operations_mut(item) {
            conventions(op, limited);
        }
    }
    api
}

fn problem(description: &str) -> utoipa::openapi::Response {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build()
}

fn conventions(op: &mut Operation, limited: bool) {
    let reads_key =
        op.security.iter().flatten().any(|s| serde_json::to_value(s).ok().is_some_and(|v| v.get("api_key").is_some()));
    let has_body = op.request_body.is_some();
    let mut add = |status: &str, description: &str| {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(description).into());
    };
    if reads_key {
        add("401", "No key where one is needed, or an unknown, revoked or expired one");
        add(
            "429",
            "Too many bad keys from this address, or (with the server's rate limits on) too many requests from this client or key; see `Retry-After`",
        );
    }
    if limited {
        add("429", "Too many requests from this client or key (with the server's rate limits on); see `Retry-After`");
    }
    add(
        "503",
        "The answer took longer than the server's request timeout, or the database could not serve it within the wait (unreachable, busy, read-only, connection lost: the problem's `type` says which, and whether a write may have been applied); see `Retry-After`",
    );
    let states_condition =
        op.parameters.iter().flatten().any(|p| matches!(p, utoipa::openapi::RefOr::T(p) if p.name == "If-Match"));
    if states_condition {
        add("400", "Malformed `If-Match`, or malformed JSON");
    }
    if has_body {
        add("400", "Malformed JSON");
        add("413", "Body over 64 KiB");
    }
    let parameters = op.parameters.iter_mut().flatten().filter_map(|p| match p {
        utoipa::openapi::RefOr::T(parameter) => Some(parameter),
        utoipa::openapi::RefOr::Ref(_) => None,
    });
    for parameter in parameters {
        let optional = !matches!(parameter.required, utoipa::openapi::Required::True);
        if parameter.parameter_in == ParameterIn::Query && optional {
            // utoipa's `Parameter` has no field for OpenAPI's `allowEmptyValue`; its extensions map
            // is flattened into the parameter object, so the keyword goes there.
            let extensions = parameter.extensions.get_or_insert_with(Default::default);
            extensions.insert("allowEmptyValue".to_owned(), serde_json::Value::Bool(true));
        }
    }
}
