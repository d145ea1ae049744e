//! The search endpoints through HTTP on both backends, around New York's 2026 spring-forward
//! (07:00Z on 8 March: 02:00 EST became 03:00 EDT).

use actix_web::http::StatusCode;
use lantern::service::SeedSource;
use lantern::service::seed::SeedFile;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

const HERE: &str = "lat=40.7128&lon=-74.0060";
const AT: &str = "at=2026-03-08T07:00:00Z";

#[expect(clippy::too_many_arguments, reason = "a table row of test data")]
fn meeting(
    name: &str,
    attendance: &str,
    day: &str,
    start: &str,
    minutes: u16,
    zone: &str,
    (lat, lon): (f64, f64),
    types: &[&str],
) -> Value {
    let online = matches!(attendance, "online" | "hybrid")
        .then(|| json!({"conference_url": "https://meet.example.org/x", "conference_phone": null, "notes": null}));
    json!({
        "name": name, "slug": name.to_lowercase().replace(' ', "-"), "fellowship": "aa", "service_body_id": 1,
        "external_id": null, "attendance": attendance,
        "schedule": {"days": [day], "start_time": start, "duration_minutes": minutes, "time_zone": zone, "time_zone_derived": false, "weeks_of_month": []},
        "location": {"name": null, "street_address": null, "formatted_address": null, "coordinates": {"latitude": lat, "longitude": lon}, "approximate": attendance == "online", "notes": null},
        "online": online, "types": types, "languages": ["en"], "notes": null, "group_name": null, "website": null,
        "closures": {"dates": [], "suspended_until": null}, "contacts": [], "published": true
    })
}

