//! The one public base URL every absolute URL Lantern writes is built from (`--public-url`).

use actix_web::HttpRequest;

/// The base URL clients reach Lantern at, without a trailing slash (`https://meetings.example.org`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Checks an `http://` or `https://` URL; a trailing slash is dropped.
    pub fn new(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().trim_end_matches('/');
        let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => Ok(Self(trimmed.to_owned())),
            _ => Err(format!("the public URL must be an http(s) URL without query or fragment, got `{raw}`")),
        }
    }

    /// `http://<bind>`, the default when no public URL is set.
    pub fn for_bind(bind: &str) -> Self {
        Self(format!("http://{bind}"))
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The public URL the app was built with.
    pub fn of(req: &HttpRequest) -> Self {
        req.app_data::<PublicUrl>().cloned().unwrap_or_else(|| Self::for_bind("localhost"))
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_http_bases_without_a_trailing_slash() {
        let url = PublicUrl::new("https://meetings.example.org/lantern/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(url.join("/v1/meetings/7"), "https://meetings.example.org/lantern/v1/meetings/7");
        assert!(PublicUrl::new("ftp://x").is_err());
        assert!(PublicUrl::new("https://").is_err());
        assert!(PublicUrl::new("https://x/?q").is_err());
        assert_eq!(PublicUrl::for_bind("127.0.0.1:8080").to_string(), "http://127.0.0.1:8080");
    }
}
