//! Per-destination transcodes: the feed decoded once (`decoder`), each transcoded destination
//! scaling, cropping and encoding on its own (`encoder`). What a destination asks for is an
//! [`Output`]; a destination without one gets the feed as it is.
pub mod decoder;
pub mod encoder;

use serde::{Deserialize, Serialize};

/// How the picture fills an output of another shape.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// The whole picture, with borders where the shapes differ.
    #[default]
    Scale,
    /// A window of the output's shape cut from the picture (9:16 from 16:9), placed by `crop_x`.
    Crop,
    /// The whole picture over a blurred, filled copy of itself.
    Blur,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutCodec {
    #[default]
    H264,
}

/// What a transcoded destination receives. Sizes and rates left out follow the feed.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    #[serde(default)]
    pub codec: OutCodec,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub fps: Option<u32>,
    #[serde(default)]
    pub max_kbps: Option<u32>,
    #[serde(default)]
    pub fit: Fit,
    /// Where the crop window sits across the picture: 0 left, 0.5 centre, 1 right.
    #[serde(default = "centre")]
    pub crop_x: f64,
}

fn centre() -> f64 {
    0.5
}

impl Default for Output {
    fn default() -> Self {
        Output { codec: OutCodec::H264, width: None, height: None, fps: None, max_kbps: None, fit: Fit::Scale, crop_x: 0.5 }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OutputError {
    #[error("output: give both width and height, or neither")]
    HalfSize,
    #[error("output: {0} must be an even number from {1} to {2}")]
    Size(&'static str, u32, u32),
    #[error("output: fps must be 1 to 60")]
    Fps,
    #[error("output: max_kbps must be 300 to 50000")]
    Kbps,
    #[error("output: crop_x must be from 0.0 to 1.0")]
    CropX,
    #[error("output: fit \"{0}\" needs a width and a height")]
    FitNeedsSize(&'static str),
}

impl Output {
    /// The feed's picture as it is, in H.264: for a destination that does not take the feed's codec.
    pub fn h264_as_is() -> Output {
        Output::default()
    }

    /// 9:16 by centre crop.
    pub fn vertical() -> Output {
        Output { width: Some(720), height: Some(1280), fit: Fit::Crop, ..Output::default() }
    }

    pub fn check(&self) -> Result<(), OutputError> {
        match (self.width, self.height) {
            (Some(w), Some(h)) => {
                for (name, v) in [("width", w), ("height", h)] {
                    if !(128..=3840).contains(&v) || v % 2 != 0 {
                        return Err(OutputError::Size(name, 128, 3840));
                    }
                }
            }
            (None, None) => {
                if self.fit != Fit::Scale {
                    return Err(OutputError::FitNeedsSize(if self.fit == Fit::Crop { "crop" } else { "blur" }));
                }
            }
            _ => return Err(OutputError::HalfSize),
        }
        if self.fps.is_some_and(|f| !(1..=60).contains(&f)) {
            return Err(OutputError::Fps);
        }
        if self.max_kbps.is_some_and(|k| !(300..=50_000).contains(&k)) {
            return Err(OutputError::Kbps);
        }
        if !(0.0..=1.0).contains(&self.crop_x) {
            return Err(OutputError::CropX);
        }
        Ok(())
    }

    /// The picture size that goes out for a feed of `w`×`h`.
    pub fn size_for(&self, w: u32, h: u32) -> (u32, u32) {
        match (self.width, self.height) {
            (Some(ow), Some(oh)) => (ow, oh),
            _ => (w & !1, h & !1),
        }
    }

    /// The bitrate: the user's cap, or about 0.1 bit per pixel, which x264 veryfast needs for
    /// clean motion (720p30 ≈ 2.8 Mb/s, 1080p30 ≈ 6.2 Mb/s).
    pub fn kbps_for(&self, w: u32, h: u32, fps: u32) -> u32 {
        self.max_kbps.unwrap_or_else(|| ((w as u64 * h as u64 * fps as u64) / 10_000).clamp(500, 12_000) as u32)
    }
}

/// Pixels to cut from each side (left, right, top, bottom) so that a `w`×`h` picture takes the
/// shape of `ow`×`oh`; `x` places the window across (0 left … 1 right), a taller window is centred.
pub fn crop_window(w: u32, h: u32, ow: u32, oh: u32, x: f64) -> (u32, u32, u32, u32) {
    if w == 0 || h == 0 || ow == 0 || oh == 0 {
        return (0, 0, 0, 0);
    }
    let (w64, h64, ow64, oh64) = (w as u64, h as u64, ow as u64, oh as u64);
    if w64 * oh64 > h64 * ow64 {
        // Wider than the output: cut the sides.
        let cw = ((h64 * ow64 / oh64) as u32).max(2) & !1;
        let spare = w - cw.min(w);
        let left = ((spare as f64 * x.clamp(0.0, 1.0)).round() as u32).min(spare);
        (left, spare - left, 0, 0)
    } else {
        let ch = ((w64 * oh64 / ow64) as u32).max(2) & !1;
        let spare = h - ch.min(h);
        let top = spare / 2;
        (0, 0, top, spare - top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertical_crop_windows() {
        // 1920×1080 to 9:16: a 606-wide window (1080 × 9/16 = 607.5, kept even).
        assert_eq!(crop_window(1920, 1080, 720, 1280, 0.5), (657, 657, 0, 0));
        assert_eq!(crop_window(1920, 1080, 720, 1280, 0.0), (0, 1314, 0, 0));
        assert_eq!(crop_window(1920, 1080, 720, 1280, 1.0), (1314, 0, 0, 0));
        assert_eq!(crop_window(1920, 1080, 1280, 720, 0.5), (0, 0, 0, 0), "same shape: nothing cut");
        // A 4:3 picture into 16:9: the top and bottom go.
        assert_eq!(crop_window(640, 480, 1280, 720, 0.5), (0, 0, 60, 60));
        assert_eq!(crop_window(0, 0, 720, 1280, 0.5), (0, 0, 0, 0));
    }

    #[test]
    fn outputs_are_checked() {
        assert_eq!(Output::vertical().check(), Ok(()));
        assert_eq!(Output::h264_as_is().check(), Ok(()));
        let o = |j: &str| serde_json::from_str::<Output>(j).unwrap();
        assert_eq!(o(r#"{"width":720}"#).check(), Err(OutputError::HalfSize));
        assert_eq!(o(r#"{"width":721,"height":1280}"#).check(), Err(OutputError::Size("width", 128, 3840)));
        assert_eq!(o(r#"{"fit":"crop"}"#).check(), Err(OutputError::FitNeedsSize("crop")));
        assert_eq!(o(r#"{"fps":120}"#).check(), Err(OutputError::Fps));
        assert_eq!(o(r#"{"max_kbps":10}"#).check(), Err(OutputError::Kbps));
        assert_eq!(o(r#"{"width":720,"height":1280,"fit":"crop","crop_x":1.5}"#).check(), Err(OutputError::CropX));
        let v = o(r#"{"codec":"h264","width":720,"height":1280,"fit":"crop"}"#);
        assert_eq!(v, Output::vertical());
        assert!(serde_json::from_str::<Output>(r#"{"codec":"vp8"}"#).is_err());
        assert!(serde_json::from_str::<Output>(r#"{"widht":720}"#).is_err(), "a misspelt field is an error, not ignored");
        assert_eq!(v.kbps_for(720, 1280, 30), 2764);
        assert_eq!(Output { max_kbps: Some(1500), ..v }.kbps_for(720, 1280, 30), 1500);
    }
}
