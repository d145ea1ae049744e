//! The embed's files and its iframe page over HTTP: caching, the headers that let any site include
//! them, the page's settings checked and escaped. What the embed does in a browser is tested in
//! tests/browser (scripts/browser.sh).

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use lantern::service::SeedSource;

use crate::support::{Backend, TestApp, small_seed};

fn header<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn text(body: &serde_json::Value) -> &str {
    body.as_str().unwrap_or_default()
}

#[actix_web::test]
async fn the_script_and_its_stylesheet_are_cached_and_includable_from_any_site() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let (status, headers, body) = app.get("/embed.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=300");
    assert_eq!(header(&headers, "cross-origin-resource-policy"), "cross-origin");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let script = text(&body).to_owned();
    assert!(script.contains("[data-lantern]") && !script.contains("__LANTERN_STYLESHEET__"));
    // Revalidation with the ETag.
    let tag = header(&headers, "etag").to_owned();
    assert!(tag.starts_with('"') && tag.len() > 10, "{tag}");
    let (status, _, body) =
        app.call(TestRequest::get().uri("/embed.js").insert_header(("If-None-Match", tag.as_str()))).await;
    assert_eq!((status, body), (StatusCode::NOT_MODIFIED, serde_json::Value::Null));
    // The stylesheet the script names: content-hashed, immutable.
    let at = script.find("/embed/lantern.").expect("the script names its stylesheet");
    let name: String = script[at..].chars().take_while(|c| *c != '\'').collect();
    assert!(name.ends_with(".css") && name.len() == "/embed/lantern..css".len() + 16, "{name}");
    let (status, headers, body) = app.get(&name).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/css; charset=utf-8");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&headers, "cross-origin-resource-policy"), "cross-origin");
    assert!(text(&body).contains(".lantern-list"));
    // Another hash (an older stylesheet, say) is not there.
    let (status, headers, body) = app.get("/embed/lantern.0000000000000000.css").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, "content-type"), "application/problem+json");
    assert_eq!(body["status"], 404);
    // The script names no host but the links a visitor may follow (maps, the place names' source).
    let mut hosts: Vec<&str> = script
        .match_indices("https://")
        .map(|(at, _)| script[at + 8..].split(['/', '\'', '"']).next().unwrap_or_default())
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    assert_eq!(hosts, ["HOST", "www.geonames.org", "www.openstreetmap.org"]);
}

#[actix_web::test]
async fn the_iframe_page_holds_the_snippet_with_its_settings() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let (status, headers, body) = app
        .get("/embed?mode=nearby&lat=52.52&lon=13.405&radius_km=10&starting_within=60&limit=5&types=O,BE&attendance=hybrid&lang=es-MX&fellowship=aa")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    let policy = header(&headers, "content-security-policy");
    assert!(
        policy.contains("script-src 'self'")
            && policy.contains("connect-src 'self'")
            && !policy.contains("frame-ancestors")
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let page = text(&body);
    assert!(page.contains("<html lang=\"es-MX\">"), "{page}");
    assert!(page.contains("<script src=\"/embed.js\" async></script>"), "{page}");
    assert!(
        page.contains(
            "<div data-lantern data-mode=\"nearby\" data-lat=\"52.52\" data-lon=\"13.405\" data-radius-km=\"10\" \
             data-starting-within=\"60\" data-limit=\"5\" data-fellowship=\"aa\" data-types=\"O,BE\" \
             data-attendance=\"hybrid\" data-lang=\"es-MX\"></div>"
        ),
        "{page}"
    );
    let (_, _, body) = app.get("/embed?mode=list&service_body=2&geolocate").await;
    assert!(
        text(&body).contains("<div data-lantern data-mode=\"list\" data-geolocate=\"\" data-service-body=\"2\"></div>"),
        "{body}"
    );
    let (_, _, body) = app.get("/embed").await;
    assert!(text(&body).contains("<div data-lantern data-mode=\"nearby\"></div>"), "{body}");
    assert!(text(&body).contains("<html>"), "without lang, the browser's language: {body}");
}

#[actix_web::test]
async fn the_iframe_page_names_every_bad_setting() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    for (query, field) in [
        ("mode=map", "mode"),
        ("lat=52.5", "lon"),
        ("lon=13.4", "lat"),
        ("lat=91&lon=0", "lat"),
        ("mode=list", "service_body"),
        ("lang=%22%3E%3Cscript%3E", "lang"),
        ("limit=0", "limit"),
        ("radius_km=-1", "radius_km"),
        ("attendance=somewhere", "attendance"),
        ("types=%3Cb%3E", "types"),
        ("geolocate=maybe", "geolocate"),
    ] {
        let (status, headers, body) = app.get(&format!("/embed?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(header(&headers, "content-type"), "application/problem+json");
        assert!(body["errors"][field].is_array(), "{query} should name {field}: {body}");
    }
}

#[actix_web::test]
async fn every_answer_says_nosniff() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    for uri in
        ["/v1/meetings", "/v1/meetings/999999", "/v1/meetings.csv", "/embed?mode=map", "/openapi.json", "/nowhere"]
    {
        let (status, headers, _) = app.get(uri).await;
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff", "{uri} ({status})");
    }
}
