//! GeoJSON, CSV and iCalendar exports over HTTP: GeoJSON follows RFC 7946 and reads back to the
//! list's meetings with places; CSV reads back through a CSV parser to one row per meeting day, a
//! formula-looking name defused and negative numbers not; filters are honoured; exports take no
//! paging, carry strong ETags and answer 304. (The calendar's recurrences are checked against the
//! occurrences by tests/ical/roundtrip.py, with a real iCalendar library.)

use std::collections::BTreeMap;

use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, issue_key, small_seed};

on_both_backends!(geojson_and_csv_read_back_to_the_listed_meetings);

async fn raw(app: &TestApp, uri: &str) -> (StatusCode, actix_web::http::header::HeaderMap, String) {
    let (status, headers, body) = app.call(test::TestRequest::get().uri(uri)).await;
    let text = match body {
        Value::String(s) => s,
        other => other.to_string(),
    };
    (status, headers, text)
}

async fn listed(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, _, page) = app.get(&format!("/v1/meetings?limit=200{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["results"].as_array().cloned().unwrap_or_default()
}

async fn geojson_and_csv_read_back_to_the_listed_meetings(backend: Backend) {
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    // A name a spreadsheet would run, west of Greenwich.
    let admin = issue_key(&app, "admin", None);
    let meeting = json!({"name": "=HYPERLINK(\"http://x\",\"y\")", "fellowship": "aa", "service_body_id": 2,
        "attendance": "in_person", "schedule": {"days": ["monday", "friday"], "start_time": "18:00", "duration_minutes": 90,
        "time_zone": "America/New_York"}, "location": {"name": "Hall, back room", "latitude": 40.7128, "longitude": -74.006},
        "notes": "Bring a friend.\nSide door."});
    let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let online = json!({"name": "Online only", "fellowship": "aa", "service_body_id": 2, "attendance": "online",
        "schedule": {"days": ["sunday"], "start_time": "20:00", "time_zone": "Europe/Berlin"},
        "online": {"conference_url": "https://meet.jit.si/online-only"}});
    let (status, _, placeless) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(online)).await;
    assert_eq!(status, StatusCode::CREATED, "{placeless}");
    let all = listed(&app, "").await;

    // GeoJSON: a FeatureCollection of the meetings with places, [lon, lat] in range.
    let (status, headers, body) = raw(&app, "/v1/meetings.geojson").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/geo+json"));
    let collection: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().cloned().unwrap_or_default();
    let with_places: BTreeMap<i64, &Value> = all
        .iter()
        .filter(|m| m["location"]["latitude"].is_number())
        .map(|m| (m["id"].as_i64().unwrap_or(0), m))
        .collect();
    assert_eq!(features.len(), with_places.len());
    assert!(!with_places.contains_key(&placeless["id"].as_i64().unwrap_or(0)), "a meeting without a place stays out");
    for f in &features {
        assert_eq!((f["type"].as_str(), f["geometry"]["type"].as_str()), (Some("Feature"), Some("Point")));
        let [lon, lat] = [0, 1].map(|i| f["geometry"]["coordinates"][i].as_f64().unwrap_or(f64::NAN));
        assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat), "{f}");
        let m = with_places.get(&f["id"].as_i64().unwrap_or(0)).unwrap_or_else(|| panic!("not listed: {f}"));
        assert_eq!(
            (lon, lat),
            (m["location"]["longitude"].as_f64().unwrap_or(0.0), m["location"]["latitude"].as_f64().unwrap_or(0.0))
        );
        let p = &f["properties"];
        assert_eq!((&p["name"], &p["fellowship"], &p["attendance"]), (&m["name"], &m["fellowship"], &m["attendance"]));
        let days: Vec<&str> =
            m["schedule"]["days"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        assert_eq!(p["days"], days.join(","));
        assert!(p.as_object().is_some_and(|o| o.values().all(|v| !v.is_array() && !v.is_object())), "flat: {p}");
    }
    // Filters honoured.
    let (_, _, body) = raw(&app, "/v1/meetings.geojson?fellowship=na").await;
    let na: Value = serde_json::from_str(&body).unwrap_or_default();
    let na = na["features"].as_array().cloned().unwrap_or_default();
    assert!(!na.is_empty() && na.iter().all(|f| f["properties"]["fellowship"] == "na"), "{na:?}");

    // CSV: a header and one row per meeting day, read back by a CSV parser.
    let (status, headers, body) = raw(&app, "/v1/meetings.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/csv")));
    assert!(body.ends_with("\r\n") && body.lines().all(|l| !l.ends_with('\n')));
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let columns: Vec<String> = reader.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
    assert_eq!(columns[..5], ["id", "name", "fellowship", "service_body", "day"]);
    let rows: Vec<BTreeMap<String, String>> = reader
        .records()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .map(|r| columns.iter().cloned().zip(r.iter().map(str::to_owned)).collect())
        .collect();
    let expected: usize = all.iter().map(|m| m["schedule"]["days"].as_array().map_or(1, Vec::len)).sum();
    assert_eq!(rows.len(), expected);
    let ours: Vec<&BTreeMap<String, String>> =
        rows.iter().filter(|r| r["id"] == created["id"].to_string().as_str()).collect();
    assert_eq!(ours.len(), 2);
    let row = ours[0];
    assert_eq!(row["name"], "'=HYPERLINK(\"http://x\",\"y\")", "a formula is defused");
    assert_eq!(row["longitude"], "-74.006", "a negative number is not");
    assert_eq!(
        (row["day"].as_str(), row["start_time"].as_str(), row["duration_minutes"].as_str()),
        ("monday", "18:00", "90")
    );
    assert_eq!((row["time_zone"].as_str(), row["location_name"].as_str()), ("America/New_York", "Hall, back room"));
    assert_eq!(row["notes"], "Bring a friend.\nSide door.");
    assert_eq!(ours[1]["day"], "friday");
    // Filters honoured.
    let (_, _, body) = raw(&app, "/v1/meetings.csv?fellowship=aa").await;
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert!(reader.records().all(|r| r.is_ok_and(|r| r.get(2) == Some("aa"))));

    // Exports take no paging; strong ETags; 304.
    for path in ["/v1/meetings.csv", "/v1/meetings.geojson", "/v1/meetings/calendar.ics"] {
        let (status, _, problem) = app.get(&format!("{path}?limit=5")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(problem["errors"]["limit"].is_array(), "{problem}");
        let (status, headers, _) = raw(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let tag = headers.get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(tag.starts_with('"'), "strong: {tag}");
        let again = test::TestRequest::get().uri(path).insert_header((header::IF_NONE_MATCH, tag));
        assert_eq!(app.call(again).await.0, StatusCode::NOT_MODIFIED, "{path}");
    }
}

#[actix_web::test]
async fn calendars_are_served_per_meeting_and_per_filter() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let all = listed(&app, "").await;
    let id = all[0]["id"].as_i64().unwrap_or_default();
    let (status, headers, body) = raw(&app, &format!("/v1/meetings/{id}/calendar.ics")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("text/calendar; charset=utf-8"));
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.ends_with("END:VCALENDAR\r\n"), "{body}");
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 1);
    assert!(body.contains(&format!("UID:meeting-{id}@lantern.example.org")), "{body}");
    assert!(body.contains(&format!("URL:https://lantern.example.org/v1/meetings/{id}")), "{body}");
    assert_eq!(app.get("/v1/meetings/987654/calendar.ics").await.0, StatusCode::NOT_FOUND);
    // The list: one VTIMEZONE per zone used, one event per meeting that meets.
    let (_, _, body) = raw(&app, "/v1/meetings/calendar.ics?fellowship=na").await;
    let na = listed(&app, "&fellowship=na").await;
    let meets = na.iter().filter(|m| m["schedule"].is_object() && m["attendance"] != "inactive").count();
    assert_eq!(body.matches("BEGIN:VEVENT").count(), meets, "{body}");
    let zones: std::collections::BTreeSet<&str> =
        na.iter().filter_map(|m| m["schedule"]["time_zone"].as_str()).collect();
    assert_eq!(body.matches("BEGIN:VTIMEZONE").count(), zones.len());
}
