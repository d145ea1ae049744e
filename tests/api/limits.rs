//! Rate limits: reads per client (the forwarded client behind a trusted proxy), writes per key,
//! `429` problem+json with `Retry-After`, nothing written by a refused request; the bad-key throttle
//! counts the same client address.

use actix_web::http::StatusCode;
use actix_web::test::{self as web_test, TestRequest};
use actix_web::web;
use lantern::http::limits::Limits;
use lantern::service::SeedSource;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, issue_key, public_url, small_seed};

on_both_backends!(reads_are_limited_per_client_and_writes_per_key);

fn limits(reads: u32, writes: u32) -> lantern::http::Shared {
    let trusted = vec!["10.0.0.0/8".parse().unwrap_or_else(|e: String| panic!("{e}"))];
    lantern::http::Shared {
        limits: web::Data::new(Limits::new(trusted, Some(reads), Some(writes))),
        ..Default::default()
    }
}

async fn reads_are_limited_per_client_and_writes_per_key(backend: Backend) {
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let service =
        web_test::init_service(lantern::http::app_with(app.lantern.clone(), public_url(), limits(3, 2))).await;
    let read = |peer: &str, forwarded: Option<&str>| {
        let mut req =
            TestRequest::get().uri("/v1/meetings?limit=1").peer_addr(peer.parse().unwrap_or_else(|e| panic!("{e}")));
        if let Some(forwarded) = forwarded {
            req = req.insert_header(("X-Forwarded-For", forwarded));
        }
        req.to_request()
    };
    // Three reads a minute for the client behind the proxy, then 429.
    for _ in 0..3 {
        let res = web_test::call_service(&service, read("10.0.0.2:1000", Some("198.51.100.1"))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = web_test::call_service(&service, read("10.0.0.2:1000", Some("198.51.100.1"))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let problem: serde_json::Value = web_test::read_body_json(res).await;
    assert_eq!(problem["type"], "urn:lantern:problem:rate-limited");
    // Another client behind the same proxy has its own count.
    let res = web_test::call_service(&service, read("10.0.0.2:1000", Some("198.51.100.2"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    // An untrusted peer's forwarding header is ignored: it is counted as itself.
    for _ in 0..3 {
        let res = web_test::call_service(&service, read("203.0.113.9:1", Some("198.51.100.3"))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = web_test::call_service(&service, read("203.0.113.9:1", Some("198.51.100.4"))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "a new forwarded address does not reset an untrusted peer");
    // Health checks are never limited.
    let health = TestRequest::get().uri("/readyz").peer_addr("203.0.113.9:1".parse().unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(web_test::call_service(&service, health.to_request()).await.status(), StatusCode::OK);

    // Two writes a minute per key; the third is refused and writes nothing.
    let (first, second) = (issue_key(&app, "admin", None), issue_key(&app, "admin", None));
    let write = |key: &str, name: &str| {
        TestRequest::post()
            .uri("/v1/meetings")
            .peer_addr("203.0.113.9:2".parse().unwrap_or_else(|e| panic!("{e}")))
            .insert_header(("Authorization", format!("Bearer {key}")))
            .set_json(berlin_meeting(2, name))
            .to_request()
    };
    for name in ["Limited One", "Limited Two"] {
        assert_eq!(web_test::call_service(&service, write(&first, name)).await.status(), StatusCode::CREATED);
    }
    let before = app.change_count();
    let res = web_test::call_service(&service, write(&first, "Limited Three")).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.change_count(), before, "a refused write changes nothing");
    assert!(!app.lantern.directory().meetings().any(|m| m.data.name == "Limited Three"));
    // The peer's read count does not stop a key's writes, and another key has its own count.
    assert_eq!(web_test::call_service(&service, write(&second, "Other Key")).await.status(), StatusCode::CREATED);
}

/// Bad keys are throttled per client: behind the trusted proxy, the forwarded client, so that one
/// client sending bad keys does not lock out everyone else the proxy forwards for.
#[actix_web::test]
async fn the_bad_key_throttle_counts_the_forwarded_client() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let shared = lantern::http::Shared {
        limits: web::Data::new(Limits::new(
            vec!["10.0.0.0/8".parse().unwrap_or_else(|e: String| panic!("{e}"))],
            None,
            None,
        )),
        ..Default::default()
    };
    let service = web_test::init_service(lantern::http::app_with(app.lantern.clone(), public_url(), shared)).await;
    let bad = |client: &str| {
        TestRequest::get()
            .uri("/v1/keys/me")
            .peer_addr("10.0.0.2:1".parse().unwrap_or_else(|e| panic!("{e}")))
            .insert_header(("X-Forwarded-For", client))
            .insert_header(("Authorization", "Bearer not-a-key"))
            .to_request()
    };
    let mut statuses = Vec::new();
    for _ in 0..lantern::service::keys::MAX_FAILURES + 1 {
        statuses.push(web_test::call_service(&service, bad("198.51.100.1")).await.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let other = web_test::call_service(&service, bad("198.51.100.2")).await.status();
    assert_eq!(other, StatusCode::UNAUTHORIZED, "another client behind the proxy is not throttled");
}
