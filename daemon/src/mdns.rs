//! The box on the LAN: `<name>.local` (so `http://onair.local:8080` works without knowing its
//! IP) and an `_http._tcp` service "onair" that phones and OBS plug-ins can browse for. Announced
//! with `mdns-sd`, which answers on every interface and follows address changes.
use mdns_sd::{ServiceDaemon, ServiceInfo};

pub struct Announcer {
    daemon: ServiceDaemon,
    fullname: String,
}

/// The mDNS host name: the public host when it is a `.local` name, else this machine's host name.
pub fn host_name(public_host: &str) -> String {
    let base = public_host
        .strip_suffix(".local")
        .filter(|h| !h.is_empty() && !h.contains('.'))
        .map(str::to_string)
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "onair".into());
    format!("{base}.local.")
}

impl Announcer {
    pub fn start(public_host: &str, http_port: u16, rtmp_port: u16) -> Result<Announcer, mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        let host = host_name(public_host);
        let instance = host.trim_end_matches(".local.").to_string();
        let rtmp = rtmp_port.to_string();
        let props = [("path", "/"), ("product", "onair"), ("version", env!("CARGO_PKG_VERSION")), ("rtmp_port", rtmp.as_str())];
        let info = ServiceInfo::new("_http._tcp.local.", &instance, &host, "", http_port, &props[..])?.enable_addr_auto();
        let fullname = info.get_fullname().to_string();
        daemon.register(info)?;
        tracing::info!(%host, "announced on the LAN over mDNS");
        Ok(Announcer { daemon, fullname })
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        // Say goodbye so browsers forget the box at once rather than after the record's TTL.
        let _ = self.daemon.unregister(&self.fullname);
        let _ = self.daemon.shutdown();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_names() {
        assert_eq!(super::host_name("studio.local"), "studio.local.");
        assert!(super::host_name("192.168.1.5").ends_with(".local."));
        assert!(super::host_name("box.example.org").ends_with(".local."));
    }
}
