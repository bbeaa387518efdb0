//! Which addresses are globally reachable, by IANA's IPv4 and IPv6 Special-Purpose Address
//! Registries (RFC 6890): the tables below copy them row for row, with each block's *Globally
//! Reachable* column; the most specific block that holds an address decides, and a block the
//! registry marks N/A (6to4, Teredo, the deprecated ORCHID and 6to4-relay blocks) counts as not
//! reachable. Outside every block, the address space registries decide: IPv4 multicast
//! (224.0.0.0/4) is not a destination, and of IPv6 only global unicast (2000::/3) is, so the
//! deprecated IPv4-compatible `::a.b.c.d` and multicast are refused too. An address of the NAT64
//! well-known prefix 64:ff9b::/96 (globally reachable in the registry) reaches the IPv4 address
//! it embeds, which must itself be reachable.
//!
//! The webhook guard (`webhooks::is_forbidden_address`) refuses every address this does not
//! call reachable; the tests below hold every row of both tables.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// One row of a special-purpose registry.
struct Block<N> {
    net: N,
    /// The registry's *Globally Reachable*: `true` only where it says True.
    global: bool,
    /// The registry's name of the block.
    name: &'static str,
}

const fn v4(
    a: u8,
    b: u8,
    c: u8,
    d: u8,
    len: u8,
    global: bool,
    name: &'static str,
) -> Block<Ipv4Net> {
    Block {
        net: Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len),
        global,
        name,
    }
}

const fn v6(segments: [u16; 8], len: u8, global: bool, name: &'static str) -> Block<Ipv6Net> {
    let [a, b, c, d, e, f, g, h] = segments;
    Block {
        net: Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len),
        global,
        name,
    }
}

/// IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry), all rows.
const IPV4_SPECIAL: &[Block<Ipv4Net>] = &[
    v4(0, 0, 0, 0, 8, false, "\"This network\""),
    v4(0, 0, 0, 0, 32, false, "\"This host on this network\""),
    v4(10, 0, 0, 0, 8, false, "Private-Use"),
    v4(100, 64, 0, 0, 10, false, "Shared Address Space"),
    v4(127, 0, 0, 0, 8, false, "Loopback"),
    v4(169, 254, 0, 0, 16, false, "Link Local"),
    v4(172, 16, 0, 0, 12, false, "Private-Use"),
    v4(192, 0, 0, 0, 24, false, "IETF Protocol Assignments"),
    v4(192, 0, 0, 0, 29, false, "IPv4 Service Continuity Prefix"),
    v4(192, 0, 0, 8, 32, false, "IPv4 dummy address"),
    v4(192, 0, 0, 9, 32, true, "Port Control Protocol Anycast"),
    v4(
        192,
        0,
        0,
        10,
        32,
        true,
        "Traversal Using Relays around NAT Anycast",
    ),
    v4(192, 0, 0, 170, 32, false, "NAT64/DNS64 Discovery"),
    v4(192, 0, 0, 171, 32, false, "NAT64/DNS64 Discovery"),
    v4(192, 0, 2, 0, 24, false, "Documentation (TEST-NET-1)"),
    v4(192, 31, 196, 0, 24, true, "AS112-v4"),
    v4(192, 52, 193, 0, 24, true, "AMT"),
    v4(
        192,
        88,
        99,
        0,
        24,
        false,
        "Deprecated (6to4 Relay Anycast) [N/A]",
    ),
    v4(
        192,
        88,
        99,
        2,
        32,
        false,
        "6a44-relay anycast address [N/A]",
    ),
    v4(192, 168, 0, 0, 16, false, "Private-Use"),
    v4(192, 175, 48, 0, 24, true, "Direct Delegation AS112 Service"),
    v4(198, 18, 0, 0, 15, false, "Benchmarking"),
    v4(198, 51, 100, 0, 24, false, "Documentation (TEST-NET-2)"),
    v4(203, 0, 113, 0, 24, false, "Documentation (TEST-NET-3)"),
    v4(240, 0, 0, 0, 4, false, "Reserved"),
    v4(255, 255, 255, 255, 32, false, "Limited Broadcast"),
];

