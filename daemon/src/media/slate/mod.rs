//! The "be right back" slate as a loop. Its picture is still (the built-in card or the user's image),
//! so it is encoded once per feed format (size, frame rate, codec, audio format) into one GOP — an IDR,
//! then pictures that repeat it — and one silent AAC frame, and replayed with fresh timestamps for as
//! long as it is on air; it is encoded again only when the picture or the format changes.
//! Encoding it live cost 1,334 ms of CPU per 10 s at 1080p30 against 13 ms for relaying the same show
//! (issue 22's measurement); the loop costs a timer and a few copies of a reference per frame.
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::mpsc;

mod child;

pub use child::{run_job, JOB_ENV};

use super::elementary::Codec;
use super::generator::{self, GenError, Look, Params, Rate};
use super::h264enc::Choice;
use super::{pipeline, Frame, Kind};

/// What a loop was encoded from: a change in any of it encodes again.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    look: Look,
    /// The image file's size and modification time: a new upload at the same path encodes again.
    file: Option<(u64, std::time::SystemTime)>,
    params: Params,
}

impl Key {
    fn new(look: Look, params: Params) -> Self {
        let file = match &look {
            Look::Image(path) => std::fs::metadata(path).ok().and_then(|m| Some((m.len(), m.modified().ok()?))),
            _ => None,
        };
        Key { look, file, params }
    }
}

/// The slate's frame rate for a feed measured at `measured` fps, now at `current`: a measured rate
/// wavers (29.4, 30.2 ... over 2 s windows) and each change would encode the loop again, so it snaps
/// to the usual rates and moves only when the feed's rate really changed (by 8 % or more).
pub fn steady_fps(current: u32, measured: f64) -> u32 {
    const USUAL: [f64; 8] = [15.0, 24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 120.0];
    let near = |a: f64, b: f64| (a - b).abs() < b * 0.08;
    if current > 0 && near(measured, current as f64) {
        return current;
    }
    let nearest = USUAL.iter().copied().min_by(|a, b| (a - measured).abs().total_cmp(&(b - measured).abs()));
    let snapped = nearest.filter(|r| near(measured, *r)).unwrap_or(measured.round());
    snapped.clamp(1.0, 60.0) as u32
}

/// One encoded loop.
pub struct Clip {
    key: Key,
    video_header: Frame,
    audio_header: Frame,
    /// One GOP, keyframe first; its timestamps are set when it is played.
    gop: Vec<Frame>,
    silence: Frame,
}

impl Clip {
    pub fn params(&self) -> &Params {
        &self.key.params
    }
    /// Bytes held (the pictures and the sound), for the README's figures and the tests.
    pub fn bytes(&self) -> usize {
        self.gop.iter().chain([&self.video_header, &self.audio_header, &self.silence]).map(|f| f.data.len()).sum()
    }
    pub fn pictures(&self) -> usize {
        self.gop.len()
    }
}

/// How long the encoder of one loop may take (a 1080p picture takes well under a second here).
pub(super) const ENCODE_LIMIT: u64 = 30;

/// The loop's tags as the encoder made them (headers, pictures, sound), in this process.
pub(super) fn encode_here(look: &Look, mut params: Params, encoder: &Choice) -> Result<Vec<Frame>, GenError> {
    params.encoder = encoder.name();
    if !generator::can_encode(params.codec) {
        params.codec = Codec::H264;
    }
    let frames = params.fps.clamp(1, 60) * 2;
    let (tx, mut rx) = mpsc::channel(frames as usize + 64);
    let pipeline = generator::build(look, &params, &Rate::Still { frames }, tx)?;
    let bus = pipeline::bus(&pipeline)?;
    let ended = pipeline.set_state(gst::State::Playing).map_err(GenError::from).and_then(|_| {
        match bus.timed_pop_filtered(gst::ClockTime::from_seconds(ENCODE_LIMIT), &[gst::MessageType::Eos, gst::MessageType::Error]) {
            None => Err(GenError::Timeout(ENCODE_LIMIT)),
            Some(m) => match m.view() {
                gst::MessageView::Error(e) => Err(GenError::Stream(e.error().to_string())),
                _ => Ok(()),
            },
        }
    });
    let _ = pipeline.set_state(gst::State::Null);
    drop(pipeline);
    super::give_back_memory();
    ended?;
    let mut tags = vec![];
    while let Ok(f) = rx.try_recv() {
        tags.push(f);
    }
    Ok(tags)
}