fn seed() -> SeedFile {
    let ny = "America/New_York";
    serde_json::from_value(json!({
        "fellowships": [{"code": "aa", "name": "Alcoholics Anonymous", "website": null}],
        "service_bodies": [{"id": 1, "name": "NYC Intergroup", "kind": "intergroup", "parent_id": null, "fellowship": "aa", "time_zone": ny, "website": null, "contact": null}],
        "meetings": [
            meeting("Gap Meeting", "in_person", "sunday", "02:30", 60, ny, (40.7128, -74.0060), &["O"]),
            meeting("Late Night", "in_person", "saturday", "23:30", 240, ny, (40.73, -74.0), &["C"]),
            meeting("Sunrise", "hybrid", "sunday", "08:00", 60, ny, (40.7228, -74.0060), &["O", "BE"]),
            meeting("Online Early", "online", "sunday", "03:15", 60, ny, (40.7128, -74.0060), &["O"]),
            meeting("Far Away", "in_person", "sunday", "02:45", 60, ny, (39.9526, -75.1652), &["O"]),
            meeting("London Online", "online", "sunday", "08:00", 60, "Europe/London", (51.5, -0.12), &["O"])
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(seed())))
}

fn names(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter_map(|r| r["meeting"]["name"].as_str().map(str::to_owned))
        .collect()
}

async fn ok(app: &TestApp, uri: &str) -> Value {
    let (status, _, body) = app.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

on_both_backends!(
    nearby_reports_the_next_start_across_the_spring_gap,
    in_progress_meetings_are_reported_only_on_request,
    windows_radius_sort_and_attendance_shape_the_answer,
    nearby_rejects_bad_parameters_each_by_name,
    upcoming_pages_through_online_meetings_by_start,
    occurrences_list_a_meetings_sessions_in_a_range,
);

async fn nearby_reports_the_next_start_across_the_spring_gap(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let body = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}")).await;
    assert_eq!(names(&body), ["Gap Meeting"]);
    let hit = &body["results"][0];
    // 02:30 does not exist that night: it is read with the offset before the gap (EST), so 07:30Z.
    assert_eq!(hit["next_start"], "2026-03-08T07:30:00Z");
    assert_eq!(hit["local_start"], "2026-03-08T03:30:00-04:00");
    assert_eq!(hit["starts_in_minutes"], 30);
    assert_eq!(hit["in_progress"], false);
    assert_eq!(hit["ends_at"], "2026-03-08T08:30:00Z");
    assert_eq!(hit["local_end"], "2026-03-08T04:30:00-04:00");
    assert_eq!(hit["distance_km"], 0.0);
    assert_eq!(hit["meeting"]["schedule"]["start_time"], "02:30");
    assert_eq!(
        body["query"],
        json!({"lat": 40.7128, "lon": -74.006, "radius_km": 50.0, "at": "2026-03-08T07:00:00Z", "starting_within": 120,
               "include_in_progress": false, "limit": 20, "sort": "distance", "fellowship": [], "types": [], "exclude_types": [],
               "attendance": ["in_person", "hybrid"], "language": [], "service_body": []})
    );
    // An unencoded `+` arrives as a space and is still understood.
    let body = ok(&app, &format!("/v1/meetings/nearby?{HERE}&at=2026-03-08T08:00:00+01:00")).await;
    assert_eq!(body["query"]["at"], "2026-03-08T07:00:00Z");
}

async fn in_progress_meetings_are_reported_only_on_request(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let body = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&include_in_progress=true")).await;
    assert_eq!(names(&body), ["Gap Meeting", "Late Night"]);
    let late = &body["results"][1];
    // Saturday 23:30 EST is Sunday 04:30Z; four hours later it is still running across the gap.
    assert_eq!(late["next_start"], "2026-03-08T04:30:00Z");
    assert_eq!(late["local_start"], "2026-03-07T23:30:00-05:00");
    assert_eq!(late["in_progress"], true);
    assert_eq!(late["starts_in_minutes"], -150);
    assert_eq!(late["ends_at"], "2026-03-08T08:30:00Z");
    assert_eq!(late["local_end"], "2026-03-08T04:30:00-04:00");
    assert_eq!(late["distance_km"], 1.978);
    // A meeting that starts exactly at `at` is in progress with 0 minutes to go.
    let body = ok(&app, &format!("/v1/meetings/nearby?{HERE}&at=2026-03-08T07:30:00Z&starting_within=0")).await;
    assert_eq!(names(&body), ["Gap Meeting"]);
    assert_eq!(
        (body["results"][0]["in_progress"].clone(), body["results"][0]["starts_in_minutes"].clone()),
        (json!(true), json!(0))
    );
}

async fn windows_radius_sort_and_attendance_shape_the_answer(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let wide = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&starting_within=300")).await;
    assert_eq!(names(&wide), ["Gap Meeting", "Sunrise"], "the window's end is inclusive (Sunrise at 12:00Z)");
    assert_eq!(wide["results"][1]["distance_km"], 1.112);
    let far = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&radius_km=200")).await;
    assert_eq!(names(&far), ["Gap Meeting", "Far Away"]);
    assert_eq!(far["results"][1]["distance_km"], 129.613);
    let by_start =
        ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&radius_km=200&starting_within=300&sort=start")).await;
    assert_eq!(names(&by_start), ["Gap Meeting", "Far Away", "Sunrise"]);
    let limited = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&radius_km=200&starting_within=300&limit=2")).await;
    assert_eq!(names(&limited), ["Gap Meeting", "Sunrise"]);
    let online = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&attendance=online")).await;
    assert_eq!(names(&online), ["Online Early"]);
    let newcomers = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&starting_within=300&types=BE")).await;
    assert_eq!(names(&newcomers), ["Sunrise"]);
    let hybrid_only = ok(&app, &format!("/v1/meetings/nearby?{HERE}&{AT}&starting_within=300&attendance=hybrid")).await;
    assert_eq!(names(&hybrid_only), ["Sunrise"]);
}

async fn nearby_rejects_bad_parameters_each_by_name(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, _, body) = app.get("/v1/meetings/nearby").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["errors"]["lat"].is_array() && body["errors"]["lon"].is_array(), "{body}");
    let uri = "/v1/meetings/nearby?lat=91&lon=NaN&radius_km=20017&starting_within=10081&include_in_progress=yes&limit=201&sort=near&at=soon&types=XYZ";
    let (status, _, body) = app.get(uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["lat", "lon", "radius_km", "starting_within", "include_in_progress", "limit", "sort", "at"] {
        assert!(body["errors"][field].is_array(), "{field} missing in {body}");
    }
    let (status, _, body) = app.get(&format!("/v1/meetings/nearby?{HERE}&types=XYZ")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a well-formed type code that names nothing");
    assert!(body["errors"]["types"].is_array(), "{body}");
}

async fn upcoming_pages_through_online_meetings_by_start(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let all = ok(&app, &format!("/v1/meetings/upcoming?{AT}")).await;
    assert_eq!(names(&all), ["Online Early", "London Online"]);
    assert_eq!(all["results"][1]["local_start"], "2026-03-08T08:00:00+00:00");
    assert_eq!(all["results"][1]["distance_km"], Value::Null);
    assert_eq!(all["next_cursor"], Value::Null);
    let first = ok(&app, &format!("/v1/meetings/upcoming?{AT}&limit=1")).await;
    assert_eq!(names(&first), ["Online Early"]);
    let cursor = first["next_cursor"].as_str().unwrap_or_else(|| panic!("{first}")).to_owned();
    // The cursor pins `at`: a later `at` on the next page does not move the window.
    let second = ok(&app, &format!("/v1/meetings/upcoming?limit=1&at=2026-03-09T00:00:00Z&cursor={cursor}")).await;
    assert_eq!(names(&second), ["London Online"]);
    assert_eq!(second["query"]["at"], "2026-03-08T07:00:00Z");
    assert_eq!(second["next_cursor"], Value::Null);
    let with_hybrid =
        ok(&app, &format!("/v1/meetings/upcoming?{AT}&starting_within=300&attendance=online,hybrid")).await;
    assert_eq!(names(&with_hybrid), ["Online Early", "London Online", "Sunrise"]);
    let (status, _, body) = app.get("/v1/meetings/upcoming?cursor=nonsense").await;
    assert_eq!((status, body["errors"]["cursor"].is_array()), (StatusCode::BAD_REQUEST, true));
}

async fn occurrences_list_a_meetings_sessions_in_a_range(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let gap = app
        .lantern
        .directory()
        .meetings()
        .find(|m| m.data.name == "Gap Meeting")
        .map(|m| m.id.get())
        .unwrap_or_default();
    let body =
        ok(&app, &format!("/v1/meetings/{gap}/occurrences?from=2026-03-01T00:00:00Z&to=2026-03-16T00:00:00Z")).await;
    let starts: Vec<&str> =
        body["results"].as_array().into_iter().flatten().filter_map(|o| o["local_start"].as_str()).collect();
    assert_eq!(starts, ["2026-03-01T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-15T02:30:00-04:00"]);
    assert_eq!(body["results"][1]["local_date"], "2026-03-08");
    assert_eq!(body["time_zone"], "America/New_York");
    let (status, _, problem) =
        app.get(&format!("/v1/meetings/{gap}/occurrences?from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z")).await;
    assert_eq!((status, problem["errors"]["to"].is_array()), (StatusCode::BAD_REQUEST, true));
    let (status, _, _) = app.get("/v1/meetings/987654/occurrences").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