/// IANA IPv6 Special-Purpose Address Registry (iana-ipv6-special-registry), all rows.
const IPV6_SPECIAL: &[Block<Ipv6Net>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, false, "Loopback Address"),
    v6([0; 8], 128, false, "Unspecified Address"),
    v6(
        [0, 0, 0, 0, 0, 0xffff, 0, 0],
        96,
        false,
        "IPv4-mapped Address",
    ),
    v6(
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        true,
        "IPv4-IPv6 Translat.",
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        false,
        "IPv4-IPv6 Translat.",
    ),
    v6(
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        64,
        false,
        "Discard-Only Address Block",
    ),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64, false, "Dummy IPv6 Prefix"),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        false,
        "IETF Protocol Assignments",
    ),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, false, "TEREDO [N/A]"),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 1],
        128,
        true,
        "Port Control Protocol Anycast",
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 2],
        128,
        true,
        "Traversal Using Relays around NAT Anycast",
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 3],
        128,
        true,
        "DNS-SD Service Registration Protocol Anycast",
    ),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, false, "Benchmarking"),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, true, "AMT"),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48, true, "AS112-v6"),
    v6(
        [0x2001, 0x10, 0, 0, 0, 0, 0, 0],
        28,
        false,
        "Deprecated (previously ORCHID) [N/A]",
    ),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, true, "ORCHIDv2"),
    v6(
        [0x2001, 0x30, 0, 0, 0, 0, 0, 0],
        28,
        true,
        "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
    ),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        false,
        "Documentation",
    ),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, false, "6to4 [N/A]"),
    v6(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        true,
        "Direct Delegation AS112 Service",
    ),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, false, "Documentation"),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        false,
        "Segment Routing (SRv6) SIDs",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, false, "Unique-Local"),
    v6(
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        false,
        "Link-Local Unicast",
    ),
];

/// IPv4 multicast (the IPv4 Address Space registry): never a callback's destination.
const IPV4_MULTICAST: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4);
/// IPv6 global unicast (the IPv6 Address Space registry): the only space outside the special
/// blocks that is reachable.
const IPV6_GLOBAL_UNICAST: Ipv6Net =
    Ipv6Net::new_assert(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);
/// The NAT64 well-known prefix: its addresses reach the IPv4 address in their last 32 bits.
const NAT64_WELL_KNOWN: Ipv6Net =
    Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

/// Whether `ip` is globally reachable by the registries (see the module's documentation).
pub fn is_globally_reachable(ip: IpAddr) -> bool {
    why_unreachable(ip).is_none()
}

/// Why `ip` is not globally reachable (the registry's name of its block, or of the space it
/// lies in); `None` when it is.
pub fn why_unreachable(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => ipv4_unreachable(v4),
        IpAddr::V6(v6) => ipv6_unreachable(v6),
    }
}

fn ipv4_unreachable(ip: Ipv4Addr) -> Option<&'static str> {
    match most_specific(
        IPV4_SPECIAL,
        |net| net.contains(&ip),
        |net| net.prefix_len(),
    ) {
        Some(block) => (!block.global).then_some(block.name),
        None => IPV4_MULTICAST.contains(&ip).then_some("Multicast"),
    }
}

fn ipv6_unreachable(ip: Ipv6Addr) -> Option<&'static str> {
    let block = most_specific(
        IPV6_SPECIAL,
        |net| net.contains(&ip),
        |net| net.prefix_len(),
    );
    let why = match block {
        Some(block) => (!block.global).then_some(block.name),
        None if ip.segments()[0] >= 0xff00 => Some("Multicast"),
        None => (!IPV6_GLOBAL_UNICAST.contains(&ip))
            .then_some("not global unicast (IPv6 address space)"),
    };
    if why.is_none() && NAT64_WELL_KNOWN.contains(&ip) {
        let [.., a, b, c, d] = ip.octets();
        return ipv4_unreachable(Ipv4Addr::new(a, b, c, d));
    }
    why
}

