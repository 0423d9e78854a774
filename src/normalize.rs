//! What a client sends, made canonical before anything compares or stores it: text cut to a
//! bound by characters, addresses in one form. A leaf module so `device`, `geo`, `client_ip`
//! and `session` can all use it without importing each other.

use std::net::IpAddr;

/// The first `max` characters of `text` (not bytes: a cut never splits a character).
pub fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((byte_index, _)) => &text[..byte_index],
        None => text,
    }
}

/// IPv4-mapped IPv6 addresses are the same client as their IPv4 form.
pub fn normalize_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_cut_by_characters_not_bytes() {
        let long = "é".repeat(600);
        let cut = truncate_chars(&long, 500);
        assert_eq!(cut.chars().count(), 500);
        assert_eq!(truncate_chars("short", 500), "short");
    }

    #[test]
    fn mapped_ipv4_addresses_are_stored_as_ipv4() {
        let mapped: IpAddr = "::ffff:1.2.3.4".parse().unwrap();
        assert_eq!(normalize_ip(mapped).to_string(), "1.2.3.4");
        let v6: IpAddr = "2001:DB8:0:0:0:0:0:1".parse().unwrap();
        assert_eq!(normalize_ip(v6).to_string(), "2001:db8::1");
    }
}
