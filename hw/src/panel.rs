//! The physical status screens. Each panel takes a whole page at a time: drawn off-screen, then sent
//! in one go, so the panel never shows a half-drawn page. The drivers are generic over embedded-hal,
//! so the same code runs on the Pi (rppal) and against the panel emulators in the tests.
use embedded_graphics::pixelcolor::{BinaryColor, Rgb565};
use embedded_graphics::prelude::*;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_hal::i2c::I2c;
use embedded_hal::spi::SpiDevice;
use mipidsi::interface::SpiInterface;
use mipidsi::models::ST7789;
use mipidsi::options::{ColorInversion, Orientation, Rotation};
use ssd1306::mode::BufferedGraphicsMode;
use ssd1306::prelude::*;
use ssd1306::{I2CDisplayInterface, Ssd1306};

use crate::screen::{self, Page, ScreenKind, ScreenState};

#[derive(Debug, thiserror::Error)]
#[error("status screen: {0}")]
pub struct PanelError(pub String);

/// A screen the box draws its pages on.
pub trait Panel: Send {
    fn kind(&self) -> ScreenKind;
    fn show(&mut self, page: Page, state: &ScreenState) -> Result<(), PanelError>;
}

/// SSD1306 128×64 over I2C.
pub struct Ssd1306Panel<I: I2c> {
    display: Ssd1306<I2CInterface<I>, DisplaySize128x64, BufferedGraphicsMode<DisplaySize128x64>>,
}

impl<I: I2c + Send> Ssd1306Panel<I> {
    pub fn new(i2c: I, address: u8, rotation: u16) -> Result<Self, PanelError> {
        let rot = match rotation {
            90 => DisplayRotation::Rotate90,
            180 => DisplayRotation::Rotate180,
            270 => DisplayRotation::Rotate270,
            _ => DisplayRotation::Rotate0,
        };
        let mut display = Ssd1306::new(I2CDisplayInterface::new_custom_address(i2c, address), DisplaySize128x64, rot).into_buffered_graphics_mode();
        display.init().map_err(|e| PanelError(format!("SSD1306 at I2C 0x{address:02x} did not answer: {e:?}")))?;
        Ok(Ssd1306Panel { display })
    }
}

impl<I: I2c + Send> Panel for Ssd1306Panel<I> {
    fn kind(&self) -> ScreenKind {
        ScreenKind::Oled128x64
    }

    fn show(&mut self, page: Page, state: &ScreenState) -> Result<(), PanelError> {
        self.display.clear_buffer();
        screen::draw(&mut self.display, ScreenKind::Oled128x64, page, state).map_err(|e| PanelError(format!("{e:?}")))?;
        self.display.flush().map_err(|e| PanelError(format!("SSD1306 write failed: {e:?}")))
    }
}

/// An off-screen RGB565 page.
pub struct Framebuffer {
    size: Size,
    pub pixels: Vec<Rgb565>,
}

impl Framebuffer {
    pub fn new(size: Size) -> Self {
        Framebuffer { size, pixels: vec![Rgb565::BLACK; (size.width * size.height) as usize] }
    }
}

impl OriginDimensions for Framebuffer {
    fn size(&self) -> Size {
        self.size
    }
}

impl DrawTarget for Framebuffer {
    type Color = Rgb565;
    type Error = core::convert::Infallible;

    fn draw_iter<P: IntoIterator<Item = Pixel<Rgb565>>>(&mut self, pixels: P) -> Result<(), Self::Error> {
        let (w, h) = (self.size.width as i32, self.size.height as i32);
        for Pixel(p, c) in pixels {
            if p.x >= 0 && p.y >= 0 && p.x < w && p.y < h {
                self.pixels[(p.y * w + p.x) as usize] = c;
            }
        }
        Ok(())
    }
}

type St7789Display<'a, S, DC, RST> = mipidsi::Display<SpiInterface<'a, S, DC>, ST7789, RST>;

/// ST7789 240×240 over SPI (4-wire: DC pin, optional reset and backlight).
pub struct St7789Panel<S: SpiDevice, DC: OutputPin, RST: OutputPin> {
    // The SPI interface borrows its batch buffer for as long as the display lives.
    display: St7789Display<'static, S, DC, RST>,
    frame: Framebuffer,
}

