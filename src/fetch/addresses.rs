//! Which addresses a followed source may resolve to: the public internet only, unless private
//! addresses are allowed. Checked in the resolver, on the very addresses the connection uses.

use std::net::{IpAddr, Ipv4Addr};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// A host that resolves to an address outside the public internet.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {address}, a {range} address: refused (allow with --allow-private-sources)")]
pub(super) struct RefusedAddress {
    host: String,
    address: IpAddr,
    range: &'static str,
}

/// Which addresses a fetch may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reach {
    /// The public internet only (the default for followed sources).
    #[default]
    Public,
    /// Private, loopback and link-local addresses too (`--allow-private-sources`: intranets).
    Private,
    /// Loopback only, and no name lookups but `localhost` (test harnesses: nothing may leave the
    /// machine, not even a DNS query).
    LoopbackOnly,
}

/// A name outside what a loopback-only fetch may look up.
#[derive(Debug, thiserror::Error)]
#[error("{0}: only loopback addresses are fetched here (--sources-loopback-only)")]
pub(super) struct NotLoopback(String);

/// The default resolver, refusing what the reach does not allow.
#[derive(Debug)]
pub(super) struct Guarded {
    pub(super) reach: Reach,
    pub(super) inner: DefaultResolver,
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default().trim_matches(['[', ']']).to_owned();
        if self.reach == Reach::LoopbackOnly
            && !(host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
        {
            return Err(ureq::Error::Other(Box::new(NotLoopback(host))));
        }
        if self.reach == Reach::LoopbackOnly && host.eq_ignore_ascii_case("localhost") {
            // Not even /etc/hosts: a resolver could still ask the network.
            let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
            let mut addresses = self.empty();
            addresses.truncate(0);
            addresses.push(std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
            return Ok(addresses);
        }
        let addresses = self.inner.resolve(uri, config, timeout)?;
        let refused = match self.reach {
            Reach::Private => None,
            Reach::Public => addresses.iter().find_map(|a| Some((a.ip(), refused_range(a.ip())?))),
            Reach::LoopbackOnly => addresses.iter().find(|a| !a.ip().is_loopback()).map(|a| (a.ip(), "non-loopback")),
        };
        match refused {
            Some((address, range)) => Err(ureq::Error::Other(Box::new(RefusedAddress { host, address, range }))),
            None => Ok(addresses),
        }
    }
}

/// The kind of non-public range `ip` is in, or `None` for a public address.
pub fn refused_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refused_v4(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local) or metadata")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                // NAT64: the IPv4 address inside decides.
                let [.., a, b] = v6.segments();
                refused_v4(Ipv4Addr::from((u32::from(a) << 16) | u32::from(b)))
            } else if first == 0x2001 && v6.segments()[1] == 0x0db8 {
                Some("documentation")
            } else {
                None
            }
        }
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        // 169.254.169.254 is where clouds answer with their credentials.
        Some("link-local or metadata")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("multicast or reserved")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("benchmarking")
    } else if ip.is_documentation() || (a == 192 && b == 0 && ip.octets()[2] == 0) {
        Some("documentation or protocol")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Option<&'static str> {
        refused_range(text.parse().unwrap_or_else(|e| panic!("{text}: {e}")))
    }

    #[test]
    fn only_public_addresses_pass() {
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(range(refused).is_some(), "{refused} should be refused");
        }
        for public in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert_eq!(range(public), None, "{public} is public");
        }
        assert_eq!(range("169.254.169.254"), Some("link-local or metadata"));
    }
}
