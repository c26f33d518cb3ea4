//! The physical status screen, fed from a thread of its own.
use std::sync::{Arc, Mutex};

use onair_hw::panel::Panel;
use onair_hw::{Page, ScreenState};

/// The latest page for the physical panel, drawn by a thread of its own: an I2C/SPI write takes
/// tens of milliseconds and must not hold up the button clock. Only the newest page is drawn.
#[derive(Default)]
pub(super) struct PanelFeed {
    next: Mutex<Option<(Page, ScreenState)>>,
    wake: std::sync::Condvar,
}

impl PanelFeed {
    pub(super) fn start(mut panel: Box<dyn Panel>) -> Arc<PanelFeed> {
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

    pub(super) fn send(&self, page: Page, state: ScreenState) {
        *self.next.lock().unwrap() = Some((page, state));
        self.wake.notify_one();
    }
}
