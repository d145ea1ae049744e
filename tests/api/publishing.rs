//! The publishing API: who may write what, validation, `If-Match`, zone derivation, limits, and
//! that writes reach searches at once while failed requests change nothing.

use actix_web::http::{Method, StatusCode, header};
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, issue_key, small_seed};

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

// In the small seed the bodies are stored as 1 (Region), 2 (Berlin, below 1) and 3 (Suva); meeting 3
// belongs to body 1, meeting 1 to body 2 and meeting 4 to body 3.
const OWN: (i64, i64) = (1, 3);
const DESCENDANT: (i64, i64) = (2, 1);
const OTHER: (i64, i64) = (3, 4);

on_both_backends!(
    the_permission_matrix_holds_for_every_role_target_and_write,
    writes_reach_nearby_before_the_response_returns,
    every_validation_rule_is_reported_per_field,
    stale_if_match_is_412_and_changes_nothing,
    a_missing_zone_is_derived_from_the_coordinates_and_said_so,
    oversized_and_malformed_bodies_are_refused_as_problems,
    repeated_failed_authentications_get_429_with_retry_after,
    private_fields_and_drafts_show_only_to_keys_with_rights,
    a_storage_failure_is_a_500_with_the_request_id_and_writes_nothing,
);

async fn the_permission_matrix_holds_for_every_role_target_and_write(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let publisher = issue_key(&app, "publisher", Some(1));
    let observer = issue_key(&app, "observer", Some(1));
    let roles: [(&str, Option<&str>); 4] =
        [("admin", Some(&admin)), ("publisher", Some(&publisher)), ("observer", Some(&observer)), ("public", None)];
    for (role, token) in roles {
        for (target, (body, meeting)) in [("own", OWN), ("descendant", DESCENDANT), ("other", OTHER)] {
            let allowed = role == "admin" || (role == "publisher" && target != "other");
            let refused = if role == "public" { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
            let writes: [(Method, String, Option<Value>, StatusCode); 4] = [
                (
                    Method::POST,
                    "/v1/meetings".into(),
                    Some(berlin_meeting(body, &format!("{role} {target}"))),
                    StatusCode::CREATED,
                ),
                (
                    Method::PATCH,
                    format!("/v1/meetings/{meeting}"),
                    Some(json!({"notes": format!("by {role}")})),
                    StatusCode::OK,
                ),
                (Method::PUT, format!("/v1/meetings/{meeting}"), None, StatusCode::OK),
                (Method::DELETE, format!("/v1/meetings/{meeting}"), None, StatusCode::NO_CONTENT),
            ];
            for (method, uri, body_json, ok) in writes {
                let body_json = match (&method, body_json) {
                    // PUT sends the meeting back as its owner sees it, renamed.
                    (&Method::PUT, _) => {
                        let (_, _, mut current) = app.send(Method::GET, &uri, Some(&admin), None).await;
                        current["name"] = json!(format!("{role} renamed"));
                        Some(current)
                    }
                    (_, b) => b,
                };
                let before = (app.change_count(), app.state());
                let (status, _, answer) = app.send(method.clone(), &uri, token, body_json).await;
                let what = format!("{role} {method} {target} ({uri})");
                if allowed {
                    assert_eq!(status, ok, "{what}: {answer}");
                    assert_eq!(app.change_count(), before.0 + 1, "{what} logs one change");
                } else {
                    assert_eq!(status, refused, "{what}: {answer}");
                    assert_eq!(answer["status"], refused.as_u16(), "{what} answers problem+json");
                    assert_eq!((app.change_count(), app.state()), before, "{what} changes nothing");
                }
            }
            if allowed {
                // Put the deleted meeting back for the next role.
                let (status, _, answer) =
                    app.send(Method::POST, &format!("/v1/meetings/{meeting}/restore"), Some(&admin), None).await;
                assert_eq!(status, StatusCode::OK, "{answer}");
            }
        }
    }
    // Scope does not reveal existence; moving a meeting out of scope is refused.
    let (status, _, _) =
        app.send(Method::PATCH, "/v1/meetings/999", Some(&publisher), Some(json!({"notes": "x"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a publisher cannot tell a missing meeting from a foreign one");
    let (status, _, _) = app.send(Method::PATCH, "/v1/meetings/999", Some(&admin), Some(json!({"notes": "x"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let before = app.state();
    let (status, _, _) =
        app.send(Method::PATCH, "/v1/meetings/1", Some(&publisher), Some(json!({"service_body_id": 3}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "publishers cannot move meetings out of their scope");
    assert_eq!(app.state(), before);
}

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
        Some(format!("/v1/meetings/{id}").as_str())
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
        lantern::http::json_fields::merge_patch(&mut body, &patch);
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
    for stale in ["\"1\"", "W/\"2\"", "\"1\", \"3\"", "garbage"] {
        let (status, _, problem) = app.call(patch(stale)).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{stale}: {problem}");
        assert_eq!(problem["type"], "urn:lantern:problem:stale-version");
    }
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
    let (status, _, problem) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(json!([1, 2]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["body"].is_array(), "{problem}");
    assert_eq!((app.change_count(), app.state()), before);
}

async fn repeated_failed_authentications_get_429_with_retry_after(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let last = if admin.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &admin[..admin.len() - 1]);
    for attempt in 0..lantern::service::keys::MAX_FAILURES {
        let (status, headers, problem) = app.send(Method::GET, "/v1/keys", Some(&forged), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}: {problem}");
        assert_eq!(headers.get(header::WWW_AUTHENTICATE).map(|v| v.as_bytes()), Some(&b"Bearer"[..]));
    }
    let (status, headers, problem) = app.send(Method::GET, "/v1/keys", Some(&admin), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    let wait: u64 = headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or_default();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Another address is not slowed down, and public reads need no key.
    let other = actix_web::test::TestRequest::get()
        .uri("/v1/keys")
        .peer_addr("198.51.100.1:4000".parse().unwrap_or_else(|e| panic!("{e}")))
        .insert_header((header::AUTHORIZATION, format!("Bearer {admin}")));
    assert_eq!(app.call(other).await.0, StatusCode::OK);
    assert_eq!(app.get("/v1/meetings/1").await.0, StatusCode::OK);
}

async fn private_fields_and_drafts_show_only_to_keys_with_rights(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let observer = issue_key(&app, "observer", Some(1));
    let outsider = issue_key(&app, "publisher", Some(3));
    let (_, headers, public) = app.get("/v1/meetings/1").await;
    assert!(public.get("contacts").is_none() && public.get("published").is_none(), "{public}");
    let vary = headers.get(header::VARY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(vary.contains("Authorization"), "Vary: {vary}");
    let (_, headers, seen) = app.send(Method::GET, "/v1/meetings/1", Some(&observer), None).await;
    assert_eq!(seen["contacts"][0]["email"], "contact@example.org", "{seen}");
    assert_eq!(seen["published"], true);
    assert_eq!(headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"private, no-cache"[..]));
    let (_, _, foreign) = app.send(Method::GET, "/v1/meetings/1", Some(&outsider), None).await;
    assert!(foreign.get("contacts").is_none(), "a key of another body sees the public view: {foreign}");
    // Meeting 6 is an unpublished draft of body 2.
    assert_eq!(app.get("/v1/meetings/6").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.send(Method::GET, "/v1/meetings/6", Some(&outsider), None).await.0, StatusCode::NOT_FOUND);
    let (status, _, draft) = app.send(Method::GET, "/v1/meetings/6", Some(&observer), None).await;
    assert_eq!((status, &draft["published"]), (StatusCode::OK, &json!(false)));
    let (_, _, list) = app.send(Method::GET, "/v1/meetings?service_body=2", Some(&observer), None).await;
    let names: Vec<&str> =
        list["results"].as_array().into_iter().flatten().filter_map(|m| m["name"].as_str()).collect();
    assert!(names.contains(&"Hidden Draft"), "{names:?}");
    let (_, _, list) = app.get("/v1/meetings?service_body=2").await;
    assert!(!list.to_string().contains("Hidden Draft") && !list.to_string().contains("contacts"));
    let (status, _, _) = app.send(Method::GET, "/v1/meetings/1", Some("lantern_1_nonsense"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a bad key is refused even on public reads");
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
