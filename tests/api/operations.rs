//! Running it: `/metrics` in the Prometheus text format.

use actix_web::http::{Method, StatusCode};
use actix_web::test as web_test;
use lantern::service::SeedSource;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, issue_key, public_url, small_seed};

on_both_backends!(metrics_count_requests_by_route_template_and_report_the_service);

/// The value of the sample line that starts with `series ` (labels in the encoder's sorted order).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics_count_requests_by_route_template_and_report_the_service(backend: Backend) {
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let service =
        web_test::init_service(lantern::http::app_with(app.lantern.clone(), public_url(), Default::default())).await;
    let admin = issue_key(&app, "admin", None);
    let get = |uri: &str| web_test::TestRequest::get().uri(uri).to_request();
    for uri in ["/v1/meetings/1", "/v1/meetings/2", "/v1/meetings/424242", "/no/such/path"] {
        web_test::call_service(&service, get(uri)).await;
    }
    let import = web_test::TestRequest::default()
        .method(Method::POST)
        .uri("/v1/service-bodies/2/imports/meeting-guide")
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .set_json(json!([]))
        .to_request();
    let imported = web_test::call_service(&service, import).await;
    assert_eq!(imported.status(), StatusCode::OK);
    let res = web_test::call_service(&service, get("/metrics")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("text/plain; version=0.0.4"));
    let text = String::from_utf8(web_test::read_body(res).await.to_vec()).unwrap_or_default();
    let requests = |route: &str, status: u16| {
        sample(&text, &format!(r#"lantern_http_requests_total{{method="GET",route="{route}",status="{status}"}}"#))
    };
    assert_eq!(requests("/v1/meetings/{id}", 200), Some(2.0), "{text}");
    assert_eq!(requests("/v1/meetings/{id}", 404), Some(1.0), "{text}");
    assert_eq!(requests("unmatched", 404), Some(1.0), "{text}");
    assert!(!text.contains("/v1/meetings/1\""), "paths are never labels: {text}");
    assert_eq!(
        sample(&text, r#"lantern_http_request_duration_seconds_count{method="GET",route="/v1/meetings/{id}"}"#),
        Some(3.0)
    );
    assert_eq!(sample(&text, "lantern_snapshot_meetings"), Some(7.0));
    assert_eq!(sample(&text, "lantern_snapshot_indexed_meetings"), Some(5.0));
    assert_eq!(sample(&text, "lantern_imports_total"), Some(1.0));
    assert_eq!(sample(&text, "lantern_change_log_applied_seq"), Some(app.change_count() as f64));
    assert_eq!(sample(&text, "lantern_change_log_head_seq"), Some(app.change_count() as f64));
    assert_eq!(sample(&text, "lantern_database_up"), Some(1.0));
    assert_eq!(sample(&text, "lantern_sources"), Some(0.0));
    assert!(sample(&text, r#"lantern_database_pool_connections{state="max"}"#).is_some_and(|n| n >= 1.0));
    assert!(!text.contains(&admin), "the key never appears in the metrics");
}

on_both_backends!(answers_of_a_kilobyte_or_more_are_compressed_as_the_client_asks);

async fn answers_of_a_kilobyte_or_more_are_compressed_as_the_client_asks(backend: Backend) {
    use std::io::Read as _;
    let Some(app) = TestApp::start(backend, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let service = web_test::init_service(lantern::http::app(app.lantern.clone(), public_url())).await;
    let fetch = async |uri: &str, accept: Option<&str>| {
        let mut req = web_test::TestRequest::get().uri(uri);
        if let Some(accept) = accept {
            req = req.insert_header(("Accept-Encoding", accept));
        }
        let res = web_test::call_service(&service, req.to_request()).await;
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let vary: Vec<&str> = res.headers().get_all("vary").filter_map(|v| v.to_str().ok()).collect();
        let vary = Some(vary.join(", ")).filter(|v| !v.is_empty());
        let (encoding, etag) = (header("content-encoding"), header("etag"));
        (encoding, vary, etag, web_test::read_body(res).await.to_vec())
    };
    let (encoding, vary, etag, plain) = fetch("/v1/meetings", None).await;
    assert!(plain.len() as u64 >= 1024, "the list is large enough to compress ({} bytes)", plain.len());
    assert_eq!(encoding, None);
    assert!(vary.as_deref().is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")), "{vary:?}");

    let (encoding, vary, gz_etag, gz) = fetch("/v1/meetings", Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(vary.is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut unzipped).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unzipped, plain);
    assert!(gz.len() < plain.len());
    assert_eq!(gz_etag, etag, "a record's or list's tag stays what If-Match and If-None-Match compare");

    let (encoding, _, _, br) = fetch("/v1/meetings", Some("gzip;q=0.5, br")).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let mut unbrotli = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut unbrotli).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unbrotli, plain);
    let (encoding, _, _, _) = fetch("/v1/meetings", Some("br;q=0.1, gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"), "the client's preference decides");

    // Small answers go as they are, without a coding mark.
    let (encoding, _, _, small) = fetch("/healthz", Some("gzip, br")).await;
    assert_eq!(encoding, None);
    assert!(small.len() < 1024 && serde_json::from_slice::<serde_json::Value>(&small).is_ok());

    // A conditional request still gets its 304, compressed or not.
    let etag = etag.unwrap_or_default();
    let req = web_test::TestRequest::get()
        .uri("/v1/meetings")
        .insert_header(("Accept-Encoding", "gzip"))
        .insert_header(("If-None-Match", etag.as_str()))
        .to_request();
    let res = web_test::call_service(&service, req).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
}

/// Every HTML page (the documentation, the embed, the console) carries a Content-Security-Policy
/// that allows no script but its own files (and, but for the embed, no framing); every answer, HTML or not,
/// carries `X-Content-Type-Options: nosniff`; CORS never allows credentials.
#[actix_web::test]
async fn html_pages_carry_a_restrictive_policy_and_every_answer_nosniff() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    for path in ["/docs/", "/embed", "/console"] {
        let (status, headers, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(header("content-type").starts_with("text/html"), "{path}");
        let policy = header("content-security-policy");
        assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "{path}: {policy}");
        assert!(
            !policy.contains("unsafe-eval") && !policy.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {policy}"
        );
        // The embed page is made to be framed by other sites; the others are not.
        assert_eq!(policy.contains("frame-ancestors 'none'"), path != "/embed", "{path}: {policy}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
    }
    for path in ["/v1/meetings", "/openapi.json", "/v1/meetings.csv", "/no/such/path", "/healthz"] {
        let req = web_test::TestRequest::get().uri(path).insert_header(("Origin", "https://elsewhere.example"));
        let (_, headers, _) = app.call(req).await;
        assert_eq!(headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{path}");
        assert!(headers.get("access-control-allow-credentials").is_none(), "{path}: CORS never allows credentials");
    }
}
