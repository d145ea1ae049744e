//! Who the client is behind a proxy, and how often it may call: a per-client rate for reads and a
//! per-key rate for writes (both off unless configured), answered `429` problem+json with
//! `Retry-After`. `X-Forwarded-For` and `Forwarded` are believed only from a `--trusted-proxy`
//! address; every per-client limit (these, and the bad-key throttle) counts the address found so.

use std::collections::HashMap;
use std::hash::{Hash, Hasher as _};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::{Method, header};

/// A block of addresses: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (address, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let network: IpAddr = address.parse().map_err(|_| format!("`{s}` is not an address or CIDR block"))?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= width).ok_or_else(|| format!("`{s}`: bad prefix length"))?
            }
        };
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    /// True when `ip` is in the block (an IPv4 address mapped into IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let keep = |bits: u32, width: u32| if bits == 0 { 0 } else { u128::MAX << (width - bits) };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = keep(u32::from(self.prefix), 32) as u32;
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = keep(u32::from(self.prefix), 128);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Which header names the client behind a trusted proxy. Only one is read: a proxy sets (replaces)
/// one and passes the other through from the client, who could then name any address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (nginx, HAProxy, Caddy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded`'s `for=`.
    Forwarded,
}

impl std::str::FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!("`{other}` is not x-forwarded-for or forwarded")),
        }
    }
}

/// Rate limits and the proxies whose forwarding headers are believed.
#[derive(Debug, Default)]
pub struct Limits {
    trusted: Vec<Cidr>,
    header: ForwardedHeader,
    reads: Option<Windows<IpAddr>>,
    writes: Option<Windows<u64>>,
    timeout: Option<Duration>,
}

impl Limits {
    /// Believes forwarding headers from `trusted`; allows `reads_per_minute` reads per client and
    /// `writes_per_minute` writes per key (`None`: no limit).
    pub fn new(trusted: Vec<Cidr>, reads_per_minute: Option<u32>, writes_per_minute: Option<u32>) -> Self {
        let (reads, writes) = (reads_per_minute.map(Windows::new), writes_per_minute.map(Windows::new));
        Self { trusted, header: ForwardedHeader::default(), reads, writes, timeout: None }
    }

    /// Reads the client from `header` behind a trusted proxy.
    pub fn with_forwarded_header(mut self, header: ForwardedHeader) -> Self {
        self.header = header;
        self
    }

    /// Abandons a request (503) that takes longer than `timeout` to answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long a request may take, if limited.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest address in
    /// the configured header that is not a trusted proxy itself, read from the right (the entries to
    /// its left are whatever the client chose to send).
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let chain = forwarded_for(req, self.header);
        let nearest_untrusted = chain.iter().rev().find(|ip| !self.trusts(**ip));
        Some(nearest_untrusted.or(chain.first()).copied().unwrap_or(peer))
    }

    /// What per-client limits count this request under: the client's address, or for IPv6 its /64
    /// (one subscriber's network: a client holds a whole /64 and could take a new address per request).
    pub fn client_bucket(&self, req: &HttpRequest) -> Option<IpAddr> {
        Some(match self.client_ip(req)? {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64)))
            }
            IpAddr::V6(v6) => IpAddr::V4(v6.to_ipv4_mapped().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)),
            v4 => v4,
        })
    }

    /// `Some(seconds to wait)` when this request is over its limit; counts it otherwise. Reads are
    /// counted per client address, writes per key (a write without a key counts as a read: it is
    /// refused anyway). Health, readiness and metrics are never limited.
    pub fn check(&self, req: &HttpRequest) -> Option<u64> {
        if matches!(req.path(), "/healthz" | "/readyz" | "/metrics") || req.method() == Method::OPTIONS {
            return None;
        }
        let write = !matches!(*req.method(), Method::GET | Method::HEAD);
        if write
            && let Some(writes) = &self.writes
            && let Some(token) = bearer(req)
        {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            token.hash(&mut hasher);
            return writes.hit(hasher.finish(), Instant::now());
        }
        let reads = self.reads.as_ref()?;
        if write && bearer(req).is_some() {
            return None;
        }
        reads.hit(self.client_bucket(req)?, Instant::now())
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

/// The addresses a request passed through, client first, as `header` lists them. Entries that are
/// not addresses (`unknown`, obfuscated names) are skipped.
fn forwarded_for(req: &HttpRequest, header: ForwardedHeader) -> Vec<IpAddr> {
    let values = |name: header::HeaderName| -> Vec<String> {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::to_owned)
            .collect()
    };
    match header {
        ForwardedHeader::Forwarded => values(header::FORWARDED)
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    name.trim().eq_ignore_ascii_case("for").then(|| parse_node(value.trim().trim_matches('"')))?
                })
            })
            .collect(),
        ForwardedHeader::XForwardedFor => values(header::HeaderName::from_static("x-forwarded-for"))
            .iter()
            .filter_map(|v| parse_node(v.trim()))
            .collect(),
    }
}

/// `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]`, `[2001:db8::1]:8080` or `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse().ok().or_else(|| node.rsplit_once(':')?.0.parse().ok())
}

