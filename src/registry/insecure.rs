//! Which registries are spoken to over plain HTTP, as Docker decides: loopback hosts
//! (`localhost`, `127.0.0.0/8`, `[::1]`, any port) and the hosts given with
//! `--insecure-registry`. Everything else is HTTPS with certificate checks.

/// The set of registries reached over plain HTTP.
#[derive(Debug, Clone, Default)]
pub struct InsecureRegistries {
    hosts: Vec<String>,
}

impl InsecureRegistries {
    /// Loopback plus `extra` (`host` or `host:port`; a host without a port matches every port,
    /// a `http://` or `https://` prefix and a trailing `/` are ignored; `*` is every host, as
    /// Kaniko's `--insecure-pull` asks).
    pub fn new<I, S>(extra: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let hosts = extra
            .into_iter()
            .map(|h| {
                let h = h.as_ref().trim();
                let h = h
                    .strip_prefix("http://")
                    .or_else(|| h.strip_prefix("https://"))
                    .unwrap_or(h);
                h.trim_end_matches('/').to_ascii_lowercase()
            })
            .filter(|h| !h.is_empty())
            .collect();
        Self { hosts }
    }

    /// Whether `host` (`name[:port]`, `[v6][:port]`) is reached over plain HTTP.
    pub fn is_insecure(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let name = host_name(&host);
        is_loopback(name)
            || self
                .hosts
                .iter()
                .any(|h| h == "*" || *h == host || (!has_port(h) && h == name))
    }
}

/// `host` without its port: `127.0.0.1:5000` -> `127.0.0.1`, `[::1]:5000` -> `[::1]`.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn has_port(host: &str) -> bool {
    host_name(host).len() != host.len()
}

fn is_loopback(name: &str) -> bool {
    if name == "localhost" || name == "[::1]" || name == "::1" {
        return true;
    }
    name.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_listed_hosts_are_plain_http() {
        let r = InsecureRegistries::new(["registry.lan:5000", "http://mirror.lan/"]);
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "registry.lan:5000",
            "mirror.lan",
            "mirror.lan:8080",
        ] {
            assert!(r.is_insecure(h), "{h}");
        }
        for h in [
            "registry-1.docker.io",
            "ghcr.io",
            "registry.lan",
            "registry.lan:5001",
            "128.0.0.1:5000",
            "localhost.example.com",
        ] {
            assert!(!r.is_insecure(h), "{h}");
        }
    }
}
