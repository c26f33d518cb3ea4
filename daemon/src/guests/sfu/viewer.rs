//! The viewers: each gets its own `webrtcbin`, fed by a pad of each of the guest's tees, the packets
//! rewritten for it on their way out of the tee. Added on a WHEP offer, removed on request or once
//! its browser falls silent.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;

use super::super::sdp;
use super::liveness::watch_peer;
use super::negotiate::{answer, viewer_preferences};
use super::rtp::{self, Gop, Rewriter};
use super::{webrtcbin, Media, SfuError, Track, TrackKind};

pub(super) struct Viewer {
    elements: Vec<gst::Element>,
    feeds: Arc<Feeds>,
    /// When the viewer's browser last sent anything (RTCP reports, about every second).
    heard: Arc<Mutex<Instant>>,
}

/// A viewer's tee pads (one per track) and the `webrtcbin` sink each feeds. They are linked only
/// once the viewer's transport is up: until then nothing could be sent, and a `webrtcbin` that never
/// connects holds the first buffer pushed into it, which would stall the tee for every other viewer.
/// Once linked, the tee's thread pushes straight into the viewer's `webrtcbin` (no queue, no thread
/// of its own: a queue per viewer cost a thread wake-up per packet, most of what forwarding cost).
pub(super) struct Feeds {
    pub(super) pads: Vec<(gst::Pad, gst::Pad)>,
    pub(super) state: Mutex<FeedState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FeedState {
    Waiting,
    Linked,
    Closed,
}

impl Feeds {
    pub(super) fn new(pads: Vec<(gst::Pad, gst::Pad)>, state: FeedState) -> Feeds {
        Feeds { pads, state: Mutex::new(state) }
    }

    pub(super) fn link(&self) {
        let mut st = self.state.lock().unwrap();
        if *st != FeedState::Waiting {
            return;
        }
        for (tee_src, sink) in &self.pads {
            if let Err(e) = tee_src.link(sink) {
                tracing::warn!("a viewer's track not linked: {e}");
            }
        }
        *st = FeedState::Linked;
        tracing::debug!(tracks = self.pads.len(), "a viewer's transport is up: its tracks linked");
    }

    /// Asks the guest for a keyframe on behalf of this viewer (a PLI, through the tee).
    pub(super) fn ask_for_keyframe(&self) {
        for (tee_src, _) in &self.pads {
            let _ = tee_src.send_event(gst::event::CustomUpstream::new(gst::Structure::builder("GstForceKeyUnit").field("all-headers", true).build()));
        }
    }
}

impl Media {
    /// Adds a viewer fed from the guest's tracks; returns the answer to its offer.
    pub async fn add_viewer(&self, viewer: &str, offer: gst_sdp::SDPMessage) -> Result<String, SfuError> {
        if !self.ready() {
            return Err(SfuError::NoMedia);
        }
        let tracks = self.tracks.lock().unwrap().clone();
        let w = webrtcbin(&self.ice)?;
        tracing::debug!(viewer, webrtcbin = %w.name(), "viewer's webrtcbin");
        self.pipeline.add(&w)?;
        let _ = w.sync_state_with_parent();
        let added = vec![w.clone()];
        let mut pads = vec![];
        let mut video = vec![];
        for t in &tracks {
            let Some(pt) = sdp::payload_type(&offer, t.kind.as_str(), &t.encoding) else { continue };
            match self.feed(&w, t, pt, &offer) {
                Ok(pair) => {
                    if t.kind == TrackKind::Video {
                        video.push(pair.clone());
                    }
                    pads.push(pair);
                }
                Err(e) => {
                    self.remove_elements(&added, &Feeds { pads, state: Mutex::new(FeedState::Waiting) });
                    return Err(e);
                }
            }
        }
        let feeds = Arc::new(Feeds { pads, state: Mutex::new(FeedState::Waiting) });
        if feeds.pads.is_empty() {
            self.remove_elements(&added, &feeds);
            return Err(SfuError::Negotiation("the viewer accepts none of the guest's codecs".into()));
        }
        let result = answer(&w, offer).await;
        match &result {
            Ok(_) => {
                let heard = Arc::new(Mutex::new(Instant::now()));
                watch_peer(&w, &heard);
                let keyframes = Arc::new(Feeds { pads: video, state: Mutex::new(FeedState::Linked) });
                link_when_connected(&w, feeds.clone(), keyframes);
                self.viewers.lock().unwrap().insert(viewer.to_string(), Viewer { elements: added, feeds, heard });
            }
            Err(_) => self.remove_elements(&added, &feeds),
        }
        result
    }

