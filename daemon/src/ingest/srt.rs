//! SRT ingest (listener, MPEG-TS): `srt://HOST:9000?streamid=<key>`. GStreamer's `srtsrc` receives and
//! checks the stream id; `tsdemux` and a parser per stream (H.264 or HEVC video, AAC audio) give
//! access units that the box packs into the same FLV tags the RTMP ingest produces (HEVC as
//! Enhanced RTMP: flvmux in GStreamer 1.22 has no HEVC). One pipeline per caller; a new one listens
//! when it ends. With a passphrase set (`PUT /api/v1/ingest/srt`), only callers that encrypt with it get in.
//!
//! While nobody calls, a plain UDP socket holds the port: libsrt's listener wakes about a hundred
//! times a second even when idle (~1 % of a core here, more on a Pi). The first packet of a caller's
//! handshake starts `srtsrc`, and the caller's own retransmission (every 250 ms, for 3 s) connects.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::{Ingests, Proto};
use crate::media::elementary;
use crate::media::feed::FeedId;
use crate::media::pipeline::{self, PipelineError};

/// Fixed text; the listening address and the passphrase are set on `srtsrc` as properties, and each
/// stream `tsdemux` finds gets its branch from [`branch`].
const PIPELINE: &str = "srtsrc name=src latency=120 authentication=true ! queue ! tsdemux name=demux";

/// A stream of the feed: how it is parsed, and how its access units become tags.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stream {
    H264,
    Hevc,
    Aac,
}

impl Stream {
    fn of(caps: &gst::CapsRef) -> Option<Stream> {
        let s = caps.structure(0)?;
        match s.name().as_str() {
            "video/x-h264" => Some(Stream::H264),
            "video/x-h265" => Some(Stream::Hevc),
            "audio/mpeg" if s.get::<i32>("mpegversion").is_ok_and(|v| v == 2 || v == 4) => Some(Stream::Aac),
            _ => None,
        }
    }

    fn branch(self) -> &'static str {
        match self {
            Stream::H264 => "queue ! h264parse ! video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false max-buffers=256",
            Stream::Hevc => "queue ! h265parse ! video/x-h265,stream-format=hvc1,alignment=au ! appsink name=sink sync=false max-buffers=256",
            Stream::Aac => "queue ! aacparse ! audio/mpeg,mpegversion=4,stream-format=raw ! appsink name=sink sync=false max-buffers=256",
        }
    }
}

/// Tags of one stream to the caller's claim on the ingest.
type Claim = Arc<std::sync::Mutex<Option<super::PublishGuard>>>;

/// Whether a video and an audio stream are already linked for this caller.
type Taken = Arc<std::sync::Mutex<(bool, bool)>>;

/// Adds the branch for a stream `tsdemux` found and links it: the first video and the first audio
/// stream only (a feed with several video tracks, as OBS's multitrack output or ffmpeg with two
/// video maps sends, goes on with its first, like the RTMP ingest's default track). Other streams
/// (subtitles, data, more tracks) are left unlinked, as `tsdemux` allows.
fn branch(p: &gst::Pipeline, pad: &gst::Pad, claim: &Claim, taken: &Taken) -> Result<(), String> {
    let Some(stream) = pad.current_caps().as_deref().and_then(Stream::of) else {
        tracing::debug!(caps = ?pad.current_caps(), "srt: a stream the box does not take");
        return Ok(());
    };
    {
        let mut t = taken.lock().unwrap();
        let slot = if stream == Stream::Aac { &mut t.1 } else { &mut t.0 };
        if *slot {
            tracing::info!(?stream, pad = %pad.name(), "srt: another track of the feed, not taken (the first one is)");
            return Ok(());
        }
        *slot = true;
    }
    let bin = gst::parse::bin_from_description(stream.branch(), true).map_err(|e| e.to_string())?;
    let sink = bin.by_name("sink").and_then(|e| e.downcast::<gst_app::AppSink>().ok()).ok_or("no appsink")?;
    let claim = claim.clone();
    let emit = move |f| {
        if let Some(g) = claim.lock().unwrap().as_ref() {
            g.push(f);
        }
        true
    };
    sink.set_callbacks(match stream {
        Stream::H264 => pipeline::tag_callbacks_to(emit, elementary::avc_config, elementary::avc_picture),
        Stream::Hevc => pipeline::tag_callbacks_to(emit, elementary::hevc_config, elementary::hevc_picture),
        Stream::Aac => pipeline::tag_callbacks_to(emit, elementary::aac_config, |ts, _, _, raw| elementary::aac_frame(ts, raw)),
    });
    p.add(&bin).map_err(|e| e.to_string())?;
    bin.sync_state_with_parent().map_err(|e| e.to_string())?;
    let target = bin.static_pad("sink").ok_or("no sink pad")?;
    pad.link(&target).map_err(|e| e.to_string())?;
    tracing::debug!(?stream, "srt: stream linked");
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum ListenError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("cannot start SRT listener on {addr}: {source}")]
    Start { addr: SocketAddr, source: gst::StateChangeError },
    #[error("{0}")]
    Stream(#[source] gst::glib::Error),
}

