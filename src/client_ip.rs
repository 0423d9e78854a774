//! Which address a request came from. A forwarding header is believed only when the peer is
//! one of the operator's proxies (`SIGNEDIN_TRUSTED_PROXIES`), and only the header those
//! proxies write (`SIGNEDIN_FORWARDED_HEADER`); otherwise anyone could claim any address and
//! the devices page, the new-location check and the per-address rate limits would believe it.
//!
//! A forwarding chain is read from the right: each of our proxies appended the address it
//! received the request from, so the right end is the only part anyone we trust wrote. Hops
//! that are our own proxies are skipped; the first address that is not one of them is the
//! client, and whatever lies to its left (the client's own claims) is never consulted. An
//! entry that does not parse before the client is reached means the chain was written by
//! someone we do not trust, so the answer is the nearest hop that we do: the last trusted
//! proxy seen, or the peer itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::error::DomainError;
use crate::normalize::normalize_ip;

/// The one header the operator's proxies write. Only one is ever read: if both were, a
/// client could forge whichever one the proxy does not overwrite, so the choice is the
/// operator's (it follows from the proxy's configuration), never a guess made per request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for="[2001:db8::1]:443"`.
    Forwarded,
}

impl ForwardedHeader {
    /// `x-forwarded-for` or `forwarded` (any case).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            _ => Err(DomainError::invalid(
                "SIGNEDIN_FORWARDED_HEADER",
                format!("{text:?}: expected x-forwarded-for or forwarded"),
            )),
        }
    }

    /// The header's name, lower-case as HTTP/2 writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// The proxies whose forwarding header is believed, and which header that is. Empty by
/// default: then the peer is always the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

/// How many hops are examined from the right. Real chains have a handful; a longer run of
/// trusted hops ends at the last one seen, and nothing beyond is parsed.
const MAX_HOPS: usize = 32;

impl TrustedProxies {
    /// A comma-separated list of addresses or CIDR networks, e.g. `127.0.0.1,10.0.0.0/8,::1`.
    /// The header read is `X-Forwarded-For` unless [`TrustedProxies::reading`] says otherwise.
    pub fn parse(spec: &str) -> Result<Self, DomainError> {
        let mut networks = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let network = match item.parse::<IpAddr>() {
                Ok(address) => IpNet::from(address),
                Err(_) => item.parse::<IpNet>().map_err(|_| {
                    DomainError::invalid(
                        "SIGNEDIN_TRUSTED_PROXIES",
                        format!("{item:?} is not an IP address or CIDR network"),
                    )
                })?,
            };
            networks.push(normalize_network(network));
        }
        Ok(Self {
            networks,
            header: ForwardedHeader::default(),
        })
    }

    /// The same proxies, believed in `header` instead.
    pub fn reading(mut self, header: ForwardedHeader) -> Self {
        self.header = header;
        self
    }

    /// The header whose values [`TrustedProxies::client_ip`] expects.
    pub fn header(&self) -> ForwardedHeader {
        self.header
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = normalize_ip(ip);
        self.networks.iter().any(|n| n.contains(&ip))
    }

    /// The client address: the peer itself, unless the peer is a trusted proxy; then the
    /// right-most hop of the forwarding header (`values`: each occurrence of
    /// [`TrustedProxies::header`], in the order received) that is not a trusted proxy. See
    /// the module documentation for why junk stops the walk at the nearest trusted hop.
    pub fn client_ip(&self, peer: IpAddr, values: &[&str]) -> IpAddr {
        let peer = normalize_ip(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let entries = values.iter().rev().flat_map(|value| value.rsplit(','));
        let mut nearest_trusted = peer;
        for entry in entries.take(MAX_HOPS) {
            let hop = match self.header {
                ForwardedHeader::XForwardedFor => parse_node(entry),
                ForwardedHeader::Forwarded => parse_forwarded_element(entry),
            };
            match hop {
                Some(ip) if self.trusts(ip) => nearest_trusted = ip,
                Some(ip) => return ip,
                None => break,
            }
        }
        nearest_trusted
    }
}

/// `::ffff:10.0.0.0/104` is the IPv4 network `10.0.0.0/8`: peers are normalised to IPv4, so
/// their networks must be too.
fn normalize_network(network: IpNet) -> IpNet {
    if let IpNet::V6(v6) = network
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && v6.prefix_len() >= 96
        && let Ok(v4) = Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(v4);
    }
    network
}

