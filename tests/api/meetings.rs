//! `GET /v1/meetings` and `GET /v1/meetings/{id}` through HTTP.

use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use lantern::service::SeedSource;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, small_seed};

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

fn names(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {body}"))
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn names_for(app: &TestApp, query: &str) -> Vec<String> {
    let (status, _, body) = app.get(&format!("/v1/meetings?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    names(&body)
}

on_both_backends!(
    lists_published_meetings_in_id_order_with_every_field,
    filters_combine_as_documented,
    pages_follow_the_cursor_to_the_end,
    bad_parameters_get_one_problem_listing_each,
    unknown_codes_and_bodies_are_named_in_the_problem,
    a_meeting_is_found_by_id_and_unknown_ids_are_404,
    answers_carry_etags_and_honour_if_none_match,
);

async fn lists_published_meetings_in_id_order_with_every_field(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, headers, body) = app.get("/v1/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/json"[..]));
    assert_eq!(
        names(&body),
        [
            "Mitte Open",
            "Kreuzberg Closed",
            "Regional Online",
            "Suva Just for Today",
            "Taveuni Basic Text",
            "Winding Down"
        ]
    );
    assert_eq!(body["next_cursor"], Value::Null);
    let first = &body["results"][0];
    let mut keys: Vec<&str> = first.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attendance",
            "closures",
            "created_at",
            "external_id",
            "fellowship",
            "group_name",
            "id",
            "languages",
            "location",
            "name",
            "notes",
            "online",
            "schedule",
            "service_body_id",
            "slug",
            "types",
            "updated_at",
            "version",
            "website"
        ]
    );
    assert_eq!(first["schedule"]["days"], serde_json::json!(["monday"]));
    assert_eq!(first["schedule"]["start_time"], "19:30");
    assert_eq!(first["schedule"]["time_zone"], "Europe/Berlin");
    assert_eq!(first["location"]["latitude"], 52.52);
    assert_eq!(first["types"], serde_json::json!(["BE", "O"]));
    assert_eq!(first["created_at"], "2026-11-27T12:00:00Z");
    assert_eq!(first["version"], 1);
    assert_eq!(first["online"], Value::Null);
    assert!(first.get("contacts").is_none(), "private fields stay private");
}

async fn filters_combine_as_documented(backend: Backend) {
    let Some(app) = app(backend) else { return };
    assert_eq!(names_for(&app, "fellowship=na").await, ["Suva Just for Today", "Taveuni Basic Text"]);
    assert_eq!(names_for(&app, "fellowship=na,aa&day=monday").await, ["Mitte Open", "Kreuzberg Closed"]);
    assert_eq!(names_for(&app, "day=wednesday,saturday").await, ["Kreuzberg Closed", "Taveuni Basic Text"]);
    assert_eq!(names_for(&app, "types=O,BE").await, ["Mitte Open"]);
    assert_eq!(names_for(&app, "types=O&exclude_types=BE,NA-JFT").await, ["Regional Online", "Winding Down"]);
    assert_eq!(
        names_for(&app, "attendance=in_person").await,
        ["Mitte Open", "Suva Just for Today", "Taveuni Basic Text"]
    );
    assert_eq!(names_for(&app, "attendance=hybrid,online").await, ["Kreuzberg Closed", "Regional Online"]);
    assert_eq!(names_for(&app, "language=de").await, ["Kreuzberg Closed", "Regional Online"]);
    assert_eq!(names_for(&app, "q=side%20door").await, ["Kreuzberg Closed"]);
    assert_eq!(names_for(&app, "q=JUST").await, ["Suva Just for Today"]);
    // The region includes its intergroup; the intergroup alone does not include the region.
    let region = body_id(&app, "Regional Online", "service_body_id").await;
    let intergroup = body_id(&app, "Mitte Open", "service_body_id").await;
    assert_eq!(names_for(&app, &format!("service_body={region}")).await.len(), 4);
    assert_eq!(
        names_for(&app, &format!("service_body={intergroup}")).await,
        ["Mitte Open", "Kreuzberg Closed", "Winding Down"]
    );
    // A box across the antimeridian around Fiji finds both sides of it.
    assert_eq!(names_for(&app, "bbox=178,-20,-179,-15").await, ["Suva Just for Today", "Taveuni Basic Text"]);
    assert_eq!(names_for(&app, "bbox=13.39,52.51,13.41,52.525").await, ["Mitte Open"]);
    assert_eq!(names_for(&app, "updated_since=2026-11-27T12:00:00Z").await.len(), 6);
    assert!(names_for(&app, "updated_since=2026-11-27T12:00:01Z").await.is_empty());
    assert_eq!(names_for(&app, "day=&q=").await.len(), 6, "empty values count as absent");
}

async fn body_id(app: &TestApp, name: &str, field: &str) -> i64 {
    let (_, _, body) = app.get("/v1/meetings").await;
    body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["name"] == name)
        .and_then(|m| m[field].as_i64())
        .unwrap_or_else(|| panic!("{name}"))
}

