//! The committed OpenAPI document is the one the code generates, and it lists every endpoint.

#[test]
fn the_committed_document_matches_the_generated_one() {
    let generated = lantern::http::openapi_json();
    let committed = include_str!("../../openapi/openapi.json");
    assert!(generated == committed, "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`");
}

#[test]
fn the_document_lists_every_endpoint() {
    let doc: serde_json::Value = serde_json::from_str(&lantern::http::openapi_json()).unwrap_or_default();
    let mut paths: Vec<&str> =
        doc["paths"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/healthz",
            "/readyz",
            "/v1/fellowships",
            "/v1/meetings",
            "/v1/meetings/nearby",
            "/v1/meetings/upcoming",
            "/v1/meetings/{id}",
            "/v1/meetings/{id}/occurrences",
            "/v1/service-bodies",
            "/v1/service-bodies/{id}",
            "/v1/types"
        ]
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["MeetingResponse"].is_object());
}

#[actix_web::test]
async fn the_document_and_its_browser_are_served_from_the_binary() {
    use crate::support::{Backend, TestApp, small_seed};
    let app = TestApp::start(Backend::Sqlite, lantern::service::SeedSource::Inline(Box::new(small_seed())))
        .unwrap_or_else(|| panic!("sqlite is always available"));
    let (status, _, served) = app.get("/openapi.json").await;
    assert_eq!(status, actix_web::http::StatusCode::OK);
    let generated: serde_json::Value = serde_json::from_str(&lantern::http::openapi_json()).unwrap_or_default();
    assert_eq!(served, generated);
    let (status, _, page) = app.get("/docs/").await;
    assert_eq!(status, actix_web::http::StatusCode::OK);
    assert!(page.as_str().is_some_and(|html| html.contains("swagger-ui-bundle.js")), "{page}");
    let (status, _, _) = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, actix_web::http::StatusCode::OK, "assets come from the binary, not a CDN");
}
