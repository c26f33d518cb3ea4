//! The guest's side: its `webrtcbin`, and for each track it sends a queue into a `tee` of the
//! guest's RTP packets that the viewers' branches take from. What flows is counted here (and the
//! picture size read from keyframes), and dropped while the track is muted.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;

use super::negotiate::promise;
use super::rtp::{self, Format, Gop};

/// The most of a guest's current group of pictures kept for a new viewer, who gets it as one burst:
/// a 720p keyframe from Chromium at 2 Mb/s is 50–150 KB, and a burst much larger than a browser's UDP
/// receive buffer would be lost to it. A longer group is dropped; the viewer then waits for the
/// keyframe its PLI asks for.
const GOP_BYTES: usize = 400_000;
use super::{make, webrtcbin, Counters, Media, SfuError, Track, TrackKind};

impl Media {
    pub fn new(ice: super::super::ice::IceConfig) -> Result<Arc<Media>, SfuError> {
        let publisher = webrtcbin(&ice)?;
        tracing::debug!(webrtcbin = %publisher.name(), "guest's webrtcbin");
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
            size: Arc::default(),
            viewers: Mutex::default(),
            streams: Mutex::default(),
            ice,
            expected_tracks: Default::default(),
            changes: Arc::default(),
        });
        // Weak: the publisher is the pipeline's child, and a strong pipeline in its own signal
        // handler is a cycle that keeps every element, thread and socket alive after the guest leaves.
        let pl = m.pipeline.downgrade();
        let meter = Meter {
            counters: m.counters.clone(),
            last: m.last_media.clone(),
            muted_audio: m.muted_audio.clone(),
            muted_video: m.muted_video.clone(),
            size: m.size.clone(),
        };
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
            let linked = Format::of(kind, &encoding).ok_or(SfuError::NoMedia).and_then(|format| Ok((format, link_track(&pl, pad)?)));
            match linked {
                Ok((format, tee)) => {
                    let gop = Arc::new(Mutex::new(Gop::new(GOP_BYTES)));
                    meter.watch(&tee, format, &gop);
                    tracing::debug!(kind = kind.as_str(), %encoding, "guest track flowing");
                    tracks.lock().unwrap().push(Track { kind, encoding, format, caps: caps.clone(), tee, gop });
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

    /// The guest's picture size, as its last keyframe gave it.
    pub fn video_size(&self) -> Option<(i32, i32)> {
        let (w, h) = (*self.size.lock().unwrap())?;
        Some((w as i32, h as i32))
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

/// queue ! tee, fed by the publisher's new `pad` (the guest's RTP packets); returns the tee.
fn link_track(pl: &gst::Pipeline, pad: &gst::Pad) -> Result<gst::Element, SfuError> {
    let q = make("queue")?;
    let tee = make("tee")?;
    tee.set_property("allow-not-linked", true);
    pl.add_many([&q, &tee])?;
    q.link(&tee)?;
    for e in [&q, &tee] {
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
    size: Arc<Mutex<Option<(u32, u32)>>>,
}

impl Meter {
    fn watch(&self, tee: &gst::Element, format: Format, gop: &Arc<Mutex<Gop<gst::Buffer>>>) {
        let (c, l, size, gop) = (self.counters.clone(), self.last.clone(), self.size.clone(), gop.clone());
        let muted = if format.is_video() { self.muted_video.clone() } else { self.muted_audio.clone() };
        tee.static_pad("sink").unwrap().add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST, move |_, info| {
            let count = |b: &gst::BufferRef| {
                let Ok(map) = b.map_readable() else { return };
                let Some(h) = rtp::parse(&map) else { return };
                if format.is_video() {
                    c.video_bytes.fetch_add(map.len() as u64, Ordering::Relaxed);
                    // The marker bit ends a picture.
                    if h.marker {
                        c.video_frames.fetch_add(1, Ordering::Relaxed);
                    }
                    let payload = &map[h.payload.0..h.payload.1];
                    let key = rtp::starts_keyframe(format, payload);
                    if key {
                        if let Some(s) = rtp::picture_size(format, payload) {
                            *size.lock().unwrap() = Some(s);
                        }
                    }
                    if !muted.load(Ordering::Relaxed) {
                        gop.lock().unwrap().push(b.to_owned(), map.len(), key);
                    }
                } else {
                    c.audio_bytes.fetch_add(map.len() as u64, Ordering::Relaxed);
                }
            };
            match &info.data {
                Some(gst::PadProbeData::Buffer(b)) => count(b),
                Some(gst::PadProbeData::BufferList(list)) => list.iter().for_each(count),
                _ => return gst::PadProbeReturn::Ok,
            }
            *l.lock().unwrap() = Instant::now();
            if muted.load(Ordering::Relaxed) {
                gst::PadProbeReturn::Drop
            } else {
                gst::PadProbeReturn::Ok
            }
        });
    }
}
