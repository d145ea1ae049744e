//! The BMLT semantic interface: the fixtures' keys and value types, exact nearest N in distance
//! order, the weekday filter, `VM`/`HY`, JSONP, and the same meetings and distances as Lantern's
//! own nearby search for the same question.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::{StatusCode, header};
use lantern::service::SeedSource;
use serde_json::Value;

use crate::support::{Backend, TestApp};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/bmlt/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn app() -> TestApp {
    TestApp::start(Backend::Sqlite, SeedSource::Builtin).unwrap_or_else(|| panic!("sqlite is always available"))
}

/// Each key with the JSON type of its value.
fn shape(v: &Value) -> BTreeMap<String, &'static str> {
    let kind = |v: &Value| match v {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    };
    v.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), kind(v))).collect()
}

async fn get(app: &TestApp, uri: &str) -> Value {
    let (status, _, body) = app.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

// Near Adelaide, where the seed has NA meetings.
const NEAR: &str = "lat_val=-34.93&long_val=138.6";

#[actix_web::test]
async fn answers_have_the_fixtures_keys_and_value_types() {
    let app = app();
    let recorded = fixture("meeting-search-42.867970-day2");
    let keys = "id_bigint,meeting_name,weekday_tinyint,start_time,location_text,location_info,location_municipality,location_province,location_street,longitude,latitude,distance_in_miles,distance_in_km,formats,virtual_meeting_link,phone_meeting_number,virtual_meeting_additional_info";
    let ours = get(&app, &format!("/client_interface/json/?switcher=GetSearchResults&get_used_formats&data_field_key={keys}&sort_results_by_distance=1&{NEAR}&geo_width=-50&weekdays=2")).await;
    assert_eq!(shape(&ours).keys().collect::<Vec<_>>(), ["formats", "meetings"]);
    let (theirs, mine) = (&recorded["meetings"][0], &ours["meetings"][0]);
    assert_eq!(shape(mine), shape(theirs), "a meeting row");
    assert_eq!(shape(&ours["formats"][0]), shape(&recorded["formats"][0]), "a format");
    let info = get(&app, "/client_interface/json/?switcher=GetServerInfo").await;
    assert_eq!(shape(&info[0]), shape(&fixture("server-info")[0]), "server info, booleans included");
    assert_eq!(info[0]["semanticAdmin"], "0");
    let bodies = get(&app, "/client_interface/json/?switcher=GetServiceBodies").await;
    assert_eq!(shape(&bodies[0]), shape(&fixture("service-bodies")[0]));
    let formats = get(&app, "/client_interface/json/?switcher=GetFormats&show_all=1").await;
    assert_eq!(shape(&formats[0]), shape(&fixture("formats")[0]));
    let all_keys = get(&app, "/client_interface/json/?switcher=GetSearchResults&meeting_ids=1,2,3,4,5,6,7,8,9,10,11,12&fellowship=aa,na,ca,oa,ga,al-anon").await;
    let available: BTreeSet<String> =
        info[0]["available_keys"].as_str().unwrap_or_default().split(',').map(str::to_owned).collect();
    assert!(all_keys.as_array().map(Vec::len).is_some_and(|n| n >= 12), "{all_keys}");
    for row in all_keys.as_array().into_iter().flatten() {
        assert_eq!(
            row.as_object().map(|o| o.keys().cloned().collect::<BTreeSet<_>>()),
            Some(available.clone()),
            "every key, empty where unknown"
        );
    }
    // Empty answers as BMLT gives them.
    assert_eq!(
        get(&app, "/client_interface/json/?switcher=GetSearchResults&meeting_ids=999999").await,
        Value::Array(vec![])
    );
    assert_eq!(
        get(&app, "/client_interface/json?switcher=GetSearchResults&meeting_ids=999999&get_used_formats").await,
        serde_json::json!({"meetings": [], "formats": []})
    );
}

#[actix_web::test]
async fn a_negative_width_is_exactly_the_nearest_n_in_distance_order_and_weekdays_filter() {
    let app = app();
    for n in [1, 7, 25] {
        let rows = get(
            &app,
            &format!(
                "/client_interface/json/?switcher=GetSearchResults&{NEAR}&geo_width=-{n}&sort_results_by_distance=1"
            ),
        )
        .await;
        let rows = rows.as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), n, "exactly {n}");
        let km: Vec<f64> = rows.iter().filter_map(|r| r["distance_in_km"].as_str()?.parse().ok()).collect();
        assert!(km.windows(2).all(|w| w[0] <= w[1]), "nearest first: {km:?}");
        for r in &rows {
            let (km, miles): (f64, f64) = (
                r["distance_in_km"].as_str().unwrap_or("").parse().unwrap_or(-1.0),
                r["distance_in_miles"].as_str().unwrap_or("").parse().unwrap_or(-1.0),
            );
            assert!((km / 1.609344 - miles).abs() < 1e-9, "{km} km is {miles} mi");
        }
    }
    let thursdays =
        get(&app, &format!("/client_interface/json/?switcher=GetSearchResults&{NEAR}&geo_width_km=-10&weekdays[]=5"))
            .await;
    let days: BTreeSet<&str> =
        thursdays.as_array().into_iter().flatten().filter_map(|r| r["weekday_tinyint"].as_str()).collect();
    assert_eq!(days, BTreeSet::from(["5"]));
    let not_thursdays =
        get(&app, &format!("/client_interface/json/?switcher=GetSearchResults&{NEAR}&geo_width_km=-10&weekdays=-5"))
            .await;
    assert_eq!(not_thursdays.as_array().map(Vec::len), Some(10));
    assert!(not_thursdays.as_array().into_iter().flatten().all(|r| r["weekday_tinyint"] != "5"));
    // Online and hybrid meetings carry VM and HY, and say how to join.
    let all = get(&app, "/client_interface/json/?switcher=GetSearchResults&venue_types=2,3").await;
    let rows = all.as_array().cloned().unwrap_or_default();
    let venues: BTreeSet<&str> = rows.iter().filter_map(|r| r["venue_type"].as_str()).collect();
    assert_eq!(venues, BTreeSet::from(["2", "3"]), "both virtual and hybrid rows");
    let in_person = get(&app, "/client_interface/json/?switcher=GetSearchResults&venue_types=1").await;
    assert!(in_person.as_array().is_some_and(|r| !r.is_empty()));
    for r in in_person.as_array().into_iter().flatten() {
        let formats: Vec<&str> = r["formats"].as_str().unwrap_or("").split(',').collect();
        assert!(!formats.contains(&"VM") && !formats.contains(&"HY"), "{r}");
    }
    for r in &rows {
        let formats: Vec<&str> = r["formats"].as_str().unwrap_or("").split(',').collect();
        let wanted = if r["venue_type"] == "2" { "VM" } else { "HY" };
        assert!(formats.contains(&wanted), "{r}");
        assert!(r["virtual_meeting_link"].as_str().is_some_and(|l| l.starts_with("https://")), "{r}");
    }
}

