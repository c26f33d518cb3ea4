//! One recording's FLV file: tags appended with timestamps from zero, buffered, synced on demand.
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::BytesMut;

use crate::media::{flv, Frame};

/// Written out when this much is buffered (a few frames of a 6 Mb/s feed), or at each sync.
const BUFFER: usize = 256 * 1024;

pub struct FlvFile {
    file: File,
    buf: BytesMut,
    bytes: u64,
    base: Option<u32>,
    last_ts: u32,
    /// After a gap: nothing until the next keyframe (headers still go in).
    need_key: bool,
}

impl FlvFile {
    /// A new file in `dir` named for the time it starts (`onair-20261203-2001.flv`, `-2` … if taken).
    /// A new file named for the time (and `-second` for the second feed's), never over another.
    pub fn create_in(dir: &Path, feed: crate::media::feed::FeedId, at: chrono::DateTime<chrono::Local>) -> std::io::Result<(PathBuf, FlvFile)> {
        let tail = if feed == crate::media::feed::FeedId::Second { "-second" } else { "" };
        let stem = format!("onair-{}{tail}", at.format("%Y%m%d-%H%M%S"));
        for n in 1..1000 {
            let name = if n == 1 { format!("{stem}.flv") } else { format!("{stem}-{n}.flv") };
            let path = dir.join(name);
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok((path, FlvFile::new(file)?)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free file name"))
    }

    pub fn new(mut file: File) -> std::io::Result<FlvFile> {
        file.write_all(&flv::FILE_HEADER)?;
        Ok(FlvFile { file, buf: BytesMut::with_capacity(BUFFER), bytes: flv::FILE_HEADER.len() as u64, base: None, last_ts: 0, need_key: true })
    }

    pub fn write(&mut self, f: &Frame) -> std::io::Result<()> {
        if self.need_key && !f.is_sequence_header() {
            // Audio before the first picture would make a file that starts in silence-less black.
            if !f.is_keyframe() {
                return Ok(());
            }
            self.need_key = false;
        }
        let base = *self.base.get_or_insert(f.ts);
        let ts = f.ts.saturating_sub(base);
        self.last_ts = self.last_ts.max(ts);
        let before = self.buf.len();
        flv::write_tag(&mut self.buf, &Frame { kind: f.kind, ts, data: f.data.clone() });
        self.bytes += (self.buf.len() - before) as u64;
        if self.buf.len() >= BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    /// Frames were missed: continue at the next keyframe.
    pub fn resync(&mut self) {
        self.need_key = true;
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Everything written so far, on the disk.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.flush()?;
        self.file.sync_data()
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn duration_ms(&self) -> u64 {
        self.last_ts as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::feed::FeedId;
    use bytes::Bytes;

    #[test]
    fn a_file_starts_at_a_keyframe_from_zero_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let at = chrono::Local::now();
        let (p1, mut f) = FlvFile::create_in(dir.path(), FeedId::Main, at).unwrap();
        let (p2, _) = FlvFile::create_in(dir.path(), FeedId::Main, at).unwrap();
        assert_ne!(p1, p2, "a second recording in the same second gets its own name");
        let (p3, _) = FlvFile::create_in(dir.path(), FeedId::Second, at).unwrap();
        assert!(p3.to_string_lossy().ends_with("-second.flv"), "{}", p3.display());
        let seq = Frame::video(5000, Bytes::from_static(&[0x17, 0, 0, 0, 0, 1]));
        let inter = Frame::video(5000, Bytes::from_static(&[0x27, 1, 0, 0, 0, 2]));
        let key = Frame::video(5033, Bytes::from_static(&[0x17, 1, 0, 0, 0, 3]));
        let aac = Frame::audio(5040, Bytes::from_static(&[0xaf, 1, 4]));
        for fr in [&seq, &inter, &key, &aac] {
            f.write(fr).unwrap();
        }
        f.sync().unwrap();
        assert_eq!(f.duration_ms(), 40);
        let data = std::fs::read(&p1).unwrap();
        assert_eq!(data.len() as u64, f.bytes());
        let mut r = flv::Reader::default();
        r.push(&data);
        let got: Vec<(bool, u32)> = std::iter::from_fn(|| r.next_frame().unwrap()).map(|x| (x.is_video(), x.ts)).collect();
        assert_eq!(got, vec![(true, 0), (true, 33), (false, 40)], "the picture before the keyframe is left out");
    }
}