/// The block with the longest prefix among those that hold the address.
fn most_specific<N>(
    blocks: &'static [Block<N>],
    holds: impl Fn(&N) -> bool,
    prefix_len: impl Fn(&N) -> u8,
) -> Option<&'static Block<N>> {
    blocks
        .iter()
        .filter(|block| holds(&block.net))
        .max_by_key(|block| prefix_len(&block.net))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reachable(text: &str) -> bool {
        is_globally_reachable(text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)))
    }

    /// The first, last and middle address of a block.
    fn samples_v4(net: Ipv4Net) -> Vec<Ipv4Addr> {
        let (first, last) = (u32::from(net.network()), u32::from(net.broadcast()));
        vec![first, first + (last - first) / 2, last]
            .into_iter()
            .map(Ipv4Addr::from)
            .collect()
    }

    fn samples_v6(net: Ipv6Net) -> Vec<Ipv6Addr> {
        let (first, last) = (u128::from(net.network()), u128::from(net.broadcast()));
        vec![first, first + (last - first) / 2, last]
            .into_iter()
            .map(Ipv6Addr::from)
            .collect()
    }

    #[test]
    fn every_ipv4_registry_row_is_answered_as_the_registry_says() {
        for block in IPV4_SPECIAL {
            for ip in samples_v4(block.net) {
                // A more specific row inside this one answers for its own addresses.
                let inner = IPV4_SPECIAL
                    .iter()
                    .filter(|b| b.net.contains(&ip) && b.net.prefix_len() > block.net.prefix_len())
                    .count();
                if inner == 0 {
                    assert_eq!(
                        ipv4_unreachable(ip).is_none(),
                        block.global,
                        "{ip} in {}",
                        block.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_ipv6_registry_row_is_answered_as_the_registry_says() {
        for block in IPV6_SPECIAL {
            for ip in samples_v6(block.net) {
                let inner = IPV6_SPECIAL
                    .iter()
                    .filter(|b| b.net.contains(&ip) && b.net.prefix_len() > block.net.prefix_len())
                    .count();
                // The NAT64 prefix answers for the IPv4 address it embeds (tested below).
                if inner == 0 && !NAT64_WELL_KNOWN.contains(&ip) {
                    assert_eq!(
                        ipv6_unreachable(ip).is_none(),
                        block.global,
                        "{ip} in {}",
                        block.name
                    );
                }
            }
        }
    }

    #[test]
    fn the_ranges_of_the_attack_runs_are_refused() {
        for refused in [
            // Benchmarking, connected to in the attack run.
            "198.18.0.1",
            "198.19.255.254",
            // IPv4-compatible (deprecated) forms of loopback, private and public addresses.
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            // NAT64 well-known prefix embedding loopback, private, link-local, benchmarking.
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.1.2.3",
            "64:ff9b::169.254.169.254",
            "64:ff9b::198.18.0.1",
            // The local-use NAT64 prefix, whatever it embeds.
            "64:ff9b:1::8.8.8.8",
            // 6to4 (embedding loopback, private, or a public address) and Teredo.
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2002:c0a8:101::1",
            "2002:808:808::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            // IPv4-mapped, multicast, and the rest of the familiar ones.
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "224.0.0.1",
            "239.255.255.250",
            "ff02::1",
            "ff0e::1",
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "fd00:ec2::254",
            "100::1",
            "2001:db8::1",
            "3fff::1",
            "5f00::1",
            // Outside global unicast: reserved IPv6 space.
            "4000::1",
            "1::1",
        ] {
            assert!(!reachable(refused), "{refused} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_reachable() {
        for public in [
            "145.97.39.155",
            "8.8.8.8",
            "1.1.1.1",
            "192.0.0.9",
            "192.31.196.1",
            "198.17.255.255",
            "198.20.0.0",
            "2a00:1450:4001::1",
            "2606:4700::1111",
            "64:ff9b::8.8.8.8",
            "2001:1::1",
            "2001:4:112::1",
            "2620:4f:8000::1",
        ] {
            assert!(reachable(public), "{public} is globally reachable");
        }
    }
}