    /// A tee pad for one track the viewer takes as `pt`, the packets rewritten for the viewer as they
    /// leave it, and the viewer's `webrtcbin` sink it is to feed (see `Feeds`).
    fn feed(&self, w: &gst::Element, t: &Track, pt: u32, offer: &gst_sdp::SDPMessage) -> Result<(gst::Pad, gst::Pad), SfuError> {
        let mid_ext = sdp::mid_extension(offer, t.kind.as_str());
        let ssrc = rand::random::<u32>();
        let mid = mid_ext.as_ref().map(|(mid, id)| (*id as u8, mid.as_str()));
        let rewriter = Mutex::new(Rewriter::new(t.format, ssrc, pt as u8, mid, rand::random(), rand::random()));
        let caps = viewer_caps(&t.caps, pt, ssrc, mid_ext.as_ref().map(|(_, id)| *id));
        let sink = w.request_pad_simple("sink_%u").ok_or_else(|| SfuError::Gst(gst::glib::bool_error!("no webrtcbin sink pad")))?;
        if let Some(tr) = sink.property::<Option<gst_webrtc::WebRTCRTPTransceiver>>("transceiver") {
            tr.set_property("direction", gst_webrtc::WebRTCRTPTransceiverDirection::Sendonly);
            tr.set_property("codec-preferences", viewer_preferences(t.kind, &t.encoding, pt, ssrc, mid_ext.as_ref().map(|(_, id)| *id)));
        }
        let tee_src = t.tee.request_pad_simple("src_%u").ok_or_else(|| SfuError::Gst(gst::glib::bool_error!("no tee pad")))?;
        let gop = t.gop.clone();
        tee_src.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST | gst::PadProbeType::EVENT_DOWNSTREAM, move |pad, info| {
            rewrite(pad, &rewriter, &gop, &caps, info)
        });
        Ok((tee_src, sink))
    }

    /// Takes a viewer's branch out of the running pipeline. The tee's pads go first, each unlinked
    /// from an IDLE probe (never while the tee pushes into it): a branch being shut down answers a
    /// push with FLUSHING, and a tee that gets FLUSHING from any pad returns it upstream, which
    /// stops the guest's whole stream for good (the guest then counts as gone 8 s later). Only once
    /// the tee is rid of the branch is it set to NULL and removed, on GStreamer's thread pool: the
    /// caller (the async tick, an HTTP handler) never waits for it.
    pub(super) fn remove_elements(&self, els: &[gst::Element], feeds: &Feeds) {
        *feeds.state.lock().unwrap() = FeedState::Closed;
        let tee_pads: Vec<gst::Pad> = feeds.pads.iter().map(|(p, _)| p.clone()).collect();
        let branch = Arc::new(Branch { left: AtomicUsize::new(tee_pads.len()), pipeline: self.pipeline.downgrade(), elements: Mutex::new(els.to_vec()) });
        if tee_pads.is_empty() {
            branch.shut_down();
            return;
        }
        for pad in tee_pads {
            let b = branch.clone();
            pad.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
                if let Some(peer) = pad.peer() {
                    let _ = pad.unlink(&peer);
                }
                // Releasing the pad takes the tee's locks: not from inside its own probe.
                if let Some(tee) = pad.parent_element() {
                    let pad = pad.clone();
                    tee.call_async(move |tee| tee.release_request_pad(&pad));
                }
                if b.left.fetch_sub(1, Ordering::SeqCst) == 1 {
                    b.shut_down();
                }
                gst::PadProbeReturn::Remove
            });
        }
    }

    pub fn remove_viewer(&self, viewer: &str) -> bool {
        let v = self.viewers.lock().unwrap().remove(viewer);
        match v {
            Some(v) => {
                self.remove_elements(&v.elements, &v.feeds);
                true
            }
            None => false,
        }
    }

    pub fn has_viewer(&self, viewer: &str) -> bool {
        self.viewers.lock().unwrap().contains_key(viewer)
    }

    /// Removes the viewers not heard from for `quiet`; returns how many.
    pub fn reap_viewers(&self, quiet: Duration, now: Instant) -> usize {
        let gone: Vec<String> = self
            .viewers
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, v)| now.saturating_duration_since(*v.heard.lock().unwrap()) > quiet)
            .map(|(k, _)| k.clone())
            .collect();
        gone.iter().filter(|id| self.remove_viewer(id)).count()
    }

    /// WHEP viewers and media-source streams.
    pub fn viewer_count(&self) -> usize {
        self.viewers.lock().unwrap().len() + self.stream_count()
    }
}

