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
use crate::media::{flv, pipeline};

/// The pipeline's shape is fixed text; what comes from the user (the URI, the stream id, the
/// passphrase) is set on `srtsink` as properties, so no URL can add or rewire elements.
const PIPELINE: &str = "appsrc name=src is-live=true format=bytes caps=video/x-flv max-bytes=8000000 block=false \
     ! flvdemux name=d \
     d.video ! queue ! h264parse ! mpegtsmux name=m alignment=7 ! srtsink name=out latency=120 wait-for-connection=false \
     d.audio ! queue ! aacparse ! m.";

fn build(t: &Target) -> Result<(gst::Pipeline, gst_app::AppSrc), OutError> {
    let p = pipeline::launch(PIPELINE)?;
    let out: gst::Element = pipeline::element(&p, "out")?;
    // The URI first: srtsink reads its query into the same settings the properties below set.
    out.set_property("uri", t.srt_uri());
    if !t.key.is_empty() {
        out.set_property("streamid", &t.key);
    }
    if !t.passphrase.is_empty() {
        out.set_property("passphrase", &t.passphrase);
    }
    let src: gst_app::AppSrc = pipeline::element(&p, "src")?;
    Ok((p, src))
}

fn bus_error(p: &gst::Pipeline) -> Option<String> {
    let bus = p.bus()?;
    while let Some(m) = bus.pop() {
        if let gst::MessageView::Error(e) = m.view() {
            // Only the message: the debug text names the element and the URI. (`run` redacts it.)
            return Some(e.error().message().split("srt://").next().unwrap_or("").trim().to_string());
        }
    }
    None
}

pub async fn session(t: &Target, feed: Feed<'_>, on_live: impl FnOnce()) -> Result<(), OutError> {
    let (p, src) = build(t)?;
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
    let mut gate = Gate::started_with_gop(&headers.gop, &t.takes);
    gate.check(&headers)?;
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
                Err(super::Halt::Ended) => return Ok(()),
                        Err(super::Halt::Refused(e)) => return Err(e),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Launch syntax in every user-given part (host refused by the parser; query, stream id and
    /// passphrase as values) builds the same seven elements, and the values arrive unchanged.
    #[test]
    fn launch_syntax_in_the_url_builds_no_element() {
        gst::init().unwrap();
        let evil = "x\" ! filesink location=/tmp/onair-evil name=\"y";
        assert!(Target::parse("srt://a\"!filesink\"location=/tmp/e:9000", "").is_err());
        let url = format!("srt://127.0.0.1:9000?latency=200&x={}", url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>());
        let t = Target::parse(&url, "sk\"!fakesink!'k").unwrap().with_passphrase("pass\"!identity!'0123");
        let (p, _) = build(&t).unwrap();
        let names: Vec<String> = p.iterate_recurse().into_iter().flatten().map(|e| e.factory().map(|f| f.name().to_string()).unwrap_or_default()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, ["aacparse", "appsrc", "flvdemux", "h264parse", "mpegtsmux", "queue", "queue", "srtsink"], "{names:?}");
        let out = p.by_name("out").unwrap();
        assert_eq!(out.property::<Option<String>>("streamid").as_deref(), Some("sk\"!fakesink!'k"));
        let uri = out.property::<Option<String>>("uri").unwrap_or_default();
        assert!(!uri.contains("streamid") && !uri.contains("passphrase"), "{uri}");
    }
}
