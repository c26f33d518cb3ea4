//! Connects the box's hardware to the core: button presses become the same commands the dashboard
//! sends; the screen and the tally light are drawn from the same status and events.
use crate::alert::Level;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onair_hw::buttons::Timing;
use onair_hw::encoders::Encoder;
use onair_hw::panel::Panel;
use onair_hw::pins::{EdgeFilter, Pins};
use onair_hw::screen::{self, DestMark};
use onair_hw::{Button, ButtonLogic, Page, Press, ScreenKind, ScreenState, Tally};
use serde::Serialize;

use crate::core::{Command, Core, Event};

/// The last page drawn (state and page) and its PNG.
type Drawn = (Option<(ScreenState, Page)>, Vec<u8>);

pub struct HwBridge {
    pub backend: String,
    pub kind: ScreenKind,
    pub encoders: Vec<Encoder>,
    pub encoder: String,
    core: Arc<Core>,
    t0: Instant,
    buttons: Mutex<HashMap<Button, ButtonLogic>>,
    page: Mutex<Page>,
    alert: Mutex<Option<String>>,
    alerts: Mutex<Vec<String>>,
    /// The last page drawn (state and page) and its PNG, made on demand.
    png: Mutex<Drawn>,
    tally: Mutex<Tally>,
    hostname: String,
    http_port: u16,
    edge_seen: tokio::sync::Notify,
    #[allow(clippy::type_complexity)]
    slow: Mutex<Option<(Instant, (Option<f64>, f64, String, bool))>>,
    pins: Option<Mutex<(Box<dyn Pins>, EdgeFilter)>>,
    panel: Option<Arc<PanelFeed>>,
}

/// The latest page for the physical panel, drawn by a thread of its own: an I2C/SPI write takes
/// tens of milliseconds and must not hold up the button clock. Only the newest page is drawn.
#[derive(Default)]
struct PanelFeed {
    next: Mutex<Option<(Page, ScreenState)>>,
    wake: std::sync::Condvar,
}

impl PanelFeed {
    fn start(mut panel: Box<dyn Panel>) -> Arc<PanelFeed> {
        let feed = Arc::new(PanelFeed::default());
        let f = feed.clone();
        let _ = std::thread::Builder::new().name("panel".into()).spawn(move || {
            let mut failing = false;
            loop {
                let (page, state) = {
                    let mut g = f.next.lock().unwrap();
                    loop {
                        if let Some(x) = g.take() {
                            break x;
                        }
                        g = f.wake.wait(g).unwrap();
                    }
                };
                match panel.show(page, &state) {
                    Ok(()) if failing => {
                        failing = false;
                        tracing::info!("status screen is back");
                    }
                    Ok(()) => {}
                    // A loose cable: say so once, keep trying with every new page.
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!("{e}");
                    }
                    Err(_) => {}
                }
            }
        });
        feed
    }

    fn send(&self, page: Page, state: ScreenState) {
        *self.next.lock().unwrap() = Some((page, state));
        self.wake.notify_one();
    }
}

#[derive(Serialize)]
pub struct PressResult {
    pub button: Button,
    pub press: Option<Press>,
    pub result: String,
}