/// Links the viewer's feeds once its transport is up, and asks for a keyframe then (browsers send
/// VP8 keyframes only on request, and the viewer's rewrite waits for one) and a few times more while
/// ICE and DTLS settle.
fn link_when_connected(w: &gst::Element, feeds: Arc<Feeds>, video: Arc<Feeds>) {
    let connected =
        |w: &gst::Element| w.property::<gst_webrtc::WebRTCPeerConnectionState>("connection-state") == gst_webrtc::WebRTCPeerConnectionState::Connected;
    let (f, v) = (feeds.clone(), video.clone());
    w.connect_notify(Some("connection-state"), move |w, _| {
        if connected(w) {
            f.link();
            v.ask_for_keyframe();
        }
    });
    if connected(w) {
        feeds.link();
    }
    tokio::spawn(async move {
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            if *feeds.state.lock().unwrap() == FeedState::Closed {
                return;
            }
            video.ask_for_keyframe();
        }
    });
}

/// The caps a viewer's `webrtcbin` sink gets: the guest's codec parameters under the viewer's
/// payload type, SSRC and MID extension (the guest's own header extensions are not forwarded).
fn viewer_caps(guest: &gst::Caps, pt: u32, ssrc: u32, mid_id: Option<u32>) -> gst::Caps {
    const CODEC_FIELDS: [&str; 8] =
        ["media", "encoding-name", "clock-rate", "encoding-params", "packetization-mode", "profile-level-id", "level-asymmetry-allowed", "profile-id"];
    let mut b = gst::Structure::builder("application/x-rtp");
    if let Some(s) = guest.structure(0) {
        for (k, v) in s.iter().filter(|(k, _)| CODEC_FIELDS.contains(&k.as_str())) {
            b = b.field(k.as_str(), v.clone());
        }
    }
    let mut s = b.field("payload", pt as i32).field("ssrc", ssrc).build();
    if let Some(id) = mid_id {
        s.set(format!("extmap-{id}").as_str(), sdp::MID_URI);
    }
    gst::Caps::builder_full().structure(s).build()
}

