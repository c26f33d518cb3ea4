//! When each peer was last heard from. A browser that closes its tab or crashes sends no goodbye
//! (and a WHEP player is not obliged to send one), so silence is how the box knows a peer is gone.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::Media;

/// Marks `heard` whenever the peer of `w` sends a packet.
pub(super) fn watch_peer(w: &gst::Element, heard: &Arc<Mutex<Instant>>) {
    let Some(bin) = w.downcast_ref::<gst::Bin>() else { return };
    for e in bin.iterate_recurse().into_iter().flatten() {
        if e.factory().is_some_and(|f| f.name() == "nicesrc") {
            let h = heard.clone();
            if let Some(pad) = e.static_pad("src") {
                pad.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST, move |_, _| {
                    *h.lock().unwrap() = Instant::now();
                    gst::PadProbeReturn::Ok
                });
            }
        }
    }
}

impl Media {
    /// Marks `heard` whenever the guest's browser sends a packet; call once its transport exists
    /// (after `answer`).
    pub fn watch_guest(&self) {
        watch_peer(&self.publisher, &self.heard);
    }

    /// How long the guest has been silent: what its browser sends, as it arrives, or what its
    /// tracks carried, whichever is more recent. The arrival is seen before the box's own pipeline,
    /// so a stall in there (the box's own doing) cannot make a guest that is still sending look gone.
    pub fn quiet(&self, now: Instant) -> Duration {
        let heard = *self.heard.lock().unwrap();
        let media = *self.last_media.lock().unwrap();
        now.saturating_duration_since(heard.max(media))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_heard_at_its_transport_is_not_quiet_though_its_tracks_stalled() {
        gst::init().unwrap();
        let m = Media::new(Default::default()).unwrap();
        let long_ago = Instant::now() - Duration::from_secs(30);
        *m.last_media.lock().unwrap() = long_ago;
        assert!(m.quiet(Instant::now()) < Duration::from_secs(5), "the browser was heard just now");
        *m.heard.lock().unwrap() = long_ago;
        assert!(m.quiet(Instant::now()) >= Duration::from_secs(30));
        *m.last_media.lock().unwrap() = Instant::now();
        assert!(m.quiet(Instant::now()) < Duration::from_secs(5));
        m.close();
    }
}
