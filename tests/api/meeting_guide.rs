//! Meeting Guide feeds: the real fixtures import with the counts and warnings asserted, again
//! without a change, and round-trip through the export; the dry run and rejected records write
//! nothing; bad bodies are 400s; the feed of the seed is what TSML UI accepts.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, issue_key, small_seed};

on_both_backends!(
    every_fixture_imports_as_asserted_and_again_without_a_change,
    a_dry_run_writes_nothing,
    rejected_records_block_nothing_and_missing_ones_are_removed_softly,
    bodies_that_are_not_feeds_are_400_and_write_nothing,
    an_export_imported_elsewhere_exports_the_same_records,
);

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/meeting-guide");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}.json")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

/// A new AA intergroup under the region, in `zone`; its id.
async fn new_body(app: &TestApp, admin: &str, name: &str, zone: &str) -> i64 {
    let body = json!({"name": name, "kind": "intergroup", "parent_id": 1, "fellowship": "aa", "time_zone": zone,
        "website": "https://intergroup.example.org", "email": "office@intergroup.example.org", "phone": "+1 212 555 0199"});
    let (status, _, created) = app.send(Method::POST, "/v1/service-bodies", Some(admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["email"], "office@intergroup.example.org");
    created["id"].as_i64().unwrap_or_default()
}

async fn import(app: &TestApp, token: Option<&str>, body: i64, query: &str, feed: Vec<u8>) -> (StatusCode, Value) {
    let mut req = test::TestRequest::post()
        .uri(&format!("/v1/service-bodies/{body}/imports/meeting-guide{query}"))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload(feed);
    if let Some(token) = token {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    }
    let (status, _, answer) = app.call(req).await;
    (status, answer)
}

fn counts(answer: &Value) -> [u64; 5] {
    ["added", "updated", "unchanged", "removed", "rejected"].map(|k| answer[k].as_u64().unwrap_or(u64::MAX))
}

/// How many warnings each field got, and how many contain `text`.
fn warnings(answer: &Value, field: &str, text: &str) -> usize {
    let all = answer["warnings"].as_array().cloned().unwrap_or_default();
    all.iter().filter(|w| w["field"] == field && w["message"].as_str().is_some_and(|m| m.contains(text))).count()
}

async fn feed(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, _, body) = app.get(&format!("/v1/feeds/meeting-guide.json{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().cloned().unwrap_or_else(|| panic!("not an array: {body}"))
}

fn by_slug(records: &[Value]) -> BTreeMap<String, Value> {
    records.iter().map(|r| (r["slug"].as_str().unwrap_or_default().to_owned(), r.clone())).collect()
}

/// A warning's field, a text its message contains, and how many such warnings.
type Expected = (&'static str, &'static str, usize);

async fn every_fixture_imports_as_asserted_and_again_without_a_change(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    // (fixture, records, warnings by (field, text) with their counts)
    let cases: [(&str, u64, &[Expected]); 6] = [
        ("oc", 1967, &[("conference_phone", "kept the number", 1)]),
        (
            "nwta",
            613,
            &[
                ("latitude", "0, 0 is no place", 53),
                ("latitude", "placed at", 50),
                ("latitude", "names no known place", 3),
            ],
        ),
        ("kc", 206, &[("conference_phone", "kept the number", 58)]),
        ("times", 9, &[("types", "unknown type codes dropped: NA", 1), ("latitude", "names no known place", 9)]),
        ("timezones", 2, &[("latitude", "placed at San Francisco (US)", 1), ("latitude", "placed at Philadelphia", 1)]),
        ("atlanta", 6, &[]),
    ];
    let mut bodies = BTreeMap::new();
    for (name, records, expected) in cases {
        let body = new_body(&app, &admin, name, "America/New_York").await;
        bodies.insert(name, body);
        let (status, first) = import(&app, Some(&admin), body, "", fixture(name)).await;
        assert_eq!(status, StatusCode::OK, "{name}: {first}");
        assert_eq!(counts(&first), [records, 0, 0, 0, 0], "{name}: {first}");
        let expected_total: usize = expected.iter().map(|(_, _, n)| n).sum();
        assert_eq!(first["warnings"].as_array().map(Vec::len), Some(expected_total), "{name}: {}", first["warnings"]);
        for (field, text, n) in expected {
            assert_eq!(warnings(&first, field, text), *n, "{name}: {field} {text}");
        }
        let changes = app.change_count();
        let (status, again) = import(&app, Some(&admin), body, "", fixture(name)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(counts(&again), [0, 0, records, 0, 0], "{name} again: {again}");
        assert_eq!(app.change_count(), changes, "{name}: re-importing wrote to the change log");
    }
    // What the quirks became, seen through the API.
    let within = |name: &str, q: &str| format!("/v1/meetings?service_body={}&q={q}", bodies[name]);
    for (name, q) in [
        ("times", "monday+7am"),
        ("times", "approximate+inactive"),
        ("times", "appt"),
        ("timezones", "san+francisco+meeting"),
    ] {
        let (_, _, list) = app.get(&within(name, q)).await;
        assert_eq!(list["results"].as_array().map(Vec::len), Some(1), "{name} {q}: {list}");
    }
    let (_, _, list) = app.get(&within("times", "monday+7am")).await;
    let monday = &list["results"][0];
    assert_eq!(monday["schedule"]["duration_minutes"], 60, "no end_time: an hour");
    assert_eq!(monday["attendance"], "online", "a link and an address no gazetteer knows: online");
    let (_, _, list) = app.get(&within("times", "approximate+inactive")).await;
    assert_eq!(list["results"][0]["attendance"], "inactive");
    let (_, _, list) = app.get(&within("times", "appt")).await;
    assert_eq!(list["results"][0]["schedule"], Value::Null, "no day or time: by appointment");
    let (_, _, list) = app.get(&within("timezones", "san+francisco+meeting")).await;
    let sf = &list["results"][0];
    assert_eq!(sf["schedule"]["time_zone"], "America/Los_Angeles");
    assert_eq!(sf["location"]["approximate"], true);
    let (_, _, list) = app.get(&within("nwta", "touch+of+soul")).await;
    assert_eq!(list["results"][0]["external_id"], "5202", "the first record of the feed");
    assert_eq!(list["results"][0]["types"], json!(["O"]), "nwta's \"[open]\"");
    assert_eq!(list["results"][0]["schedule"]["time_zone"], "America/Chicago", "derived from the coordinates");
}

async fn a_dry_run_writes_nothing(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let body = new_body(&app, &admin, "Atlanta", "America/New_York").await;
    let (before, changes) = (app.state(), app.change_count());
    let (status, answer) = import(&app, Some(&admin), body, "?dry_run=true", fixture("atlanta")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["dry_run"], true);
    assert_eq!(counts(&answer), [6, 0, 0, 0, 0]);
    assert_eq!((app.state(), app.change_count()), (before, changes));
    let planned = answer["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(planned.len(), 6, "{answer}");
    assert!(planned.iter().all(|c| c["action"] == "add" && c["meeting_id"].is_null() && c["name"].is_string()));
    let (_, answer) = import(&app, Some(&admin), body, "?dry_run=false", fixture("atlanta")).await;
    assert_eq!((answer["dry_run"].clone(), counts(&answer)), (json!(false), [6, 0, 0, 0, 0]));
    assert_eq!(app.change_count(), changes + 6, "one change-log entry per meeting");
    // Applied, each added meeting is named by the id it was stored under.
    for change in answer["changes"].as_array().into_iter().flatten() {
        let (status, _, meeting) = app.get(&format!("/v1/meetings/{}", change["meeting_id"])).await;
        assert_eq!(status, StatusCode::OK, "{change}");
        assert_eq!((&meeting["external_id"], &meeting["name"]), (&change["external_id"], &change["name"]));
    }
}

fn record(slug: Value, time: &str) -> Value {
    json!({"slug": slug, "name": "Noon", "day": 1, "time": time, "latitude": 33.75, "longitude": -84.39,
        "formatted_address": "1 Peachtree St, Atlanta, GA 30303, USA", "types": ["O"]})
}

async fn rejected_records_block_nothing_and_missing_ones_are_removed_softly(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let body = new_body(&app, &admin, "Atlanta", "America/New_York").await;
    let own = json!({"name": "Made Here", "fellowship": "aa", "service_body_id": body, "attendance": "online",
        "schedule": {"days": ["monday"], "start_time": "07:00", "duration_minutes": 60},
        "online": {"conference_url": "https://zoom.us/j/81234567890"}});
    let (status, _, _) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(own)).await;
    assert_eq!(status, StatusCode::CREATED);
    let feed = json!([
        record(json!("good"), "12:00"),
        record(json!("second"), "12:30 PM"),
        record(json!(""), "12:00"),
        record(json!("bad-time"), "25:61"),
        record(json!("twice"), "12:00"),
        record(json!("twice"), "13:00"),
        {"slug": "nameless", "day": 1, "time": "12:00"},
        {"slug": "odd", "name": "Odd", "day": {"x": 1}, "time": 7, "latitude": [], "longitude": "x"},
        {"slug": "week", "name": "Week", "day": [0, 1, 2, 3, 4, 5, 6, 0], "time": "12:00"},
        {"slug": "nul", "name": "Nul", "day": 1, "time": "12:00", "notes": "a\u{0}b", "conference_url": "https://zoom.us/j/1"},
    ]);
    let (status, answer) = import(&app, Some(&admin), body, "", feed.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(counts(&answer), [2, 0, 0, 0, 8], "{answer}");
    let rejections: BTreeMap<String, BTreeSet<String>> = answer["rejections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let fields = r["errors"].as_object().map(|e| e.keys().cloned().collect()).unwrap_or_default();
            (r["slug"].as_str().unwrap_or_default().to_owned(), fields)
        })
        .collect();
    let fields = |f: &[&str]| f.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(rejections.get(""), Some(&fields(&["slug"])));
    assert_eq!(rejections.get("bad-time"), Some(&fields(&["time"])));
    assert_eq!(rejections.get("twice"), Some(&fields(&["slug"])));
    assert_eq!(rejections.get("nameless"), Some(&fields(&["name"])));
    assert_eq!(rejections.get("odd"), Some(&fields(&["day", "time"])));
    assert_eq!(rejections.get("week"), Some(&fields(&["day"])));
    assert_eq!(rejections.get("nul"), Some(&fields(&["notes"])));
    assert_eq!(warnings(&answer, "latitude", "must both be numbers"), 1, "{answer}");
    let (_, _, list) = app.get(&format!("/v1/meetings?service_body={body}&limit=50")).await;
    let starts: BTreeSet<String> = list["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                "{}@{}",
                m["external_id"].as_str().unwrap_or("api"),
                m["schedule"]["start_time"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(starts, ["api@07:00", "good@12:00", "second@12:30"].map(String::from).into_iter().collect());
    let second_id = list["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["external_id"] == "second")
        .and_then(|m| m["id"].as_i64());

    // A record that is rejected still counts as present: its meeting stays as it was.
    let broken = json!([record(json!("good"), "12:00"), record(json!("second"), "99:99")]).to_string().into_bytes();
    let (_, kept) = import(&app, Some(&admin), body, "", broken).await;
    assert_eq!(counts(&kept), [0, 0, 1, 0, 1], "{kept}");
    assert_eq!(kept["changes"], json!([]), "unchanged meetings are not listed");
    // A changed record: the update names the fields that change.
    let later = json!([record(json!("good"), "12:15"), record(json!("second"), "12:30 PM")]).to_string().into_bytes();
    let (_, moved) = import(&app, Some(&admin), body, "?dry_run=true", later).await;
    assert_eq!(counts(&moved), [0, 1, 1, 0, 0], "{moved}");
    assert_eq!(moved["changes"][0]["action"], "update");
    assert_eq!(moved["changes"][0]["external_id"], "good");
    assert_eq!(moved["changes"][0]["fields"], json!(["schedule"]), "{moved}");
    // `second` is gone from the next feed: kept with remove_missing=false, removed softly by default.
    let next = json!([record(json!("good"), "12:00")]).to_string().into_bytes();
    let (_, kept) = import(&app, Some(&admin), body, "?remove_missing=false", next.clone()).await;
    assert_eq!(counts(&kept), [0, 0, 1, 0, 0], "{kept}");
    let (_, removed) = import(&app, Some(&admin), body, "", next).await;
    assert_eq!(counts(&removed), [0, 0, 1, 1, 0], "{removed}");
    assert_eq!(removed["changes"][0]["action"], "remove");
    assert_eq!(removed["changes"][0]["external_id"], "second");
    assert_eq!(removed["changes"][0]["meeting_id"].as_i64(), second_id);
    let (_, _, list) = app.get(&format!("/v1/meetings?service_body={body}")).await;
    let names: Vec<&str> =
        list["results"].as_array().into_iter().flatten().filter_map(|m| m["name"].as_str()).collect();
    assert_eq!(names, ["Made Here", "Noon"], "the API's meeting is never touched");
    let id = second_id.unwrap_or_else(|| panic!("`second` was listed"));
    let (status, _, _) = app.get(&format!("/v1/meetings/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, history) = app.send(Method::GET, &format!("/v1/meetings/{id}/history"), Some(&admin), None).await;
    let kinds: Vec<(&str, &str)> = history["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["change_kind"].as_str()?, c["actor"].as_str()?)))
        .collect();
    assert_eq!(kinds, [("create", "admin key"), ("delete", "admin key")]);
    let (status, _, _) =
        app.send(Method::POST, &format!("/v1/meetings/{id}/restore"), Some(&admin), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "a removed meeting can be restored");
}

async fn bodies_that_are_not_feeds_are_400_and_write_nothing(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let other_publisher = issue_key(&app, "publisher", Some(3));
    let body = new_body(&app, &admin, "Atlanta", "America/New_York").await;
    let neutral =
        json!({"name": "Neutral", "kind": "other", "parent_id": null, "fellowship": null, "time_zone": "UTC"});
    let (_, _, created) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(neutral)).await;
    let neutral = created["id"].as_i64().unwrap_or_default();
    let (before, changes) = (app.state(), app.change_count());
    for bad in [&b"{}"[..], b"[1, {}]", b"[{\"slug\": 1}", b"\"feed\"", b""] {
        let (status, problem) = import(&app, Some(&admin), body, "", bad.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {problem}", String::from_utf8_lossy(bad));
        assert!(problem["detail"].is_string(), "{problem}");
    }
    let (status, problem) = import(&app, Some(&admin), body, "", b"[1, {}]".to_vec()).await;
    assert_eq!((status, problem["errors"]["body"].is_array()), (StatusCode::BAD_REQUEST, true), "{problem}");
    let atlanta = fixture("atlanta");
    let (status, _) = import(&app, None, body, "", atlanta.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = import(&app, Some(&other_publisher), body, "", atlanta.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = import(&app, Some(&admin), 999, "", atlanta.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for query in ["?fellowship=NA", "?time_zone=Mars/Base", "?dry_run=maybe", "?remove_missing=1"] {
        let (status, problem) = import(&app, Some(&admin), body, query, atlanta.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
    }
    let (status, problem) = import(&app, Some(&admin), body, "?fellowship=xx", atlanta.clone()).await;
    assert_eq!((status, problem["errors"]["fellowship"].is_array()), (StatusCode::NOT_FOUND, true), "{problem}");
    // Feeds name no fellowship: a body that serves none needs `fellowship=`.
    let (status, problem) = import(&app, Some(&admin), neutral, "", atlanta.clone()).await;
    assert_eq!((status, problem["errors"]["fellowship"].is_array()), (StatusCode::BAD_REQUEST, true), "{problem}");
    let too_big = vec![b' '; 20 * 1024 * 1024 + 1];
    let (status, _) = import(&app, Some(&admin), body, "", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!((app.state(), app.change_count()), (before, changes));
}

/// The fields a round trip keeps (`url`, `updated` and the entity fields may differ).
fn kept(record: &Value) -> Value {
    let mut r = record.clone();
    if let Some(o) = r.as_object_mut() {
        for k in ["url", "updated", "entity", "entity_url", "entity_email", "entity_phone", "regions"] {
            o.remove(k);
        }
    }
    r
}

async fn an_export_imported_elsewhere_exports_the_same_records(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let source = new_body(&app, &admin, "Orange County", "America/Los_Angeles").await;
    let (status, answer) = import(&app, Some(&admin), source, "", fixture("oc")).await;
    assert_eq!((status, answer["added"].as_u64()), (StatusCode::OK, Some(1967)));
    // Lantern's own meetings too: several days, monthly weeks, closures, a suspension, by appointment.
    for (name, schedule, closures) in [
        (
            "Twice Weekly",
            json!({"days": ["monday", "thursday"], "start_time": "23:30", "duration_minutes": 90}),
            json!(null),
        ),
        (
            "First and Third",
            json!({"days": ["monday"], "start_time": "19:00", "duration_minutes": 60, "weeks_of_month": [1, 3]}),
            json!({"dates": ["2026-12-21", "2027-01-04"]}),
        ),
        (
            "Resting",
            json!({"days": ["friday"], "start_time": "08:00", "duration_minutes": 60}),
            json!({"suspended_until": "2027-02-01"}),
        ),
        ("By Appointment", Value::Null, json!(null)),
    ] {
        let meeting = json!({"name": name, "fellowship": "aa", "service_body_id": source, "attendance": "in_person",
            "schedule": schedule, "closures": closures, "types": ["O", "BE"], "languages": ["es"], "notes": "Upstairs.",
            "location": {"name": "Hall", "formatted_address": "1 Main St, Irvine, CA, USA", "latitude": 33.68, "longitude": -117.83}});
        let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let exported = feed(&app, &format!("?service_body={source}")).await;
    assert_eq!(exported.len(), 1967 + 2 + 3, "one record per day");
    let first = by_slug(&exported);
    assert_eq!(first["twice-weekly-1"]["day"], 1);
    assert_eq!(first["twice-weekly-4"]["end_time"], "01:00", "past midnight");
    assert_eq!(
        first["first-and-third"]["notes"],
        "Upstairs.\nMeets on the 1st and 3rd Monday of the month.\nClosed on 2026-12-21 and 2027-01-04."
    );
    assert_eq!(
        (first["resting"]["attendance_option"].as_str(), first["resting"]["types"].clone()),
        (Some("inactive"), json!(["BE", "O", "S", "TC"]))
    );
    assert_eq!(first["by-appointment"].get("day"), None);
    assert_eq!(first["by-appointment"]["timezone"], "America/Los_Angeles");

    let copy = new_body(&app, &admin, "Copy", "America/Los_Angeles").await;
    let (_, answer) =
        import(&app, Some(&admin), copy, "", Value::Array(exported.clone()).to_string().into_bytes()).await;
    assert_eq!(counts(&answer), [1967 + 2 + 3, 0, 0, 0, 0], "{}", answer["rejections"]);
    assert_same_records(&first, &by_slug(&feed(&app, &format!("?service_body={copy}")).await), "oc");

    // Every other fixture round-trips too.
    for name in ["nwta", "kc", "times", "timezones", "atlanta"] {
        let (source, copy) = (
            new_body(&app, &admin, name, "America/Chicago").await,
            new_body(&app, &admin, name, "America/Chicago").await,
        );
        let (status, answer) = import(&app, Some(&admin), source, "", fixture(name)).await;
        assert_eq!((status, answer["rejected"].as_u64()), (StatusCode::OK, Some(0)), "{name}: {answer}");
        let exported = feed(&app, &format!("?service_body={source}")).await;
        assert_eq!(
            Some(exported.len() as u64),
            answer["added"].as_u64(),
            "{name}: one record per (single-day) meeting"
        );
        let (_, answer) =
            import(&app, Some(&admin), copy, "", Value::Array(exported.clone()).to_string().into_bytes()).await;
        assert_eq!(answer["rejected"], 0, "{name}: {answer}");
        assert_same_records(&by_slug(&exported), &by_slug(&feed(&app, &format!("?service_body={copy}")).await), name);
    }
}

fn assert_same_records(first: &BTreeMap<String, Value>, again: &BTreeMap<String, Value>, name: &str) {
    assert_eq!(again.len(), first.len(), "{name}");
    for (slug, record) in first {
        assert_eq!(again.get(slug).map(kept), Some(kept(record)), "{name}: {slug}");
    }
}

#[actix_web::test]
async fn the_feed_of_the_seed_is_what_tsml_ui_accepts() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Builtin) else { return };
    let (status, headers, body) = app
        .call(
            test::TestRequest::get()
                .uri("/v1/feeds/meeting-guide.json")
                .insert_header((header::ORIGIN, "https://example.com")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let origin = headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.as_bytes().to_vec());
    assert!(matches!(origin.as_deref(), Some(b"*" | b"https://example.com")), "CORS open: {origin:?}");
    let records = body.as_array().cloned().unwrap_or_default();
    assert!(records.len() > 3200, "{} records", records.len());
    let slugs: BTreeSet<&str> = records.iter().filter_map(|r| r["slug"].as_str()).collect();
    assert_eq!(slugs.len(), records.len(), "unique slugs");
    let hosts = [
        "zoom.us",
        "meet.google.com",
        "meet.jit.si",
        "teams.microsoft.com",
        "webex.com",
        "gotomeeting.com",
        "discord.gg",
    ];
    for r in &records {
        assert!(r["timezone"].as_str().is_some_and(|z| z.parse::<chrono_tz::Tz>().is_ok()), "{r}");
        if let Some(day) = r.get("day") {
            assert!(day.as_u64().is_some_and(|d| d <= 6), "{r}");
            let time = r["time"].as_str().unwrap_or_default();
            assert!(chrono::NaiveTime::parse_from_str(time, "%H:%M").is_ok() && time.len() == 5, "{r}");
        }
        if let Some(url) = r["conference_url"].as_str() {
            let host = url.split('/').nth(2).unwrap_or_default();
            assert!(hosts.iter().any(|h| host == *h || host.ends_with(&format!(".{h}"))), "{url}");
        }
        if let Some(phone) = r["conference_phone"].as_str() {
            assert!(phone.chars().filter(char::is_ascii_digit).count() >= 10, "{phone}");
        }
        assert!(r["url"].as_str().is_some_and(|u| u.starts_with("https://lantern.example.org/v1/meetings/")), "{r}");
    }
    // A strong ETag; the same answer is 304.
    let tag = headers.get(header::ETAG).cloned().unwrap_or_else(|| panic!("no ETag"));
    assert!(!tag.as_bytes().starts_with(b"W/"));
    let (status, _, _) = app
        .call(test::TestRequest::get().uri("/v1/feeds/meeting-guide.json").insert_header((header::IF_NONE_MATCH, tag)))
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    for query in ["?limit=10", "?cursor=abc", "?day=funday", "?service_body=0"] {
        let (status, _, problem) = app.get(&format!("/v1/feeds/meeting-guide.json{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
    }
    let (status, _, _) = app.get("/v1/feeds/meeting-guide.json?fellowship=zz").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_feed_writes_days_languages_regions_and_hides_drafts() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let all = by_slug(&feed(&app, "").await);
    let slugs: Vec<&str> = all.keys().map(String::as_str).collect();
    assert_eq!(
        slugs,
        [
            "kreuzberg-closed-1",
            "kreuzberg-closed-3",
            "mitte-open",
            "regional-online",
            "suva-just-for-today",
            "taveuni-basic-text",
            "winding-down"
        ],
        "one record per day; the draft never appears"
    );
    let k = &all["kreuzberg-closed-3"];
    assert_eq!(
        (k["day"].clone(), k["time"].clone(), k["end_time"].clone()),
        (json!(3), json!("19:30"), json!("20:30"))
    );
    assert_eq!((k["types"].clone(), k["attendance_option"].clone()), (json!(["C", "DE"]), json!("hybrid")));
    assert_eq!(
        (k["regions"].clone(), k["entity"].clone()),
        (json!(["Region", "Berlin Intergroup"]), json!("Berlin Intergroup"))
    );
    assert_eq!(all["suva-just-for-today"]["types"], json!(["EN", "O"]), "NA's own codes are not Meeting Guide codes");
    assert_eq!(all["winding-down"]["types"], json!(["EN", "O", "TC"]));
    let below = by_slug(&feed(&app, "?service_body=1").await);
    assert_eq!(below["kreuzberg-closed-1"]["regions"], json!(["Berlin Intergroup"]), "the path below the filter");
    assert_eq!(below["regional-online"].get("regions"), None);
    // A key sees drafts in the list, never in a feed.
    let admin = issue_key(&app, "admin", None);
    let (_, _, keyed) = app.send(Method::GET, "/v1/feeds/meeting-guide.json", Some(&admin), None).await;
    assert_eq!(keyed.as_array().map(Vec::len), Some(all.len()));
}

#[actix_web::test]
async fn slugs_that_collide_across_bodies_suffix_the_newer_meeting_and_tags_follow_writes() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let admin = issue_key(&app, "admin", None);
    let (first, second) =
        (new_body(&app, &admin, "A", "America/New_York").await, new_body(&app, &admin, "B", "America/New_York").await);
    for body in [first, second] {
        let (status, _) = import(&app, Some(&admin), body, "", fixture("atlanta")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let all = feed(&app, "").await;
    let slugs: BTreeSet<&str> = all.iter().filter_map(|r| r["slug"].as_str()).collect();
    assert_eq!(slugs.len(), all.len(), "unique across bodies");
    let early: Vec<&Value> = all.iter().filter(|r| r["name"] == "Early Sunday Morning").collect();
    let (older, newer): (Vec<&&Value>, Vec<&&Value>) = early.iter().partition(|r| r["slug"] == "early-sunday-morning");
    assert_eq!((older.len(), newer.len()), (1, 1), "{early:?}");
    let newer_id = newer[0]["url"].as_str().and_then(|u| u.rsplit('/').next()).unwrap_or_default();
    assert_eq!(newer[0]["slug"], format!("early-sunday-morning-{newer_id}"));
    assert!(
        older[0]["url"].as_str().and_then(|u| u.rsplit('/').next()).and_then(|id| id.parse::<i64>().ok())
            < newer_id.parse().ok()
    );
    let only_second = feed(&app, &format!("?service_body={second}")).await;
    assert!(only_second.iter().any(|r| r["slug"] == "early-sunday-morning"), "alone in its answer, no suffix");

    // The tag is over the bytes: a write changes it, and the old tag gets the new answer.
    let uri = "/v1/feeds/meeting-guide.json";
    let (_, headers, _) = app.get(uri).await;
    let tag = headers.get(header::ETAG).cloned().unwrap_or_else(|| panic!("no ETag"));
    let (_, again, _) = app.get(uri).await;
    assert_eq!(again.get(header::ETAG), Some(&tag), "the same answer has the same tag");
    let id = newer_id.to_owned();
    let (status, _, _) =
        app.send(Method::PATCH, &format!("/v1/meetings/{id}"), Some(&admin), Some(json!({"notes": "New door."}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, body) =
        app.call(test::TestRequest::get().uri(uri).insert_header((header::IF_NONE_MATCH, tag.clone()))).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers.get(header::ETAG), Some(&tag));
    assert!(body.as_array().into_iter().flatten().any(|r| r["notes"] == "New door."));
}
