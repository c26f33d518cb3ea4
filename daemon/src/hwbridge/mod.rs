//! Connects the box's hardware to the core: the button adapter (`buttons.rs`) turns presses into
//! the same commands the dashboard sends; the screen presenter (`screen.rs`) draws the status
//! screen, its dashboard mirror and the tally from the core's status and events; the physical
//! panel is drawn on a thread of its own (`panel.rs`). Owns the button logic, the page shown and
//! the alerts on screen; changes nothing in the box except through `Core::execute`.
mod buttons;
mod panel;
mod screen;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onair_hw::buttons::Timing;
use onair_hw::panel::Panel;
use onair_hw::pins::{EdgeFilter, Pins};
use onair_hw::{Button, ButtonLogic, Page, ScreenKind, ScreenState, Tally};

pub use buttons::PressResult;
use panel::PanelFeed;
pub use screen::MIRROR_CODE;

use crate::alert::Level;
use crate::config::HwBackend;
use crate::core::{Core, Event};

/// What start-up found on the box: the backend, the screen, the encoders, the real pins and panel.
pub struct Hardware {
    pub backend: HwBackend,
    /// The screen drawn when no panel is attached (the panel's own kind wins).
    pub kind: ScreenKind,
    pub encoder: crate::media::h264enc::Choice,
    pub pins: Option<Box<dyn Pins>>,
    pub panel: Option<Box<dyn Panel>>,
    /// The screen's language.
    pub lang: onair_hw::screen::Lang,
}

/// What changes slowly on the screen, read every few seconds.
#[derive(Clone)]
struct Slow {
    cpu_temp_c: Option<f64>,
    load: f64,
    ip: String,
    has_admin: bool,
}

/// The last page drawn (state and page) and its PNG.
type Drawn = (Option<(ScreenState, Page)>, Vec<u8>);

pub struct HwBridge {
    pub backend: HwBackend,
    pub kind: ScreenKind,
    pub encoder: crate::media::h264enc::Choice,
    lang: onair_hw::screen::Lang,
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
    slow: Mutex<Option<(Instant, Slow)>>,
    pins: Option<Mutex<(Box<dyn Pins>, EdgeFilter)>>,
    panel: Option<Arc<PanelFeed>>,
}

impl HwBridge {
    pub fn start(core: Arc<Core>, hw: Hardware, http_port: u16) -> Arc<HwBridge> {
        let Hardware { backend, kind, encoder, pins, panel, lang } = hw;
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
            backend,
            kind,
            encoder,
            lang,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use onair_hw::screen;
    use onair_hw::Press;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_box_set_to_portuguese_says_its_screen_in_portuguese() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::new(crate::store::Store::open(dir.path()).unwrap(), crate::core::Settings::default()).unwrap();
        let code = core.setup().arm();
        let lang = screen::Lang::parse("pt_BR.UTF-8");
        let sim = Hardware { backend: HwBackend::Sim, kind: ScreenKind::Lcd240x240, encoder: Default::default(), pins: None, panel: None, lang };
        let hw = HwBridge::start(core.clone(), sim, 8080);
        let st = hw.screen_state();
        assert_eq!(st.lang, screen::Lang::PtBr);
        assert_eq!(st.setup_code, Some(format!("código {}-{}", &code[..4], &code[4..])));
        let en = ScreenState { lang: screen::Lang::En, ..st.clone() };
        assert_ne!(screen::render_png(hw.kind, Page::Status, &st), screen::render_png(hw.kind, Page::Status, &en), "the words differ");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn go_live_on_a_fresh_box_opens_set_up_and_the_mirror_never_shows_the_code() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::new(crate::store::Store::open(dir.path()).unwrap(), crate::core::Settings::default()).unwrap();
        let code = core.setup().arm();
        let sim =
            Hardware { backend: HwBackend::Sim, kind: ScreenKind::Oled128x64, encoder: Default::default(), pins: None, panel: None, lang: Default::default() };
        let hw = HwBridge::start(core.clone(), sim, 8080);
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
