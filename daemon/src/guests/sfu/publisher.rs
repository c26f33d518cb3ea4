//! The guest's side: its `webrtcbin`, and for each track it sends a chain into a `tee` that the
//! viewers' branches take from. What flows is counted here, and dropped while the track is muted.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;

use super::negotiate::{codec, promise};
use super::{make, webrtcbin, Counters, Media, SfuError, Track, TrackKind};

impl Media {
    pub fn new(ice: super::super::ice::IceConfig) -> Result<Arc<Media>, SfuError> {
        let publisher = webrtcbin(&ice)?;
        let pipeline = gst::Pipeline::new();
        pipeline.add(&publisher)?;
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
        let pl = m.pipeline.downgrade();
        let meter = Meter { counters: m.counters.clone(), last: m.last_media.clone(), muted_audio: m.muted_audio.clone(), muted_video: m.muted_video.clone() };
        let (tracks, changes) = (m.tracks.clone(), m.changes.clone());
        m.publisher.connect_pad_added(move |_, pad| {
            if pad.direction() != gst::PadDirection::Src {
                return;
            }
            let Some(caps) = pad.current_caps() else { return };
            let Some(s) = caps.structure(0) else { return };
            let kind = if s.get::<&str>("media").ok() == Some("audio") { TrackKind::Audio } else { TrackKind::Video };
            let encoding = s.get::<&str>("encoding-name").unwrap_or("").to_string();
            let Some(pl) = pl.upgrade() else { return };
            match link_track(&pl, pad, kind, &encoding) {
                Ok(tee) => {
                    meter.watch(&tee, kind);
                    tracing::debug!(kind = kind.as_str(), %encoding, "guest track flowing");
                    tracks.lock().unwrap().push(Track { kind, encoding, tee });
                    if let Some(c) = changes.get() {
                        c.send_modify(|v| *v = v.wrapping_add(1));
                    }
                }
                Err(e) => {
                    tracing::warn!("guest track {}/{encoding} not forwarded: {e}", kind.as_str());
                    if let Ok(sink) = make("fakesink") {
                        let _ = pl.add(&sink);
                        let _ = sink.sync_state_with_parent();
                        let _ = pad.link(&sink.static_pad("sink").unwrap());
                    }
                }
            }
        });
        crate::media::drain_bus(&m.pipeline, "guest media");
        m.pipeline.set_state(gst::State::Playing)?;
        Ok(m)
    }

    pub fn video_size(&self) -> Option<(i32, i32)> {
        let t = self.tracks.lock().unwrap();
        let v = t.iter().find(|t| t.kind == TrackKind::Video)?;
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
}

/// queue ! depayloader [! parser] ! tee, fed by the publisher's new `pad`; returns the tee.
fn link_track(pl: &gst::Pipeline, pad: &gst::Pad, kind: TrackKind, encoding: &str) -> Result<gst::Element, SfuError> {
    let codec = codec(kind, encoding).ok_or(SfuError::NoMedia)?;
    let q = make("queue")?;
    let tee = make("tee")?;
    tee.set_property("allow-not-linked", true);
    let mut chain = vec![q.clone(), make(codec.depay)?];
    if let Some(p) = codec.parse {
        let p = make(p)?;
        p.set_property("config-interval", -1i32);
        chain.push(p);
    }
    chain.push(tee.clone());
    pl.add_many(&chain)?;
    gst::Element::link_many(&chain)?;
    for e in &chain {
        let _ = e.sync_state_with_parent();
    }
    pad.link(&q.static_pad("sink").unwrap())?;
    Ok(tee)
}

/// What the guest's tracks carry, as it enters their tees: counted, and dropped while muted.
struct Meter {
    counters: Arc<Counters>,
    last: Arc<Mutex<Instant>>,
    muted_audio: Arc<AtomicBool>,
    muted_video: Arc<AtomicBool>,
}

impl Meter {
    fn watch(&self, tee: &gst::Element, kind: TrackKind) {
        let (c, l) = (self.counters.clone(), self.last.clone());
        let muted = match kind {
            TrackKind::Audio => self.muted_audio.clone(),
            TrackKind::Video => self.muted_video.clone(),
        };
        tee.static_pad("sink").unwrap().add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let Some(b) = info.buffer() else { return gst::PadProbeReturn::Ok };
            *l.lock().unwrap() = Instant::now();
            match kind {
                TrackKind::Video => {
                    c.video_bytes.fetch_add(b.size() as u64, Ordering::Relaxed);
                    c.video_frames.fetch_add(1, Ordering::Relaxed);
                }
                TrackKind::Audio => {
                    c.audio_bytes.fetch_add(b.size() as u64, Ordering::Relaxed);
                }
            }
            if muted.load(Ordering::Relaxed) {
                gst::PadProbeReturn::Drop
            } else {
                gst::PadProbeReturn::Ok
            }
        });
    }
}
