//! The embeddable meeting finder: `/embed.js` (the one script a site includes), the stylesheet it
//! loads under a content-hashed name, and `/embed` (the same finder as a whole page for an
//! `<iframe>`). The files are plain JavaScript and CSS under `web/embed/`, compiled into the
//! binary; nothing here needs node to build.

use std::sync::OnceLock;

use actix_web::http::header::{self, EntityTag, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::IntoParams;

use super::extract::cache::{content_digest, immutable_file, tagged_body};
use super::extract::params::{
    Latitude, Longitude, RadiusKm, SearchLimit, WindowMinutes, attendance_list, fellowship_list, type_list,
};
use super::extract::path::{AssetPath, Path};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use crate::domain::ids::{FellowshipCode, ServiceBodyId, TypeCode};
use crate::domain::meeting::Attendance;

const SCRIPT_SOURCE: &str = include_str!("../../../web/embed/embed.js");
const STYLE_SOURCE: &str = include_str!("../../../web/embed/embed.css");
/// Where the script names its stylesheet; replaced by the hashed path when served.
const STYLE_PLACEHOLDER: &str = "__LANTERN_STYLESHEET__";
/// `/embed.js` may be reused this long before asking again (with its `ETag`).
const SCRIPT_MAX_AGE: u32 = 300;
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
/// The `/embed` page runs only this server's script and style and talks only to this server; any
/// site may frame it (that is its purpose).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'";

/// The served files: the script with its stylesheet's hashed name filled in, and their tags.
struct Files {
    script: String,
    script_tag: String,
    style_name: String,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let style_name = format!("lantern.{}.css", content_digest(STYLE_SOURCE.as_bytes()));
        let script = SCRIPT_SOURCE.replace(STYLE_PLACEHOLDER, &format!("/embed/{style_name}"));
        let script_tag = content_digest(script.as_bytes());
        Files { script, script_tag, style_name }
    })
}

/// What every embed answer carries: any site may include it (`nosniff` is on every answer).
fn includable(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

/// The script a site includes (`<script src="https://HOST/embed.js" async></script>`). It finds
/// every `[data-lantern]` element on the page and shows in each the meetings its `data-` attributes
/// ask for (see the README). Cached for five minutes, then revalidated with its `ETag`.
#[utoipa::path(
    tag = "embed",
    responses(
        (status = 200, description = "The embed script", content_type = "text/javascript", body = String),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
    )
)]
#[get("/embed.js")]
pub async fn embed_script(req: HttpRequest) -> HttpResponse {
    let files = files();
    let tag = EntityTag::new_strong(files.script_tag.clone());
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static(JAVASCRIPT));
    includable(tagged_body(&req, files.script.as_str(), content_type, tag, SCRIPT_MAX_AGE))
}

/// A file the embed script loads, under a name that changes with its content (so cached for a
/// year, immutable). Today that is its stylesheet.
#[utoipa::path(
    tag = "embed",
    params(AssetPath),
    responses(
        (status = 200, description = "The file", content_type = "text/css", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such file (an older hash, say)"),
    )
)]
#[get("/embed/{file}")]
pub async fn embed_file(path: Path<AssetPath>) -> Result<HttpResponse, ApiError> {
    if path.0.file != files().style_name {
        return Err(ApiError::NotFound(format!("there is no embed file `{}`", path.0.file)));
    }
    Ok(includable(immutable_file(CSS, STYLE_SOURCE)))
}

/// Which meetings an embed shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmbedMode {
    /// Nearest meetings starting soon around a point (fixed, the visitor's, or a place searched for).
    #[default]
    Nearby,
    /// Meetings joinable online starting soon anywhere.
    Upcoming,
    /// A service body's week.
    List,
}

impl EmbedMode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Nearby => "nearby",
            Self::Upcoming => "upcoming",
            Self::List => "list",
        }
    }
}

impl std::str::FromStr for EmbedMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nearby" => Ok(Self::Nearby),
            "upcoming" => Ok(Self::Upcoming),
            "list" => Ok(Self::List),
            other => Err(format!("must be `nearby`, `upcoming` or `list`, got `{other}`")),
        }
    }
}

impl utoipa::PartialSchema for EmbedMode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["nearby", "upcoming", "list"]))
            .default(Some(serde_json::json!("nearby")))
            .into()
    }
}

impl utoipa::ToSchema for EmbedMode {}

/// A language tag (`es`, `es-MX`): letters, digits and dashes, up to 35 characters.
#[derive(Debug, Clone)]
pub struct LanguageTag(pub String);

impl std::str::FromStr for LanguageTag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split('-');
        let primary_ok =
            parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
        let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok && s.len() <= 35 {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!("`{s}` is not a language tag such as `es` or `es-MX`"))
        }
    }
}

impl utoipa::PartialSchema for LanguageTag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"))
            .max_length(Some(35))
            .into()
    }
}

impl utoipa::ToSchema for LanguageTag {}

