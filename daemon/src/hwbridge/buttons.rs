//! The button adapter: GPIO levels and the dashboard's simulated presses go through the same
//! press logic (short, long, double), and a press becomes the same `Command` the dashboard sends.
use onair_hw::{Button, Press};
use serde::Serialize;

use super::HwBridge;
use crate::core::Command;

#[derive(Serialize)]
pub struct PressResult {
    pub button: Button,
    pub press: Option<Press>,
    pub result: String,
}

impl HwBridge {
    /// GPIO: button levels into the same logic as the dashboard's presses; the tally's level out.
    pub(super) fn poll_pins(&self) -> Vec<(Button, Press)> {
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
}
