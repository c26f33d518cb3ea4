//! The box's own hardware: buttons, status screen, tally light and encoder detection, each behind a
//! small interface with a simulated backend (any PC) and a Raspberry Pi backend (`--features rpi`).
pub mod buttons;
pub mod config;
pub mod encoders;
pub mod panel;
pub mod pins;
#[cfg(feature = "rpi")]
pub mod rpi;
pub mod screen;
pub mod sysinfo;
pub mod tally;

pub use buttons::{Button, ButtonLogic, Press};
pub use screen::{Page, ScreenKind, ScreenState};
pub use tally::Tally;