/// The embed's settings: the `data-` attributes of the snippet, without `data-` and with
/// underscores for dashes.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmbedQuery {
    /// `nearby` (around `lat`/`lon`, the visitor's position with `geolocate`, else a place the
    /// visitor searches for), `upcoming` (online and hybrid meetings starting soon anywhere) or
    /// `list` (a service body's week; needs `service_body`).
    #[param(inline, required = false)]
    pub mode: EmbedMode,
    /// Latitude of the point (with `lon`).
    #[param(inline, required = false)]
    pub lat: Option<Latitude>,
    /// Longitude of the point (with `lat`).
    #[param(inline, required = false)]
    pub lon: Option<Longitude>,
    /// Ask for the visitor's position (the browser asks for consent); the place search if refused.
    #[param(required = false, default = false)]
    pub geolocate: bool,
    /// The radius around the point in km (default 25).
    #[param(inline, required = false)]
    pub radius_km: Option<RadiusKm>,
    /// Minutes ahead (default 180).
    #[param(inline, required = false)]
    pub starting_within: Option<WindowMinutes>,
    /// How many meetings (default 10).
    #[param(inline, required = false)]
    pub limit: Option<SearchLimit>,
    /// Only this service body's meetings (with its descendants); needed by `list`.
    #[param(value_type = Option<i64>, minimum = 1, required = false)]
    pub service_body: Option<ServiceBodyId>,
    /// Any of these fellowships.
    #[param(schema_with = fellowship_list, style = Form, explode = false, required = false)]
    pub fellowship: Vec<FellowshipCode>,
    /// Has all of these type codes.
    #[param(schema_with = type_list, style = Form, explode = false, required = false)]
    pub types: Vec<TypeCode>,
    /// Any of these ways to attend (the mode's default otherwise).
    #[param(schema_with = attendance_list, style = Form, explode = false, required = false)]
    pub attendance: Vec<Attendance>,
    /// The language (default: the browser's); English where Lantern has no names for it.
    #[param(inline, required = false)]
    pub lang: Option<LanguageTag>,
}

impl FromQuery for EmbedQuery {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        let query = Self {
            mode: q.or_default("mode"),
            lat: q.optional("lat"),
            lon: q.optional("lon"),
            geolocate: q.flag("geolocate"),
            radius_km: q.optional("radius_km"),
            starting_within: q.optional("starting_within"),
            limit: q.optional("limit"),
            service_body: q.optional("service_body"),
            fellowship: q.list("fellowship"),
            types: q.list("types"),
            attendance: q.list("attendance"),
            lang: q.optional("lang"),
        };
        // Only a parameter sent on its own is named: a malformed partner is already reported.
        if q.sent("lat") != q.sent("lon") {
            q.push(if q.sent("lat") { "lon" } else { "lat" }, "`lat` and `lon` go together");
        }
        if query.mode == EmbedMode::List && !q.sent("service_body") {
            q.push("service_body", "the `list` mode shows a service body's week: name it");
        }
        query
    }
}

impl EmbedQuery {
    /// The snippet's attributes, each value as the parameter was read.
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let joined = |items: Vec<&str>| items.join(",");
        let mut out = vec![("mode", self.mode.as_str().to_owned())];
        let mut push = |name, value: Option<String>| out.extend(value.map(|v| (name, v)));
        push("lat", self.lat.map(|v| v.get().to_string()));
        push("lon", self.lon.map(|v| v.get().to_string()));
        push("geolocate", self.geolocate.then(String::new));
        push("radius-km", self.radius_km.map(|v| v.get().to_string()));
        push("starting-within", self.starting_within.map(|v| v.get().to_string()));
        push("limit", self.limit.map(|v| v.get().to_string()));
        push("service-body", self.service_body.map(|v| v.get().to_string()));
        push(
            "fellowship",
            (!self.fellowship.is_empty()).then(|| joined(self.fellowship.iter().map(|f| f.as_str()).collect())),
        );
        push("types", (!self.types.is_empty()).then(|| joined(self.types.iter().map(|t| t.as_str()).collect())));
        push(
            "attendance",
            (!self.attendance.is_empty()).then(|| joined(self.attendance.iter().map(|a| a.name()).collect())),
        );
        push("lang", self.lang.as_ref().map(|l| l.0.clone()));
        out
    }
}

fn escape_attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The finder as a whole page, for an `<iframe>`: the snippet with these settings, and nothing
/// else. Any site may frame it; it runs only this server's script and talks only to this server.
#[utoipa::path(
    tag = "embed",
    params(EmbedQuery),
    responses(
        (status = 200, description = "An HTML page holding the embed", content_type = "text/html", body = String),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
    )
)]
#[get("/embed")]
pub async fn embed_page(query: Query<EmbedQuery>) -> HttpResponse {
    let attributes: String = query
        .0
        .attributes()
        .into_iter()
        .map(|(name, value)| format!(" data-{name}=\"{}\"", escape_attribute(&value)))
        .collect();
    // Without `lang`, the page names none, so the embed takes the browser's language.
    let lang = query.0.lang.as_ref().map_or(String::new(), |l| format!(" lang=\"{}\"", escape_attribute(&l.0)));
    let page = format!(
        "<!doctype html>\n<html{lang}>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Lantern: meetings</title>\n<script src=\"/embed.js\" async></script>\n</head>\n\
         <body>\n<div data-lantern{attributes}></div>\n</body>\n</html>\n"
    );
    includable(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .content_type(HTML)
            .body(page),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_script_names_the_hashed_stylesheet() {
        let files = files();
        assert!(SCRIPT_SOURCE.contains(STYLE_PLACEHOLDER));
        assert!(!files.script.contains(STYLE_PLACEHOLDER));
        assert!(files.script.contains(&format!("/embed/{}", files.style_name)));
        assert_eq!(files.style_name.len(), "lantern..css".len() + 16);
    }

    #[test]
    fn language_tags() {
        for ok in ["es", "es-MX", "zh-Hant-TW", "ast"] {
            assert!(ok.parse::<LanguageTag>().is_ok(), "{ok}");
        }
        for bad in ["", "e", "español", "es_MX", "es-", "\"><script>", "es-abcdefghi"] {
            assert!(bad.parse::<LanguageTag>().is_err(), "{bad}");
        }
    }

    #[test]
    fn attributes_are_escaped() {
        assert_eq!(escape_attribute("a\"<b>&"), "a&quot;&lt;b&gt;&amp;");
    }
}
