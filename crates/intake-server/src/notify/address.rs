//! Which addresses a webhook may be sent to: public ones only, unless the service is started
//! with `--webhook-allow-private`. A workspace admin names a webhook's URL; without this guard
//! the service would `POST` wherever that URL points, its own machine and network included
//! (a database's HTTP port, a cloud's metadata address at 169.254.169.254).
//!
//! The check runs twice: on the URL when a webhook is created (an address written as an IP,
//! or `localhost`), and on every address its host resolves to when a delivery connects
//! ([`PublicOnly`]), so that a name that resolves somewhere else later (DNS rebinding) is
//! caught where it matters. `std`'s `is_global` is not stable yet, hence the lists below.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Whether `ip` is an address of the public internet: not loopback, private, shared (CGNAT),
/// link-local, unique-local, multicast, documentation, benchmarking or reserved, and not an
/// IPv4 address in IPv6 clothing that is one of those.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240; // reserved
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., high, low] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
    }
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[..5] == [0, 0, 0, 0, 0]; // IPv4-compatible and other reserved ::/80
    !special
}

/// Why a webhook's URL is refused when the host it names is not public: `None` when it may be
/// used (a public address, or a name, which is checked when a delivery resolves it).
pub(crate) fn private_host(host: &str) -> Option<String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let lower = bare.to_ascii_lowercase();
    let private = match bare.parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => {
            let name = lower.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    private.then(|| {
        format!(
            "{host} is not a public address (loopback, a private network, link-local or reserved); \
             webhooks go there only when the service is started with --webhook-allow-private"
        )
    })
}

/// The deliveries' resolver: the system's, keeping only the public addresses a host resolves
/// to; a host with none is refused before any connection is made.
#[derive(Debug, Default)]
pub(crate) struct PublicOnly {
    system: DefaultResolver,
}

impl Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.system.resolve(uri, config, timeout)?;
        keep_public(&resolved, self.empty(), uri.host().unwrap_or("the webhook's host"))
    }
}

/// The public ones of the addresses `host` resolved to, pushed onto `empty`; an error naming
/// the host and the flag when there is none.
fn keep_public(
    resolved: &[SocketAddr],
    mut public: ResolvedSocketAddrs,
    host: &str,
) -> Result<ResolvedSocketAddrs, ureq::Error> {
    for address in resolved.iter().filter(|a| is_public(a.ip())) {
        public.push(*address);
    }
    if public.is_empty() {
        return Err(ureq::Error::Io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{host} resolves to no public address; webhooks go to loopback and private \
                 networks only when the service is started with --webhook-allow-private"
            ),
        )));
    }
    Ok(public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_of_the_public_internet_are_public() {
        let public = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"];
        for text in public {
            assert!(is_public(text.parse().expect("ip")), "{text}");
        }
        let not_public = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ];
        for text in not_public {
            assert!(!is_public(text.parse().expect("ip")), "{text}");
        }
    }

    #[test]
    fn a_url_naming_a_private_host_is_refused_and_a_name_waits_for_its_resolution() {
        for host in
            ["127.0.0.1", "[::1]", "localhost", "localhost.", "LOCALHOST", "api.localhost", "169.254.169.254"]
        {
            let reason = private_host(host).unwrap_or_default();
            assert!(reason.contains("--webhook-allow-private"), "{host}: {reason}");
        }
        for host in ["hooks.example.com", "93.184.216.34", "[2606:4700::1111]", "localhost.example.com"] {
            assert_eq!(private_host(host), None, "{host}");
        }
    }

    #[test]
    fn a_delivery_connects_only_to_the_public_addresses_its_host_resolves_to() {
        let address = |text: &str| text.parse::<SocketAddr>().expect("socket address");
        let empty = || PublicOnly::default().empty();
        let mixed = [address("127.0.0.1:443"), address("93.184.216.34:443"), address("[fd00::1]:443")];
        let kept = keep_public(&mixed, empty(), "hooks.example.com").expect("one public address");
        assert_eq!(&kept[..], &[address("93.184.216.34:443")]);
        let rebound = [address("169.254.169.254:80"), address("[::1]:80")];
        let refused = keep_public(&rebound, empty(), "rebind.example.com").expect_err("no public address");
        let message = refused.to_string();
        assert!(
            message.contains("rebind.example.com") && message.contains("--webhook-allow-private"),
            "{message}"
        );
    }
}