/// The probe on a viewer's tee pad: each packet rewritten by `rw` (or dropped), each caps event
/// replaced by the viewer's `caps`. Nothing passes (and the rewrite does not start) before the pad is
/// linked; the first video packet after that is preceded by the guest's group of pictures so far,
/// so the viewer starts from the keyframe it missed instead of waiting for the next one.
fn rewrite(pad: &gst::Pad, rw: &Mutex<Rewriter>, gop: &Mutex<Gop<gst::Buffer>>, caps: &gst::Caps, info: &mut gst::PadProbeInfo) -> gst::PadProbeReturn {
    let one = |b: &gst::BufferRef, rw: &mut Rewriter| -> Option<gst::Buffer> {
        let out = {
            let map = b.map_readable().ok()?;
            rw.forward(&map)?
        };
        let mut nb = gst::Buffer::from_mut_slice(out);
        let m = nb.get_mut().unwrap();
        m.set_pts(b.pts());
        m.set_dts(b.dts());
        Some(nb)
    };
    let Some(peer) = pad.peer() else {
        return match &info.data {
            Some(gst::PadProbeData::Event(_)) => gst::PadProbeReturn::Ok,
            _ => gst::PadProbeReturn::Drop,
        };
    };
    let catch_up = |rw: &mut Rewriter, current: &gst::BufferRef| {
        if !rw.waiting() {
            return;
        }
        let seq = |b: &gst::BufferRef| b.map_readable().ok().and_then(|m| rtp::parse(&m).map(|h| h.seq));
        let now = seq(current);
        let group = gop.lock().unwrap().snapshot();
        let n = group.len();
        for b in group.iter().filter(|b| seq(b) != now) {
            if let Some(nb) = one(b, rw) {
                let _ = peer.chain(nb);
            }
        }
        if n > 0 {
            tracing::debug!(packets = n, "a new viewer started from the guest's last keyframe");
        }
    };
    match &mut info.data {
        Some(gst::PadProbeData::Buffer(b)) => {
            let mut rw = rw.lock().unwrap();
            catch_up(&mut rw, b);
            match one(b, &mut rw) {
                Some(nb) => *b = nb,
                None => return gst::PadProbeReturn::Drop,
            }
        }
        Some(gst::PadProbeData::BufferList(list)) => {
            let mut rw = rw.lock().unwrap();
            if let Some(first) = list.get(0) {
                catch_up(&mut rw, first);
            }
            let mut out = gst::BufferList::new_sized(list.len());
            let o = out.get_mut().unwrap();
            for b in list.iter() {
                if let Some(nb) = one(b, &mut rw) {
                    o.add(nb);
                }
            }
            if o.is_empty() {
                return gst::PadProbeReturn::Drop;
            }
            *list = out;
        }
        Some(gst::PadProbeData::Event(e)) if e.type_() == gst::EventType::Caps => *e = gst::event::Caps::new(caps),
        _ => {}
    }
    gst::PadProbeReturn::Ok
}

/// A viewer's elements on their way out (see `Media::remove_elements`).
struct Branch {
    /// Tee pads still to be unlinked.
    left: AtomicUsize,
    pipeline: gst::glib::WeakRef<gst::Pipeline>,
    elements: Mutex<Vec<gst::Element>>,
}

