//! The screen presenter: what the status screen, its dashboard mirror and the tally light show,
//! read from the core's status (never from a handler's own copy).
use std::time::{Duration, Instant};

use onair_hw::screen::{self, DestMark};
use onair_hw::{Page, ScreenState, Tally};

use super::{HwBridge, Slow};

impl HwBridge {
    pub fn screen_state(&self) -> ScreenState {
        let s = self.core.status();
        // Temperature, load, address and "set up yet?" change slowly: read them every few seconds.
        let Slow { cpu_temp_c, load, ip, has_admin } = {
            let mut g = self.slow.lock().unwrap();
            match &*g {
                Some((at, v)) if at.elapsed() < Duration::from_secs(3) => v.clone(),
                _ => {
                    let sys = onair_hw::sysinfo::read(std::path::Path::new("/"));
                    let v = Slow {
                        cpu_temp_c: sys.cpu_temp_c,
                        load: sys.load[0],
                        ip: local_ip().unwrap_or_else(|| if self.lang == onair_hw::screen::Lang::PtBr { "sem rede" } else { "no network" }.into()),
                        has_admin: self.core.store().has_admin().unwrap_or(true),
                    };
                    *g = Some((Instant::now(), v.clone()));
                    v
                }
            }
        };
        let pt = self.lang == onair_hw::screen::Lang::PtBr;
        let say = |en: &'static str, pt_br: &'static str| if pt { pt_br } else { en };
        ScreenState {
            lang: self.lang,
            live: s.live,
            paused: s.paused,
            duration_s: s.duration_s.unwrap_or(0),
            ingest: s.ingest.connected || s.ingest.proto.is_some(),
            destinations: s
                .destinations
                .iter()
                .filter(|d| d.enabled)
                .map(|d| DestMark { name: d.name.clone(), state: d.out.state.as_str().to_string() })
                .collect(),
            viewers: {
                let v: Vec<u64> = s.destinations.iter().filter_map(|d| d.viewers).collect();
                (!v.is_empty()).then(|| v.iter().sum())
            },
            guests: s.guests.iter().map(|g| g.name.clone()).collect(),
            hostname: format!("{}.local", self.hostname),
            ip,
            uplink_kbps: s.destinations.iter().map(|d| d.out.kbps).sum(),
            cpu_temp_c,
            load,
            setup: (!has_admin).then(|| match self.http_port {
                80 => format!("http://{}.local", self.hostname),
                p => format!("http://{}.local:{p}", self.hostname),
            }),
            setup_code: (!has_admin).then(|| self.setup_code_line()).flatten(),
            recovery: s.recovery.as_ref().map(|r| match r.outcome {
                "restored" => format!(
                    "{} {}",
                    say("DATA RESTORED: backup of", "DADOS RESTAURADOS: backup de"),
                    r.backup_at.as_deref().and_then(|t| t.get(..16)).unwrap_or("?").replace('T', " ")
                ),
                "memory" | "read_only" => say("DATA NOT SAVED: the card refuses writes", "DADOS NÃO SALVOS: o cartão recusa gravações").to_string(),
                _ => say("DATA LOST: no backup, started fresh", "DADOS PERDIDOS: sem backup, começou do zero").to_string(),
            }),
            alert: self.alert.lock().unwrap().clone(),
            alerts: self.alerts.lock().unwrap().clone(),
        }
    }

    fn setup_code_line(&self) -> Option<String> {
        let code = self.core.setup().display_code()?;
        let g = self.core.setup();
        let pt = self.lang == onair_hw::screen::Lang::PtBr;
        Some(match (g.approved_label(), g.waiting_label(), pt) {
            (Some(l), _, false) => format!("{l} approved: go on"),
            (Some(l), _, true) => format!("{l} aprovado: continue"),
            (None, Some(l), false) => format!("code {code} / Go Live: {l}"),
            (None, Some(l), true) => format!("código {code} / Ao vivo: {l}"),
            (None, None, false) => format!("code {code}"),
            (None, None, true) => format!("código {code}"),
        })
    }

    /// Recomputes what the screen shows; the tally follows and the physical panel gets the page.
    /// The dashboard's PNG is drawn only when asked for ([`HwBridge::png`]): nobody may be looking,
    /// and drawing it every second of a show would cost more than relaying the show.
    pub fn redraw(&self) {
        let st = self.screen_state();
        let page = *self.page.lock().unwrap();
        let any_trouble = st.destinations.iter().any(|d| matches!(d.state.as_str(), "reconnecting" | "failed"));
        *self.tally.lock().unwrap() = Tally::from_show(st.live, any_trouble);
        let mut g = self.png.lock().unwrap();
        if g.0.as_ref() != Some(&(st.clone(), page)) {
            if let Some(p) = &self.panel {
                p.send(page, st.clone());
            }
            *g = (Some((st, page)), vec![]);
        }
    }

    pub fn png(&self) -> Vec<u8> {
        let mut g = self.png.lock().unwrap();
        if g.1.is_empty() {
            if let Some((st, page)) = &g.0 {
                // The mirror is served over the network: it never shows the set-up code.
                let mut st = st.clone();
                if st.setup_code.is_some() {
                    st.setup_code = Some(MIRROR_CODE.to_string());
                }
                g.1 = screen::render_png(self.kind, *page, &st);
            }
        }
        g.1.clone()
    }

    pub fn tally(&self) -> Tally {
        *self.tally.lock().unwrap()
    }

    pub fn page(&self) -> Page {
        *self.page.lock().unwrap()
    }
}

/// What the dashboard's mirror of the screen shows in place of the set-up code.
pub const MIRROR_CODE: &str = "code: on the box";

/// The address other machines reach the box on: the source address of a route to a public address
/// (no packet is sent).
fn local_ip() -> Option<String> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    Some(s.local_addr().ok()?.ip().to_string())
}