impl HwBridge {
    #[allow(clippy::too_many_arguments)] // what main.rs probed, passed once at start
    pub fn start(
        core: Arc<Core>,
        backend: &str,
        kind: ScreenKind,
        encoders: Vec<Encoder>,
        encoder: String,
        pins: Option<Box<dyn Pins>>,
        panel: Option<Box<dyn Panel>>,
        http_port: u16,
    ) -> Arc<HwBridge> {
        let kind = panel.as_ref().map(|p| p.kind()).unwrap_or(kind);
        let mut pins = pins.map(|p| (p, EdgeFilter::default()));
        // A button already held when the box starts (someone leaning on it across a restart) stays
        // inert until it has been released once.
        let held: Vec<(Button, bool)> = match &mut pins {
            Some((p, filter)) => {
                let levels = p.buttons();
                filter.changes(&levels);
                levels
            }
            None => vec![],
        };
        let buttons = Button::ALL.into_iter().map(|b| (b, ButtonLogic::new(Timing::default(), held.iter().any(|(x, down)| *x == b && *down), 0))).collect();
        let hostname = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "onair".into());
        let hw = Arc::new(HwBridge {
            backend: backend.into(),
            kind,
            encoders,
            encoder,
            core,
            t0: Instant::now(),
            buttons: Mutex::new(buttons),
            page: Mutex::new(Page::Status),
            alert: Mutex::new(None),
            alerts: Mutex::new(vec![]),
            png: Mutex::new((None, vec![])),
            tally: Mutex::new(Tally::Off),
            hostname,
            http_port,
            edge_seen: tokio::sync::Notify::new(),
            slow: Mutex::new(None),
            pins: pins.map(Mutex::new),
            panel: panel.map(PanelFeed::start),
        });
        hw.redraw();
        tokio::spawn(hw.clone().run());
        hw
    }

    fn now_ms(&self) -> u64 {
        self.t0.elapsed().as_millis() as u64
    }

    /// The button clock runs every 10 ms only while it has something to decide (or GPIO pins to
    /// poll); an idle box wakes for the screen twice a second, and for events.
    async fn run(self: Arc<Self>) {
        let mut events = self.core.subscribe();
        let mut next_redraw = tokio::time::Instant::now();
        loop {
            let busy = self.pins.is_some() || self.buttons.lock().unwrap().values().any(|b| b.busy());
            let now = tokio::time::Instant::now();
            let wake = if busy { (now + Duration::from_millis(10)).min(next_redraw) } else { next_redraw };
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                _ = self.edge_seen.notified() => {}
                e = events.recv() => {
                    if let Ok(Event::Alert { message, level }) = &e {
                        if *level != Level::Info {
                            *self.alert.lock().unwrap() = Some(message.clone());
                            let mut a = self.alerts.lock().unwrap();
                            a.push(message.clone());
                            let len = a.len();
                            if len > 20 { a.drain(..len - 20); }
                        }
                    }
                    // A burst of events is one redraw, soon.
                    next_redraw = next_redraw.min(tokio::time::Instant::now() + Duration::from_millis(50));
                    continue;
                }
            }
            let mut presses = self.poll_pins();
            presses.extend({
                let now = self.now_ms();
                let mut b = self.buttons.lock().unwrap();
                b.iter_mut().filter_map(|(k, l)| l.tick(now).map(|p| (*k, p))).collect::<Vec<_>>()
            });
            for (b, p) in presses {
                self.on_press(b, p).await;
            }
            if tokio::time::Instant::now() >= next_redraw {
                self.redraw();
                next_redraw = tokio::time::Instant::now() + Duration::from_millis(500);
            }
        }
    }

    /// GPIO: button levels into the same logic as the dashboard's presses; the tally's level out.
    fn poll_pins(&self) -> Vec<(Button, Press)> {
        let Some(p) = &self.pins else { return vec![] };
        let now = self.now_ms();
        let mut presses = vec![];
        {
            let mut g = p.lock().unwrap();
            let (pins, filter) = &mut *g;
            let levels = pins.buttons();
            for (b, down) in filter.changes(&levels) {
                if let Some(press) = self.edge(b, down) {
                    presses.push((b, press));
                }
            }
            pins.set_tally(self.tally().level(now));
        }
        presses
    }

    /// A level change on a button, from a GPIO edge or the dashboard's simulated press.
    pub fn edge(&self, b: Button, down: bool) -> Option<Press> {
        let now = self.now_ms();
        let r = self.buttons.lock().unwrap().get_mut(&b).and_then(|l| l.input(down, now));
        // Start the button clock: a long press or a double is decided from here on.
        self.edge_seen.notify_one();
        r
    }

    /// What a press does. Go Live: a press starts the show; stopping needs a long press.
    pub async fn on_press(&self, b: Button, p: Press) -> String {
        let live = self.core.is_live();
        // A box not set up yet: Go Live is the presence button (as a Hue bridge's link button).
        // It approves the one request the screen shows; with none, it does nothing else either.
        let setup =
            if b == Button::GoLive && matches!(p, Press::Short | Press::Double) { self.core.setup().press() } else { crate::setup::Pressed::NotPending };
        let r = match (b, p) {
            _ if setup == crate::setup::Pressed::NoRequest => Ok("set-up: start it on the dashboard first, then press Go Live".to_string()),
            _ if matches!(setup, crate::setup::Pressed::Approved(_)) => {
                let crate::setup::Pressed::Approved(label) = &setup else { unreachable!() };
                Ok(format!("set-up {label} approved for {} s: finish it on the dashboard", crate::setup::PRESS_WINDOW.as_secs()))
            }
            (Button::GoLive, Press::Short | Press::Double) if !live => self.core.execute(Command::GoLive).await.map(|_| "going live".to_string()),
            (Button::GoLive, Press::Long) if live => self.core.execute(Command::StopLive).await.map(|_| "stopped".to_string()),
            (Button::GoLive, _) if live => Ok("hold Go Live for 1.5 s to stop".to_string()),
            (Button::GoLive, _) => Ok("nothing to stop".to_string()),
            (Button::NextScene, _) => self.core.execute(Command::NextScene).await.map(|_| "next scene".to_string()),
            (Button::MuteGuests, _) => self.core.execute(Command::MuteAllGuests).await.map(|_| "guests muted".to_string()),
            (Button::User, _) => {
                // User button by default: acknowledge the alert on screen, else the next page.
                if self.alert.lock().unwrap().take().is_some() {
                    Ok("alert acknowledged".to_string())
                } else {
                    let mut pg = self.page.lock().unwrap();
                    *pg = pg.next();
                    Ok(format!("page {:?}", *pg).to_lowercase())
                }
            }
        };
        let msg = match r {
            Ok(m) => m,
            Err(e) => e.to_string(),
        };
        tracing::info!(button = b.name(), ?p, "button: {msg}");
        self.redraw();
        msg
    }

    pub fn screen_state(&self) -> ScreenState {
        let s = self.core.status();
        // Temperature, load, address and "set up yet?" change slowly: read them every few seconds.
        let (temp, load, ip, has_admin) = {
            let mut g = self.slow.lock().unwrap();
            match &*g {
                Some((at, v)) if at.elapsed() < Duration::from_secs(3) => v.clone(),
                _ => {
                    let sys = onair_hw::sysinfo::read(std::path::Path::new("/"));
                    let v = (sys.cpu_temp_c, sys.load[0], local_ip().unwrap_or_else(|| "no network".into()), self.core.store().has_admin().unwrap_or(true));
                    *g = Some((Instant::now(), v.clone()));
                    v
                }
            }
        };
        ScreenState {
            live: s.live,
            paused: s.paused,
            duration_s: s.duration_s.unwrap_or(0),
            ingest: s.ingest.connected || s.ingest.proto.is_some(),
            destinations: s
                .destinations
                .iter()
                .filter(|d| d.enabled)
                .map(|d| DestMark {
                    name: d.name.clone(),
                    state: serde_json::to_value(d.out.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                })
                .collect(),
            viewers: {
                let v: Vec<u64> = s.destinations.iter().filter_map(|d| d.viewers).collect();
                (!v.is_empty()).then(|| v.iter().sum())
            },
            guests: s.guests.iter().map(|g| g.name.clone()).collect(),
            hostname: format!("{}.local", self.hostname),
            ip,
            uplink_kbps: s.destinations.iter().map(|d| d.out.kbps).sum(),
            cpu_temp_c: temp,
            load,
            setup: (!has_admin).then(|| match self.http_port {
                80 => format!("http://{}.local", self.hostname),
                p => format!("http://{}.local:{p}", self.hostname),
            }),
            setup_code: (!has_admin).then(|| self.setup_code_line()).flatten(),
            recovery: s.recovery.as_ref().map(|r| match r.outcome {
                "restored" => format!("DATA RESTORED: backup of {}", r.backup_at.as_deref().and_then(|t| t.get(..16)).unwrap_or("?").replace('T', " ")),
                "memory" | "read_only" => "DATA NOT SAVED: the card refuses writes".to_string(),
                _ => "DATA LOST: no backup, started fresh".to_string(),
            }),
            alert: self.alert.lock().unwrap().clone(),
            alerts: self.alerts.lock().unwrap().clone(),
        }
    }

    fn setup_code_line(&self) -> Option<String> {
        let code = self.core.setup().display_code()?;
        let g = self.core.setup();
        Some(match (g.approved_label(), g.waiting_label()) {
            (Some(l), _) => format!("{l} approved: go on"),
            (None, Some(l)) => format!("code {code} / Go Live: {l}"),
            (None, None) => format!("code {code}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn go_live_on_a_fresh_box_opens_set_up_and_the_mirror_never_shows_the_code() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::new(crate::store::Store::open(dir.path()).unwrap(), crate::core::Settings::default()).unwrap();
        let code = core.setup().arm();
        let hw = HwBridge::start(core.clone(), "sim", ScreenKind::Oled128x64, vec![], "x264enc".into(), None, None, 8080);
        let st = hw.screen_state();
        let line = st.setup_code.clone().unwrap();
        assert!(line.contains(&code[..4]) && line.contains(&code[4..]), "{line}");
        // The physical panel gets the code; the PNG the dashboard mirrors has the placeholder.
        hw.redraw();
        let mirror = hw.png();
        let masked = ScreenState { setup_code: Some(MIRROR_CODE.into()), ..st.clone() };
        assert_eq!(mirror, screen::render_png(hw.kind, Page::Status, &masked));
        assert_ne!(mirror, screen::render_png(hw.kind, Page::Status, &st));
        // Go Live is the presence button: with no browser asking, it approves nothing (and does
        // not go live); with one, the screen shows its label and a press approves that request.
        let msg = hw.on_press(Button::GoLive, Press::Short).await;
        assert!(msg.starts_with("set-up: start it"), "{msg}");
        let (id, label) = core.setup().request().unwrap();
        assert_eq!(core.setup().check(None, Some(&id)), None);
        assert!(hw.screen_state().setup_code.unwrap().ends_with(&format!("Go Live: {label}")));
        let msg = hw.on_press(Button::GoLive, Press::Short).await;
        assert!(msg.starts_with(&format!("set-up {label} approved")), "{msg}");
        assert!(core.setup().press_open(&id));
        assert_eq!(core.setup().check(None, Some(&id)), Some(crate::setup::Presence::Press));
        assert_eq!(hw.screen_state().setup_code, Some(format!("{label} approved: go on")));
        // Once set up, Go Live is Go Live again.
        core.setup().disarm();
        let msg = hw.on_press(Button::GoLive, Press::Short).await;
        assert!(!msg.starts_with("set-up"), "{msg}");
    }
}