/// Optional pins for the ST7789 (a module without a reset line, a backlight wired to 3.3 V).
pub struct NoPin;

impl embedded_hal::digital::ErrorType for NoPin {
    type Error = core::convert::Infallible;
}

impl OutputPin for NoPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl<S, DC, RST> St7789Panel<S, DC, RST>
where
    S: SpiDevice + Send,
    DC: OutputPin + Send,
    RST: OutputPin + Send,
{
    pub fn new<BL: OutputPin>(
        spi: S,
        dc: DC,
        reset: RST,
        mut backlight: BL,
        invert: bool,
        rotation: u16,
        delay: &mut impl DelayNs,
    ) -> Result<Self, PanelError> {
        // spidev takes at most 4096 bytes per transfer by default.
        let buffer: &'static mut [u8] = Box::leak(vec![0u8; 4096].into_boxed_slice());
        let rot = match rotation {
            90 => Rotation::Deg90,
            180 => Rotation::Deg180,
            270 => Rotation::Deg270,
            _ => Rotation::Deg0,
        };
        let display = mipidsi::Builder::new(ST7789, SpiInterface::new(spi, dc, buffer))
            .display_size(240, 240)
            .invert_colors(if invert { ColorInversion::Inverted } else { ColorInversion::Normal })
            .orientation(Orientation::new().rotate(rot))
            .reset_pin(reset)
            .init(delay)
            .map_err(|e| PanelError(format!("ST7789 init failed: {e:?}")))?;
        let _ = backlight.set_high();
        Ok(St7789Panel { display, frame: Framebuffer::new(Size::new(240, 240)) })
    }
}

impl<S, DC, RST> Panel for St7789Panel<S, DC, RST>
where
    S: SpiDevice + Send,
    DC: OutputPin + Send,
    RST: OutputPin + Send,
{
    fn kind(&self) -> ScreenKind {
        ScreenKind::Lcd240x240
    }

    fn show(&mut self, page: Page, state: &ScreenState) -> Result<(), PanelError> {
        let _ = screen::draw(&mut self.frame, ScreenKind::Lcd240x240, page, state);
        self.display.set_pixels(0, 0, 239, 239, self.frame.pixels.iter().copied()).map_err(|e| PanelError(format!("ST7789 write failed: {e:?}")))
    }
}

/// The OLED page as the panel's own 1-bit framebuffer would hold it, for comparisons.
pub fn oled_bits(page: Page, state: &ScreenState) -> Vec<bool> {
    let mut fb = BitBuffer { bits: vec![false; 128 * 64] };
    let _ = screen::draw(&mut fb, ScreenKind::Oled128x64, page, state);
    fb.bits
}

struct BitBuffer {
    bits: Vec<bool>,
}

impl OriginDimensions for BitBuffer {
    fn size(&self) -> Size {
        Size::new(128, 64)
    }
}

impl DrawTarget for BitBuffer {
    type Color = BinaryColor;
    type Error = core::convert::Infallible;

