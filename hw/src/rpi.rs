//! The Raspberry Pi backend: buttons and tally on GPIO, the status screen on I2C or SPI, all through
//! rppal. Only this file knows it is on a Pi.
use rppal::gpio::{Gpio, InputPin, OutputPin};
use rppal::i2c::I2c;
use rppal::spi::{Bus, Mode, SimpleHalSpiDevice, SlaveSelect, Spi};

use crate::buttons::Button;
use crate::config::{Display, HwConfig};
use crate::panel::{NoPin, Panel, Ssd1306Panel, St7789Panel};
use crate::pins::Pins;

#[derive(Debug, thiserror::Error)]
pub enum RpiError {
    #[error("this machine is not a Raspberry Pi ({0}); use --hw sim or --hw none")]
    NotAPi(String),
    #[error("[hardware]: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("GPIO: {0} (is the onair user in the gpio group?)")]
    Gpio(#[from] rppal::gpio::Error),
    #[error("I2C bus {bus}: {err} (enable I2C: dtparam=i2c_arm=on; is the onair user in the i2c group?)")]
    I2c { bus: u8, err: rppal::i2c::Error },
    #[error("SPI bus {bus}: {err} (enable SPI: dtparam=spi=on; is the onair user in the spi group?)")]
    Spi { bus: u8, err: rppal::spi::Error },
    #[error("{0}")]
    Panel(#[from] crate::panel::PanelError),
}

/// The model string, or why this is not a Pi.
pub fn detect() -> Result<String, RpiError> {
    let info = rppal::system::DeviceInfo::new().map_err(|e| RpiError::NotAPi(e.to_string()))?;
    Ok(format!("{} ({})", info.model(), info.soc()))
}

pub struct RpiPins {
    buttons: Vec<(Button, InputPin)>,
    tally: Option<OutputPin>,
    active_low: bool,
}

impl RpiPins {
    pub fn open(cfg: &HwConfig) -> Result<RpiPins, RpiError> {
        cfg.check()?;
        let gpio = Gpio::new()?;
        let mut buttons = vec![];
        for (b, pin) in cfg.buttons.pins() {
            buttons.push((b, gpio.get(pin)?.into_input_pullup()));
        }
        let tally = match cfg.tally {
            Some(p) => {
                let mut o = gpio.get(p)?.into_output();
                if cfg.tally_active_low {
                    o.set_high()
                } else {
                    o.set_low()
                }
                Some(o)
            }
            None => None,
        };
        Ok(RpiPins { buttons, tally, active_low: cfg.tally_active_low })
    }
}

impl Pins for RpiPins {
    fn buttons(&mut self) -> Vec<(Button, bool)> {
        // Buttons switch to ground against the pull-up: low is pressed.
        self.buttons.iter().map(|(b, p)| (*b, p.is_low())).collect()
    }

    fn set_tally(&mut self, lit: bool) {
        if let Some(o) = &mut self.tally {
            if lit != self.active_low {
                o.set_high()
            } else {
                o.set_low()
            }
        }
    }
}

pub fn open_panel(cfg: &HwConfig) -> Result<Option<Box<dyn Panel>>, RpiError> {
    cfg.check()?;
    match cfg.display {
        Display::None => Ok(None),
        Display::Ssd1306 => {
            let i2c = I2c::with_bus(cfg.i2c_bus).map_err(|err| RpiError::I2c { bus: cfg.i2c_bus, err })?;
            Ok(Some(Box::new(Ssd1306Panel::new(i2c, cfg.i2c_address, cfg.rotation)?)))
        }
        Display::St7789 => {
            let bus = match cfg.spi_bus {
                1 => Bus::Spi1,
                2 => Bus::Spi2,
                3 => Bus::Spi3,
                4 => Bus::Spi4,
                5 => Bus::Spi5,
                6 => Bus::Spi6,
                _ => Bus::Spi0,
            };
            let ss = if cfg.spi_cs == 1 { SlaveSelect::Ss1 } else { SlaveSelect::Ss0 };
            let spi = Spi::new(bus, ss, cfg.spi_hz, Mode::Mode0).map_err(|err| RpiError::Spi { bus: cfg.spi_bus, err })?;
            let gpio = Gpio::new()?;
            let dc = gpio.get(cfg.dc)?.into_output();
            let mut delay = rppal::hal::Delay::new();
            let dev = SimpleHalSpiDevice::new(spi);
            let panel: Box<dyn Panel> = match (cfg.reset, cfg.backlight) {
                (Some(r), Some(b)) => {
                    Box::new(St7789Panel::new(dev, dc, gpio.get(r)?.into_output(), keep(gpio.get(b)?.into_output()), cfg.invert, cfg.rotation, &mut delay)?)
                }
                (Some(r), None) => Box::new(St7789Panel::new(dev, dc, gpio.get(r)?.into_output(), NoPin, cfg.invert, cfg.rotation, &mut delay)?),
                (None, Some(b)) => Box::new(St7789Panel::new(dev, dc, NoPin, keep(gpio.get(b)?.into_output()), cfg.invert, cfg.rotation, &mut delay)?),
                (None, None) => Box::new(St7789Panel::new(dev, dc, NoPin, NoPin, cfg.invert, cfg.rotation, &mut delay)?),
            };
            Ok(Some(panel))
        }
    }
}

/// The backlight stays on after its pin handle is dropped (rppal resets pins on drop by default).
fn keep(mut pin: OutputPin) -> OutputPin {
    pin.set_reset_on_drop(false);
    pin
}