fn pipeline(addr: SocketAddr, passphrase: &str) -> Result<(gst::Pipeline, gst::Element, gst::Element), PipelineError> {
    let p = pipeline::launch(PIPELINE)?;
    let src: gst::Element = pipeline::element(&p, "src")?;
    let host = match addr.ip() {
        std::net::IpAddr::V6(a) => format!("[{a}]"),
        a => a.to_string(),
    };
    src.set_property("uri", format!("srt://{host}:{}?mode=listener", addr.port()));
    if !passphrase.is_empty() {
        // libsrt enforces encryption by default: a caller without it, or with another one, is refused.
        src.set_property("passphrase", passphrase);
    }
    let demux: gst::Element = pipeline::element(&p, "demux")?;
    Ok((p, src, demux))
}

/// How long `srtsrc` listens without a caller (say, one refused for a wrong key) before the port
/// goes back to the idle watcher.
const NO_CALLER: Duration = Duration::from_secs(10);

/// Waits, at no cost, until something sends a datagram to the SRT port.
async fn wait_for_caller(addr: SocketAddr) -> std::io::Result<()> {
    let sock = tokio::net::UdpSocket::bind(addr).await?;
    let mut buf = [0u8; 1500];
    let (_, from) = sock.recv_from(&mut buf).await?;
    tracing::debug!(%from, "srt: a caller knocks; starting the listener");
    Ok(())
}

pub async fn serve(addr: SocketAddr, ingest: Ingests) {
    loop {
        if let Err(e) = wait_for_caller(addr).await {
            tracing::warn!("srt ingest: cannot listen on {addr}: {e}");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        let ing = ingest.clone();
        let r = tokio::task::spawn_blocking(move || run_once(addr, ing)).await;
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!("srt ingest: {e}");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => {
                tracing::error!("srt ingest task: {e}");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Listens for one caller and runs until it leaves. Blocking (GStreamer bus loop).
fn run_once(addr: SocketAddr, ingest: Ingests) -> Result<(), ListenError> {
    // One passphrase for the SRT listener, whichever feed the caller brings.
    let (p, src, demux) = pipeline(addr, &ingest.main.srt_passphrase())?;
    let guard: Claim = Arc::new(std::sync::Mutex::new(None));
    // The feed the caller's key is for, from `caller-connecting` (which sees the stream id) to
    // `caller-added` (which does not).
    let chosen: Arc<std::sync::Mutex<Option<FeedId>>> = Arc::default();
    {
        let (ingest, chosen) = (ingest.clone(), chosen.clone());
        src.connect("caller-connecting", false, move |args| {
            let peer = args.get(1).and_then(|v| v.get::<gst::glib::Object>().ok()).map(|_| "srt-caller".to_string());
            let sid = args.get(2).and_then(|v| v.get::<Option<String>>().ok()).flatten().unwrap_or_default();
            let key = sid.strip_prefix("#!::r=").map(|s| s.split(',').next().unwrap_or("")).unwrap_or(&sid).to_string();
            let feed = ingest.which(&key).filter(|f| ingest.get(*f).publisher_proto().is_none_or(|p| p == Proto::TestSignal));
            if feed.is_none() {
                tracing::warn!(peer = peer.as_deref().unwrap_or("?"), "srt: caller refused (wrong key or busy)");
            }
            *chosen.lock().unwrap() = feed;
            Some(feed.is_some().to_value())
        });
    }
    {
        let (ingest, guard) = (ingest.clone(), guard.clone());
        src.connect("caller-added", false, move |_| {
            let feed = (*chosen.lock().unwrap())?;
            let ing = ingest.get(feed);
            match ing.claim(Proto::Srt, "srt-caller", Some(&ing.key())) {
                Ok(g) => *guard.lock().unwrap() = Some(g),
                Err(e) => tracing::warn!("srt: {e}"),
            }
            None
        });
    }
    {
        let (guard, weak, taken) = (guard.clone(), p.downgrade(), Taken::default());
        demux.connect_pad_added(move |_, pad| {
            let Some(p) = weak.upgrade() else { return };
            if let Err(e) = branch(&p, pad, &guard, &taken) {
                tracing::warn!("srt: a stream of the feed cannot be taken: {e}");
            }
        });
    }
    {
        // Wake the bus loop when the caller leaves, so it can block instead of polling.
        let bus = pipeline::bus(&p)?;
        src.connect("caller-removed", false, move |_| {
            let _ = bus.post(gst::message::Application::new(gst::Structure::new_empty("caller-removed")));
            None
        });
    }
    p.set_state(gst::State::Playing).map_err(|source| ListenError::Start { addr, source })?;
    let bus = pipeline::bus(&p)?;
    let started = std::time::Instant::now();
    let result = loop {
        match bus.timed_pop(gst::ClockTime::from_seconds(1)) {
            None if guard.lock().unwrap().is_none() && started.elapsed() > NO_CALLER => break Ok(()),
            None => continue,
            Some(msg) => match msg.view() {
                gst::MessageView::Eos(_) | gst::MessageView::Application(_) => break Ok(()),
                gst::MessageView::Error(e) => break Err(ListenError::Stream(e.error())),
                _ => {}
            },
        }
    };
    let _ = p.set_state(gst::State::Null);
    guard.lock().unwrap().take();
    result
}
