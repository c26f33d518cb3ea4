//! The SFU: one GStreamer pipeline per guest. The guest's `webrtcbin` receives; each track is
//! depayloaded (no decoding) into a `tee`; every viewer gets its own `webrtcbin` fed by a payloader
//! from that tee. Keyframe requests from a viewer travel upstream to the guest as PLI.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_rtp as gst_rtp;
use gstreamer_rtp::prelude::*;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;
use tokio::sync::oneshot;

#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    #[error("WebRTC negotiation failed: {0}")]
    Negotiation(String),
    #[error("GStreamer: {0}")]
    Gst(String),
    #[error("the guest has no media a viewer could take yet")]
    NoMedia,
}

#[derive(Default)]
pub struct Counters {
    pub video_bytes: AtomicU64,
    pub video_frames: AtomicU64,
    pub audio_bytes: AtomicU64,
}

#[derive(Clone)]
pub struct Track {
    pub kind: &'static str,
    pub encoding: String,
    pub tee: gst::Element,
}

pub struct Media {
    pub pipeline: gst::Pipeline,
    pub publisher: gst::Element,
    pub tracks: Arc<Mutex<Vec<Track>>>,
    pub counters: Arc<Counters>,
    pub last_media: Arc<Mutex<Instant>>,
    /// When the guest's browser last sent anything at all (see `watch_guest`).
    heard: Arc<Mutex<Instant>>,
    pub muted_audio: Arc<AtomicBool>,
    pub muted_video: Arc<AtomicBool>,
    viewers: Mutex<HashMap<String, Viewer>>,
    ice: super::ice::IceConfig,
    /// Tracks the guest's offer announced; viewers wait until all of them flow, or a viewer that
    /// came in between the audio and the video would be answered with no video at all.
    pub expected_tracks: std::sync::atomic::AtomicUsize,
    /// The registry's change signal, once the guest is in it: a new track wakes its long-polls.
    pub changes: Arc<std::sync::OnceLock<tokio::sync::watch::Sender<u64>>>,
}

struct Viewer {
    elements: Vec<gst::Element>,
    /// When the viewer's browser last sent anything (RTCP reports, about every second).
    heard: Arc<Mutex<Instant>>,
}

/// Marks `heard` whenever the peer of `w` sends a packet. A viewer that closes its tab or crashes
/// sends no goodbye a WHEP player is obliged to send, so silence is how the box knows it is gone.
fn watch_peer(w: &gst::Element, heard: &Arc<Mutex<Instant>>) {
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

fn make(factory: &str) -> Result<gst::Element, SfuError> {
    gst::ElementFactory::make(factory).build().map_err(|_| SfuError::Gst(format!("element {factory} is missing")))
}

fn webrtcbin(ice: &super::ice::IceConfig) -> Result<gst::Element, SfuError> {
    let w = make("webrtcbin")?;
    w.set_property_from_str("bundle-policy", "max-bundle");
    // The jitter buffer holds a stream's first packets for this long before anything flows: 200 ms
    // by default, which a LAN guest pays on joining and every viewer pays again. Loopback and LAN
    // reorder little; the browsers at both ends keep their own jitter buffers.
    w.set_property("latency", 50u32);
    // A LAN box: host candidates only unless STUN/TURN servers are configured.
    if let Some(s) = ice.gst_stun() {
        w.set_property("stun-server", s);
    }
    if let Some(t) = ice.gst_turn() {
        w.set_property("turn-server", t);
    }
    Ok(w)
}

async fn promise(f: impl FnOnce(gst::Promise)) -> Result<Option<gst::Structure>, SfuError> {
    let (tx, rx) = oneshot::channel();
    let tx = Mutex::new(Some(tx));
    let p = gst::Promise::with_change_func(move |r| {
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send(r.ok().flatten().map(|s| s.to_owned()));
        }
    });
    f(p);
    match tokio::time::timeout(Duration::from_secs(5), rx).await {
        Ok(Ok(s)) => Ok(s),
        _ => Err(SfuError::Negotiation("webrtcbin did not answer in time".into())),
    }
}

