//! Where the service may send: endpoint URLs are checked when they are stored, and every address
//! a host name resolves to is checked again when a delivery is sent (a name can point anywhere,
//! and can change), so a webhook cannot reach loopback, private or link-local networks unless the
//! deployment allows it (`SAMSPILL_WEBHOOKS_ALLOW_PRIVATE`, for tests and closed networks).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use samspill_domain::webhook::{is_local_name, is_public};
use std::net::{IpAddr, SocketAddr};
use url::{Host, Url};

/// The longest URL stored.
pub const MAX_URL_LENGTH: usize = 2_000;

/// Why a URL is refused: a code and a message for the `url` field.
pub type Refusal = (&'static str, &'static str);

/// Checks an endpoint URL: absolute `https` (`http` too when private networks are allowed), no
/// user name or password in it, no fragment, and not a loopback, private or local host.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, Refusal> {
    let raw = raw.trim();
    if raw.len() > MAX_URL_LENGTH {
        return Err(("too_long", "must be at most 2000 characters"));
    }
    let url = Url::parse(raw).map_err(|_| {
        (
            "invalid_url",
            "must be an absolute URL such as https://fagsystem.kommune.no/hooks/samspill",
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(("insecure_url", "must be an https URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err((
            "credentials_in_url",
            "must not carry a user name or password; the signature authenticates the sender",
        ));
    }
    if url.fragment().is_some() {
        return Err(("invalid_url", "must not have a fragment (#…)"));
    }
    if !allow_private {
        let private = match url.host() {
            Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => is_local_name(name),
            None => true,
        };
        if private {
            return Err((
                "private_address",
                "must be on the public internet: loopback, private, link-local and local addresses are refused",
            ));
        }
    }
    Ok(url)
}

/// Whether a delivery may go to `url` as it stands now: the host of a literal address is
/// judged here, because no name lookup happens for it.
pub fn check_literal_host(url: &Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(name)) if is_local_name(name) => {
            return Err(format!("{name} is a local name"));
        }
        _ => return Ok(()),
    };
    if is_public(ip) {
        Ok(())
    } else {
        Err(format!("{ip} is not a public address"))
    }
}

/// A name resolver that drops every address that is not public, and fails when none is left,
/// so the connection can only go where the check allowed.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://fagsystem.kommune.no/hooks", false).is_ok());
        assert_eq!(
            check_url("http://fagsystem.kommune.no/hooks", false)
                .err()
                .map(|e| e.0),
            Some("insecure_url")
        );
        assert!(check_url("http://127.0.0.1:9000/hooks", true).is_ok());
        for private in [
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5/x",
            "https://localhost/x",
            "https://db.internal/x",
            "https://[::ffff:192.168.0.1]/x",
        ] {
            assert_eq!(
                check_url(private, false).err().map(|e| e.0),
                Some("private_address"),
                "{private}"
            );
        }
        assert_eq!(
            check_url("https://a:b@kommune.no/x", false)
                .err()
                .map(|e| e.0),
            Some("credentials_in_url")
        );
        assert_eq!(
            check_url("ftp://kommune.no/x", false).err().map(|e| e.0),
            Some("insecure_url")
        );
        assert_eq!(
            check_url("not a url", false).err().map(|e| e.0),
            Some("invalid_url")
        );
    }

    #[test]
    fn literal_hosts_are_judged_at_send_time() {
        let url = |s: &str| {
            Url::parse(s).unwrap_or_else(|_| {
                Url::parse("https://x.invalid").unwrap_or_else(|_| unreachable!())
            })
        };
        assert!(check_literal_host(&url("https://10.1.1.1/x"), false).is_err());
        assert!(check_literal_host(&url("https://10.1.1.1/x"), true).is_ok());
        assert!(check_literal_host(&url("https://8.8.8.8/x"), false).is_ok());
        assert!(check_literal_host(&url("https://kommune.no/x"), false).is_ok());
    }
}
