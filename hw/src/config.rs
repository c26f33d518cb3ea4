//! `[hardware]` in onair.toml: which pins the buttons and the tally light are on, and which panel is
//! wired how. The defaults suit a Pi with a 1.3" ST7789 240×240 HAT (SPI0, DC 25, reset 27, backlight
//! 24) or an SSD1306 on I2C bus 1, and four buttons to ground on free pins.
use serde::Deserialize;

use crate::buttons::Button;
use crate::screen::ScreenKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Display {
    /// SSD1306 128×64 mono OLED on I2C.
    Ssd1306,
    /// ST7789 240×240 colour LCD on SPI.
    St7789,
    None,
}

impl Display {
    pub fn kind(self) -> Option<ScreenKind> {
        match self {
            Display::Ssd1306 => Some(ScreenKind::Oled128x64),
            Display::St7789 => Some(ScreenKind::Lcd240x240),
            Display::None => None,
        }
    }
}

/// BCM GPIO numbers of the buttons (each switches to ground; the pins get internal pull-ups).
/// A `buttons` table given in onair.toml replaces the defaults: a button left out is not wired.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonPins {
    pub go_live: Option<u8>,
    pub next_scene: Option<u8>,
    pub mute_guests: Option<u8>,
    pub user: Option<u8>,
}

impl Default for ButtonPins {
    fn default() -> Self {
        ButtonPins { go_live: Some(5), next_scene: Some(6), mute_guests: Some(13), user: Some(19) }
    }
}

impl ButtonPins {
    pub fn pins(&self) -> Vec<(Button, u8)> {
        [(Button::GoLive, self.go_live), (Button::NextScene, self.next_scene), (Button::MuteGuests, self.mute_guests), (Button::User, self.user)]
            .into_iter()
            .filter_map(|(b, p)| p.map(|p| (b, p)))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HwConfig {
    pub buttons: ButtonPins,
    /// The tally LED or relay (None: no tally light).
    pub tally: Option<u8>,
    /// A relay board that switches on a low level.
    pub tally_active_low: bool,
    pub display: Display,
    pub i2c_bus: u8,
    pub i2c_address: u8,
    pub spi_bus: u8,
    pub spi_cs: u8,
    pub spi_hz: u32,
    pub dc: u8,
    pub reset: Option<u8>,
    pub backlight: Option<u8>,
    /// Most 240×240 ST7789 modules need their colours inverted.
    pub invert: bool,
    /// 0, 90, 180 or 270 degrees.
    pub rotation: u16,
}

impl Default for HwConfig {
    fn default() -> Self {
        HwConfig {
            buttons: ButtonPins::default(),
            tally: Some(26),
            tally_active_low: false,
            display: Display::St7789,
            i2c_bus: 1,
            i2c_address: 0x3c,
            spi_bus: 0,
            spi_cs: 0,
            spi_hz: 40_000_000,
            dc: 25,
            reset: Some(27),
            backlight: Some(24),
            invert: true,
            rotation: 0,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("[hardware]: GPIO {0} is used twice ({1} and {2})")]
    PinTwice(u8, String, String),
    #[error("[hardware]: GPIO {0} does not exist on a Raspberry Pi header (0–27)")]
    NoSuchPin(u8),
    #[error("[hardware]: rotation must be 0, 90, 180 or 270, not {0}")]
    Rotation(u16),
}

impl HwConfig {
    /// Every pin in use, with what it is for; rejects a pin used twice, including the bus pins of
    /// the chosen display.
    pub fn check(&self) -> Result<(), ConfigError> {
        if ![0, 90, 180, 270].contains(&self.rotation) {
            return Err(ConfigError::Rotation(self.rotation));
        }
        let mut used: Vec<(u8, String)> = vec![];
        let mut add = |pin: u8, what: String| -> Result<(), ConfigError> {
            if pin > 27 {
                return Err(ConfigError::NoSuchPin(pin));
            }
            if let Some((_, other)) = used.iter().find(|(p, _)| *p == pin) {
                return Err(ConfigError::PinTwice(pin, other.clone(), what));
            }
            used.push((pin, what));
            Ok(())
        };
        for (b, p) in self.buttons.pins() {
            add(p, format!("button {}", b.name()))?;
        }
        if let Some(p) = self.tally {
            add(p, "tally".into())?;
        }
        match self.display {
            Display::Ssd1306 if self.i2c_bus == 1 => {
                add(2, "I2C1 SDA".into())?;
                add(3, "I2C1 SCL".into())?;
            }
            Display::St7789 => {
                if self.spi_bus == 0 {
                    for (p, w) in [(9, "SPI0 MISO"), (10, "SPI0 MOSI"), (11, "SPI0 SCLK")] {
                        add(p, w.into())?;
                    }
                    add(if self.spi_cs == 0 { 8 } else { 7 }, format!("SPI0 CE{}", self.spi_cs))?;
                }
                add(self.dc, "display DC".into())?;
                if let Some(p) = self.reset {
                    add(p, "display reset".into())?;
                }
                if let Some(p) = self.backlight {
                    add(p, "display backlight".into())?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        hardware: HwConfig,
    }

    #[test]
    fn defaults_are_consistent() {
        HwConfig::default().check().unwrap();
        HwConfig { display: Display::Ssd1306, ..Default::default() }.check().unwrap();
    }

    #[test]
    fn parses_onair_toml() {
        let f: File = toml::from_str(
            "[hardware]\ndisplay = \"ssd1306\"\ni2c_address = 0x3d\ntally = 17\ntally_active_low = true\nbuttons = { go_live = 20, user = 21 }\n",
        )
        .unwrap();
        let h = f.hardware;
        assert_eq!(h.display, Display::Ssd1306);
        assert_eq!(h.display.kind(), Some(ScreenKind::Oled128x64));
        assert_eq!(h.i2c_address, 0x3d);
        assert_eq!(h.tally, Some(17));
        assert!(h.tally_active_low);
        // A table given replaces the default buttons: the ones left out are not wired.
        assert_eq!(h.buttons.pins(), vec![(Button::GoLive, 20), (Button::User, 21)]);
        h.check().unwrap();
        let none: File = toml::from_str("").unwrap();
        assert_eq!(none.hardware, HwConfig::default());
    }

    #[test]
    fn rejects_clashes_and_typos() {
        let c = HwConfig { tally: Some(5), ..Default::default() };
        assert_eq!(c.check(), Err(ConfigError::PinTwice(5, "button go-live".into(), "tally".into())));
        let c = HwConfig { dc: 10, ..Default::default() };
        assert!(matches!(c.check(), Err(ConfigError::PinTwice(10, _, _))), "{:?}", c.check());
        let c = HwConfig { display: Display::Ssd1306, tally: Some(3), ..Default::default() };
        assert!(matches!(c.check(), Err(ConfigError::PinTwice(3, _, _))));
        assert_eq!(HwConfig { tally: Some(40), ..Default::default() }.check(), Err(ConfigError::NoSuchPin(40)));
        assert_eq!(HwConfig { rotation: 45, ..Default::default() }.check(), Err(ConfigError::Rotation(45)));
        assert!(toml::from_str::<File>("[hardware]\ntaly = 4\n").is_err(), "a typo is an error, not a silent default");
        assert!(toml::from_str::<File>("[hardware]\ndisplay = \"crt\"\n").is_err());
    }
}
