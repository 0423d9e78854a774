//! Which address a request came from. `X-Forwarded-For` is believed only when the peer is
//! one of the operator's proxies (`SIGNEDIN_TRUSTED_PROXIES`); otherwise anyone could claim
//! any address and the devices page would show it.

use std::net::IpAddr;

use crate::error::DomainError;
use crate::session::normalize_ip;

/// One trusted network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, normalize_ip(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

/// Longer headers are ignored outright: no proxy chain needs 2 KiB to say who it is for.
const MAX_FORWARDED_FOR_LEN: usize = 2048;

impl TrustedProxies {
    /// A comma-separated list of addresses or CIDR networks, e.g. `127.0.0.1,10.0.0.0/8,::1`.
    pub fn parse(spec: &str) -> Result<Self, DomainError> {
        let mut networks = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let bad = || {
                DomainError::invalid(
                    "SIGNEDIN_TRUSTED_PROXIES",
                    format!("{item:?} is not an IP address or CIDR network"),
                )
            };
            let (address, prefix) = match item.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (item, None),
            };
            let address: IpAddr = address.parse().map_err(|_| bad())?;
            let address = normalize_ip(address);
            let max = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
                None => max,
            };
            networks.push(Network { address, prefix });
        }
        Ok(Self(networks))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client address: the peer itself, unless the peer is a trusted proxy, in which case
    /// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A header
    /// that does not parse is ignored as a whole (never stored half-read).
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = normalize_ip(peer);
        if !self.trusts(peer) || forwarded_for.is_empty() {
            return peer;
        }
        let total: usize = forwarded_for.iter().map(|v| v.len()).sum();
        if total > MAX_FORWARDED_FOR_LEN {
            return peer;
        }
        let mut hops = Vec::new();
        for value in forwarded_for {
            for entry in value.split(',') {
                match parse_hop(entry.trim()) {
                    Some(ip) => hops.push(ip),
                    None => return peer,
                }
            }
        }
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(normalize_ip(ip));
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(normalize_ip(socket.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let proxies = TrustedProxies::parse("10.0.0.1").unwrap();
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), &["1.2.3.4"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::default().client_ip(ip("127.0.0.1"), &["1.2.3.4"]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_right_most_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let client = proxies.client_ip(ip("127.0.0.1"), &["6.6.6.6, 1.2.3.4, 10.1.1.1"]);
        assert_eq!(
            client,
            ip("1.2.3.4"),
            "the spoofable left-most entry is not believed"
        );
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["::ffff:1.2.3.4"]),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn garbage_or_oversized_headers_are_ignored() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["1.2.3.4, <script>"]),
            ip("127.0.0.1")
        );
        let long = "1.2.3.4,".repeat(1000);
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &[&long]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn malformed_proxy_lists_are_refused() {
        for bad in ["nope", "10.0.0.0/33", "::1/129", "1.2.3.4/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }

    #[test]
    fn mapped_addresses_match_ipv4_networks() {
        let proxies = TrustedProxies::parse("127.0.0.0/8").unwrap();
        assert!(proxies.trusts(ip("::ffff:127.0.0.1")));
        assert!(!proxies.trusts(ip("::1")));
    }
}