#[actix_web::test]
async fn the_interface_and_nearby_agree_on_meetings_and_distances() {
    let app = app();
    // Thursday 2026-11-26 00:00 in Adelaide: a week from then holds every weekly session.
    let at = "2026-11-25T13:30:00Z";
    let nearby = get(&app, &format!("/v1/meetings/nearby?lat=-34.93&lon=138.6&radius_km=50&fellowship=na&attendance=in_person,hybrid&starting_within=10080&at={at}&limit=200")).await;
    let mut ours: BTreeMap<String, String> = BTreeMap::new();
    for hit in nearby["results"].as_array().into_iter().flatten() {
        let m = &hit["meeting"];
        let weekly = m["schedule"]["weeks_of_month"].as_array().is_some_and(Vec::is_empty);
        if weekly && m["schedule"]["days"].as_array().is_some_and(|d| d.iter().any(|d| d == "thursday")) {
            ours.insert(m["id"].to_string(), format!("{:.3}", hit["distance_km"].as_f64().unwrap_or(-1.0)));
        }
    }
    let rows = get(&app, &format!("/client_interface/json/?switcher=GetSearchResults&{NEAR}&geo_width_km=50&weekdays=5&venue_types=1,3&sort_results_by_distance=1")).await;
    let mut theirs: BTreeMap<String, String> = BTreeMap::new();
    for r in rows.as_array().into_iter().flatten() {
        let closed = r["formats"].as_str().unwrap_or("").split(',').any(|f| f == "TC");
        let monthly = r["comments"].as_str().unwrap_or("").contains("of the month.");
        if !closed && !monthly {
            let km: f64 = r["distance_in_km"].as_str().unwrap_or("").parse().unwrap_or(-1.0);
            theirs.insert(r["id_bigint"].as_str().unwrap_or("").to_owned(), format!("{km:.3}"));
        }
    }
    assert!(!ours.is_empty(), "the seed has NA meetings near Adelaide on Thursdays");
    assert_eq!(theirs, ours);
}

