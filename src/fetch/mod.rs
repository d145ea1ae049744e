//! The outward edge for what Lantern reads from elsewhere: a feed or a BMLT root server over
//! http(s), with a timeout, a size limit and bounded redirects, or the same answers saved as files.
//! It knows bytes, not meetings: the domain reads them.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

mod addresses;

pub use addresses::{Reach, refused_range};

/// Why something could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an http(s) URL.
    #[error("`{0}` is not an http(s) URL")]
    Url(String),
    /// The host resolves to an address outside the public internet, and private addresses are not
    /// allowed (`--allow-private-sources`).
    #[error("{0}")]
    Refused(String),
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// What was asked.
        url: String,
        /// The status.
        status: u16,
    },
    /// More than the limit.
    #[error("{url} sent more than {limit} bytes")]
    TooLarge {
        /// What was asked.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Connecting, reading, a timeout or too many redirects.
    #[error("{url}: {message}")]
    Transport {
        /// What was asked.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A file of a saved answer.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// An answer to a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// `304 Not Modified`: what was fetched last is still current.
    NotModified,
    /// A new answer, with its validators for the next conditional GET.
    Body {
        /// The body.
        bytes: Vec<u8>,
        /// Its `ETag`.
        etag: Option<String>,
        /// Its `Last-Modified`.
        last_modified: Option<String>,
    },
}

/// An http(s) client with the limits every outside fetch keeps.
#[derive(Debug, Clone)]
pub struct Fetcher {
    agent: ureq::Agent,
    max_bytes: u64,
    timeout: Duration,
}

/// The most redirects followed.
pub const MAX_REDIRECTS: u32 = 5;

impl Fetcher {
    /// A client whose every request ends within `timeout` and reads at most `max_bytes`, to any
    /// address (the operator's command line).
    pub fn new(timeout: Duration, max_bytes: u64) -> Self {
        Self::guarded(timeout, max_bytes, Reach::Private)
    }

    /// Like [`Fetcher::new`], but reaching only what `reach` allows (by default, refusing hosts
    /// that resolve to loopback, private, link-local, metadata or other non-public addresses).
    /// The check is made on the addresses the connection then uses (also after each redirect), so
    /// a name that resolves differently the second time cannot slip past it.
    pub fn guarded(timeout: Duration, max_bytes: u64, reach: Reach) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(MAX_REDIRECTS)
            .http_status_as_error(false)
            .proxy(None)
            .user_agent(concat!("Lantern/", env!("CARGO_PKG_VERSION"), " (meeting finder)"))
            .tls_config(tls)
            .build();
        let resolver = addresses::Guarded { reach, inner: ureq::unversioned::resolver::DefaultResolver::default() };
        let agent = ureq::Agent::with_parts(config, ureq::unversioned::transport::DefaultConnector::new(), resolver);
        Self { agent, max_bytes, timeout }
    }

    /// The body of `url` (http or https only).
    pub fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        match self.get_if_changed(url, None, None)? {
            Fetched::Body { bytes, .. } => Ok(bytes),
            Fetched::NotModified => Err(FetchError::Status { url: url.to_owned(), status: 304 }),
        }
    }

    /// `url`, unless it is still what the validators of the last answer describe.
    pub fn get_if_changed(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(FetchError::Url(url.to_owned()));
        }
        // What starts on https stays on https through redirects.
        let mut request = self.agent.get(url).config().https_only(lower.starts_with("https://")).build();
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(date) = last_modified {
            request = request.header("If-Modified-Since", date);
        }
        let response = request.call().map_err(|e| self.error(url, e))?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status { url: url.to_owned(), status });
        }
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (etag, last_modified) = (header("etag"), header("last-modified"));
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(self.max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.error(url, ureq::Error::Io(e)))?;
        if bytes.len() as u64 > self.max_bytes {
            return Err(FetchError::TooLarge { url: url.to_owned(), limit: self.max_bytes });
        }
        Ok(Fetched::Body { bytes, etag, last_modified })
    }

    fn error(&self, url: &str, e: ureq::Error) -> FetchError {
        let message = match e {
            ureq::Error::Other(inner)
                if inner.is::<addresses::RefusedAddress>() || inner.is::<addresses::NotLoopback>() =>
            {
                return FetchError::Refused(inner.to_string());
            }
            ureq::Error::Timeout(_) => format!("no complete answer within {} s", self.timeout.as_secs_f64()),
            ureq::Error::TooManyRedirects => format!("more than {MAX_REDIRECTS} redirects"),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                format!("no complete answer within {} s", self.timeout.as_secs_f64())
            }
            other => other.to_string(),
        };
        FetchError::Transport { url: url.to_owned(), message }
    }
}