impl Branch {
    /// Sets the elements to NULL and removes them, on GStreamer's thread pool.
    fn shut_down(&self) {
        let els = std::mem::take(&mut *self.elements.lock().unwrap());
        let Some(pipeline) = self.pipeline.upgrade() else {
            tracing::debug!(elements = ?els.iter().map(|e| e.name()).collect::<Vec<_>>(), "viewer branch outlived its guest's pipeline");
            for e in &els {
                let _ = e.set_state(gst::State::Null);
            }
            return;
        };
        pipeline.call_async(move |pipeline| {
            for e in &els {
                // Out of the pipeline's hands first: a guest leaving at the same moment sets its
                // pipeline to NULL, and on its way down through PAUSED that would bring an element
                // already set to NULL here back up to PAUSED, to be dropped in PAUSED with its
                // threads and socket still running (seen: 3 threads and a socket for good, 1 run in 4).
                e.set_locked_state(true);
                for pad in e.sink_pads() {
                    if pad.pad_template().is_some_and(|t| t.presence() == gst::PadPresence::Request) {
                        if let Some(peer) = pad.peer() {
                            let _ = peer.unlink(&pad);
                        }
                        e.release_request_pad(&pad);
                    }
                }
                let _ = e.set_state(gst::State::Null);
                let _ = pipeline.remove(e);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::make;
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// A player's WHEP offer for audio, whose ICE never connects: its webrtcbin keeps the first
    /// buffer it is given (no DTLS yet), as the viewers of a WHEP flood do.
    fn viewer_offer() -> gst_sdp::SDPMessage {
        let fp: Vec<String> = (0..32).map(|i| format!("{:02X}", (i * 7 + 3) % 256)).collect();
        let sdp = format!(
            "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n\
             m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:unit\r\na=ice-pwd:unitpasswordpasswordpass\r\n\
             a=fingerprint:sha-256 {}\r\na=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n\
             a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host\r\n",
            fp.join(":")
        );
        gst_sdp::SDPMessage::parse_buffer(sdp.as_bytes()).unwrap()
    }

    /// The WHEP flood's end: its viewers, which never connected, are removed while the guest's
    /// media flows. The guest's stream must go on after every removal.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn removing_viewers_never_stops_the_guests_stream() {
        gst::init().unwrap();
        let m = Media::new(Default::default()).unwrap();
        // The guest's audio, made here: Opus RTP packets of 2.5 ms (400 a second) into the track's tee.
        let src = gst::ElementFactory::make("audiotestsrc").property("is-live", true).property("samplesperbuffer", 120i32).build().unwrap();
        let enc = make("opusenc").unwrap();
        enc.set_property_from_str("frame-size", "2.5");
        let pay = make("rtpopuspay").unwrap();
        let tee = make("tee").unwrap();
        tee.set_property("allow-not-linked", true);
        m.pipeline.add_many([&src, &enc, &pay, &tee]).unwrap();
        gst::Element::link_many([&src, &enc, &pay, &tee]).unwrap();
        let packets = Arc::new(AtomicU64::new(0));
        let p = packets.clone();
        tee.static_pad("sink").unwrap().add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            p.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
        for e in [&src, &enc, &pay, &tee] {
            e.sync_state_with_parent().unwrap();
        }
        let caps = gst::Caps::builder("application/x-rtp").field("media", "audio").field("encoding-name", "OPUS").field("clock-rate", 48_000i32).build();
        m.tracks.lock().unwrap().push(Track {
            kind: TrackKind::Audio,
            encoding: "OPUS".into(),
            format: super::super::rtp::Format::Opus,
            caps,
            tee,
            gop: Arc::new(Mutex::new(super::super::rtp::Gop::new(0))),
        });
        m.expected_tracks.store(1, Ordering::Relaxed);
        for round in 0..6 {
            for i in 0..4 {
                m.add_viewer(&format!("v{round}.{i}"), viewer_offer()).await.expect("a viewer");
            }
            // Packets are forwarded: no viewer's branch depayloads or payloads (the one payloader
            // is this test's guest).
            let pays = m.pipeline.children().iter().filter(|e| e.factory().is_some_and(|f| f.name().ends_with("pay"))).count();
            assert_eq!(pays, 1, "{:?}", m.pipeline.children().iter().map(|e| e.name()).collect::<Vec<_>>());
            tokio::time::sleep(Duration::from_millis(200)).await;
            for i in 0..4 {
                assert!(m.remove_viewer(&format!("v{round}.{i}")));
            }
            assert_eq!(m.viewer_count(), 0);
            let before = packets.load(Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(500)).await;
            let flowed = packets.load(Ordering::Relaxed) - before;
            assert!(flowed > 50, "the guest's stream stopped after its viewers were removed (round {round}: {flowed} packets in 0.5 s)");
        }
        // The branches are gone from the pipeline: the guest's own webrtcbin and track remain.
        assert!(wait_for(|| m.pipeline.children().len() == 5).await, "{:?}", m.pipeline.children().iter().map(|e| e.name()).collect::<Vec<_>>());
        m.close();
    }

    async fn wait_for(f: impl Fn() -> bool) -> bool {
        for _ in 0..100 {
            if f() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        f()
    }
}
