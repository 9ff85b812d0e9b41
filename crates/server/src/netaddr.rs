//! Client addresses as limits and proxies need them: address ranges
//! (`10.0.0.0/8`, `2001:db8::/32`), the key a rate limit counts an address
//! under (an IPv6 client usually holds a whole /64, so that is one key), and
//! the forms `X-Forwarded-For` entries come in.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// An address range: an address and how many leading bits count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    /// "10.0.0.0/8", "2001:db8::/32", or one address (all its bits count).
    fn from_str(text: &str) -> Result<Cidr, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, bits)) => (address, Some(bits)),
            None => (text, None),
        };
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or range"))?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(bits) => bits
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= width)
                .ok_or_else(|| format!("{text:?}: the prefix is 0 to {width}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                masked(u32::from(net).into(), 32, self.prefix) == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                masked(u128::from(net), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// The `width`-bit value with only its first `prefix` bits kept.
fn masked(value: u128, width: u32, prefix: u8) -> u128 {
    let prefix = u32::from(prefix);
    if prefix == 0 {
        return 0;
    }
    let drop = width - prefix;
    (value >> drop) << drop
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is the IPv4 one.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// What per-address limits count a client under: its IPv4 address, or the
/// /64 network of its IPv6 address (one household or server gets a whole
/// /64; counting each of its 2^64 addresses apart would give it no limit).
pub fn limit_key(address: IpAddr) -> String {
    match canonical(address) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = Ipv6Addr::from(masked(u128::from(v6), 128, 64));
            format!("{network}/64")
        }
    }
}

/// One `X-Forwarded-For` entry: a bare address, an address with a port
/// ("192.0.2.1:5678"), or IPv6 in brackets, with or without a port
/// ("[2001:db8::1]:443"). None for anything else ("unknown", a name).
pub fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Ok(socket) = hop.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    let inner = hop.strip_prefix('[').and_then(|h| h.strip_suffix(']'))?;
    inner.parse::<Ipv6Addr>().ok().map(|a| canonical(IpAddr::V6(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_hold_their_addresses_and_no_others() {
        let lan: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(lan.contains(ip("10.200.3.4")));
        assert!(lan.contains(ip("::ffff:10.1.1.1")), "IPv4 written as IPv6");
        assert!(!lan.contains(ip("11.0.0.1")));
        assert!(!lan.contains(ip("2001:db8::1")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")));
        for bad in ["10.0.0.0/33", "2001:db8::/129", "proxy.lan", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            limit_key(ip("2001:db8:1:2::9"))
        );
        assert_ne!(limit_key(ip("2001:db8:1:2::1")), limit_key(ip("2001:db8:1:3::1")));
        assert_eq!(limit_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(limit_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
    }

    #[test]
    fn forwarded_entries_are_read_with_ports_and_brackets() {
        assert_eq!(parse_hop("198.51.100.7"), Some(ip("198.51.100.7")));
        assert_eq!(parse_hop(" 198.51.100.7:5678 "), Some(ip("198.51.100.7")));
        assert_eq!(parse_hop("[2001:db8::1]:443"), Some(ip("2001:db8::1")));
        assert_eq!(parse_hop("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(parse_hop("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(parse_hop("\"[2001:db8::2]\""), Some(ip("2001:db8::2")));
        assert_eq!(parse_hop("unknown"), None);
        assert_eq!(parse_hop("proxy.lan:80"), None);
    }
}
