//! A slate loop encoded in a short-lived child process: the daemon's own binary started with
//! [`JOB_ENV`] encodes one loop, writes it to stdout as FLV and exits. GStreamer's registry, the
//! plugins and the encoder's memory never enter the daemon (loaded for the first slate, they added
//! 37 MB to its RSS for good).
use std::time::Duration;

use super::{encode_here, ENCODE_LIMIT};
use crate::media::generator::{self, GenError, Look, Params};
use crate::media::h264enc::Choice;
use crate::media::{flv, Frame};

/// Names the job in a child's environment: the daemon's own binary encodes one loop and exits.
pub const JOB_ENV: &str = "ONAIR_SLATE_JOB";

/// One loop to encode in a child process.
#[derive(serde::Serialize, serde::Deserialize)]
struct Job {
    image: Option<std::path::PathBuf>,
    width: u32,
    height: u32,
    fps: u32,
    sample_rate: u32,
    channels: u32,
    kbps: u32,
    codec: String,
    /// The user's encoder, if any: the child looks for it (and the best one) itself.
    encoder: Option<String>,
}

/// The child's side (`main` calls it when [`JOB_ENV`] is set): encodes the loop and writes it to
/// stdout as an FLV stream. Returns the exit code.
pub fn run_job(job: &str) -> i32 {
    let result = serde_json::from_str::<Job>(job).map_err(|e| e.to_string()).and_then(|job| {
        let look = job.image.map_or(Look::Slate, Look::Image);
        let codec = generator::slate_codec(&job.codec);
        let params = Params {
            width: job.width,
            height: job.height,
            fps: job.fps,
            sample_rate: job.sample_rate,
            channels: job.channels,
            kbps: job.kbps,
            encoder: String::new(),
            codec,
        };
        encode_here(&look, params, &Choice::new(job.encoder)).map_err(|e| e.to_string())
    });
    match result {
        Ok(tags) => {
            let mut out = bytes::BytesMut::from(&flv::FILE_HEADER[..]);
            tags.iter().for_each(|f| flv::write_tag(&mut out, f));
            match std::io::Write::write_all(&mut std::io::stdout().lock(), &out) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

/// The loop's tags from a child process: `exe` (the daemon's own binary) with the job in its environment.
pub(super) fn encode(exe: &std::path::Path, look: &Look, p: &Params, wanted: Option<&str>) -> Result<Vec<Frame>, GenError> {
    use std::io::Read;
    let job = Job {
        image: match look {
            Look::Image(path) => Some(path.clone()),
            _ => None,
        },
        width: p.width,
        height: p.height,
        fps: p.fps,
        sample_rate: p.sample_rate,
        channels: p.channels,
        kbps: p.kbps,
        codec: p.codec.name().into(),
        encoder: wanted.map(str::to_string),
    };
    let json = serde_json::to_string(&job).map_err(|e| GenError::Stream(e.to_string()))?;
    let mut child = std::process::Command::new(exe)
        .env(JOB_ENV, json)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| GenError::Stream(format!("cannot start the slate encoder {}: {e}", exe.display())))?;
    let (mut stdout, mut stderr) = (child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
    let reader = std::thread::spawn(move || {
        let mut v = vec![];
        let _ = stdout.read_to_end(&mut v);
        v
    });
    // Read as it comes (a child writing more than a pipe holds would block on it): the first 4 KiB
    // say why it failed, the rest is dropped.
    let errors = std::thread::spawn(move || {
        let mut why = vec![];
        let _ = stderr.by_ref().take(4096).read_to_end(&mut why);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        String::from_utf8_lossy(&why).trim().to_string()
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(ENCODE_LIMIT);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(GenError::Timeout(ENCODE_LIMIT));
            }
        }
    };
    let out = reader.join().unwrap_or_default();
    let why = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(GenError::Stream(why));
    }
    let mut r = flv::Reader::default();
    r.push(&out);
    let mut tags = vec![];
    while let Ok(Some(f)) = r.next_frame() {
        tags.push(f);
    }
    Ok(tags)
}