const TWCC_URI: &str = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/// The transport-wide-cc header extension id the offer gives each media section, if any.
fn twcc_ids(offer: &gst_sdp::SDPMessage) -> Vec<Option<String>> {
    offer
        .medias()
        .map(|m| {
            m.attributes()
                .filter(|a| a.key() == "extmap")
                .filter_map(|a| a.value())
                .find(|v| v.split_whitespace().nth(1) == Some(TWCC_URI))
                .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        })
        .collect()
}

/// webrtcbin 1.22 answers `rtcp-fb transport-cc` but drops the header extension itself, so the
/// browser sends no sequence numbers, gets no feedback, and its bandwidth estimate never leaves the
/// start value (~300-500 kb/s). Accepting the offer's extension (same id) restores the loop: the
/// receiving session then sends TWCC feedback and the guest's sender ramps up to what the link takes.
fn with_twcc(answer: &gst_webrtc::WebRTCSessionDescription, ids: &[Option<String>]) -> gst_webrtc::WebRTCSessionDescription {
    let mut sdp = answer.sdp().to_owned();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let Some(m) = sdp.media_mut(i as u32) else { continue };
        let has_fb = m.attributes().any(|a| a.key() == "rtcp-fb" && a.value().is_some_and(|v| v.ends_with("transport-cc")));
        let has_ext = m.attributes().any(|a| a.key() == "extmap" && a.value().is_some_and(|v| v.contains(TWCC_URI)));
        if has_fb && !has_ext {
            m.add_attribute("extmap", Some(&format!("{id} {TWCC_URI}")));
        }
    }
    gst_webrtc::WebRTCSessionDescription::new(answer.type_(), sdp)
}

