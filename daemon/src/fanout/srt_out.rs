//! Pushing the program to an SRT destination: FLV tags into GStreamer, remuxed to MPEG-TS
//! (`mpegtsmux alignment=7`, 7 TS packets per datagram) and sent by `srtsink` as a caller.
use std::time::Duration;

use bytes::BytesMut;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::atomic::Ordering;

use super::target::Target;
use super::{Feed, Gate, OutError};
use crate::media::flv;

fn build(uri: &str) -> Result<(gst::Pipeline, gst_app::AppSrc), OutError> {
    let desc = format!(
        "appsrc name=src is-live=true format=bytes caps=video/x-flv max-bytes=8000000 block=false \
         ! flvdemux name=d \
         d.video ! queue ! h264parse ! mpegtsmux name=m alignment=7 ! srtsink name=out uri=\"{uri}\" latency=120 wait-for-connection=false \
         d.audio ! queue ! aacparse ! m."
    );
    let p = gst::parse::launch(&desc)
        .map_err(|e| OutError::Other(e.to_string()))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| OutError::Other("not a pipeline".into()))?;
    let src = p
        .by_name("src")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .ok_or_else(|| OutError::Other("no appsrc".into()))?;
    Ok((p, src))
}

fn bus_error(p: &gst::Pipeline) -> Option<String> {
    let bus = p.bus()?;
    while let Some(m) = bus.pop() {
        if let gst::MessageView::Error(e) = m.view() {
            // srtsink errors name the URI, which carries the stream key: keep only the message.
            return Some(e.error().message().split("srt://").next().unwrap_or("").trim().to_string());
        }
    }
    None
}

pub async fn session(t: &Target, feed: Feed<'_>, on_live: impl FnOnce()) -> Result<(), OutError> {
    let (p, src) = build(&t.srt_uri())?;
    struct Stop(gst::Pipeline);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.set_state(gst::State::Null);
        }
    }
    let guard = Stop(p.clone());
    p.set_state(gst::State::Playing).map_err(|_| OutError::Connect(bus_error(&p).unwrap_or_else(|| "SRT caller could not start".into())))?;
    let (mut rx, headers) = feed.program.subscribe();
    let mut head = BytesMut::from(&flv::FILE_HEADER[..]);
    let mut gate = Gate::started_with_gop(&headers.gop);
    for h in [headers.video, headers.audio].into_iter().flatten().chain(headers.gop) {
        flv::write_tag(&mut head, &h);
    }
    let push = |b: bytes::Bytes| src.push_buffer(gst::Buffer::from_slice(b)).map_err(|e| OutError::Lost(format!("{e:?}")));
    feed.stats.bytes_sent.fetch_add(head.len() as u64, Ordering::Relaxed);
    push(head.freeze())?;
    let mut live = Some(on_live);
    let started = tokio::time::Instant::now();
    let mut check = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            biased;
            _ = feed.stop.changed() => {
                let _ = src.end_of_stream();
                tokio::time::sleep(Duration::from_millis(200)).await;
                drop(guard);
                return Ok(());
            }
            _ = check.tick() => {
                if let Some(e) = bus_error(&p) {
                    return Err(OutError::Lost(e));
                }
                // srtsink reports failure on the bus quickly; a second without one means connected.
                if started.elapsed() > Duration::from_secs(1) {
                    if let Some(f) = live.take() { f() }
                }
            }
            r = rx.recv() => match gate.pass(r, feed.stats) {
                Err(()) => return Ok(()),
                Ok(Some(f)) => {
                    let b = flv::frame_bytes(&f);
                    feed.stats.bytes_sent.fetch_add(b.len() as u64, Ordering::Relaxed);
                    push(b)?;
                }
                Ok(None) => {}
            }
        }
    }
}