async fn pages_follow_the_cursor_to_the_end(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let mut seen = Vec::new();
    let mut uri = "/v1/meetings?limit=4&attendance=in_person,hybrid,online,inactive".to_owned();
    loop {
        let (status, _, body) = app.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(names(&body));
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                uri = format!("/v1/meetings?limit=4&attendance=in_person,hybrid,online,inactive&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    let (_, _, first) = app.get("/v1/meetings?limit=4").await;
    assert_eq!(names(&first).len(), 4);
    assert!(first["next_cursor"].is_string());
}

async fn bad_parameters_get_one_problem_listing_each(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, headers, body) =
        app.get("/v1/meetings?limit=-3&bbox=1,2&day=funday&updated_since=yesterday&cursor=zzz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
    assert_eq!(body["status"], 400);
    assert_eq!(body["type"], "urn:lantern:problem:invalid-request");
    for field in ["limit", "bbox", "day", "updated_since", "cursor"] {
        assert!(body["errors"][field].is_array(), "{field} missing from {body}");
    }
    let (status, _, body) = app.get("/v1/meetings?limit=501").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = app.get("/v1/meetings?bbox=0,10,1,5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["errors"]["bbox"][0].as_str().is_some_and(|m| m.contains("north")), "{body}");
    let (status, _, body) = app.get("/v1/meetings?limit=%ZZ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["status"], 400);
    let (status, _, body) = app.get("/v1/nowhere").await;
    assert_eq!((status, body["status"].as_i64()), (StatusCode::NOT_FOUND, Some(404)));
}

async fn unknown_codes_and_bodies_are_named_in_the_problem(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, _, body) = app.get("/v1/meetings?fellowship=xx&types=S,NOPE&service_body=999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "well-formed, but naming nothing: {body}");
    assert_eq!(body["type"], "urn:lantern:problem:not-found");
    assert!(body["errors"]["fellowship"][0].as_str().is_some_and(|m| m.contains("`xx`")), "{body}");
    assert!(body["errors"]["service_body"][0].as_str().is_some_and(|m| m.contains("999")), "{body}");
    let types: Vec<&str> = body["errors"]["types"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert_eq!(types.len(), 2, "{body}");
    assert!(types[0].contains("language `es`"), "{body}");
    assert!(types[1].contains("`NOPE` is not a known type"), "{body}");
}

async fn a_meeting_is_found_by_id_and_unknown_ids_are_404(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let id = body_id(&app, "Suva Just for Today", "id").await;
    let (status, _, body) = app.get(&format!("/v1/meetings/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "Suva Just for Today");
    assert_eq!(body["schedule"]["time_zone"], "Pacific/Fiji");
    for uri in ["/v1/meetings/not-an-id", "/v1/meetings/0", "/v1/meetings/-1", "/v1/meetings/999999"] {
        let (status, headers, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
        assert_eq!(body["status"], 404);
    }
    // Unpublished meetings are invisible to the public.
    let hidden = app.lantern.directory().meetings().find(|m| !m.data.published).map(|m| m.id.get()).unwrap_or_default();
    let (status, _, _) = app.get(&format!("/v1/meetings/{hidden}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn answers_carry_etags_and_honour_if_none_match(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (_, headers, _) = app.get("/v1/meetings?fellowship=aa").await;
    let etag = headers.get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no etag")).to_owned();
    assert!(etag.starts_with('"'), "strong etag: {etag}");
    assert_eq!(headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"public, max-age=60"[..]));
    let (status, _, body) = app
        .call(TestRequest::get().uri("/v1/meetings?fellowship=aa").insert_header((header::IF_NONE_MATCH, etag.clone())))
        .await;
    assert_eq!((status, body), (StatusCode::NOT_MODIFIED, Value::Null));
    let (status, headers, _) = app
        .call(TestRequest::get().uri("/v1/meetings?fellowship=na").insert_header((header::IF_NONE_MATCH, etag.clone())))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers.get(header::ETAG).and_then(|v| v.to_str().ok()), Some(etag.as_str()));
    let (_, headers, _) =
        app.call(TestRequest::get().uri("/v1/meetings").insert_header((header::ORIGIN, "https://example.org"))).await;
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.as_bytes()),
        Some(&b"https://example.org"[..])
    );
}

on_both_backends!(a_known_path_asked_with_another_method_is_405_with_allow);

async fn a_known_path_asked_with_another_method_is_405_with_allow(backend: Backend) {
    let Some(app) = app(backend) else { return };
    for (method, uri, allow) in [
        ("TRACE", "/v1/meetings", "GET, POST"),
        ("DELETE", "/v1/fellowships", "GET, POST"),
        ("DELETE", "/v1/meetings/nearby", "GET"),
        ("PUT", "/v1/meetings/upcoming", "GET"),
        ("POST", "/v1/meetings/12", "GET, PUT, DELETE, PATCH"),
        ("QUERY", "/v1/types", "GET"),
    ] {
        let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let (status, headers, body) = app.send(method.clone(), uri, None, None).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}: {body}");
        assert_eq!(headers.get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {uri}");
        assert_eq!(body["status"], 405);
    }
    assert_eq!(app.send(Method::TRACE, "/v1/nowhere", None, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        app.send(Method::GET, "/v1/meetings/abc", None, None).await.0,
        StatusCode::NOT_FOUND,
        "an id that names nothing"
    );
}
