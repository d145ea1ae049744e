//! Fellowships, service bodies, the type vocabulary and health, through HTTP.

use actix_web::http::StatusCode;
use lantern::domain::ids::FellowshipCode;
use lantern::domain::vocabulary::{FormatMeaning, Vocabulary};
use lantern::service::SeedSource;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, small_seed};

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

on_both_backends!(
    fellowships_list_with_their_published_meeting_counts,
    service_bodies_form_a_tree,
    the_vocabulary_names_types_in_the_asked_language_with_their_users,
    health_and_readiness_answer,
);

async fn fellowships_list_with_their_published_meeting_counts(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, _, body) = app.get("/v1/fellowships").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        serde_json::json!({"results": [
            {"code": "aa", "name": "Alcoholics Anonymous", "website": "https://www.aa.org", "meeting_count": 4},
            {"code": "na", "name": "Narcotics Anonymous", "website": null, "meeting_count": 2},
            {"code": "oa", "name": "Overeaters Anonymous", "website": null, "meeting_count": 0}
        ], "next_cursor": null})
    );
}

async fn service_bodies_form_a_tree(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, _, body) = app.get("/v1/service-bodies").await;
    assert_eq!(status, StatusCode::OK);
    let roots = body["results"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(roots.len(), 2);
    assert_eq!(roots[0]["name"], "Region");
    assert_eq!(roots[0]["children"][0]["name"], "Berlin Intergroup");
    assert_eq!(roots[0]["children"][0]["parent_id"], roots[0]["id"]);
    assert_eq!(roots[1]["time_zone"], "Pacific/Fiji");
    assert!(roots[0].get("contact").is_none(), "contacts are private");
    let id = roots[0]["id"].as_i64().unwrap_or_default();
    let (status, _, one) = app.get(&format!("/v1/service-bodies/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, roots[0]);
    for uri in ["/v1/service-bodies/abc", "/v1/service-bodies/424242"] {
        let (status, _, problem) = app.get(uri).await;
        assert_eq!((status, problem["status"].as_i64()), (StatusCode::NOT_FOUND, Some(404)));
    }
}

async fn the_vocabulary_names_types_in_the_asked_language_with_their_users(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, _, body) = app.get("/v1/types?lang=es").await;
    assert_eq!(status, StatusCode::OK);
    let find = |code: &str| {
        body["results"].as_array().into_iter().flatten().find(|t| t["code"] == code).cloned().unwrap_or(Value::Null)
    };
    assert_eq!(find("BE")["name"], "Principiantes");
    assert_eq!(find("BE")["names"]["en"], "Newcomer");
    assert_eq!(find("O")["fellowships"], serde_json::json!(["aa", "na"]));
    assert_eq!(find("NA-JFT")["fellowships"], serde_json::json!(["na"]));
    assert_eq!(find("NA-JFT")["origin"], "na");
    assert_eq!(find("NA-JFT")["name"], "Just for Today", "falls back to English");
    assert_eq!(find("S"), Value::Null, "language codes are not types");
    let spanish = body["language_codes"].as_array().into_iter().flatten().find(|l| l["meeting_guide_code"] == "S");
    assert_eq!(spanish.map(|l| l["language"].clone()), Some(Value::from("es")));
    let (status, _, problem) = app.get("/v1/types?lang=xx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(problem["errors"]["lang"].is_array());
}

async fn health_and_readiness_answer(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let (status, _, body) = app.get("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (status, _, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    let changes = app.change_count();
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "database": "ok", "meetings": 7, "indexed": 5,
            "applied_seq": changes, "head_seq": changes, "lag_seconds": 0.0})
    );
}

#[test]
fn every_na_format_of_a_real_bmlt_server_has_a_meaning_here() {
    let vocabulary = Vocabulary::builtin().unwrap_or_else(|e| panic!("{e}"));
    let na: FellowshipCode = "na".parse().unwrap_or_else(|e| panic!("{e}"));
    let formats: Vec<Value> =
        serde_json::from_str(include_str!("../fixtures/bmlt/formats.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(formats.len(), 44);
    for format in formats {
        let key = format["key_string"].as_str().unwrap_or_default();
        match vocabulary.fellowship_format(&na, key) {
            Some(FormatMeaning::Type(code)) => assert!(vocabulary.get(code).is_some(), "{key} → {code}"),
            Some(FormatMeaning::Language(_)) => {}
            None => panic!("NA format {key} has no meaning"),
        }
    }
}