#[actix_web::test]
async fn jsonp_wraps_the_answer_and_refuses_what_is_not_an_identifier() {
    let app = app();
    for path in ["/client_interface/jsonp/", "/client_interface/jsonp"] {
        let req =
            actix_web::test::TestRequest::get().uri(&format!("{path}?switcher=GetFieldKeys&callback=jQuery_1.cb"));
        let (status, headers, body) = app.call(req).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/javascript")));
        let text = body.as_str().unwrap_or_default();
        let inner = text
            .strip_prefix("/**/jQuery_1.cb(")
            .and_then(|t| t.strip_suffix(");"))
            .unwrap_or_else(|| panic!("{text}"));
        let json: Value = serde_json::from_str(inner).unwrap_or_else(|e| panic!("{e}: {inner}"));
        assert_eq!(json, get(&app, "/client_interface/json/?switcher=GetFieldKeys").await);
    }
    for bad in ["alert(1)", "a-b", "1abc", "x;y", "%20", "a..b"] {
        let (status, _, problem) =
            app.get(&format!("/client_interface/jsonp/?switcher=GetFieldKeys&callback={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
    }
    for (uri, status) in [
        ("/client_interface/json/?switcher=GetNothing", StatusCode::BAD_REQUEST),
        ("/client_interface/json/", StatusCode::BAD_REQUEST),
        ("/client_interface/json/?switcher=GetSearchResults&weekdays=8", StatusCode::BAD_REQUEST),
        ("/client_interface/json/?switcher=GetSearchResults&lat_val=north", StatusCode::BAD_REQUEST),
        ("/client_interface/json/?switcher=GetSearchResults&fellowship=zz", StatusCode::NOT_FOUND),
        ("/client_interface/json/?switcher=GetFieldValues", StatusCode::BAD_REQUEST),
        ("/client_interface/json/?switcher=GetSearchResults&formats=NOPE", StatusCode::NOT_FOUND),
        ("/client_interface/jsonp/?switcher=GetFieldKeys", StatusCode::BAD_REQUEST),
    ] {
        let (got, _, problem) = app.get(uri).await;
        assert_eq!(got, status, "{uri}: {problem}");
    }
    let values = get(&app, "/client_interface/json/?switcher=GetFieldValues&meeting_key=weekday_tinyint").await;
    assert!(values.as_array().is_some_and(|v| v.len() == 7 && v.iter().all(|e| e["ids"].is_string())), "{values}");
}

#[actix_web::test]
async fn changes_list_the_served_fellowships_published_meeting_changes_between_dates() {
    use actix_web::http::Method;
    let app = app();
    let admin = crate::support::issue_key(&app, "admin", None);
    let meeting = |name: &str, fellowship: &str, body: i64| {
        serde_json::json!({"name": name, "fellowship": fellowship, "service_body_id": body, "attendance": "in_person",
            "schedule": {"days": ["friday"], "start_time": "19:00"},
            "location": {"name": "Hall", "latitude": -34.92, "longitude": 138.6}})
    };
    let (status, _, na) =
        app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting("Changed Here", "na", 4))).await;
    assert_eq!(status, StatusCode::CREATED, "{na}");
    let id = na["id"].as_i64().unwrap_or_default();
    let patch = serde_json::json!({"notes": "Side door."});
    let (status, _, _) = app.send(Method::PATCH, &format!("/v1/meetings/{id}"), Some(&admin), Some(patch)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, aa) =
        app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting("Other Fellowship", "aa", 41))).await;
    assert_eq!(status, StatusCode::CREATED, "{aa}");

    // The test clock says 2026-11-27.
    let changes =
        get(&app, "/client_interface/json/?switcher=GetChanges&start_date=2026-11-27&end_date=2026-11-27").await;
    let listed: Vec<(&str, &str, &str)> = changes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["meeting_id"].as_str()?, c["change_type"].as_str()?, c["meeting_exists"].as_str()?)))
        .collect();
    let (id, aa_id) = (id.to_string(), aa["id"].to_string());
    // The seed's own creation is recorded too; ours come last, oldest first.
    let ours = [(id.as_str(), "comdef_change_type_new", "1"), (id.as_str(), "comdef_change_type_change", "1")];
    assert_eq!(listed[listed.len().saturating_sub(2)..], ours);
    assert!(listed.iter().all(|(m, _, _)| *m != aa_id), "NA only");
    let last = changes.as_array().and_then(|c| c.last()).map(|c| c["service_body_name"].clone());
    assert_eq!(last, Some(Value::from("Adelaide NA Area")));
    let later = get(&app, "/client_interface/json/?switcher=GetChanges&start_date=2026-11-28").await;
    assert_eq!(later, Value::Array(vec![]));
    let one = get(&app, &format!("/client_interface/json/?switcher=GetChanges&meeting_id={id}&fellowship=na,aa")).await;
    assert_eq!(one.as_array().map(Vec::len), Some(2));
    let both = get(&app, "/client_interface/json/?switcher=GetChanges&fellowship=na,aa").await;
    assert!(both.as_array().into_iter().flatten().any(|c| c["meeting_id"] == aa_id.as_str()));
    let (status, _, _) = app.get("/client_interface/json/?switcher=GetChanges&start_date=2026-1-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The server's setting picks the fellowships a request that names none gets.
    let uri = format!("/client_interface/json/?switcher=GetSearchResults&meeting_ids={aa_id}");
    assert_eq!(get(&app, &uri).await, Value::Array(vec![]), "NA by default");
    let settings =
        lantern::http::bmlt::BmltSettings { fellowships: vec!["aa".parse().unwrap_or_else(|e| panic!("{e:?}"))] };
    let service = actix_web::test::init_service(
        lantern::http::app(app.lantern.clone(), crate::support::public_url()).app_data(settings),
    )
    .await;
    let rows: Value =
        actix_web::test::call_and_read_body_json(&service, actix_web::test::TestRequest::get().uri(&uri).to_request())
            .await;
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
}

