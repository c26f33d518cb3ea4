//! STUN/TURN servers for guests outside the LAN: given to the guest's browser (join page) and to
//! the box's `webrtcbin`s. On a LAN none are needed (host candidates only), so none is the default.
use serde::{Deserialize, Serialize};

use crate::store::Store;

#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IceConfig {
    /// `stun:host[:port]`
    #[serde(default)]
    pub stun_url: Option<String>,
    /// `turn:host[:port][?transport=udp|tcp]` or `turns:...`
    #[serde(default)]
    pub turn_url: Option<String>,
    #[serde(default)]
    pub turn_username: Option<String>,
    #[serde(default, skip_serializing)]
    pub turn_password: Option<String>,
}

/// The TURN password stays out of the log (the core logs every command).
impl std::fmt::Debug for IceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceConfig")
            .field("stun_url", &self.stun_url)
            .field("turn_url", &self.turn_url)
            .field("turn_username", &self.turn_username)
            .field("turn_password", &self.turn_password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn host_port(rest: &str, default_port: u16) -> Option<(String, u16)> {
    let rest = rest.split('?').next()?;
    let (h, p) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, p.parse().ok()?),
        _ => (rest, default_port),
    };
    let ok = !h.is_empty() && h.len() <= 253 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c));
    ok.then(|| (h.to_string(), p))
}

impl IceConfig {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(s) = self.stun_url.as_deref() {
            let rest = s.strip_prefix("stun:").ok_or("stun_url must look like stun:host:port")?;
            host_port(rest, 3478).ok_or("stun_url must look like stun:host:port")?;
        }
        if let Some(t) = self.turn_url.as_deref() {
            let rest = t.strip_prefix("turn:").or_else(|| t.strip_prefix("turns:")).ok_or("turn_url must look like turn:host:port or turns:host:port")?;
            host_port(rest, 3478).ok_or("turn_url must look like turn:host:port")?;
            if self.turn_username.as_deref().unwrap_or("").is_empty() || self.turn_password.as_deref().unwrap_or("").is_empty() {
                return Err("a TURN server needs turn_username and turn_password".into());
            }
        }
        for v in [&self.turn_username, &self.turn_password].into_iter().flatten() {
            if v.len() > 256 || v.chars().any(char::is_control) {
                return Err("TURN credentials must be printable, at most 256 characters".into());
            }
        }
        Ok(())
    }

    /// `webrtcbin`'s `stun-server` form: `stun://host:port`.
    pub fn gst_stun(&self) -> Option<String> {
        let (h, p) = host_port(self.stun_url.as_deref()?.strip_prefix("stun:")?, 3478)?;
        Some(format!("stun://{h}:{p}"))
    }

    /// `webrtcbin`'s `turn-server` form: `turn(s)://user:pass@host:port` (user and password escaped).
    pub fn gst_turn(&self) -> Option<String> {
        let t = self.turn_url.as_deref()?;
        let (scheme, rest) = if let Some(r) = t.strip_prefix("turns:") { ("turns", r) } else { ("turn", t.strip_prefix("turn:")?) };
        let (h, p) = host_port(rest, if scheme == "turns" { 5349 } else { 3478 })?;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let q = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
        Some(format!("{scheme}://{}:{}@{h}:{p}{q}", enc(self.turn_username.as_deref()?), enc(self.turn_password.as_deref()?)))
    }

    /// The browser's `RTCConfiguration.iceServers`.
    pub fn browser(&self) -> serde_json::Value {
        let mut v = vec![];
        if let Some(s) = &self.stun_url {
            v.push(serde_json::json!({"urls": s}));
        }
        if let Some(t) = &self.turn_url {
            v.push(serde_json::json!({"urls": t, "username": self.turn_username, "credential": self.turn_password}));
        }
        serde_json::Value::Array(v)
    }

    pub fn load(store: &Store) -> IceConfig {
        let s = |k: &str| store.setting(k).ok().flatten().filter(|v| !v.is_empty());
        let turn_password = store.sealed_setting("ice_turn_password").ok().flatten();
        IceConfig { stun_url: s("ice_stun_url"), turn_url: s("ice_turn_url"), turn_username: s("ice_turn_username"), turn_password }
    }

    pub fn save(&self, store: &Store) -> Result<(), crate::store::StoreError> {
        store.set_setting("ice_stun_url", self.stun_url.as_deref().unwrap_or(""))?;
        store.set_setting("ice_turn_url", self.turn_url.as_deref().unwrap_or(""))?;
        store.set_setting("ice_turn_username", self.turn_username.as_deref().unwrap_or(""))?;
        store.set_sealed_setting("ice_turn_password", self.turn_password.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_webrtcbin_and_the_browser() {
        let c = IceConfig {
            stun_url: Some("stun:stun.example.org:19302".into()),
            turn_url: Some("turn:turn.example.org?transport=tcp".into()),
            turn_username: Some("user@x".into()),
            turn_password: Some("p:ss/word".into()),
        };
        c.validate().unwrap();
        assert_eq!(c.gst_stun().as_deref(), Some("stun://stun.example.org:19302"));
        assert_eq!(c.gst_turn().as_deref(), Some("turn://user%40x:p%3Ass%2Fword@turn.example.org:3478?transport=tcp"));
        assert_eq!(c.browser()[1]["credential"], "p:ss/word");
        assert_eq!(IceConfig::default().browser(), serde_json::json!([]));
    }

    #[test]
    fn bad_settings_are_refused() {
        for c in [
            IceConfig { stun_url: Some("http://x".into()), ..Default::default() },
            IceConfig { stun_url: Some("stun:".into()), ..Default::default() },
            IceConfig { stun_url: Some("stun:host:99999".into()), ..Default::default() },
            IceConfig { turn_url: Some("turn:host".into()), ..Default::default() },
            IceConfig { turn_url: Some("turn:host".into()), turn_username: Some("u".into()), turn_password: Some("a\nb".into()), ..Default::default() },
            IceConfig { stun_url: Some("stun:bad host".into()), ..Default::default() },
        ] {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
