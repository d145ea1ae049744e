//! Sources: published Meeting Guide feeds and BMLT servers that Lantern follows, each pulled on
//! its schedule into one service body, with its status after the last pull.

use chrono::{DateTime, Duration, Utc};

use super::ids::{FellowshipCode, ServiceBodyId};
use super::schedule::TimeZone;

/// What a source publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A Meeting Guide JSON feed (one URL).
    MeetingGuide,
    /// A BMLT root server (its base URL).
    Bmlt,
}

impl SourceKind {
    /// Both kinds, in wire order.
    pub const ALL: [SourceKind; 2] = [SourceKind::MeetingGuide, SourceKind::Bmlt];

    /// The wire and storage name.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::MeetingGuide => "meeting-guide",
            SourceKind::Bmlt => "bmlt",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::str::FromStr for SourceKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_name(s).ok_or_else(|| format!("`{s}` is not meeting-guide or bmlt"))
    }
}

/// The default interval between pulls: six hours.
pub const DEFAULT_EVERY_MINUTES: u32 = 360;
/// The shortest interval: five minutes.
pub const MIN_EVERY_MINUTES: u32 = 5;
/// The longest interval: a week.
pub const MAX_EVERY_MINUTES: u32 = 7 * 24 * 60;

/// What an admin sets on a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// Where it is published (http or https; may hold credentials, never shown).
    pub url: String,
    /// What it publishes.
    pub kind: SourceKind,
    /// Where its meetings go (BMLT: below which its service bodies go).
    pub service_body_id: ServiceBodyId,
    /// The meetings' fellowship; default the service body's (BMLT: else `na`).
    pub fellowship: Option<FellowshipCode>,
    /// Minutes between pulls.
    pub every_minutes: u32,
    /// The zone of records with neither a zone nor coordinates.
    pub time_zone: Option<TimeZone>,
}

/// How the last pull ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullStatus {
    /// Fetched and applied as an import (`last_diff` is its answer).
    Imported,
    /// The server said nothing changed (`304`); nothing was applied.
    NotModified,
    /// Fetching or importing failed (`last_error` says why); the meetings stay as they were.
    Failed,
}

impl PullStatus {
    /// Every status, in wire order.
    pub const ALL: [PullStatus; 3] = [PullStatus::Imported, PullStatus::NotModified, PullStatus::Failed];

    /// The wire and storage name.
    pub fn name(self) -> &'static str {
        match self {
            PullStatus::Imported => "imported",
            PullStatus::NotModified => "not_modified",
            PullStatus::Failed => "failed",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A stored source with its status.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Its id.
    pub id: i64,
    /// What an admin set.
    pub spec: SourceSpec,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// The validator of the last fetched answer, for a conditional GET.
    pub etag: Option<String>,
    /// The `Last-Modified` of the last fetched answer, for a conditional GET.
    pub last_modified: Option<String>,
    /// Failed pulls in a row (the backoff grows with them).
    pub failures: u32,
    /// When the last pull started.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a pull last succeeded (imported or not modified).
    pub last_success_at: Option<DateTime<Utc>>,
    /// How the last pull ended.
    pub last_status: Option<PullStatus>,
    /// Why the last pull failed.
    pub last_error: Option<String>,
    /// The answer of the last import (JSON, as the import endpoints answer).
    pub last_diff: Option<serde_json::Value>,
    /// When it is pulled next.
    pub next_pull_at: DateTime<Utc>,
}

impl Source {
    /// The URL without credentials: what public answers show.
    pub fn public_url(&self) -> String {
        public_url(&self.spec.url)
    }
}

/// `url` without a `user:password@` part.
pub fn public_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
}

/// `text` with the `user:password@` of every URL in it removed: error messages name the URLs they
/// failed on, which may be a source's URL with its credentials or one built from it.
pub fn scrub_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '`' | '"' | '\''))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        out.push_str(authority.rsplit_once('@').map_or(authority, |(_, host)| host));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// How long to wait after `failures` failed pulls in a row: 1, 2, 4 … minutes, never longer than
/// the source's interval.
pub fn backoff(failures: u32, every_minutes: u32) -> Duration {
    let minutes = 1u32.checked_shl(failures.saturating_sub(1)).unwrap_or(u32::MAX).min(every_minutes.max(1));
    Duration::minutes(i64::from(minutes))
}

/// An interval as people write it: `90` or `90m` (minutes), `6h`, `1d`.
pub fn parse_every(text: &str) -> Option<u32> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "m"),
    };
    let n: u32 = number.parse().ok()?;
    let factor = match unit.trim() {
        "m" | "min" => 1,
        "h" => 60,
        "d" => 24 * 60,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show() {
        assert_eq!(public_url("https://user:secret@example.org/feed.json?x=1"), "https://example.org/feed.json?x=1");
        assert_eq!(public_url("https://example.org/a@b"), "https://example.org/a@b");
        assert_eq!(public_url("http://u@127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn messages_lose_every_credential() {
        let message = "https://u:p@h.org/main_server/client_interface/json/?switcher=GetFormats answered HTTP 500; \
                       see http://x@y.org and `ftp://a:b@c`";
        assert_eq!(
            scrub_credentials(message),
            "https://h.org/main_server/client_interface/json/?switcher=GetFormats answered HTTP 500; \
                       see http://y.org and `ftp://c`"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        let minutes: Vec<i64> = (1..=12).map(|n| backoff(n, 360).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]);
        assert_eq!(backoff(40, 360).num_minutes(), 360);
        assert_eq!(backoff(3, 5).num_minutes(), 4);
    }

    #[test]
    fn intervals_read_as_written() {
        assert_eq!(parse_every("6h"), Some(360));
        assert_eq!(parse_every("90"), Some(90));
        assert_eq!(parse_every("30m"), Some(30));
        assert_eq!(parse_every("1d"), Some(1440));
        for bad in ["", "h", "6x", "-1h", "99999999999d"] {
            assert_eq!(parse_every(bad), None, "{bad}");
        }
    }
}