#[actix_web::test]
async fn formats_filter_by_key_or_id_and_say_closures_and_monthly_weeks() {
    use actix_web::http::Method;
    let app = app();
    let admin = crate::support::issue_key(&app, "admin", None);
    let meeting = serde_json::json!({"name": "Monthly Basic Text", "fellowship": "na", "service_body_id": 4,
        "attendance": "in_person", "types": ["NA-BT"],
        "schedule": {"days": ["monday"], "start_time": "19:00", "weeks_of_month": [1, 3]},
        "closures": {"suspended_until": "2026-12-31"},
        "location": {"name": "Hall", "latitude": -34.92, "longitude": 138.6}});
    let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].to_string();
    let rows = get(&app, &format!("/client_interface/json/?switcher=GetSearchResults&meeting_ids={id}")).await;
    let row = &rows[0];
    assert_eq!((row["weekday_tinyint"].as_str(), row["formats"].as_str()), (Some("2"), Some("BT,TC")), "{row}");
    // What BMLT cannot say, said as the Meeting Guide feed says it (and read back on import).
    assert_eq!(row["comments"], "Meets on the 1st and 3rd Monday of the month.\nSuspended until 2026-12-31.");
    assert_eq!(row["format_shared_id_list"], "3,1003");
    // By key, by id, excluded, and AND against OR.
    for (formats, found) in
        [("BT", true), ("3", true), ("-BT", false), ("BT,O&formats_comparison_operator=AND", false), ("BT,O", true)]
    {
        let uri = format!("/client_interface/json/?switcher=GetSearchResults&meeting_ids={id}&formats={formats}");
        assert_eq!(get(&app, &uri).await.as_array().map(|r| !r.is_empty()), Some(found), "{formats}");
    }
    // Where AA is served too, its codes never take an NA key's meaning.
    let formats = get(&app, "/client_interface/json/?switcher=GetFormats&show_all=1&fellowship=na,aa").await;
    let keys: Vec<&str> = formats.as_array().into_iter().flatten().filter_map(|f| f["key_string"].as_str()).collect();
    let distinct: BTreeSet<&&str> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "no key twice");
    assert!(keys.contains(&"B") && keys.contains(&"MG-B") && keys.contains(&"MG-11"), "{keys:?}");
    assert!(keys.iter().all(|k| !k.bytes().all(|b| b.is_ascii_digit())), "no key reads as an id");
    let only = get(&app, "/client_interface/json/?switcher=GetFormats&key_strings=BT,17").await;
    let keys: Vec<&str> = only.as_array().into_iter().flatten().filter_map(|f| f["key_string"].as_str()).collect();
    assert_eq!(keys, ["BT", "O"], "by key and by id");
    // Paging and sorting.
    let page = |n: u32| {
        format!(
            "/client_interface/json/?switcher=GetSearchResults&{NEAR}&geo_width_km=20&sort_keys=id_bigint&page_size=2&page_num={n}"
        )
    };
    let (first, second) = (get(&app, &page(1)).await, get(&app, &page(2)).await);
    let ids = |v: &Value| {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id_bigint"].as_str()?.parse::<i64>().ok())
            .collect::<Vec<_>>()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!((a.len(), b.len()), (2, 2));
    assert!(a.windows(2).all(|w| w[0] <= w[1]) && a[1] <= b[0], "{a:?} {b:?}");
}
