//! A destination that gets its own picture (a cap, a vertical crop, H.264 from an HEVC/AV1 feed):
//! its encoder's video and the program's own audio (AAC, untouched) go into a program of the
//! destination's own, which its session reads like any other. The decoder is shared: the first
//! transcoded destination starts it, the last one to stop ends it.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use gstreamer as gst;
use tokio::sync::{broadcast, mpsc, watch};

use crate::media::h264enc::Choice;
use crate::media::program::{Program, Source};
use crate::media::transcode::decoder::Decoded;
use crate::media::transcode::encoder::{Encoder, Input};
use crate::media::transcode::Output;
use crate::media::Frame;

/// How far audio may run ahead of the encoded video before it goes out anyway (the encoder
/// holds a picture or two; the decoder restarting at a codec change holds more).
const AUDIO_LEAD_MS: u32 = 1_000;

pub struct Transcoder {
    rt: tokio::runtime::Handle,
    program: Arc<Program>,
    encoder: Choice,
    decoded: Mutex<Weak<Decoded>>,
}

/// What a running transcode tells the fanout.
#[derive(Default)]
pub struct Counters {
    /// Pictures this output's encoder did not get to (it fell behind the decoder).
    pub dropped: AtomicU64,
}

impl Transcoder {
    pub fn new(rt: tokio::runtime::Handle, program: Arc<Program>, encoder: Choice) -> Self {
        Transcoder { rt, program, encoder, decoded: Mutex::default() }
    }

    fn decoded(&self) -> Arc<Decoded> {
        let mut g = self.decoded.lock().unwrap();
        if let Some(d) = g.upgrade() {
            return d;
        }
        let d = Decoded::start(&self.rt, &self.program);
        *g = Arc::downgrade(&d);
        d
    }

    /// Whether a decoder is running (some transcoded output holds it).
    pub fn decoding(&self) -> bool {
        self.decoded.lock().unwrap().strong_count() > 0
    }

    /// Starts a transcode of the program to `spec`; it runs until `stop` says so. `crop_x` moves
    /// the crop window while it runs.
    pub fn output(&self, spec: Output, crop_x: watch::Receiver<f64>, stop: watch::Receiver<bool>, counters: Arc<Counters>) -> Arc<Program> {
        let out = Arc::new(Program::new());
        let decoded = self.decoded();
        self.rt.spawn(run(self.program.clone(), decoded, out.clone(), spec, self.encoder.name(), crop_x, stop, counters));
        out
    }
}

/// Audio waits here until the video has reached its time, so the two go out interleaved.
#[derive(Default)]
struct Interleave {
    audio: VecDeque<Frame>,
    video_ts: Option<u32>,
}

impl Interleave {
    fn audio(&mut self, f: Frame, out: &Program) {
        self.audio.push_back(f);
        let newest = self.audio.back().map_or(0, |f| f.ts);
        while let Some(a) = self.audio.front() {
            let due = self.video_ts.is_some_and(|v| a.ts <= v) || newest.saturating_sub(a.ts) > AUDIO_LEAD_MS;
            if !due {
                break;
            }
            out.push(Source::Feed, self.audio.pop_front().expect("front"));
        }
    }

    fn video(&mut self, f: Frame, out: &Program) {
        if !f.is_sequence_header() {
            while self.audio.front().is_some_and(|a| a.ts <= f.ts) {
                out.push(Source::Feed, self.audio.pop_front().expect("front"));
            }
            self.video_ts = Some(f.ts);
        }
        out.push(Source::Feed, f);
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    program: Arc<Program>,
    decoded: Arc<Decoded>,
    out: Arc<Program>,
    spec: Output,
    encoder: String,
    mut crop_x: watch::Receiver<f64>,
    mut stop: watch::Receiver<bool>,
    counters: Arc<Counters>,
) {
    let mut raw = decoded.subscribe();
    let (mut frames, headers) = program.subscribe();
    if let Some(a) = headers.audio {
        out.push(Source::Feed, a);
    }
    let (tx, mut coded) = mpsc::channel::<Frame>(64);
    let mut enc: Option<Encoder> = None;
    let mut mix = Interleave::default();
    let mut meta_for: Option<(u32, u32, u32, u32)> = None;
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            Some(f) = coded.recv() => mix.video(f, &out),
            r = raw.recv() => match r {
                Ok(sample) => {
                    let Some(input) = sample.caps().and_then(Input::of) else { continue };
                    if enc.as_mut().is_some_and(|e| e.input != input && !e.set_input(input)) {
                        enc = None;
                    }
                    if enc.is_none() {
                        match Encoder::start(&Output { crop_x: *crop_x.borrow(), ..spec.clone() }, input, &encoder, tx.clone()) {
                            Ok(e) => enc = Some(e),
                            Err(e) => {
                                tracing::warn!("transcode: {e}");
                                continue;
                            }
                        }
                    }
                    let e = enc.as_ref().expect("started above");
                    if meta_for != Some(e.out) {
                        meta_for = Some(e.out);
                        set_metadata(&program, &out, e.out);
                    }
                    push(e, &sample);
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    counters.dropped.fetch_add(n, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            r = frames.recv() => match r {
                Ok(f) if !f.is_video() => mix.audio(f, &out),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
            Ok(()) = crop_x.changed() => {
                let x = *crop_x.borrow();
                if let Some(e) = enc.as_mut() {
                    e.set_crop_x(x);
                }
            }
        }
    }
    drop(enc);
    drop(decoded);
}

fn push(e: &Encoder, sample: &gst::Sample) {
    if !e.push(sample) {
        tracing::debug!("transcode: the encoder refused a picture");
    }
}

/// The program's metadata, with this output's picture in it.
fn set_metadata(program: &Program, out: &Program, (w, h, fps, kbps): (u32, u32, u32, u32)) {
    let mut m = program.subscribe().1.metadata.unwrap_or_else(rml_rtmp::sessions::StreamMetadata::new);
    m.video_width = Some(w);
    m.video_height = Some(h);
    m.video_frame_rate = Some(fps as f32);
    m.video_bitrate_kbps = Some(kbps);
    m.video_codec_id = Some(7);
    out.set_metadata(m);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn audio_goes_out_once_the_video_reaches_it() {
        let out = Program::new();
        let (mut rx, _) = out.subscribe();
        let mut mix = Interleave::default();
        let key = |ts| Frame::video(ts, Bytes::from_static(&[0x17, 1, 0, 0, 0, 1]));
        let aac = |ts| Frame::audio(ts, Bytes::from_static(&[0xaf, 1, 9]));
        mix.video(Frame::video(0, Bytes::from_static(&[0x17, 0, 0, 0, 0, 1])), &out);
        mix.video(key(0), &out);
        for ts in [10, 31, 52] {
            mix.audio(aac(ts), &out);
        }
        mix.video(key(33), &out);
        let mut got = vec![];
        while let Ok(f) = rx.try_recv() {
            got.push((f.is_video(), f.ts));
        }
        assert_eq!(got, vec![(true, 0), (true, 0), (false, 10), (false, 31), (true, 33)], "the audio at 52 waits for the video");
        // Without video, audio does not wait for ever.
        mix.audio(aac(52 + AUDIO_LEAD_MS + 1), &out);
        assert_eq!(rx.try_recv().map(|f| f.ts).ok(), Some(52));
    }
}
