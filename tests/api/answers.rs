//! The default answers of a fixed set of searches over the built-in seed, byte for byte: their
//! SHA-256 and length are in `tests/fixtures/golden/search-answers.json`, recorded with the
//! serializer that copied every meeting into a `MeetingResponse` before writing it. Whatever makes
//! searches faster must leave these bytes alone. `LANTERN_BLESS=1` records them again (only for
//! a change of answer that is meant, and said so in its commit).

use actix_web::http::StatusCode;
use lantern::service::SeedSource;
use sha2::{Digest as _, Sha256};

use crate::support::{Backend, TestApp};

const GOLDEN: &str = "tests/fixtures/golden/search-answers.json";

/// Searches that cover the shapes an answer takes: every attendance, schedules by appointment or
/// monthly, running meetings, both sorts, the filters, an empty answer and `upcoming`'s pages.
const QUERIES: &[&str] = &[
    "/v1/meetings/nearby?lat=40.7484&lon=-73.9857&radius_km=50&starting_within=120&limit=20&at=2026-12-01T23:10:00Z",
    "/v1/meetings/nearby?lat=40.7484&lon=-73.9857&radius_km=500&starting_within=1440&limit=200&include_in_progress=true&at=2026-12-01T23:10:00Z",
    "/v1/meetings/nearby?lat=51.5072&lon=-0.1276&radius_km=1500&starting_within=600&sort=start&limit=50&at=2026-03-29T00:30:00Z",
    "/v1/meetings/nearby?lat=-33.8688&lon=151.2093&radius_km=3000&starting_within=720&limit=100&at=2026-04-04T14:00:00Z&include_in_progress=true",
    "/v1/meetings/nearby?lat=35.6762&lon=139.6503&radius_km=20016&starting_within=60&limit=200&at=2026-07-15T10:00:00Z",
    "/v1/meetings/nearby?lat=19.4326&lon=-99.1332&radius_km=1000&starting_within=10080&limit=200&fellowship=na&language=es",
    "/v1/meetings/nearby?lat=48.8566&lon=2.3522&radius_km=20016&starting_within=10080&limit=200&attendance=online,hybrid&at=2026-01-01T00:00:00Z",
    "/v1/meetings/nearby?lat=0&lon=0&radius_km=10&starting_within=60&at=2026-01-01T00:00:00Z",
    "/v1/meetings/upcoming?at=2026-12-01T23:10:00Z&starting_within=60&limit=200",
    "/v1/meetings/upcoming?at=2026-11-01T05:30:00Z&starting_within=180&limit=200&include_in_progress=true",
    "/v1/meetings/upcoming?at=2026-06-10T12:00:00Z&starting_within=1440&limit=200&attendance=online&types=O",
];

#[actix_web::test]
async fn default_search_answers_are_the_recorded_bytes() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Builtin) else { return };
    let mut answers = Vec::new();
    for query in QUERIES {
        // The one query without `at` answers for the test clock's now.
        let (status, bytes) = app.get_bytes(query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {}", String::from_utf8_lossy(&bytes));
        let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let results = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["results"].as_array().map(Vec::len))
            .unwrap_or_default();
        answers.push(serde_json::json!({"query": query, "bytes": bytes.len(), "results": results, "sha256": digest}));
    }
    let answers = serde_json::Value::Array(answers);
    if std::env::var_os("LANTERN_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&answers).unwrap_or_default() + "\n";
        std::fs::write(GOLDEN, text).unwrap_or_else(|e| panic!("{GOLDEN}: {e}"));
        return;
    }
    let recorded: serde_json::Value = serde_json::from_str(include_str!("../fixtures/golden/search-answers.json"))
        .unwrap_or_else(|e| panic!("{GOLDEN}: {e}"));
    let total: u64 = recorded.as_array().into_iter().flatten().filter_map(|a| a["results"].as_u64()).sum();
    assert!(total > 400, "the queries find meetings to write: {total}");
    for (now, then) in answers.as_array().into_iter().flatten().zip(recorded.as_array().into_iter().flatten()) {
        assert_eq!(now, then, "the answer to {} changed", then["query"]);
    }
    assert_eq!(answers.as_array().map(Vec::len), recorded.as_array().map(Vec::len));
}

#[actix_web::test]
async fn the_view_writes_every_meeting_as_the_response_does() {
    use lantern::http::meetings::json::MeetingResponse;
    use lantern::http::meetings::view::MeetingView;
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Builtin) else { return };
    let directory = app.lantern.directory();
    let mut seen = 0;
    for meeting in directory.meetings() {
        for private in [false, true] {
            let copied = serde_json::to_vec(&MeetingResponse::for_caller(meeting, private)).unwrap_or_default();
            let viewed = serde_json::to_vec(&MeetingView::new(meeting, private)).unwrap_or_default();
            assert_eq!(String::from_utf8_lossy(&viewed), String::from_utf8_lossy(&copied));
        }
        seen += 1;
    }
    assert!(seen > 3000, "{seen}");
}

#[actix_web::test]
async fn fields_keep_only_the_meeting_fields_asked_for() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Builtin) else { return };
    let base = "/v1/meetings/nearby?lat=40.7484&lon=-73.9857&radius_km=500&starting_within=1440&limit=50&at=2026-12-01T23:10:00Z";
    let (_, _, whole) = app.get(base).await;
    let (status, _, compact) = app.get(&format!("{base}&fields=name,location,online")).await;
    assert_eq!(status, StatusCode::OK, "{compact}");
    let results = compact["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), whole["results"].as_array().map_or(0, Vec::len));
    assert!(!results.is_empty());
    for (small, full) in results.iter().zip(whole["results"].as_array().into_iter().flatten()) {
        let keys: Vec<&str> = small["meeting"].as_object().into_iter().flatten().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["id", "location", "name", "online"], "(keys sorted by serde_json's map)");
        for key in keys {
            assert_eq!(small["meeting"][key], full["meeting"][key]);
        }
        for key in
            ["distance_km", "next_start", "local_start", "starts_in_minutes", "in_progress", "ends_at", "local_end"]
        {
            assert_eq!(small[key], full[key], "{key}");
        }
    }
    assert_eq!(compact["query"]["fields"], serde_json::json!(["id", "name", "location", "online"]));
    assert!(whole["query"].get("fields").is_none(), "the default answer does not name fields");
    let (_, _, upcoming) = app.get("/v1/meetings/upcoming?at=2026-12-01T23:10:00Z&limit=5&fields=schedule").await;
    let keys: Vec<&str> =
        upcoming["results"][0]["meeting"].as_object().into_iter().flatten().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["id", "schedule"]);
    // Private fields never appear in a search, asked for or not.
    let (_, _, asked) = app.get(&format!("{base}&fields=contacts,published")).await;
    assert_eq!(asked["results"][0]["meeting"].as_object().map(|m| m.len()), Some(1), "{asked}");
    for bad in ["fields=name,colour", "fields=name,", "fields=NAME", "fields=name&fields=id"] {
        let (status, _, problem) = app.get(&format!("{base}&{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
        assert!(problem["errors"]["fields"].is_array(), "{bad}: {problem}");
    }
}
