//! Which addresses webhooks may reach (server-side request forgery): on AWS only `https://`
//! to public IP addresses, checked when the address is registered and again when each
//! delivery connects (a name may resolve elsewhere later); `handler serve` also allows
//! `http://127.0.0.1:PORT`, for a receiver on the same machine.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Host;

/// Where webhooks may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// AWS: `https://` to public addresses only.
    PublicOnly,
    /// `handler serve`: also `http://127.0.0.1:PORT`.
    AlsoLoopback,
}

/// The longest address, in bytes.
pub const URL_LIMIT: usize = 2000;

/// The address as a URL if webhooks may go there, else why not (Swedish). A name is not
/// resolved here: [`PublicResolver`] checks what it resolves to at each delivery.
pub fn check_url(url: &str, policy: Policy) -> Result<Url, &'static str> {
    if url.len() > URL_LIMIT {
        return Err("Adressen är för lång (högst 2000 tecken).");
    }
    let parsed = Url::parse(url).map_err(|_| "Ange en hel adress, som https://exempel.se/hook.")?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("Adressen får inte innehålla användarnamn eller lösenord.");
    }
    let loopback = parsed.host() == Some(Host::Ipv4(Ipv4Addr::LOCALHOST));
    match parsed.scheme() {
        "https" => {}
        "http" if policy == Policy::AlsoLoopback && loopback && parsed.port().is_some() => {
            return Ok(parsed);
        }
        _ if policy == Policy::AlsoLoopback => {
            return Err("Adressen måste börja med https:// (eller vara http://127.0.0.1:PORT).");
        }
        _ => return Err("Adressen måste börja med https://."),
    }
    let public = match parsed.host() {
        Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name.contains('.') && !name.ends_with(".localhost") && !name.ends_with(".internal")
        }
        None => false,
    };
    if !public {
        return Err(
            "Adressen måste vara en publik adress på internet, inte en privat eller lokal.",
        );
    }
    Ok(parsed)
}

/// Whether `ip` is a public unicast address: none of loopback, private, link-local (the
/// instance metadata's 169.254.169.254 among them), shared (CGNAT), documentation,
/// benchmarking, reserved, multicast, unique-local, and no IPv6 form of such an IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => public_v4(ip),
        IpAddr::V6(ip) => public_v6(ip),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x2001 && ip.segments()[1] == 0 // Teredo: an IPv4 address inside
        || first == 0x2002 // 6to4: an IPv4 address inside
        || first == 0x0064 && ip.segments()[1] == 0xff9b // NAT64: an IPv4 address inside
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0] // discard
        || ip.segments()[..6] == [0; 6]) // IPv4-compatible, deprecated
}

/// Resolves names for webhook deliveries, keeping only public addresses: a name that resolves
/// to none is refused before any connection is made.
#[derive(Debug, Clone, Copy)]
pub struct PublicResolver;

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<_> = found.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err("the name resolves to no public address".into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:a00:1::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn on_aws_only_https_to_public_addresses() {
        let aws = Policy::PublicOnly;
        assert!(check_url("https://hooks.example.se/elanmalan", aws).is_ok());
        for refused in [
            "http://hooks.example.se/",
            "http://127.0.0.1:8080/",
            "https://10.0.0.5/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://localhost/",
            "https://user:pw@hooks.example.se/",
            "ftp://hooks.example.se/",
            "hooks.example.se",
        ] {
            assert!(check_url(refused, aws).is_err(), "{refused}");
        }
    }

    #[test]
    fn handler_serve_also_allows_http_to_127_0_0_1_with_a_port() {
        let local = Policy::AlsoLoopback;
        assert!(check_url("http://127.0.0.1:9000/hook", local).is_ok());
        assert!(check_url("https://hooks.example.se/", local).is_ok());
        for refused in [
            "http://127.0.0.1/",
            "http://localhost:9000/",
            "http://10.0.0.1:80/",
            "https://127.0.0.1/",
        ] {
            assert!(check_url(refused, local).is_err(), "{refused}");
        }
    }
}