impl Clip {
    fn from_tags(key: Key, tags: Vec<Frame>) -> Result<Clip, GenError> {
        let (mut video_header, mut audio_header, mut gop, mut sound) = (None, None, vec![], vec![]);
        for f in tags {
            match (f.kind, f.is_sequence_header()) {
                (Kind::Video, true) => video_header = video_header.or(Some(f)),
                (Kind::Audio, true) => audio_header = audio_header.or(Some(f)),
                (Kind::Video, false) => gop.push(f),
                (Kind::Audio, false) => sound.push(f),
            }
        }
        if !gop.first().is_some_and(Frame::is_keyframe) {
            return Err(GenError::Output("the first picture is not a keyframe"));
        }
        // A frame from the middle: the encoder's first and last frames carry its priming and flush.
        let silence = sound.get(sound.len() / 2).cloned().ok_or(GenError::Output("no sound"))?;
        Ok(Clip {
            key,
            video_header: video_header.ok_or(GenError::Output("no video sequence header"))?,
            audio_header: audio_header.ok_or(GenError::Output("no audio sequence header"))?,
            gop,
            silence,
        })
    }
}

/// The last loop encoded, kept for the next slate of the same format.
#[derive(Default, Clone)]
pub struct Cache {
    last: Arc<Mutex<Option<Arc<Clip>>>>,
    encodes: Arc<AtomicU32>,
    encoder: Choice,
    /// Encode in a child process running this binary (the daemon's own); else in this process.
    /// In a child, GStreamer's registry, the plugins and the encoder's memory never enter the
    /// daemon: loaded for the first slate they added 37 MB to its RSS for good.
    child: Option<std::path::PathBuf>,
}

impl Cache {
    pub fn new(encoder: Choice, child: Option<std::path::PathBuf>) -> Self {
        Cache { encoder, child, ..Default::default() }
    }

    /// The loop of `look` at `params`: the last one if nothing changed, else encoded now. Blocks
    /// while it encodes (a second or so at 1080p); two callers asking at once encode once.
    pub fn get(&self, look: Look, params: Params) -> Result<Arc<Clip>, GenError> {
        let key = Key::new(look, params);
        let mut last = self.last.lock().unwrap();
        if let Some(c) = last.as_ref().filter(|c| c.key == key) {
            return Ok(c.clone());
        }
        // The old loop goes before the new one is made: only one is ever held.
        *last = None;
        self.encodes.fetch_add(1, Ordering::Relaxed);
        let p = &key.params;
        tracing::info!(
            "encoding the slate's loop: {:?} at {}x{} {} fps, {} Hz {} ch, {}",
            key.look,
            p.width,
            p.height,
            p.fps,
            p.sample_rate,
            p.channels,
            p.codec.name()
        );
        let t0 = std::time::Instant::now();
        let tags = match &self.child {
            Some(exe) => child::encode(exe, &key.look, &key.params, self.encoder.wanted())?,
            None => encode_here(&key.look, key.params.clone(), &self.encoder)?,
        };
        let clip = Arc::new(Clip::from_tags(key, tags)?);
        tracing::info!("the slate's loop: {} pictures, {} bytes, encoded in {} ms", clip.pictures(), clip.bytes(), t0.elapsed().as_millis());
        *last = Some(clip.clone());
        Ok(clip)
    }

    /// How many loops were encoded (the tests count re-encodes with it).
    pub fn encodes(&self) -> u32 {
        self.encodes.load(Ordering::Relaxed)
    }
}