/// Fixed one-minute windows of counts per client or key.
#[derive(Debug)]
struct Windows<K> {
    limit: u32,
    counts: Mutex<HashMap<K, (u32, Instant)>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl<K: Hash + Eq + Copy> Windows<K> {
    fn new(limit: u32) -> Self {
        Self { limit, counts: Mutex::default() }
    }

    /// Counts one request; `Some(seconds until the window ends)` when it is over the limit.
    fn hit(&self, key: K, now: Instant) -> Option<u64> {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.len() > 100_000 {
            counts.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        }
        let entry = counts.entry(key).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        if entry.0 >= self.limit {
            let left = WINDOW.saturating_sub(now.duration_since(entry.1));
            return Some(left.as_secs().max(1));
        }
        entry.0 += 1;
        None
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn limits(trusted: &[&str]) -> Limits {
        Limits::new(trusted.iter().map(|c| c.parse().unwrap()).collect(), Some(2), Some(1))
    }

    #[test]
    fn blocks_contain_their_addresses_only() {
        let block: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(block.contains("10.1.255.7".parse().unwrap()));
        assert!(!block.contains("10.2.0.1".parse().unwrap()));
        assert!(block.contains("::ffff:10.1.0.9".parse().unwrap()), "a mapped IPv4 address is IPv4");
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()) && !all.contains("::1".parse().unwrap()));
        let one: Cidr = "192.0.2.1".parse().unwrap();
        assert!(one.contains("192.0.2.1".parse().unwrap()) && !one.contains("192.0.2.2".parse().unwrap()));
        for bad in ["10.0.0.0/33", "::/129", "example.org", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarding_headers_are_believed_only_from_a_trusted_proxy() {
        let l = limits(&["10.0.0.0/8"]);
        let from = |peer: &str, name: &str, value: &str| {
            TestRequest::get().peer_addr(peer.parse().unwrap()).insert_header((name, value)).to_http_request()
        };
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // An untrusted peer's headers are its own claims.
        assert_eq!(l.client_ip(&from("203.0.113.9:1", "X-Forwarded-For", "198.51.100.1")), ip("203.0.113.9"));
        // Through the trusted proxy: the nearest address that is not a proxy, read from the right.
        let spoofed = "1.2.3.4, 198.51.100.1, 10.0.0.3";
        assert_eq!(l.client_ip(&from("10.0.0.2:1", "X-Forwarded-For", spoofed)), ip("198.51.100.1"));
        let forwarded = r#"for=1.2.3.4, for="[2001:db8::7]:4711";proto=https, for=10.0.0.3"#;
        assert_eq!(
            l.client_ip(&from("10.0.0.2:1", "Forwarded", forwarded)),
            ip("10.0.0.2"),
            "only the configured header is read: a client's own `Forwarded` passed through is ignored"
        );
        let rfc = limits(&["10.0.0.0/8"]).with_forwarded_header(ForwardedHeader::Forwarded);
        assert_eq!(rfc.client_ip(&from("10.0.0.2:1", "Forwarded", forwarded)), ip("2001:db8::7"));
        assert_eq!(rfc.client_ip(&from("10.0.0.2:1", "X-Forwarded-For", "198.51.100.1")), ip("10.0.0.2"));
        assert_eq!(l.client_ip(&from("10.0.0.2:1", "X-Forwarded-For", "198.51.100.1:5555")), ip("198.51.100.1"));
        // Nothing usable: the proxy itself.
        assert_eq!(l.client_ip(&from("10.0.0.2:1", "X-Forwarded-For", "unknown")), ip("10.0.0.2"));
    }

    #[test]
    fn reads_count_per_client_and_writes_per_key() {
        let l = limits(&[]);
        let read =
            |peer: &str| TestRequest::get().uri("/v1/meetings").peer_addr(peer.parse().unwrap()).to_http_request();
        assert_eq!(l.check(&read("192.0.2.1:1")), None);
        assert_eq!(l.check(&read("192.0.2.1:2")), None);
        assert!(l.check(&read("192.0.2.1:3")).is_some_and(|s| (1..=60).contains(&s)), "the third read in a minute");
        assert_eq!(l.check(&read("192.0.2.2:1")), None, "another client has its own count");
        // IPv6 clients are counted per /64: a new address in the same network is the same client.
        assert_eq!(l.check(&read("[2001:db8:1:2::1]:1")), None);
        assert_eq!(l.check(&read("[2001:db8:1:2:ffff::9]:1")), None);
        assert!(l.check(&read("[2001:db8:1:2::3]:1")).is_some(), "the third read from one /64");
        assert_eq!(l.check(&read("[2001:db8:1:3::1]:1")), None, "the next /64 is another client");
        let health = TestRequest::get().uri("/readyz").peer_addr("192.0.2.1:4".parse().unwrap()).to_http_request();
        assert_eq!(l.check(&health), None, "health checks are never limited");
        let write = |key: &str| {
            TestRequest::post()
                .uri("/v1/meetings")
                .peer_addr("192.0.2.1:5".parse().unwrap())
                .insert_header(("Authorization", format!("Bearer {key}")))
                .to_http_request()
        };
        assert_eq!(l.check(&write("a")), None, "a write with a key is not a read of its address");
        assert!(l.check(&write("a")).is_some());
        assert_eq!(l.check(&write("b")), None, "another key has its own count");
    }

    #[test]
    fn a_window_ends_after_a_minute() {
        let w = Windows::new(1);
        let t0 = Instant::now();
        assert_eq!(w.hit(7u8, t0), None);
        assert_eq!(w.hit(7u8, t0 + Duration::from_secs(15)), Some(45));
        assert_eq!(w.hit(7u8, t0 + WINDOW), None);
    }
}
