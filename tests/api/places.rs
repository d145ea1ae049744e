//! Place search over HTTP: tiers and alternate names, filters, nearness, and every bad parameter a
//! 400 naming it.

use actix_web::http::StatusCode;
use lantern::service::SeedSource;

use crate::support::{Backend, TestApp, small_seed};

#[actix_web::test]
async fn places_are_found_as_people_type_them() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let first = |body: &serde_json::Value| body["results"][0].clone();
    for q in ["koln", "K%C3%B6ln", "K%C3%96LN", "Cologne"] {
        let (status, _, body) = app.get(&format!("/v1/places?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(first(&body)["geonameid"], 2886242, "{q}: {body}");
    }
    let (_, _, body) = app.get("/v1/places?q=Cologne&limit=1").await;
    let place = first(&body);
    assert_eq!(
        (place["name"].as_str(), place["matched"].as_str(), place["country"].as_str()),
        (Some("Köln"), Some("Cologne"), Some("DE"))
    );
    assert_eq!((place["time_zone"].as_str(), place["admin1_code"].as_str()), (Some("Europe/Berlin"), Some("07")));
    assert!(place["latitude"].is_number() && place["population"].as_u64().is_some_and(|p| p > 900_000));
    assert_eq!(body["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["next_cursor"], serde_json::Value::Null);
    for (q, id) in [("munchen", 2867714), ("M%C3%BCnchen", 2867714), ("sao%20paulo", 3448439), ("new%20y", 5128581)] {
        let (_, _, body) = app.get(&format!("/v1/places?q={q}")).await;
        assert_eq!(first(&body)["geonameid"], id, "{q}: {body}");
    }
    // Country and nearness.
    let (_, _, body) = app.get("/v1/places?q=paris&country=us").await;
    let results = body["results"].as_array().cloned().unwrap_or_default();
    assert!(!results.is_empty() && results.iter().all(|p| p["country"] == "US"), "{body}");
    let (_, _, body) = app.get("/v1/places?q=springfield&country=US&near=41.88,-87.63").await;
    assert_eq!(first(&body)["admin1_code"], "IL", "the nearest Springfield first: {body}");
    let (_, _, body) = app.get("/v1/places?q=springfield&country=US").await;
    assert_ne!(first(&body)["admin1_code"], "IL", "otherwise the most populous: {body}");
    // Bad parameters, each named.
    let long = "x".repeat(101);
    for (query, field) in [
        ("", "q"),
        ("q=%20%20", "q"),
        (&format!("q={long}") as &str, "q"),
        ("q=a&limit=0", "limit"),
        ("q=a&limit=51", "limit"),
        ("q=a&country=DEU", "country"),
        ("q=a&country=1a", "country"),
        ("q=a&near=95,0", "near"),
        ("q=a&near=north", "near"),
        ("q=a&near=1e1,2", "near"),
        ("q=a&near=.5,6", "near"),
        ("q=a&near=5.,6", "near"),
        ("q=a&near=%2B5,6", "near"),
        ("q=a&near=50.9,%206.9", "near"),
    ] {
        let (status, _, problem) = app.get(&format!("/v1/places?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
        assert!(problem["errors"][field].is_array(), "{query}: {problem}");
    }
}

#[actix_web::test]
async fn the_time_zone_at_a_point_is_the_one_a_meeting_there_is_given() {
    use actix_web::http::Method;
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    for (lat, lon, zone) in [
        ("27.7152", "85.3123", "Asia/Kathmandu"),
        ("-34.9285", "138.6007", "Australia/Adelaide"),
        ("22.2793", "114.1628", "Asia/Hong_Kong"),
        ("22.5431", "114.0579", "Asia/Shanghai"),
    ] {
        let (status, headers, body) = app.get(&format!("/v1/time-zone?lat={lat}&lon={lon}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["time_zone"], zone, "{body}");
        assert_eq!(body["latitude"].to_string(), lat);
        assert!(headers.get("etag").is_some());
        // A meeting published there without a zone gets the same one.
        let admin = crate::support::issue_key(&app, "admin", None);
        let mut meeting = crate::support::berlin_meeting(3, &format!("Meeting at {lat},{lon}"));
        meeting["schedule"] = serde_json::json!({"days": ["saturday"], "start_time": "07:00"});
        meeting["location"] =
            serde_json::json!({"latitude": lat.parse::<f64>().ok(), "longitude": lon.parse::<f64>().ok()});
        let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["schedule"]["time_zone"], body["time_zone"]);
    }
    // Bad or missing coordinates: 400 naming each.
    for (query, fields) in [
        ("lat=95&lon=0", &["lat"][..]),
        ("lat=0&lon=181", &["lon"]),
        ("lat=NaN&lon=0", &["lat"]),
        ("lat=1", &["lon"]),
        ("", &["lat", "lon"]),
        ("lat=1&lat=2&lon=0", &["lat"]),
    ] {
        let (status, _, problem) = app.get(&format!("/v1/time-zone?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
        for field in fields {
            assert!(problem["errors"][field].is_array(), "{query}: {problem}");
        }
    }
}