/// The loop played from its start: which frames are due when (sans-IO; `play` keeps the time).
pub struct Replay {
    clip: Arc<Clip>,
    picture: u64,
    sound: u64,
}

impl Replay {
    pub fn new(clip: Arc<Clip>) -> Self {
        Replay { clip, picture: 0, sound: 0 }
    }

    fn picture_ms(&self, n: u64) -> u64 {
        n * 1000 / self.clip.key.params.fps.max(1) as u64
    }

    fn sound_ms(&self, n: u64) -> u64 {
        n * 1024 * 1000 / self.clip.key.params.sample_rate.max(8000) as u64
    }

    /// The next picture, with the sound up to it (and the sequence headers first), and how long
    /// after the start of the loop they are due.
    pub fn next_batch(&mut self) -> (Duration, Vec<Frame>) {
        let at = self.picture_ms(self.picture);
        let mut out = Vec::with_capacity(4);
        if self.picture == 0 {
            out.push(self.clip.video_header.clone());
            out.push(self.clip.audio_header.clone());
        }
        while self.sound_ms(self.sound) <= at {
            out.push(Frame { ts: self.sound_ms(self.sound) as u32, ..self.clip.silence.clone() });
            self.sound += 1;
        }
        let gop = &self.clip.gop;
        out.push(Frame { ts: at as u32, ..gop[(self.picture % gop.len() as u64) as usize].clone() });
        self.picture += 1;
        (Duration::from_millis(at), out)
    }
}