/// Offer in, answer out (non-trickle: the answer carries every local candidate, as WHIP/WHEP want).
pub async fn answer(w: &gst::Element, mut offer: gst_sdp::SDPMessage) -> Result<String, SfuError> {
    let mdns = super::sdp::drop_mdns_candidates(&mut offer);
    if mdns > 0 {
        tracing::debug!(mdns, "ignoring the offer's mDNS candidates");
    }
    let twcc = twcc_ids(&offer);
    let start = Instant::now();
    let desc = gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Offer, offer);
    promise(|p| w.emit_by_name::<()>("set-remote-description", &[&desc, &p])).await?;
    let remote_ms = start.elapsed().as_millis();
    let reply = promise(|p| w.emit_by_name::<()>("create-answer", &[&None::<gst::Structure>, &p])).await?;
    let answer = reply
        .and_then(|s| s.get::<gst_webrtc::WebRTCSessionDescription>("answer").ok())
        .ok_or_else(|| SfuError::Negotiation("no answer for this offer (no codec in common?)".into()))?;
    let answer = with_twcc(&answer, &twcc);
    promise(|p| w.emit_by_name::<()>("set-local-description", &[&answer, &p])).await?;
    let local_ms = start.elapsed().as_millis();
    // Host candidates come at once; libnice still takes ~200 ms to call gathering complete. With no
    // STUN/TURN server (a LAN box) nothing else will come, so answer once the candidates have stood
    // still for a moment; with a server, wait for its reflexive/relay candidates.
    let servers = w.property::<Option<String>>("stun-server").is_some() || w.property::<Option<String>>("turn-server").is_some();
    let t0 = Instant::now();
    let (mut seen, mut still_since) = (0usize, Instant::now());
    while w.property::<gst_webrtc::WebRTCICEGatheringState>("ice-gathering-state") != gst_webrtc::WebRTCICEGatheringState::Complete
        && t0.elapsed() < Duration::from_secs(3)
    {
        if !servers {
            let n = w
                .property::<Option<gst_webrtc::WebRTCSessionDescription>>("local-description")
                .map(|d| d.sdp().medias().map(|m| m.attributes().filter(|a| a.key() == "candidate").count()).sum::<usize>())
                .unwrap_or(0);
            if n != seen {
                (seen, still_since) = (n, Instant::now());
            } else if n > 0 && still_since.elapsed() >= Duration::from_millis(25) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tracing::debug!(remote_ms, local_ms, gathered_ms = start.elapsed().as_millis(), "webrtc answer");
    let local =
        w.property::<Option<gst_webrtc::WebRTCSessionDescription>>("local-description").ok_or_else(|| SfuError::Negotiation("no local description".into()))?;
    local.sdp().as_text().map_err(|e| SfuError::Negotiation(e.to_string()))
}

/// Writes the section's MID into every packet (RFC 8843), as browsers expect from a bundled sender.
fn add_mid_extension(pay: &gst::Element, mid: &str, id: u32) -> Result<(), SfuError> {
    let ext = make("rtphdrextmid")?.downcast::<gst_rtp::RTPHeaderExtension>().map_err(|_| SfuError::Gst("rtphdrextmid is not a header extension".into()))?;
    ext.set_id(id);
    ext.set_property("mid", mid);
    pay.emit_by_name::<()>("add-extension", &[&ext]);
    Ok(())
}

fn depay_for(kind: &str, encoding: &str) -> Option<(&'static str, Option<&'static str>, &'static str)> {
    // (depayloader, parser, payloader)
    Some(match (kind, encoding.to_ascii_uppercase().as_str()) {
        ("video", "VP8") => ("rtpvp8depay", None, "rtpvp8pay"),
        ("video", "VP9") => ("rtpvp9depay", None, "rtpvp9pay"),
        ("video", "H264") => ("rtph264depay", Some("h264parse"), "rtph264pay"),
        ("audio", "OPUS") => ("rtpopusdepay", None, "rtpopuspay"),
        _ => return None,
    })
}

/// A viewer's elements on their way out (see `Media::remove_elements`).
struct Branch {
    /// Tee pads still to be unlinked.
    left: AtomicUsize,
    pipeline: gst::glib::WeakRef<gst::Pipeline>,
    elements: Mutex<Vec<gst::Element>>,
}

impl Branch {
    /// Sets the elements to NULL and removes them, on GStreamer's thread pool. The webrtcbin goes
    /// first: its shutdown frees the queue's thread from a push it holds, which the queue's own
    /// shutdown would otherwise wait for.
    fn shut_down(&self) {
        let els = std::mem::take(&mut *self.elements.lock().unwrap());
        let Some(pipeline) = self.pipeline.upgrade() else { return };
        pipeline.call_async(move |pipeline| {
            for e in &els {
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

impl Media {
    pub fn new(ice: super::ice::IceConfig) -> Result<Arc<Media>, SfuError> {
        let pipeline = gst::Pipeline::new();
        let publisher = webrtcbin(&ice)?;
        pipeline.add(&publisher).map_err(|e| SfuError::Gst(e.to_string()))?;
        let m = Arc::new(Media {
            pipeline,
            publisher,
            tracks: Arc::default(),
            counters: Arc::default(),
            last_media: Arc::new(Mutex::new(Instant::now())),
            heard: Arc::new(Mutex::new(Instant::now())),
            muted_audio: Arc::default(),
            muted_video: Arc::default(),
            viewers: Mutex::default(),
            ice,
            expected_tracks: Default::default(),
            changes: Arc::default(),
        });
        // Weak: the publisher is the pipeline's child, and a strong pipeline in its own signal
        // handler is a cycle that keeps every element, thread and socket alive after the guest leaves.
        let (pl, tracks, counters, last, ma, mv) =
            (m.pipeline.downgrade(), m.tracks.clone(), m.counters.clone(), m.last_media.clone(), m.muted_audio.clone(), m.muted_video.clone());
        let changes = m.changes.clone();
        m.publisher.connect_pad_added(move |_, pad| {
            if pad.direction() != gst::PadDirection::Src {
                return;
            }
            let Some(caps) = pad.current_caps() else { return };
            let Some(s) = caps.structure(0) else { return };
            let kind: &'static str = if s.get::<&str>("media").ok() == Some("audio") { "audio" } else { "video" };
            let encoding = s.get::<&str>("encoding-name").unwrap_or("").to_string();
            let Some(pl) = pl.upgrade() else { return };
            let link = || -> Result<gst::Element, SfuError> {
                let (depay, parse, _) = depay_for(kind, &encoding).ok_or(SfuError::NoMedia)?;
                let q = make("queue")?;
                let d = make(depay)?;
                let tee = make("tee")?;
                tee.set_property("allow-not-linked", true);
                let mut chain = vec![q.clone(), d];
                if let Some(p) = parse {
                    let p = make(p)?;
                    p.set_property("config-interval", -1i32);
                    chain.push(p);
                }
                chain.push(tee.clone());
                pl.add_many(&chain).map_err(|e| SfuError::Gst(e.to_string()))?;
                gst::Element::link_many(&chain).map_err(|e| SfuError::Gst(e.to_string()))?;
                for e in &chain {
                    let _ = e.sync_state_with_parent();
                }
                pad.link(&q.static_pad("sink").unwrap()).map_err(|e| SfuError::Gst(format!("{e:?}")))?;
                Ok(tee)
            };
            match link() {
                Ok(tee) => {
                    let (c, l, ma, mv) = (counters.clone(), last.clone(), ma.clone(), mv.clone());
                    tee.static_pad("sink").unwrap().add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                        let Some(b) = info.buffer() else { return gst::PadProbeReturn::Ok };
                        *l.lock().unwrap() = Instant::now();
                        if kind == "video" {
                            c.video_bytes.fetch_add(b.size() as u64, Ordering::Relaxed);
                            c.video_frames.fetch_add(1, Ordering::Relaxed);
                            if mv.load(Ordering::Relaxed) {
                                return gst::PadProbeReturn::Drop;
                            }
                        } else {
                            c.audio_bytes.fetch_add(b.size() as u64, Ordering::Relaxed);
                            if ma.load(Ordering::Relaxed) {
                                return gst::PadProbeReturn::Drop;
                            }
                        }
                        gst::PadProbeReturn::Ok
                    });
                    tracing::debug!(kind, %encoding, "guest track flowing");
                    tracks.lock().unwrap().push(Track { kind, encoding, tee });
                    if let Some(c) = changes.get() {
                        c.send_modify(|v| *v = v.wrapping_add(1));
                    }
                }
                Err(e) => {
                    tracing::warn!("guest track {kind}/{encoding} not forwarded: {e}");
                    if let Ok(sink) = make("fakesink") {
                        let _ = pl.add(&sink);
                        let _ = sink.sync_state_with_parent();
                        let _ = pad.link(&sink.static_pad("sink").unwrap());
                    }
                }
            }
        });
        crate::media::drain_bus(&m.pipeline, "guest media");
        m.pipeline.set_state(gst::State::Playing).map_err(|e| SfuError::Gst(e.to_string()))?;
        Ok(m)
    }

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

    /// Every track the guest announced is flowing.
    pub fn ready(&self) -> bool {
        let n = self.tracks.lock().unwrap().len();
        n > 0 && n >= self.expected_tracks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Adds a viewer fed from the guest's tracks; returns the answer to its offer.
    pub async fn add_viewer(&self, viewer: &str, offer: gst_sdp::SDPMessage) -> Result<String, SfuError> {
        if !self.ready() {
            return Err(SfuError::NoMedia);
        }
        let tracks = self.tracks.lock().unwrap().clone();
        let w = webrtcbin(&self.ice)?;
        self.pipeline.add(&w).map_err(|e| SfuError::Gst(e.to_string()))?;
        let _ = w.sync_state_with_parent();
        let mut added = vec![w.clone()];
        let mut pays = vec![];
        for t in &tracks {
            let Some(pt) = super::sdp::payload_type(&offer, t.kind, &t.encoding) else { continue };
            let (_, _, pay) = depay_for(t.kind, &t.encoding).ok_or(SfuError::NoMedia)?;
            let q = make("queue")?;
            q.set_property_from_str("leaky", "downstream");
            q.set_property("max-size-time", 2_000_000_000u64);
            let p = make(pay)?;
            p.set_property("pt", pt);
            if pay == "rtph264pay" {
                p.set_property("config-interval", -1i32);
                p.set_property_from_str("aggregate-mode", "zero-latency");
            }
            let mid_ext = super::sdp::mid_extension(&offer, t.kind);
            if let Some((mid, id)) = &mid_ext {
                add_mid_extension(&p, mid, *id)?;
            }
            self.pipeline.add_many([&q, &p]).map_err(|e| SfuError::Gst(e.to_string()))?;
            q.link(&p).map_err(|e| SfuError::Gst(e.to_string()))?;
            let sink = w.request_pad_simple("sink_%u").ok_or_else(|| SfuError::Gst("no webrtcbin sink pad".into()))?;
            p.static_pad("src").unwrap().link(&sink).map_err(|e| SfuError::Gst(format!("{e:?}")))?;
            if let Some(tr) = sink.property::<Option<gst_webrtc::WebRTCRTPTransceiver>>("transceiver") {
                tr.set_property("direction", gst_webrtc::WebRTCRTPTransceiverDirection::Sendonly);
                // webrtcbin answers before the payloader's caps exist, so it learns of the MID
                // extension only from the transceiver's preferences.
                if let Some((_, id)) = &mid_ext {
                    let clock_rate = if t.kind == "audio" { 48_000 } else { 90_000 };
                    let caps = gst::Caps::builder("application/x-rtp")
                        .field("media", t.kind)
                        .field("encoding-name", t.encoding.to_ascii_uppercase())
                        .field("payload", pt as i32)
                        .field("clock-rate", clock_rate)
                        .field(format!("extmap-{id}").as_str(), super::sdp::MID_URI)
                        .build();
                    tr.set_property("codec-preferences", caps);
                }
            }
            // The branch must be running before the tee feeds it: a buffer pushed into a stopped
            // queue returns FLUSHING, which would stop the guest's whole stream.
            let _ = p.sync_state_with_parent();
            let _ = q.sync_state_with_parent();
            let tee_src = t.tee.request_pad_simple("src_%u").ok_or_else(|| SfuError::Gst("no tee pad".into()))?;
            tee_src.link(&q.static_pad("sink").unwrap()).map_err(|e| SfuError::Gst(format!("{e:?}")))?;
            added.extend([q.clone(), p.clone()]);
            pays.push(p);
        }
        if pays.is_empty() {
            self.remove_elements(&added);
            return Err(SfuError::Negotiation("the viewer accepts none of the guest's codecs".into()));
        }
        let result = answer(&w, offer).await;
        match &result {
            Ok(_) => {
                let heard = Arc::new(Mutex::new(Instant::now()));
                watch_peer(&w, &heard);
                self.viewers.lock().unwrap().insert(viewer.to_string(), Viewer { elements: added, heard });
                // A new viewer needs a keyframe once its transport is up: ask the guest (a PLI) a few
                // times while ICE and DTLS settle, since browsers send VP8 keyframes only on request.
                let pays: Vec<gst::Element> = pays.into_iter().filter(|p| p.name().starts_with("rtpvp") || p.name().starts_with("rtph26")).collect();
                // The moment DTLS is up is when a keyframe helps most: ask then, not only on a timer.
                let on_connect = pays.clone();
                w.connect_notify(Some("connection-state"), move |w, _| {
                    if w.property::<gst_webrtc::WebRTCPeerConnectionState>("connection-state") == gst_webrtc::WebRTCPeerConnectionState::Connected {
                        for p in &on_connect {
                            let ev = gst::event::CustomUpstream::new(gst::Structure::builder("GstForceKeyUnit").field("all-headers", true).build());
                            let _ = p.send_event(ev);
                        }
                    }
                });
                tokio::spawn(async move {
                    for _ in 0..8 {
                        tokio::time::sleep(Duration::from_millis(400)).await;
                        for p in &pays {
                            let ev = gst::event::CustomUpstream::new(gst::Structure::builder("GstForceKeyUnit").field("all-headers", true).build());
                            let _ = p.send_event(ev);
                        }
                    }
                });
            }
            Err(_) => self.remove_elements(&added),
        }
        result
    }

    /// Takes a viewer's branch out of the running pipeline. The tee's pads go first, each unlinked
    /// from an IDLE probe (never while the tee pushes into it): a branch being shut down answers a
    /// push with FLUSHING (a viewer that never connected always has a buffer held inside its
    /// webrtcbin, which its shutdown flushes back up), and a tee that gets FLUSHING from any pad
    /// returns it upstream, which stops the guest's whole stream for good (the guest then counts as
    /// gone 8 s later). Only once the tee is rid of the branch is it set to NULL and removed, on
    /// GStreamer's thread pool: the caller (the async tick, an HTTP handler) never waits for it.
    fn remove_elements(&self, els: &[gst::Element]) {
        let feeds: Vec<gst::Pad> = els
            .iter()
            .filter_map(|e| e.static_pad("sink")?.peer())
            .filter(|p| p.parent_element().is_some_and(|t| t.factory().is_some_and(|f| f.name() == "tee")))
            .collect();
        let branch = Arc::new(Branch { left: AtomicUsize::new(feeds.len()), pipeline: self.pipeline.downgrade(), elements: Mutex::new(els.to_vec()) });
        if feeds.is_empty() {
            branch.shut_down();
            return;
        }
        for pad in feeds {
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
                self.remove_elements(&v.elements);
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

    pub fn viewer_count(&self) -> usize {
        self.viewers.lock().unwrap().len()
    }

    pub fn video_size(&self) -> Option<(i32, i32)> {
        let t = self.tracks.lock().unwrap();
        let v = t.iter().find(|t| t.kind == "video")?;
        let caps = v.tee.static_pad("sink")?.current_caps()?;
        let s = caps.structure(0)?;
        Some((s.get::<i32>("width").ok()?, s.get::<i32>("height").ok()?))
    }

    /// (rtt ms, jitter ms, loss %) from webrtcbin's own statistics, where it has them.
    pub async fn network_stats(&self) -> (Option<f64>, Option<f64>, Option<f64>) {
        let w = self.publisher.clone();
        let Ok(Some(st)) = promise(|p| w.emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &p])).await else { return (None, None, None) };
        let (mut rtt, mut jitter, mut lost, mut received) = (None, None, 0i64, 0u64);
        for (_, v) in st.iter() {
            let Ok(s) = v.get::<gst::Structure>() else { continue };
            if let Ok(r) = s.get::<f64>("round-trip-time") {
                rtt = Some(r * 1000.0);
            }
            if s.name().as_str() == "inbound-rtp" || s.has_field("packets-received") {
                if let Ok(j) = s.get::<f64>("jitter") {
                    jitter = Some(jitter.unwrap_or(0f64).max(j * 1000.0));
                }
                lost += s.get::<i64>("packets-lost").unwrap_or(0);
                received += s.get::<u64>("packets-received").unwrap_or(0);
            }
        }
        let loss = (received > 0).then(|| (lost.max(0) as f64 * 100.0 / (received as f64 + lost.max(0) as f64) * 10.0).round() / 10.0);
        (rtt, jitter, loss)
    }

    pub fn close(&self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

impl Drop for Media {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // The guest's audio, made here: Opus packets of 2.5 ms (400 a second) into the track's tee.
        let src = gst::ElementFactory::make("audiotestsrc").property("is-live", true).property("samplesperbuffer", 120i32).build().unwrap();
        let enc = make("opusenc").unwrap();
        enc.set_property_from_str("frame-size", "2.5");
        let tee = make("tee").unwrap();
        tee.set_property("allow-not-linked", true);
        m.pipeline.add_many([&src, &enc, &tee]).unwrap();
        gst::Element::link_many([&src, &enc, &tee]).unwrap();
        let packets = Arc::new(AtomicU64::new(0));
        let p = packets.clone();
        tee.static_pad("sink").unwrap().add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            p.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
        for e in [&src, &enc, &tee] {
            e.sync_state_with_parent().unwrap();
        }
        m.tracks.lock().unwrap().push(Track { kind: "audio", encoding: "OPUS".into(), tee });
        m.expected_tracks.store(1, Ordering::Relaxed);
        for round in 0..6 {
            for i in 0..4 {
                m.add_viewer(&format!("v{round}.{i}"), viewer_offer()).await.expect("a viewer");
            }
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
        assert!(wait_for(|| m.pipeline.children().len() == 4).await, "{:?}", m.pipeline.children().iter().map(|e| e.name()).collect::<Vec<_>>());
        m.close();
    }

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