/// Why `url` cannot be fetched as written: not an http(s) URL an HTTP client reads the way Lantern
/// shows it (a password with an unescaped `/`, `?`, `#` or `@` would move the host).
pub fn url_problem(url: &str) -> Option<String> {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else { return Some(format!("`{url}` is not a URL")) };
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Some("must be an http or https URL".to_owned());
    }
    if url.contains('#') {
        return Some("must not have a `#` (a fragment is never sent; escape it in credentials as %23)".to_owned());
    }
    let written = url.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or_default());
    match uri.authority() {
        Some(authority) if authority.as_str() == written && !authority.host().is_empty() && port_ok(written) => None,
        _ => Some("must name a host; escape `/`, `?`, `#` and `@` in credentials".to_owned()),
    }
}

/// A port after the host, if written, is a number (`u:p/w@h` reads as host `u`, port `p`).
fn port_ok(authority: &str) -> bool {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = host_port.rsplit_once(']').map_or(host_port, |(_, rest)| rest);
    after_host.split_once(':').is_none_or(|(_, port)| port.parse::<u16>().is_ok())
}

/// The BMLT switchers an import reads, in order, and the file each is saved as in a folder.
pub const BMLT_SWITCHERS: [&str; 3] = ["GetServiceBodies", "GetFormats", "GetSearchResults"];

/// The answers of a BMLT root server's `GetServiceBodies`, `GetFormats` and `GetSearchResults` (all
/// fields, every meeting): from `root`, a root server's URL (`https://example.org/main_server`), or a
/// folder holding them as `GetServiceBodies.json`, `GetFormats.json` and `GetSearchResults.json`.
pub fn bmlt_answers(root: &str, fetcher: &Fetcher) -> Result<[Vec<u8>; 3], FetchError> {
    bmlt_answers_from(root, fetcher, !root.contains("://"))
}

/// [`bmlt_answers`] from a root server's URL only: what a followed source may name (a URL that is
/// not http(s) is refused, never read as a folder).
pub fn bmlt_answers_at(root_url: &str, fetcher: &Fetcher) -> Result<[Vec<u8>; 3], FetchError> {
    bmlt_answers_from(root_url, fetcher, false)
}

fn bmlt_answers_from(root: &str, fetcher: &Fetcher, folder_allowed: bool) -> Result<[Vec<u8>; 3], FetchError> {
    let folder = Path::new(root);
    let answer = |switcher: &str| -> Result<Vec<u8>, FetchError> {
        if folder_allowed {
            let path = folder.join(format!("{switcher}.json"));
            let file =
                |e: std::io::Error| FetchError::File { path: path.display().to_string(), message: e.to_string() };
            let length = std::fs::metadata(&path).map_err(file)?.len();
            if length > fetcher.max_bytes {
                return Err(FetchError::TooLarge { url: path.display().to_string(), limit: fetcher.max_bytes });
            }
            return std::fs::read(&path).map_err(file);
        }
        fetcher.get(&bmlt_url(root, switcher))
    };
    Ok([answer(BMLT_SWITCHERS[0])?, answer(BMLT_SWITCHERS[1])?, answer(BMLT_SWITCHERS[2])?])
}

/// The JSON interface URL of a switcher on a root server, whether `root` ends at the server, at
/// `/client_interface/json/`, or anywhere between.
pub fn bmlt_url(root: &str, switcher: &str) -> String {
    let base = root.split('?').next().unwrap_or(root);
    let base = match base.find("/client_interface") {
        Some(at) => &base[..at],
        None => base,
    };
    format!("{}/client_interface/json/?switcher={switcher}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switcher_urls_from_any_root() {
        for root in [
            "https://bmlt.example.org/main_server",
            "https://bmlt.example.org/main_server/",
            "https://bmlt.example.org/main_server/client_interface/json/?switcher=GetFormats",
        ] {
            assert_eq!(
                bmlt_url(root, "GetFormats"),
                "https://bmlt.example.org/main_server/client_interface/json/?switcher=GetFormats"
            );
        }
    }

    #[test]
    fn loopback_only_looks_up_no_name() {
        let fetcher = Fetcher::guarded(Duration::from_secs(1), 10, Reach::LoopbackOnly);
        for url in ["http://example.org/feed.json", "http://10.0.0.1/", "https://[2606:4700::1111]/"] {
            let refused = fetcher.get(url);
            assert!(matches!(refused, Err(FetchError::Refused(_))), "{url}: {refused:?}");
        }
    }

    #[test]
    fn urls_are_read_as_shown() {
        assert_eq!(url_problem("https://u:p@bmlt.example.org/main_server?x=1"), None);
        for bad in ["http://u.x:p#w@h.org/", "http://u:p/w@h.org/", "ftp://h.org/", "http://", "not a url"] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn only_http_urls_are_fetched() {
        let fetcher = Fetcher::new(Duration::from_secs(1), 10);
        for url in ["file:///etc/passwd", "ftp://example.org/x", "gopher://x"] {
            assert!(matches!(fetcher.get(url), Err(FetchError::Url(_))), "{url}");
        }
    }
}
