//! The committed OpenAPI document is the one the code generates, and it lists every endpoint.

#[test]
fn the_committed_document_matches_the_generated_one() {
    let generated = lantern::http::openapi_json();
    let committed = include_str!("../../openapi/openapi.json");
    assert!(generated == committed, "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`");
}

#[test]
fn the_document_lists_every_endpoint_and_method() {
    let doc: serde_json::Value = serde_json::from_str(&lantern::http::openapi_json()).unwrap_or_default();
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations.sort_unstable();
    assert_eq!(
        operations,
        [
            "DELETE /v1/keys/{id}",
            "DELETE /v1/meetings/{id}",
            "DELETE /v1/service-bodies/{id}",
            "DELETE /v1/sources/{id}",
            "GET /client_interface/json",
            "GET /client_interface/json/",
            "GET /client_interface/jsonp",
            "GET /client_interface/jsonp/",
            "GET /console",
            "GET /console/{file}",
            "GET /embed",
            "GET /embed.js",
            "GET /embed/{file}",
            "GET /healthz",
            "GET /metrics",
            "GET /readyz",
            "GET /v1/changes",
            "GET /v1/feeds/meeting-guide.json",
            "GET /v1/fellowships",
            "GET /v1/keys",
            "GET /v1/keys/me",
            "GET /v1/meetings",
            "GET /v1/meetings.csv",
            "GET /v1/meetings.geojson",
            "GET /v1/meetings/calendar.ics",
            "GET /v1/meetings/nearby",
            "GET /v1/meetings/upcoming",
            "GET /v1/meetings/{id}",
            "GET /v1/meetings/{id}/calendar.ics",
            "GET /v1/meetings/{id}/history",
            "GET /v1/meetings/{id}/occurrences",
            "GET /v1/places",
            "GET /v1/service-bodies",
            "GET /v1/service-bodies/{id}",
            "GET /v1/sources",
            "GET /v1/sources/{id}",
            "GET /v1/time-zone",
            "GET /v1/types",
            "PATCH /v1/meetings/{id}",
            "PATCH /v1/service-bodies/{id}",
            "POST /v1/fellowships",
            "POST /v1/keys",
            "POST /v1/keys/{id}/rotate",
            "POST /v1/meetings",
            "POST /v1/meetings/{id}/restore",
            "POST /v1/service-bodies",
            "POST /v1/service-bodies/{id}/imports/meeting-guide",
            "POST /v1/sources",
            "POST /v1/sources/{id}/pull",
            "PUT /v1/fellowships/{code}",
            "PUT /v1/meetings/{id}",
            "PUT /v1/service-bodies/{id}",
        ]
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["MeetingResponse"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    assert_eq!(doc["paths"]["/v1/meetings"]["post"]["security"][0]["api_key"], serde_json::json!([]));
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

#[test]
fn every_documented_query_parameter_is_the_one_its_handler_reads() {
    use lantern::http::extract::query::names_read;
    let doc: serde_json::Value = serde_json::from_str(&lantern::http::openapi_json()).unwrap_or_default();
    let read: [(&str, Vec<&str>); 18] = [
        ("get /client_interface/json/", names_read::<lantern::http::bmlt::params::SemanticParams>()),
        ("get /client_interface/json", names_read::<lantern::http::bmlt::params::SemanticParams>()),
        ("get /client_interface/jsonp/", names_read::<lantern::http::bmlt::params::JsonpParams>()),
        ("get /client_interface/jsonp", names_read::<lantern::http::bmlt::params::JsonpParams>()),
        ("get /v1/meetings", names_read::<lantern::http::meetings::ListQuery>()),
        ("get /v1/meetings/nearby", names_read::<lantern::http::search::NearbyQuery>()),
        ("get /v1/meetings/upcoming", names_read::<lantern::http::search::UpcomingQuery>()),
        ("get /v1/meetings/{id}/occurrences", names_read::<lantern::http::search::RangeParams>()),
        ("get /v1/changes", names_read::<lantern::http::changes::ChangesParams>()),
        ("get /v1/types", names_read::<lantern::http::catalog::TypesParams>()),
        ("get /v1/places", names_read::<lantern::http::places::PlacesQuery>()),
        ("get /v1/time-zone", names_read::<lantern::http::places::TimeZoneQuery>()),
        ("get /embed", names_read::<lantern::http::embed::EmbedQuery>()),
        ("get /v1/feeds/meeting-guide.json", names_read::<lantern::http::meetings::ExportQuery>()),
        ("get /v1/meetings.geojson", names_read::<lantern::http::meetings::ExportQuery>()),
        ("get /v1/meetings.csv", names_read::<lantern::http::meetings::ExportQuery>()),
        ("get /v1/meetings/calendar.ics", names_read::<lantern::http::meetings::ExportQuery>()),
        ("post /v1/service-bodies/{id}/imports/meeting-guide", names_read::<lantern::http::imports::ImportParams>()),
    ];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let documented: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let operation = format!("{method} {path}");
            let parsed = read.iter().find(|(p, _)| *p == operation).map(|(_, names)| names.clone()).unwrap_or_default();
            assert_eq!(documented, parsed, "{operation}: the document and the parser disagree");
        }
    }
    assert!(names_read::<lantern::http::meetings::ExportQuery>().iter().all(|n| !["limit", "cursor"].contains(n)));
}

#[test]
fn every_path_placeholder_is_a_documented_path_parameter() {
    let doc: serde_json::Value = serde_json::from_str(&lantern::http::openapi_json()).unwrap_or_default();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let placeholders: Vec<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        for (method, op) in item.as_object().into_iter().flatten() {
            let mut documented: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            documented.sort_unstable();
            let mut wanted = placeholders.clone();
            wanted.sort_unstable();
            assert_eq!(documented, wanted, "{method} {path}");
        }
    }
}
