//! The publishing API: validation, `If-Match`, zone derivation, limits, and that writes reach
//! searches at once while failed requests change nothing.

use actix_web::http::{Method, StatusCode, header};
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, issue_key, small_seed};

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

on_both_backends!(
    writes_reach_nearby_before_the_response_returns,
    every_validation_rule_is_reported_per_field,
    stale_if_match_is_412_and_changes_nothing,
    a_missing_zone_is_derived_from_the_coordinates_and_said_so,
    oversized_and_malformed_bodies_are_refused_as_problems,
    a_storage_failure_is_a_500_with_the_request_id_and_writes_nothing,
);

async fn nearby_ids(app: &TestApp) -> Vec<i64> {
    let uri = "/v1/meetings/nearby?lat=52.52&lon=13.40&radius_km=10&starting_within=60";
    let (status, _, body) = app.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"].as_array().into_iter().flatten().filter_map(|h| h["meeting"]["id"].as_i64()).collect()
}

async fn writes_reach_nearby_before_the_response_returns(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let publisher = issue_key(&app, "publisher", Some(2));
    // 12:00Z on Friday 2026-11-27 is 13:00 in Berlin: a 13:30 meeting starts within the hour.
    assert_eq!(nearby_ids(&app).await, Vec::<i64>::new());
    let (status, headers, created) =
        app.send(Method::POST, "/v1/meetings", Some(&publisher), Some(berlin_meeting(2, "Lunch Break"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap_or_default();
    assert_eq!(
        headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some(format!("https://lantern.example.org/v1/meetings/{id}").as_str()),
        "absolute, from the public URL"
    );
    assert_eq!(headers.get(header::ETAG).and_then(|v| v.to_str().ok()), Some("\"1\""));
    assert_eq!(created["slug"], "lunch-break", "the slug is derived from the name");
    assert_eq!(nearby_ids(&app).await, [id]);

    let uri = format!("/v1/meetings/{id}");
    let cancel_today = json!({"closures": {"dates": ["2026-11-27"]}});
    let (status, _, body) = app.send(Method::PATCH, &uri, Some(&publisher), Some(cancel_today)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(nearby_ids(&app).await, Vec::<i64>::new(), "a cancelled date leaves the search at once");
    let (_, _, body) = app.send(Method::PATCH, &uri, Some(&publisher), Some(json!({"closures": null}))).await;
    assert_eq!(body["closures"]["dates"], json!([]));
    assert_eq!(nearby_ids(&app).await, [id]);
    let suspend = json!({"closures": {"suspended_until": "2026-12-31"}});
    app.send(Method::PATCH, &uri, Some(&publisher), Some(suspend)).await;
    assert_eq!(nearby_ids(&app).await, Vec::<i64>::new(), "a suspension too");
    app.send(Method::PATCH, &uri, Some(&publisher), Some(json!({"closures": {"suspended_until": null}}))).await;
    let moved = json!({"schedule": {"start_time": "15:30"}});
    app.send(Method::PATCH, &uri, Some(&publisher), Some(moved)).await;
    assert_eq!(nearby_ids(&app).await, Vec::<i64>::new(), "moved out of the window");
    app.send(Method::PATCH, &uri, Some(&publisher), Some(json!({"schedule": {"start_time": "13:30"}}))).await;
    assert_eq!(nearby_ids(&app).await, [id]);

    let (status, _, _) = app.send(Method::DELETE, &uri, Some(&publisher), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(nearby_ids(&app).await, Vec::<i64>::new());
    let (status, _, _) = app.get(&uri).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted meeting is gone from reads");
    let (status, _, body) = app.send(Method::POST, &format!("{uri}/restore"), Some(&publisher), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(nearby_ids(&app).await, [id]);
    // The snapshot the writes built answers like one rebuilt from the database.
    let rebuilt = lantern::service::Lantern::open(
        &app.db.url,
        SeedSource::None,
        std::sync::Arc::new(lantern::domain::clock::FixedClock(crate::support::test_now())),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let ids = |l: &lantern::service::Lantern| l.directory().meetings().map(|m| m.as_ref().clone()).collect::<Vec<_>>();
    assert_eq!(ids(&rebuilt), ids(&app.lantern));
}

async fn every_validation_rule_is_reported_per_field(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let before = (app.change_count(), app.state());
    let bad = json!({
        "name": " ",
        "slug": "Not A Slug",
        "fellowship": "zz",
        "service_body_id": 2,
        "attendance": "hybrid",
        "schedule": {"days": ["monday", "funday"], "start_time": "7:30pm", "duration_minutes": 0,
                     "time_zone": "Mars/Olympus", "weeks_of_month": [6]},
        "location": {"latitude": 95.0, "longitude": 13.4},
        "online": {"conference_url": "meet.example.org/room", "conference_phone": "call the office"},
        "types": ["O", "ZZZ", "S"],
        "languages": ["english"],
        "website": "ftp://example.org",
        "closures": {"dates": ["2026-02-30"]},
        "contacts": [{"email": "nobody", "phone": "12"}],
        "colour": "red"
    });
    let (status, headers, problem) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
    let errors = problem["errors"].as_object().unwrap_or_else(|| panic!("{problem}"));
    for field in [
        "name",
        "slug",
        "fellowship",
        "schedule.days[1]",
        "schedule.start_time",
        "schedule.duration_minutes",
        "schedule.time_zone",
        "schedule.weeks_of_month[0]",
        "location.latitude",
        "online.conference_url",
        "online.conference_phone",
        "types",
        "languages[0]",
        "website",
        "closures.dates[0]",
        "contacts[0].email",
        "contacts[0].phone",
        "colour",
    ] {
        assert!(errors.contains_key(field), "{field} missing from {problem}");
    }
    let types = errors["types"].to_string();
    assert!(types.contains("`ZZZ` is not a known type code") && types.contains("use the language `es`"), "{types}");
    assert_eq!((app.change_count(), app.state()), before, "a refused write changes nothing");

    // Each rule alone, on an otherwise valid meeting.
    let cases: [(&str, Value, &str); 10] = [
        ("in person without coordinates", json!({"location": null}), "location.latitude"),
        ("online without a link", json!({"attendance": "online", "online": null}), "online.conference_url"),
        ("duration too long", json!({"schedule": {"duration_minutes": 1441}}), "schedule.duration_minutes"),
        ("week zero", json!({"schedule": {"weeks_of_month": [0]}}), "schedule.weeks_of_month[0]"),
        ("no days", json!({"schedule": {"days": []}}), "schedule.days"),
        ("longitude only", json!({"location": {"latitude": null}}), "location.latitude"),
        ("slug taken", json!({"slug": "mitte-open"}), "slug"),
        ("unknown body", json!({"service_body_id": 99}), "service_body_id"),
        ("name too long", json!({"name": "x".repeat(201)}), "name"),
        ("published not a boolean", json!({"published": "yes"}), "published"),
    ];
    for (what, patch, field) in cases {
        let mut body = berlin_meeting(2, "Valid Base");
        lantern::http::extract::body::merge_patch(&mut body, &patch);
        let (status, _, problem) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {problem}");
        assert!(problem["errors"][field].is_array(), "{what}: {field} missing from {problem}");
    }
    assert_eq!((app.change_count(), app.state()), before);
}

async fn stale_if_match_is_412_and_changes_nothing(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let publisher = issue_key(&app, "publisher", Some(1));
    let (_, headers, _) = app.send(Method::GET, "/v1/meetings/1", Some(&publisher), None).await;
    assert_eq!(headers.get(header::ETAG).and_then(|v| v.to_str().ok()), Some("\"1\""));
    let patch = |tag: &str| {
        actix_web::test::TestRequest::patch()
            .uri("/v1/meetings/1")
            .insert_header((header::AUTHORIZATION, format!("Bearer {publisher}")))
            .insert_header((header::IF_MATCH, tag.to_owned()))
            .set_json(json!({"notes": format!("with {tag}")}))
    };
    let (status, headers, body) = app.call(patch("\"1\"")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers.get(header::ETAG).and_then(|v| v.to_str().ok()), Some("\"2\""));
    assert_eq!(body["version"], 2);
    let before = (app.change_count(), app.state());
    for stale in ["\"1\"", "W/\"2\"", "\"1\", \"3\"", "\"v2\""] {
        let (status, _, problem) = app.call(patch(stale)).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{stale}: {problem}");
        assert_eq!(problem["type"], "urn:lantern:problem:stale-version");
    }
    for malformed in ["garbage", "2", "\"1", "null"] {
        let (status, _, problem) = app.call(patch(malformed)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{malformed}: {problem}");
        assert!(problem["errors"]["If-Match"].is_array(), "{problem}");
    }
    let not_an_object = actix_web::test::TestRequest::patch()
        .uri("/v1/meetings/1")
        .insert_header((header::AUTHORIZATION, format!("Bearer {publisher}")))
        .insert_header((header::IF_MATCH, "\"1\""))
        .set_json(json!(true));
    let (status, _, problem) = app.call(not_an_object).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the body is judged before the stale version: {problem}");
    let delete = actix_web::test::TestRequest::delete()
        .uri("/v1/meetings/1")
        .insert_header((header::AUTHORIZATION, format!("Bearer {publisher}")))
        .insert_header((header::IF_MATCH, "\"1\""));
    assert_eq!(app.call(delete).await.0, StatusCode::PRECONDITION_FAILED);
    assert_eq!((app.change_count(), app.state()), before);
    let (status, _, _) = app.call(patch("\"1\", \"2\"")).await;
    assert_eq!(status, StatusCode::OK, "any listed version matches");
    let (status, _, body) = app.call(patch("*")).await;
    assert_eq!((status, body["version"].as_i64()), (StatusCode::OK, Some(4)));
    let (status, _, body) = app.call(patch("")).await;
    assert_eq!((status, body["version"].as_i64()), (StatusCode::OK, Some(5)), "an empty If-Match is no condition");
}

async fn a_missing_zone_is_derived_from_the_coordinates_and_said_so(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let mut kathmandu = berlin_meeting(3, "Thamel Step Study");
    kathmandu["fellowship"] = json!("na");
    kathmandu["schedule"] = json!({"days": ["saturday"], "start_time": "07:00"});
    kathmandu["location"] = json!({"latitude": 27.7152, "longitude": 85.3123});
    let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(kathmandu)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["schedule"]["time_zone"], "Asia/Kathmandu");
    assert_eq!(created["schedule"]["time_zone_derived"], true);
    assert_eq!(created["schedule"]["duration_minutes"], 60, "the default duration");
    let uri = format!("/v1/meetings/{}", created["id"]);
    let to_adelaide = json!({"location": {"latitude": -34.9285, "longitude": 138.6007}});
    let (_, _, moved) = app.send(Method::PATCH, &uri, Some(&admin), Some(to_adelaide)).await;
    assert_eq!(moved["schedule"]["time_zone"], "Australia/Adelaide", "a derived zone follows the coordinates");
    let pinned = json!({"schedule": {"time_zone": "Asia/Kathmandu"}});
    let (_, _, pinned) = app.send(Method::PATCH, &uri, Some(&admin), Some(pinned)).await;
    assert_eq!(
        (&pinned["schedule"]["time_zone"], &pinned["schedule"]["time_zone_derived"]),
        (&json!("Asia/Kathmandu"), &json!(false))
    );
    // Online without coordinates: the service body's zone, still said to be derived.
    let online = json!({"name": "Pacific Online", "fellowship": "na", "service_body_id": 3, "attendance": "online",
        "schedule": {"days": ["monday"], "start_time": "20:00"}, "online": {"conference_phone": "+679 330 0000"}});
    let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(online)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (&created["schedule"]["time_zone"], &created["schedule"]["time_zone_derived"]),
        (&json!("Pacific/Fiji"), &json!(true))
    );
}

async fn oversized_and_malformed_bodies_are_refused_as_problems(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let before = (app.change_count(), app.state());
    let mut huge = berlin_meeting(2, "Huge");
    huge["notes"] = json!("x".repeat(70 * 1024));
    let (status, _, problem) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["status"], 413);
    assert_eq!(problem["detail"], "request bodies may have at most 65536 bytes");
    let restore = actix_web::test::TestRequest::post()
        .uri("/v1/meetings/1/restore")
        .insert_header((header::AUTHORIZATION, format!("Bearer {admin}")))
        .set_payload(vec![b' '; 70 * 1024]);
    let (status, headers, problem) = app.call(restore).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
    let malformed = actix_web::test::TestRequest::post()
        .uri("/v1/meetings")
        .insert_header((header::AUTHORIZATION, format!("Bearer {admin}")))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{\"name\": ");
    let (status, _, problem) = app.call(malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let anonymous = actix_web::test::TestRequest::post().uri("/v1/meetings").set_payload("{\"name\": ");
    assert_eq!(app.call(anonymous).await.0, StatusCode::UNAUTHORIZED, "who is asking comes before what is asked");
    let (status, _, problem) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(json!([1, 2]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["body"].is_array(), "{problem}");
    assert_eq!((app.change_count(), app.state()), before);
}

async fn a_storage_failure_is_a_500_with_the_request_id_and_writes_nothing(backend: Backend) {
    use diesel::connection::SimpleConnection;
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let before = app.state();
    let sql = |statement: &str| {
        let mut conn = app.lantern.database().conn().unwrap_or_else(|e| panic!("{e}"));
        conn.batch_execute(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    };
    // The meeting row is written before its change-log row, which then fails: all must roll back.
    sql("ALTER TABLE change_log RENAME TO change_log_gone");
    let (status, headers, problem) =
        app.send(Method::PATCH, "/v1/meetings/1", Some(&admin), Some(json!({"name": "Half Written"}))).await;
    sql("ALTER TABLE change_log_gone RENAME TO change_log");
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{problem}");
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(!request_id.is_empty());
    assert_eq!(problem["request_id"], request_id, "{problem}");
    assert!(!problem.to_string().contains("change_log"), "no internals leak: {problem}");
    assert_eq!(app.state(), before, "the transaction rolled back and the snapshot was not touched");
    let (status, _, _) = app.send(Method::PATCH, "/v1/meetings/1", Some(&admin), Some(json!({"name": "Whole"}))).await;
    assert_eq!(status, StatusCode::OK, "the service carries on");
}
