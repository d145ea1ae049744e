//! The office console: `/console`, a page in which volunteers keep their service bodies' meetings
//! current with an API key, and its script and stylesheet under content-hashed names. The files
//! are plain JavaScript and CSS under `web/console/`, compiled into the binary; the console speaks
//! only the public API (the same rules, the same errors), so nothing here decides anything.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, get};

use super::extract::cache::{content_digest, immutable_file};
use super::extract::path::{AssetPath, Path};
use super::extract::problem::{ApiError, Problem};

const SCRIPT: &str = include_str!("../../../web/console/console.js");
const STYLE: &str = include_str!("../../../web/console/console.css");
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
/// Only this server's script and style, requests only to this server, no form posts anywhere, and
/// no framing: a console holding a key must not be clickjacked.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page and the hashed names of the files it loads.
struct Files {
    page: String,
    script_name: String,
    style_name: String,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let script_name = format!("console.{}.js", content_digest(SCRIPT.as_bytes()));
        let style_name = format!("console.{}.css", content_digest(STYLE.as_bytes()));
        let page = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n<title>Lantern console</title>\n\
             <link rel=\"stylesheet\" href=\"/console/{style_name}\">\n\
             <script src=\"/console/{script_name}\" defer></script>\n</head>\n<body>\n\
             <div id=\"console\"><noscript>The Lantern console needs JavaScript.</noscript></div>\n\
             </body>\n</html>\n"
        );
        Files { page, script_name, style_name }
    })
}

/// The office console: sign in with an API key (kept in this tab's `sessionStorage` only, sent
/// as `Authorization: Bearer`), then keep the key's meetings current: list, create, edit,
/// delete, history and restore, Meeting Guide imports with a dry run first, and (for admins) the
/// followed sources. Not embeddable (`frame-ancestors 'none'`); it talks only to this server.
#[utoipa::path(
    tag = "console",
    responses(
        (status = 200, description = "The console's page", content_type = "text/html", body = String),
    )
)]
#[get("/console")]
pub async fn console_page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("text/html; charset=utf-8")
        .body(files().page.as_str())
}

/// The console's script or stylesheet, under a name that changes with its content (cached for a
/// year, immutable).
#[utoipa::path(
    tag = "console",
    params(AssetPath),
    responses(
        (status = 200, description = "The file", content_type = "text/javascript", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such file (an older hash, say)"),
    )
)]
#[get("/console/{file}")]
pub async fn console_file(path: Path<AssetPath>) -> Result<HttpResponse, ApiError> {
    let files = files();
    match path.0.file.as_str() {
        name if name == files.script_name => Ok(immutable_file(JAVASCRIPT, SCRIPT)),
        name if name == files.style_name => Ok(immutable_file(CSS, STYLE)),
        other => Err(ApiError::NotFound(format!("there is no console file `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_the_hashed_files() {
        let files = files();
        assert!(files.page.contains(&format!("src=\"/console/{}\"", files.script_name)));
        assert!(files.page.contains(&format!("href=\"/console/{}\"", files.style_name)));
        assert_ne!(files.script_name, files.style_name);
        assert!(!files.page.contains("<script>"), "no inline script: the policy would refuse it");
    }
}