/// Plays the loop in real time for as long as the task runs.
pub async fn play(clip: Arc<Clip>, mut push: impl FnMut(Frame)) {
    let start = tokio::time::Instant::now();
    let mut replay = Replay::new(clip);
    loop {
        let (due, frames) = replay.next_batch();
        tokio::time::sleep_until(start + due).await;
        frames.into_iter().for_each(&mut push);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{avc, flv};

    fn small() -> Params {
        Params { width: 320, height: 180, fps: 15, ..Params::default() }
    }

    #[test]
    fn a_wavering_feed_rate_does_not_encode_the_loop_again() {
        assert_eq!(steady_fps(30, 29.0), 30);
        assert_eq!(steady_fps(30, 31.4), 30);
        assert_eq!(steady_fps(0, 29.97), 30);
        assert_eq!(steady_fps(30, 24.6), 25, "a real change moves, to the usual rate");
        assert_eq!(steady_fps(25, 23.98), 25, "within 8 % of the current rate stays");
        assert_eq!(steady_fps(30, 59.94), 60);
        assert_eq!(steady_fps(30, 12.0), 12);
        assert_eq!(steady_fps(30, 200.0), 60);
    }

    #[test]
    fn a_still_slate_is_one_gop_encoded_once_per_format() {
        let cache = Cache::default();
        let clip = cache.get(Look::Slate, small()).unwrap();
        assert_eq!(clip.pictures(), 30, "two seconds at 15 fps");
        assert!(clip.gop[0].is_keyframe());
        assert!(clip.gop[1..].iter().all(|f| !f.is_keyframe()), "one IDR, then pictures that repeat it");
        assert_eq!(avc::sps_info(&clip.video_header.data).map(|x| (x.0, x.1)), Some((320, 180)));
        assert_eq!(flv::aac_config(&clip.audio_header.data).map(|c| c.0), Some(48000));
        // A still picture's repeats are skipped pictures: a few dozen bytes each (47 here).
        let sizes: Vec<usize> = clip.gop.iter().map(|f| f.data.len()).collect();
        assert!(sizes[1..].iter().all(|n| *n < 200), "{sizes:?}");

        let again = cache.get(Look::Slate, small()).unwrap();
        assert!(Arc::ptr_eq(&clip, &again));
        assert_eq!(cache.encodes(), 1);
        let other = cache.get(Look::Slate, Params { fps: 30, ..small() }).unwrap();
        assert_eq!((cache.encodes(), other.pictures()), (2, 60), "a new frame rate encodes again");
        cache.get(Look::Slate, Params { fps: 30, ..small() }).unwrap();
        assert_eq!(cache.encodes(), 2);
    }

    #[test]
    fn the_loop_replays_with_continuous_timestamps_and_an_idr_every_loop() {
        let clip = Cache::default().get(Look::Slate, small()).unwrap();
        let mut replay = Replay::new(clip);
        let (mut last_v, mut last_a, mut keys, mut sound) = (None::<u32>, None::<u32>, vec![], 0);
        let mut due = Duration::ZERO;
        for n in 0..150 {
            let (at, frames) = replay.next_batch();
            assert!(at >= due, "batches are due in order");
            due = at;
            if n == 0 {
                assert!(frames[0].is_sequence_header() && frames[1].is_sequence_header(), "the headers come first");
            }
            for f in frames.iter().filter(|f| !f.is_sequence_header()) {
                let last = if f.is_video() { &mut last_v } else { &mut last_a };
                assert!(last.is_none_or(|l| f.ts > l), "{:?} ts {} after {:?}", f.kind, f.ts, last);
                *last = Some(f.ts);
                if f.is_keyframe() {
                    keys.push(f.ts);
                }
                sound += !f.is_video() as u32;
            }
            assert_eq!(frames.last().unwrap().ts as u128, at.as_millis(), "a batch is due at its picture's time");
        }
        assert_eq!(keys, vec![0, 2000, 4000, 6000, 8000], "an IDR every 2 s loop");
        // 150 pictures at 15 fps are 10 s; 48 kHz AAC is 46.875 frames a second.
        assert_eq!(sound, 466, "sound frames up to 9.933 s");
    }

    #[test]
    fn hevc_and_av1_slate_loops_are_packed_as_enhanced_rtmp() {
        for (feed, codec) in [("hevc", Codec::Hevc), ("av1", Codec::Av1)] {
            assert_eq!(generator::slate_codec(feed), codec);
            assert!(generator::can_encode(codec), "x265enc or av1enc (gstreamer1.0-plugins-bad) is missing: scripts/install-deps.sh installs them");
            let clip = Cache::default().get(Look::Slate, Params { codec, ..small() }).unwrap();
            assert_eq!(flv::video_codec_name(&clip.video_header.data), feed);
            assert!(clip.video_header.is_sequence_header());
            assert!(clip.gop.iter().all(|f| flv::video_codec_name(&f.data) == feed));
            assert!(clip.gop[0].is_keyframe() && clip.gop[1..].iter().all(|f| !f.is_keyframe()), "{feed}");
            assert_eq!(clip.pictures(), 30, "{feed}");
        }
        assert_eq!(generator::slate_codec("vp9"), Codec::H264);
        assert_eq!(generator::slate_codec("h264"), Codec::H264);
    }

    #[test]
    fn a_user_image_becomes_a_loop_of_the_feed_size_and_a_new_upload_encodes_again() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("slate.png");
        let make = |w: u32| {
            let st = std::process::Command::new("gst-launch-1.0")
                .args(["-q", "videotestsrc", "num-buffers=1", "pattern=ball", "!"])
                .arg(format!("video/x-raw,width={w},height=300"))
                .args(["!", "pngenc", "!", "filesink"])
                .arg(format!("location={}", img.display()))
                .status()
                .unwrap();
            assert!(st.success());
        };
        make(400);
        let cache = Cache::default();
        let p = Params { fps: 10, ..small() };
        let clip = cache.get(Look::Image(img.clone()), p.clone()).unwrap();
        assert_eq!(avc::sps_info(&clip.video_header.data).map(|x| (x.0, x.1)), Some((320, 180)));
        assert_eq!(clip.pictures(), 20);
        make(640);
        cache.get(Look::Image(img.clone()), p).unwrap();
        assert_eq!(cache.encodes(), 2, "the new picture is encoded");
        std::fs::write(&img, b"not a picture").unwrap();
        assert!(cache.get(Look::Image(img), Params { fps: 10, ..small() }).is_err());
    }
}