    fn draw_iter<P: IntoIterator<Item = Pixel<BinaryColor>>>(&mut self, pixels: P) -> Result<(), Self::Error> {
        for Pixel(p, c) in pixels {
            if (0..128).contains(&p.x) && (0..64).contains(&p.y) {
                self.bits[(p.y * 128 + p.x) as usize] = c.is_on();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The drivers against emulators of the two controllers, which decode the bytes on the wire the
    //! way the chips do (command/data, column and page/row windows, RAM writes) into a picture.
    use super::*;
    use embedded_hal::i2c::{ErrorKind, Operation};
    use embedded_hal::spi::Operation as SpiOp;
    use std::sync::{Arc, Mutex};

    fn states() -> Vec<(Page, ScreenState)> {
        let live = ScreenState {
            live: true,
            duration_s: 3723,
            ingest: true,
            destinations: vec![
                crate::screen::DestMark { name: "Twitch".into(), state: "live".into() },
                crate::screen::DestMark { name: "YouTube".into(), state: "reconnecting".into() },
            ],
            viewers: Some(1234),
            guests: vec!["Ada".into()],
            hostname: "onair.local".into(),
            ip: "192.168.1.20".into(),
            uplink_kbps: 12000,
            ..Default::default()
        };
        let alert = ScreenState { alert: Some("YouTube failed".into()), ..live.clone() };
        vec![(Page::Status, live.clone()), (Page::Network, live), (Page::Status, alert), (Page::Status, ScreenState::default())]
    }

    #[derive(Default)]
    struct Oled {
        ram: Vec<u8>,
        cols: (u8, u8),
        pages: (u8, u8),
        at: (u8, u8),
        on: bool,
        horizontal: bool,
        writes: usize,
    }

    struct OledBus(Arc<Mutex<Oled>>, u8);

    impl embedded_hal::i2c::ErrorType for OledBus {
        type Error = ErrorKind;
    }

    impl I2c for OledBus {
        fn transaction(&mut self, address: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
            if address != self.1 {
                return Err(ErrorKind::NoAcknowledge(embedded_hal::i2c::NoAcknowledgeSource::Address));
            }
            let mut o = self.0.lock().unwrap();
            for op in ops {
                let Operation::Write(b) = op else { continue };
                o.writes += 1;
                match (b[0], &b[1..]) {
                    (0x00, [0x21, s, e]) => {
                        o.cols = (*s, *e);
                        o.at.0 = *s;
                    }
                    (0x00, [0x22, s, e]) => {
                        o.pages = (*s, *e);
                        o.at.1 = *s;
                    }
                    (0x00, [0x20, mode]) => o.horizontal = *mode == 0,
                    (0x00, [0xAF]) => o.on = true,
                    (0x00, [0xAE]) => o.on = false,
                    (0x00, _) => {}
                    (0x40, data) => {
                        for &d in data {
                            let (c, p) = o.at;
                            let i = p as usize * 128 + c as usize;
                            o.ram[i] = d;
                            if c >= o.cols.1 {
                                o.at = (o.cols.0, if p >= o.pages.1 { o.pages.0 } else { p + 1 });
                            } else {
                                o.at.0 = c + 1;
                            }
                        }
                    }
                    _ => return Err(ErrorKind::Other),
                }
            }
            Ok(())
        }
    }

    fn oled_pixel(ram: &[u8], x: usize, y: usize) -> bool {
        ram[(y / 8) * 128 + x] >> (y % 8) & 1 == 1
    }

    #[test]
    fn ssd1306_panel_shows_exactly_the_page() {
        let chip = Arc::new(Mutex::new(Oled { ram: vec![0x55; 1024], ..Default::default() }));
        assert!(Ssd1306Panel::new(OledBus(chip.clone(), 0x3c), 0x3d, 0).is_err(), "nothing at 0x3d: a clear error");
        let mut panel = Ssd1306Panel::new(OledBus(chip.clone(), 0x3c), 0x3c, 0).unwrap();
        {
            let o = chip.lock().unwrap();
            assert!(o.on && o.horizontal, "init turns the panel on in horizontal addressing");
        }
        for (page, state) in states() {
            panel.show(page, &state).unwrap();
            let want = oled_bits(page, &state);
            let o = chip.lock().unwrap();
            let mut wrong = 0;
            for y in 0..64 {
                for x in 0..128 {
                    if oled_pixel(&o.ram, x, y) != want[y * 128 + x] {
                        wrong += 1;
                    }
                }
            }
            assert_eq!(wrong, 0, "{page:?}: {wrong} pixels differ from the drawn page");
            assert!(want.iter().filter(|b| **b).count() > 100, "the page is not blank");
        }
    }

    #[derive(Default)]
    struct Lcd {
        dc_data: bool,
        cmd: u8,
        args: Vec<u8>,
        cmds: Vec<u8>,
        window: (u16, u16, u16, u16),
        at: (u16, u16),
        half: Option<u8>,
        ram: Vec<u16>,
        resets: usize,
    }

    impl Lcd {
        fn data(&mut self, bytes: &[u8]) {
            match self.cmd {
                0x2C => {
                    for &b in bytes {
                        let Some(hi) = self.half.take() else {
                            self.half = Some(b);
                            continue;
                        };
                        let (x, y) = self.at;
                        if (x as usize) < 240 && (y as usize) < 320 {
                            self.ram[y as usize * 240 + x as usize] = u16::from_be_bytes([hi, b]);
                        }
                        self.at = if x >= self.window.2 { (self.window.0, y + 1) } else { (x + 1, y) };
                    }
                }
                _ => {
                    self.args.extend_from_slice(bytes);
                    let a = &self.args;
                    if a.len() == 4 && matches!(self.cmd, 0x2A | 0x2B) {
                        let (s, e) = (u16::from_be_bytes([a[0], a[1]]), u16::from_be_bytes([a[2], a[3]]));
                        if self.cmd == 0x2A {
                            (self.window.0, self.window.2) = (s, e);
                        } else {
                            (self.window.1, self.window.3) = (s, e);
                        }
                    }
                }
            }
        }
    }

    struct LcdSpi(Arc<Mutex<Lcd>>);
    struct LcdPin(Arc<Mutex<Lcd>>, bool);
    struct NoDelay;

    impl embedded_hal::spi::ErrorType for LcdSpi {
        type Error = embedded_hal::spi::ErrorKind;
    }

    impl SpiDevice for LcdSpi {
        fn transaction(&mut self, ops: &mut [SpiOp<'_, u8>]) -> Result<(), Self::Error> {
            let mut l = self.0.lock().unwrap();
            for op in ops {
                let SpiOp::Write(b) = op else { continue };
                if l.dc_data {
                    l.data(b);
                } else {
                    for &c in b.iter() {
                        l.cmd = c;
                        l.cmds.push(c);
                        l.args.clear();
                        l.half = None;
                        if c == 0x2C {
                            l.at = (l.window.0, l.window.1);
                        }
                    }
                }
            }
            Ok(())
        }
    }

    impl embedded_hal::digital::ErrorType for LcdPin {
        type Error = core::convert::Infallible;
    }

    impl OutputPin for LcdPin {
        fn set_low(&mut self) -> Result<(), Self::Error> {
            let mut l = self.0.lock().unwrap();
            if self.1 {
                l.dc_data = false
            } else {
                l.resets += 1
            }
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Self::Error> {
            if self.1 {
                self.0.lock().unwrap().dc_data = true;
            }
            Ok(())
        }
    }

    impl DelayNs for NoDelay {
        fn delay_ns(&mut self, _: u32) {}
    }

    #[test]
    fn st7789_panel_shows_exactly_the_page() {
        let chip = Arc::new(Mutex::new(Lcd { ram: vec![0xAAAA; 240 * 320], ..Default::default() }));
        let mut panel = St7789Panel::new(LcdSpi(chip.clone()), LcdPin(chip.clone(), true), LcdPin(chip.clone(), false), NoPin, true, 0, &mut NoDelay).unwrap();
        {
            let l = chip.lock().unwrap();
            assert!(l.resets >= 1, "the reset line is pulsed");
            for (c, what) in [(0x11, "sleep out"), (0x21, "inversion on"), (0x3A, "pixel format"), (0x29, "display on")] {
                assert!(l.cmds.contains(&c), "init sends {what} (0x{c:02X}): {:02X?}", l.cmds);
            }
        }
        for (page, state) in states() {
            panel.show(page, &state).unwrap();
            let mut want = Framebuffer::new(Size::new(240, 240));
            screen::draw(&mut want, ScreenKind::Lcd240x240, page, &state).unwrap();
            let l = chip.lock().unwrap();
            let wrong = (0..240 * 240).filter(|&i| l.ram[i] != want.pixels[i].into_storage()).count();
            assert_eq!(wrong, 0, "{page:?}: {wrong} pixels differ from the drawn page");
            let colours: std::collections::HashSet<u16> = l.ram[..240 * 240].iter().copied().collect();
            assert!(colours.len() >= 2, "a page, not a blank screen");
        }
    }
}
