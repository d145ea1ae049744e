//! The outward edge for what Lantern reads from elsewhere: a feed or a BMLT root server over
//! http(s), with a timeout, a size limit and bounded redirects, or the same answers saved as files.
//! It knows bytes, not meetings: the domain reads them.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// Why something could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an http(s) URL.
    #[error("`{0}` is not an http(s) URL")]
    Url(String),
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
    /// Connecting, reading or a redirect loop.
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

/// An http(s) client with the limits every outside fetch keeps.
#[derive(Debug, Clone)]
pub struct Fetcher {
    agent: ureq::Agent,
    max_bytes: u64,
}

/// The most redirects followed.
pub const MAX_REDIRECTS: u32 = 5;

impl Fetcher {
    /// A client whose every request ends within `timeout` and reads at most `max_bytes`.
    pub fn new(timeout: Duration, max_bytes: u64) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(MAX_REDIRECTS)
            .http_status_as_error(false)
            .user_agent(concat!("Lantern/", env!("CARGO_PKG_VERSION"), " (meeting finder)"))
            .tls_config(tls)
            .build();
        Self { agent: config.new_agent(), max_bytes }
    }

    /// The body of `url` (http or https only).
    pub fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(FetchError::Url(url.to_owned()));
        }
        let transport =
            |e: &dyn std::fmt::Display| FetchError::Transport { url: url.to_owned(), message: e.to_string() };
        let response = self.agent.get(url).call().map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(FetchError::Status { url: url.to_owned(), status });
        }
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(self.max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| transport(&e))?;
        if body.len() as u64 > self.max_bytes {
            return Err(FetchError::TooLarge { url: url.to_owned(), limit: self.max_bytes });
        }
        Ok(body)
    }
}

/// The BMLT switchers an import reads, in order, and the file each is saved as in a folder.
pub const BMLT_SWITCHERS: [&str; 3] = ["GetServiceBodies", "GetFormats", "GetSearchResults"];

/// The answers of a BMLT root server's `GetServiceBodies`, `GetFormats` and `GetSearchResults` (all
/// fields, every meeting): from `root`, a root server's URL (`https://example.org/main_server`), or a
/// folder holding them as `GetServiceBodies.json`, `GetFormats.json` and `GetSearchResults.json`.
pub fn bmlt_answers(root: &str, fetcher: &Fetcher) -> Result<[Vec<u8>; 3], FetchError> {
    let folder = Path::new(root);
    let answer = |switcher: &str| -> Result<Vec<u8>, FetchError> {
        if !root.contains("://") {
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
    fn only_http_urls_are_fetched() {
        let fetcher = Fetcher::new(Duration::from_secs(1), 10);
        for url in ["file:///etc/passwd", "ftp://example.org/x", "gopher://x"] {
            assert!(matches!(fetcher.get(url), Err(FetchError::Url(_))), "{url}");
        }
    }
}
