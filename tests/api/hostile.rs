//! Hostile input, case by named case: each is answered 4xx problem+json naming what is wrong, and
//! changes nothing (the change log and the snapshot are as they were). Sources pointed at places a
//! server must not fetch are refused without connecting.

use actix_web::http::{Method, StatusCode};
use actix_web::test::{self as web_test, TestRequest};
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, berlin_meeting, issue_key, public_url, small_seed};

/// One hostile request and the status it must get.
struct Case {
    name: &'static str,
    request: TestRequest,
    status: StatusCode,
}

fn with_key(req: TestRequest, key: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {key}")))
}

fn raw_post(uri: &str, key: &str, body: impl Into<Vec<u8>>) -> TestRequest {
    with_key(TestRequest::post().uri(uri), key)
        .insert_header(("Content-Type", "application/json"))
        .set_payload(body.into())
}

fn meeting_with(key: &str, field: &str, value: Value) -> TestRequest {
    let mut body = berlin_meeting(2, "Hostile");
    body[field] = value;
    with_key(TestRequest::post().uri("/v1/meetings"), key).set_json(body)
}

fn meeting_located(key: &str, latitude: Value) -> TestRequest {
    let mut body = berlin_meeting(2, "Hostile");
    body["location"]["latitude"] = latitude;
    with_key(TestRequest::post().uri("/v1/meetings"), key).set_json(body)
}

/// `POST /v1/sources` following `url`.
fn source_at(key: &str, url: &str) -> TestRequest {
    with_key(TestRequest::post().uri("/v1/sources"), key)
        .set_json(json!({"url": url, "kind": "meeting-guide", "service_body_id": 2}))
}

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

fn cases(admin: &str) -> Vec<Case> {
    let case = |name, request, status| Case { name, request, status };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut schedule_zone = berlin_meeting(2, "Hostile");
    schedule_zone["schedule"]["time_zone"] = json!("../../etc/passwd");
    vec![
        case(
            "a body over 64 KiB",
            raw_post("/v1/meetings", admin, vec![b' '; 70 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        case(
            "an import over 20 MiB",
            raw_post("/v1/service-bodies/2/imports/meeting-guide", admin, vec![b' '; 21 * 1024 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        case("JSON nested 10,000 deep", raw_post("/v1/meetings", admin, deep), StatusCode::BAD_REQUEST),
        case(
            "a name of 20,000 characters",
            meeting_with(admin, "name", json!("x".repeat(20_000))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "invalid UTF-8 in a body",
            raw_post("/v1/meetings", admin, b"{\"name\": \"\xff\xfe\"}".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        case("invalid UTF-8 in a query", get("/v1/meetings?q=%FF%FE"), StatusCode::BAD_REQUEST),
        case("invalid UTF-8 in a path", get("/v1/meetings/%FF"), StatusCode::NOT_FOUND),
        case("NaN coordinates", get("/v1/meetings/nearby?lat=NaN&lon=0"), StatusCode::BAD_REQUEST),
        case("infinite coordinates", get("/v1/meetings/nearby?lat=0&lon=inf"), StatusCode::BAD_REQUEST),
        case("a latitude of 1e308", get("/v1/meetings/nearby?lat=1e308&lon=0"), StatusCode::BAD_REQUEST),
        case("a body latitude of 1e308", meeting_located(admin, json!(1e308)), StatusCode::UNPROCESSABLE_ENTITY),
        case(
            "NaN in a body (not JSON)",
            raw_post("/v1/meetings", admin, r#"{"location": {"latitude": NaN}}"#),
            StatusCode::BAD_REQUEST,
        ),
        case("limit=10^12", get("/v1/meetings?limit=1000000000000"), StatusCode::BAD_REQUEST),
        case(
            "a zone like a path",
            with_key(TestRequest::post().uri("/v1/meetings"), admin).set_json(schedule_zone),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case("SQL in a path id", get("/v1/meetings/1;DROP%20TABLE%20meetings"), StatusCode::NOT_FOUND),
        case("SQL in a fellowship filter", get("/v1/meetings?fellowship=aa'%20OR%201=1--"), StatusCode::BAD_REQUEST),
        case(
            "a header-injection attempt in If-Match",
            with_key(TestRequest::patch().uri("/v1/meetings/1"), admin)
                .insert_header(("If-Match", "\"1\" X-Evil: 1"))
                .set_json(json!({"name": "Injected"})),
            StatusCode::BAD_REQUEST,
        ),
        case(
            "a JSONP callback that is not an identifier",
            get("/client_interface/jsonp/?switcher=GetFieldKeys&callback=alert(document.cookie)"),
            StatusCode::BAD_REQUEST,
        ),
        case("a source at a file:// URL", source_at(admin, "file:///etc/passwd"), StatusCode::UNPROCESSABLE_ENTITY),
        case(
            "a source at the cloud metadata address",
            source_at(admin, "http://169.254.169.254/latest/meta-data/"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "a source at a private address",
            source_at(admin, "http://192.168.1.1/feed.json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "a source at a link-local address",
            source_at(admin, "http://169.254.10.20/feed.json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "a source at a loopback address",
            source_at(admin, "http://127.0.0.1:9/feed.json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ]
}

#[actix_web::test]
async fn every_hostile_case_is_a_clear_4xx_that_changes_nothing() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let admin = issue_key(&app, "admin", None);
    let service = web_test::init_service(lantern::http::app(app.lantern.clone(), public_url())).await;
    let (changes, state) = (app.change_count(), app.state());
    let mut failures = Vec::new();
    for Case { name, request, status } in cases(&admin) {
        let res = web_test::call_service(
            &service,
            request.peer_addr("203.0.113.9:1".parse().unwrap_or_else(|e| panic!("{e}"))).to_request(),
        )
        .await;
        let got = res.status();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body: Value = serde_json::from_slice(&web_test::read_body(res).await).unwrap_or(Value::Null);
        let named = body["type"].as_str().is_some_and(|t| t.starts_with("urn:lantern:problem:"))
            && body["detail"].as_str().is_some_and(|d| !d.is_empty());
        if got != status || content_type != "application/problem+json" || !named {
            failures.push(format!("{name}: {got} {content_type} {body}"));
        }
        if app.change_count() != changes || app.state() != state {
            failures.push(format!("{name}: changed the directory"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[actix_web::test]
async fn sql_in_search_text_is_only_text() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let admin = issue_key(&app, "admin", None);
    let name = "Robert'); DROP TABLE meetings;--";
    let (status, _, created) =
        app.send(Method::POST, "/v1/meetings", Some(&admin), Some(berlin_meeting(2, name))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, _, found) = app.get("/v1/meetings?q=DROP%20TABLE").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["results"][0]["name"], name, "stored and found as written");
    let (status, _, none) = app.get("/v1/meetings?q=%27%20OR%201%3D1%20--").await;
    assert_eq!((status, none["results"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    assert_eq!(app.lantern.directory().meeting_count(), 8, "every table still there");
}