/// One element of a `Forwarded` header (`for=…;proto=…;by=…`): its `for` node. An element
/// without exactly one `for`, or whose node is `unknown` or obfuscated, names no address.
///
/// Splitting the header on `,` and `;` without regard to quotes is exact for the elements
/// our proxies write (an address never holds either); a quoted string that does is junk
/// anyway, and only ever to the left of what our proxies wrote.
fn parse_forwarded_element(element: &str) -> Option<IpAddr> {
    let mut node = None;
    for pair in element.split(';').filter(|p| !p.trim().is_empty()) {
        let (name, value) = pair.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("for") {
            if node.is_some() {
                return None;
            }
            let value = value.trim();
            let value = match value.strip_prefix('"') {
                Some(quoted) => quoted.strip_suffix('"')?,
                None => value,
            };
            if value.contains(['"', '\\']) {
                return None;
            }
            node = Some(parse_node(value)?);
        }
    }
    node
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:443`; mapped IPv4 addresses come back as IPv4.
fn parse_node(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        if let Some(port) = after.strip_prefix(':') {
            valid_port(port).then_some(())?;
        } else if !after.is_empty() {
            return None;
        }
        IpAddr::V6(host.parse::<Ipv6Addr>().ok()?)
    } else if let Ok(ip) = entry.parse::<IpAddr>() {
        ip
    } else {
        let (host, port) = entry.split_once(':')?;
        valid_port(port).then_some(())?;
        IpAddr::V4(host.parse::<Ipv4Addr>().ok()?)
    };
    Some(normalize_ip(ip))
}

/// Digits, or an RFC 7239 obfuscated port (`_abc`).
fn valid_port(port: &str) -> bool {
    let digits = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    let obfuscated = port.len() > 1
        && port.starts_with('_')
        && port
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    digits || obfuscated
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
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["1.2.3.4:5678"]),
            ip("1.2.3.4")
        );
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["6.6.6.6", "1.2.3.4, 10.0.0.2"]),
            ip("1.2.3.4"),
            "repeated headers read as one list, the last one last"
        );
    }

    #[test]
    fn junk_left_of_the_client_is_never_consulted() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let peer = ip("127.0.0.1");
        for header in [
            "junk, 81.2.69.142",
            "<script>, 81.2.69.142, 10.0.0.7",
            "unknown,81.2.69.142",
            ", 81.2.69.142",
            "1.2.3.4/8, 81.2.69.142",
        ] {
            assert_eq!(
                proxies.client_ip(peer, &[header]),
                ip("81.2.69.142"),
                "{header}"
            );
        }
        assert_eq!(
            proxies.client_ip(peer, &["\u{fffd}\u{fffd}", "81.2.69.142"]),
            ip("81.2.69.142"),
            "a junk header line before ours"
        );
        let long = format!("{}81.2.69.142", "1.1.1.1,".repeat(1000));
        assert_eq!(
            proxies.client_ip(peer, &[&long]),
            ip("81.2.69.142"),
            "a long forged chain costs nothing and hides nothing"
        );
    }

    #[test]
    fn junk_before_the_client_stops_at_the_nearest_trusted_hop() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let peer = ip("127.0.0.1");
        assert_eq!(proxies.client_ip(peer, &["1.2.3.4, <script>"]), peer);
        assert_eq!(proxies.client_ip(peer, &["not-an-ip"]), peer);
        assert_eq!(proxies.client_ip(peer, &["1.2.3.4,"]), peer);
        assert_eq!(
            proxies.client_ip(peer, &["6.6.6.6, junk, 10.0.0.9, 10.0.0.8"]),
            ip("10.0.0.9"),
            "the last trusted hop before the junk"
        );
        assert_eq!(proxies.client_ip(peer, &[]), peer);
        let all_trusted = "10.0.0.1,".repeat(100);
        assert_eq!(
            proxies.client_ip(peer, &[all_trusted.trim_end_matches(',')]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_forwarded_header_is_read_the_same_way() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8")
            .unwrap()
            .reading(ForwardedHeader::Forwarded);
        let peer = ip("127.0.0.1");
        let cases = [
            ("for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"),
            ("For=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"),
            ("for=\"192.0.2.43:47011\"", "192.0.2.43"),
            ("for=\"192.0.2.43:_hidden\"", "192.0.2.43"),
            (
                "for=6.6.6.6, for=81.2.69.142;proto=https, for=10.0.0.3",
                "81.2.69.142",
            ),
            ("for=junk, for=81.2.69.142", "81.2.69.142"),
            ("for=\"junk, for=81.2.69.142", "81.2.69.142"),
            ("for=1.2.3.4, for=unknown", "127.0.0.1"),
            ("for=1.2.3.4, for=_hidden", "127.0.0.1"),
            ("for=1.2.3.4, proto=https", "127.0.0.1"),
            ("for=1.2.3.4;for=5.6.7.8", "127.0.0.1"),
            ("for=\"1.2.3.4", "127.0.0.1"),
        ];
        for (header, client) in cases {
            assert_eq!(proxies.client_ip(peer, &[header]), ip(client), "{header}");
        }
    }

    #[test]
    fn only_the_configured_header_is_believed() {
        let xff = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(xff.header().name(), "x-forwarded-for");
        let forwarded = xff.clone().reading(ForwardedHeader::Forwarded);
        assert_eq!(forwarded.header().name(), "forwarded");
        let peer = ip("127.0.0.1");
        assert_eq!(
            xff.client_ip(peer, &["for=81.2.69.142"]),
            peer,
            "a Forwarded element is junk to an X-Forwarded-For reader"
        );
        assert_eq!(
            forwarded.client_ip(peer, &["81.2.69.142"]),
            peer,
            "and a bare address is junk to a Forwarded reader"
        );
        assert_eq!(
            ForwardedHeader::parse("Forwarded").unwrap(),
            ForwardedHeader::Forwarded
        );
        assert!(ForwardedHeader::parse("x-real-ip").is_err());
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
        let mapped = TrustedProxies::parse("::ffff:10.0.0.0/104").unwrap();
        assert!(mapped.trusts(ip("10.9.9.9")));
        assert!(!mapped.trusts(ip("11.0.0.1")));
    }
}
