//! The console's page and files over HTTP: a strict policy, not frameable, content-hashed files.
//! What the console does in a browser is tested in tests/browser (scripts/browser.sh).

use actix_web::http::StatusCode;
use lantern::service::SeedSource;

use crate::support::{Backend, TestApp, small_seed};

fn header<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The path of the file the page loads with `attribute="/console/…"`.
fn named(page: &str, attribute: &str) -> String {
    let at = page.find(&format!("{attribute}=\"/console/")).unwrap_or_else(|| panic!("no {attribute} in {page}"));
    page[at + attribute.len() + 2..].split('"').next().unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn the_console_is_one_locked_down_page_and_two_immutable_files() {
    let Some(app) = TestApp::start(Backend::Sqlite, SeedSource::Inline(Box::new(small_seed()))) else { return };
    let (status, headers, page) = app.get("/console").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    let policy = header(&headers, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.split("; ").any(|d| d == directive), "{directive} in {policy}");
    }
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let page = page.as_str().unwrap_or_default().to_owned();
    assert!(!page.contains("<script>") && !page.contains("style="), "nothing inline: {page}");

    let script = named(&page, "src");
    let style = named(&page, "href");
    for (path, kind, marker) in [(&script, "text/javascript", "/v1/keys/me"), (&style, "text/css", "--accent")] {
        let (status, headers, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, "content-type"), format!("{kind}; charset=utf-8"));
        assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
        assert!(body.as_str().unwrap_or_default().contains(marker), "{path}");
    }
    // The script talks to this server only: it names no other host.
    let (_, _, body) = app.get(&script).await;
    assert!(!body.as_str().unwrap_or_default().contains("://"), "no absolute URL in the console script");
    // An older hash is not there.
    let (status, headers, problem) = app.get("/console/console.0000000000000000.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, "content-type"), "application/problem+json");
    assert_eq!(problem["status"], 404);
}
