//! Request → `DeviceContext`: the one reading of "who is on the other end of the wire" that
//! the JSON API and the server functions share, so the page and the API can never disagree
//! about a client's address, user agent or Client Hints.
//!
//! It takes plain inputs (the peer address and the request's headers as name/value pairs), so
//! neither an HTTP crate nor Leptos reaches the domain.

use std::net::{IpAddr, Ipv4Addr};

use crate::client_ip::TrustedProxies;
use crate::device::ClientHints;
use crate::session::DeviceContext;

/// The device making a request: the user agent (cut to 500 characters), the client address
/// (from the operator's forwarding header, believed only behind `proxies`) and the
/// User-Agent Client Hints.
///
/// `peer` is the address of the TCP peer, `None` when the transport knows none (an
/// in-process call): then `0.0.0.0`, as before this function existed. `headers` yields every
/// header line in the order received (an `http::HeaderMap` by reference does); names match
/// whatever their case. A single-valued header is read from its first line; every line of
/// the forwarding header counts.
pub fn device_context<N, V>(
    peer: Option<IpAddr>,
    headers: impl IntoIterator<Item = (N, V)>,
    proxies: &TrustedProxies,
) -> DeviceContext
where
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    let forwarding = proxies.header().name();
    let mut user_agent = None;
    let mut hints: [Option<String>; HINTS.len()] = Default::default();
    let mut forwarded = Vec::new();
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        // Lossy, not strict UTF-8: a forwarding line a client filled with non-ASCII junk may
        // end with what our proxy appended, and dropping the whole line would drop that too.
        let text = || String::from_utf8_lossy(value).into_owned();
        if name.eq_ignore_ascii_case(forwarding) {
            forwarded.push(text());
        } else if name.eq_ignore_ascii_case("user-agent") {
            user_agent.get_or_insert_with(text);
        } else if let Some(slot) = HINTS.iter().position(|h| name.eq_ignore_ascii_case(h)) {
            hints[slot].get_or_insert_with(text);
        }
    }
    let forwarded: Vec<&str> = forwarded.iter().map(String::as_str).collect();
    let ip = proxies.client_ip(
        peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        &forwarded,
    );
    let [brands, platform, platform_version, mobile, model] = &hints;
    let client_hints = ClientHints::from_headers(
        brands.as_deref(),
        platform.as_deref(),
        platform_version.as_deref(),
        mobile.as_deref(),
        model.as_deref(),
    );
    DeviceContext::new(user_agent.as_deref().unwrap_or_default(), ip, client_hints)
}

/// The Client Hints read, in the order `ClientHints::from_headers` takes them.
const HINTS: [&str; 5] = [
    "sec-ch-ua",
    "sec-ch-ua-platform",
    "sec-ch-ua-platform-version",
    "sec-ch-ua-mobile",
    "sec-ch-ua-model",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_ip::ForwardedHeader;

    fn read(peer: &str, headers: &[(&str, &str)], proxies: &TrustedProxies) -> DeviceContext {
        device_context(
            Some(peer.parse().unwrap()),
            headers.iter().map(|(n, v)| (*n, v.as_bytes())),
            proxies,
        )
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_claim() {
        let device = read(
            "203.0.113.9",
            &[
                ("x-forwarded-for", "198.51.100.1"),
                ("user-agent", "curl/8"),
            ],
            &TrustedProxies::default(),
        );
        assert_eq!(device.ip, "203.0.113.9");
        assert_eq!(device.user_agent, "curl/8");
    }

    #[test]
    fn behind_a_trusted_proxy_every_line_of_its_header_is_read_and_no_other_header() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let device = read(
            "10.0.0.2",
            &[
                ("X-Forwarded-For", "192.0.2.77"),
                ("x-forwarded-for", "198.51.100.1, 10.0.0.5"),
                ("forwarded", "for=192.0.2.1"),
            ],
            &proxies,
        );
        assert_eq!(device.ip, "198.51.100.1");
        let forwarded = proxies.reading(ForwardedHeader::Forwarded);
        let device = read(
            "10.0.0.2",
            &[
                ("x-forwarded-for", "198.51.100.1"),
                ("Forwarded", "for=192.0.2.1"),
            ],
            &forwarded,
        );
        assert_eq!(device.ip, "192.0.2.1");
    }

    #[test]
    fn an_unknown_peer_is_the_unspecified_address() {
        let device = device_context(
            None,
            [("x-forwarded-for", b"198.51.100.1".as_slice())],
            &TrustedProxies::default(),
        );
        assert_eq!(device.ip, "0.0.0.0");
    }

    #[test]
    fn the_first_user_agent_and_client_hints_are_read_and_junk_bytes_kept_lossily() {
        let device = device_context(
            Some("::ffff:192.0.2.3".parse().unwrap()),
            [
                ("User-Agent", b"Mozilla/5.0 \xff".as_slice()),
                ("user-agent", b"second".as_slice()),
                ("Sec-CH-UA-Platform", b"\"Windows\"".as_slice()),
                ("sec-ch-ua-platform-version", b"\"15.0.0\"".as_slice()),
                ("sec-ch-ua-mobile", b"?0".as_slice()),
                ("sec-ch-ua-model", b"\"\"".as_slice()),
            ],
            &TrustedProxies::default(),
        );
        assert_eq!(device.ip, "192.0.2.3");
        assert_eq!(device.user_agent, "Mozilla/5.0 \u{fffd}");
        assert_eq!(device.client_hints.platform.as_deref(), Some("Windows"));
        assert_eq!(
            device.client_hints.platform_version.as_deref(),
            Some("15.0.0")
        );
        assert_eq!(device.client_hints.mobile, Some(false));
        assert_eq!(device.client_hints.model, None);
    }
}
