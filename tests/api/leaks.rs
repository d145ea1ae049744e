//! What must never leave the server: private fields (contacts, drafts) in any public answer, feed,
//! export or the BMLT interface; tokens in errors, metrics, the change feed or the server's log.
//! Every check has a positive control, so that a marker missing everywhere cannot pass by accident.

use actix_web::http::{Method, StatusCode};
use lantern::service::SeedSource;
use serde_json::json;

use crate::process::Server;
use crate::support::{Backend, TestApp, berlin_meeting, issue_key, small_seed};

/// In the published meeting's contact: private.
const CONTACT: [&str; 3] = ["Zebediah Quillfeather", "secret-contact-7c1@example.org", "+49 30 9999 1234"];
/// The unpublished meeting's name: private as a whole.
const DRAFT: &str = "Hidden Draft Xyzzy";
/// The published meeting's name: public, the positive control.
const PUBLIC: &str = "Leak Check Hall";

/// The BMLT interface serves NA alone unless asked for other fellowships.
const ALL: &str = "fellowship=aa,na";

/// Every GET an anonymous client can make that could show meetings, their history or changes.
fn public_urls(id: i64, draft: i64) -> Vec<String> {
    let near = "lat=52.5163&lon=13.3777";
    let mut urls: Vec<String> = [
        "/v1/meetings?limit=200".to_owned(),
        format!("/v1/meetings/nearby?{near}&radius_km=50&limit=50"),
        format!("/v1/meetings/upcoming?{near}&radius_km=50&limit=50"),
        "/v1/meetings.csv".to_owned(),
        "/v1/meetings.geojson".to_owned(),
        "/v1/meetings/calendar.ics".to_owned(),
        "/v1/feeds/meeting-guide.json".to_owned(),
        "/v1/changes?limit=500".to_owned(),
        "/v1/service-bodies".to_owned(),
        "/v1/fellowships".to_owned(),
        "/metrics".to_owned(),
        format!("/client_interface/json/?switcher=GetSearchResults&{ALL}"),
        format!("/client_interface/json/?switcher=GetSearchResults&{ALL}&{near}&geo_width_km=50"),
        format!("/client_interface/json/?switcher=GetChanges&start_date=2000-01-01&{ALL}"),
        format!("/client_interface/jsonp/?switcher=GetSearchResults&callback=cb&{ALL}"),
        "/client_interface/json/?switcher=GetServiceBodies".to_owned(),
    ]
    .into();
    for meeting in [id, draft] {
        for suffix in ["", "/calendar.ics", "/occurrences", "/history"] {
            urls.push(format!("/v1/meetings/{meeting}{suffix}"));
        }
        urls.push(format!("/client_interface/json/?switcher=GetSearchResults&meeting_ids={meeting}&{ALL}"));
    }
    urls
}

async fn private_fields_never_appear_in_public_answers(backend: Backend) {
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let admin = issue_key(&app, "admin", None);
    let mut meeting = berlin_meeting(2, PUBLIC);
    meeting["contacts"] = json!([{"name": CONTACT[0], "email": CONTACT[1], "phone": CONTACT[2]}]);
    let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(meeting)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap_or_default();
    // A second version, so that the history and the change feed hold a before and an after.
    let patch = json!({"notes": "Use the side door"});
    let (status, _, _) = app.send(Method::PATCH, &format!("/v1/meetings/{id}"), Some(&admin), Some(patch)).await;
    assert_eq!(status, StatusCode::OK);
    let mut draft = berlin_meeting(2, DRAFT);
    draft["published"] = json!(false);
    let (status, _, created) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(draft)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let draft = created["id"].as_i64().unwrap_or_default();

    // The control: with the key, the private fields are there to be leaked.
    let (_, _, seen) = app.send(Method::GET, &format!("/v1/meetings/{id}"), Some(&admin), None).await;
    assert!(seen.to_string().contains(CONTACT[1]), "{seen}");
    let mut shown = 0;
    for url in public_urls(id, draft) {
        let (status, body) = app.get_bytes(&url).await;
        let text = String::from_utf8_lossy(&body);
        for secret in CONTACT.iter().chain([&DRAFT]) {
            assert!(!text.contains(secret), "{url} ({status}) shows {secret}: {text}");
        }
        shown += usize::from(text.contains(PUBLIC));
    }
    assert!(shown >= 13, "the public meeting is in the public answers ({shown} of them)");
}

crate::on_both_backends!(private_fields_never_appear_in_public_answers);

/// A token, valid or forged, is never echoed: not in the 401 or 429 problem, not in `/metrics`, not
/// in the change feed an admin reads, and not in the server's log at its most verbose (trace).
#[test]
fn tokens_never_appear_in_errors_metrics_the_change_feed_or_the_log() {
    let server = Server::start_with_env(&[], &[("RUST_LOG", "trace")]);
    let secret = server.token.rsplit('_').next().unwrap_or_default().to_owned();
    assert!(secret.len() >= 40, "the token's secret part: {}", server.token);
    let forged = format!("{}x", &server.token[..server.token.len() - 1]);
    let mut answers = Vec::new();
    let key = json!({"name": "leak", "role": "admin", "service_body_id": null}).to_string();
    let (status, issued) = server.request("POST", "/v1/keys", Some(&key));
    assert_eq!(status, 201, "{issued}");
    let issued_secret = serde_json::from_str::<serde_json::Value>(&issued)
        .ok()
        .and_then(|v| v["token"].as_str().map(|t| t.rsplit('_').next().unwrap_or_default().to_owned()))
        .unwrap_or_default();
    assert!(issued_secret.len() >= 40);
    answers.push(server.request("GET", "/v1/keys", None));
    answers.push(server.request("GET", "/v1/changes?limit=100", None));
    for _ in 0..12 {
        answers.push(crate::process::http(&server.address, "GET", "/v1/keys", Some(&forged), None));
    }
    answers.push(crate::process::http(&server.address, "GET", "/metrics", None, None));
    assert!(answers.iter().any(|(status, _)| *status == 401), "forged tokens were refused");
    assert!(answers.iter().any(|(status, _)| *status == 429), "and then throttled");
    assert!(answers.iter().any(|(_, body)| body.contains("\"key\"")), "the change feed lists the key writes");
    let log = server.stop();
    assert!(log.contains("listening"), "the log is written: {log}");
    for (status, body) in &answers {
        for secret in [&secret, &issued_secret] {
            assert!(!body.contains(secret.as_str()), "an answer ({status}) shows a token: {body}");
        }
    }
    assert!(!log.contains(&secret) && !log.contains(&issued_secret) && !log.contains(&forged[20..]), "{log}");
}
