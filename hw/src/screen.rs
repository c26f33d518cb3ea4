//! The status screen, drawn with embedded-graphics from plain data, for a 128×64 mono OLED (SSD1306)
//! and a 240×240 colour LCD (ST7789). The same drawing code serves the real panels and the PNG the
//! dashboard mirrors.
use base64::Engine;
use embedded_graphics::mono_font::{iso_8859_1 as latin1, MonoFont, MonoTextStyle};
use embedded_graphics::pixelcolor::{BinaryColor, Rgb565, Rgb888};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{Circle, PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Alignment, Baseline, Text, TextStyleBuilder};
use embedded_graphics_simulator::{OutputSettingsBuilder, SimulatorDisplay};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenKind {
    /// SSD1306, I2C, 128×64 monochrome.
    Oled128x64,
    /// ST7789, SPI, 240×240 colour.
    Lcd240x240,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    Status,
    Guests,
    Network,
    Alerts,
}

impl Page {
    pub const ALL: [Page; 4] = [Page::Status, Page::Guests, Page::Network, Page::Alerts];
    pub fn next(self) -> Page {
        let i = Page::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Page::ALL[(i + 1) % Page::ALL.len()]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DestMark {
    pub name: String,
    /// idle, connecting, live, reconnecting, failed
    pub state: String,
}

/// The language of the box's screen (`language` in onair.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "pt-BR")]
    PtBr,
}

impl Lang {
    /// `pt`, `pt-BR`, `pt_BR.UTF-8`…: Brazilian Portuguese; anything else English.
    pub fn parse(s: &str) -> Lang {
        if s.trim().to_ascii_lowercase().starts_with("pt") {
            Lang::PtBr
        } else {
            Lang::En
        }
    }

    fn pick(self, en: &'static str, pt: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::PtBr => pt,
        }
    }

    /// A destination's state as the screen says it (`live` says nothing: its dot is filled).
    fn state(self, state: &str) -> String {
        let pt = match (self, state) {
            (Lang::PtBr, "connecting") => "conectando",
            (Lang::PtBr, "reconnecting") => "reconectando",
            (Lang::PtBr, "failed") => "falhou",
            (Lang::PtBr, "idle") => "parado",
            _ => state,
        };
        pt.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ScreenState {
    /// The words' language (the names and alerts are shown as they come).
    #[serde(default)]
    pub lang: Lang,
    pub live: bool,
    pub paused: bool,
    pub duration_s: u64,
    pub ingest: bool,
    pub destinations: Vec<DestMark>,
    pub viewers: Option<u64>,
    pub guests: Vec<String>,
    pub hostname: String,
    pub ip: String,
    pub uplink_kbps: u32,
    /// The SoC's temperature (a Pi throttles at 80 °C: worth a glance during a long show).
    pub cpu_temp_c: Option<f64>,
    pub load: f64,
    /// Until the admin password is set: where to set the box up (first boot of a fresh box).
    pub setup: Option<String>,
    /// With `setup`: the set-up code line ("code ABCD-EFGH", or what a Go Live press did). Drawn on
    /// the box's own panel; the dashboard's mirror never gets the code.
    #[serde(default)]
    pub setup_code: Option<String>,
    /// The database was damaged at start-up: what the box did about it ("restored from backup"),
    /// shown on the status page until the next clean start.
    #[serde(default)]
    pub recovery: Option<String>,
    /// An unacknowledged alert takes the screen over.
    pub alert: Option<String>,
    pub alerts: Vec<String>,
}

/// The few colours the pages use, for each panel's colour type.
pub trait Palette: PixelColor {
    fn bg() -> Self;
    fn fg() -> Self;
    fn dim() -> Self;
    fn live() -> Self;
    fn warn() -> Self;
    fn bad() -> Self;
    /// Text drawn on a `live`/`warn`/`bad` fill.
    fn on_fill() -> Self;
}

impl Palette for Rgb888 {
    fn bg() -> Self {
        Rgb888::new(13, 17, 23)
    }
    fn fg() -> Self {
        Rgb888::new(230, 237, 243)
    }
    fn dim() -> Self {
        Rgb888::new(139, 148, 158)
    }
    fn live() -> Self {
        Rgb888::new(229, 52, 43)
    }
    fn warn() -> Self {
        Rgb888::new(240, 180, 41)
    }
    fn bad() -> Self {
        Rgb888::new(255, 95, 86)
    }
    fn on_fill() -> Self {
        Rgb888::new(255, 255, 255)
    }
}

impl Palette for Rgb565 {
    fn bg() -> Self {
        Rgb565::from(Rgb888::bg())
    }
    fn fg() -> Self {
        Rgb565::from(Rgb888::fg())
    }
    fn dim() -> Self {
        Rgb565::from(Rgb888::dim())
    }
    fn live() -> Self {
        Rgb565::from(Rgb888::live())
    }
    fn warn() -> Self {
        Rgb565::from(Rgb888::warn())
    }
    fn bad() -> Self {
        Rgb565::from(Rgb888::bad())
    }
    fn on_fill() -> Self {
        Rgb565::from(Rgb888::on_fill())
    }
}

impl Palette for BinaryColor {
    fn bg() -> Self {
        BinaryColor::Off
    }
    fn fg() -> Self {
        BinaryColor::On
    }
    fn dim() -> Self {
        BinaryColor::On
    }
    fn live() -> Self {
        BinaryColor::On
    }
    fn warn() -> Self {
        BinaryColor::On
    }
    fn bad() -> Self {
        BinaryColor::On
    }
    fn on_fill() -> Self {
        BinaryColor::Off
    }
}

struct Fonts {
    big: &'static MonoFont<'static>,
    body: &'static MonoFont<'static>,
    line: i32,
}

fn fonts(kind: ScreenKind) -> Fonts {
    match kind {
        ScreenKind::Oled128x64 => Fonts { big: &latin1::FONT_9X18_BOLD, body: &latin1::FONT_6X10, line: 11 },
        ScreenKind::Lcd240x240 => Fonts { big: &latin1::FONT_10X20, body: &latin1::FONT_9X15, line: 18 },
    }
}

fn clock(s: u64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).collect::<String>() + "~"
    }
}

/// Draws one page. A pending alert replaces the page until acknowledged.
pub fn draw<D, C>(d: &mut D, kind: ScreenKind, page: Page, s: &ScreenState) -> Result<(), D::Error>
where
    D: DrawTarget<Color = C> + OriginDimensions,
    C: Palette,
{
    let size = d.size();
    let (w, h) = (size.width as i32, size.height as i32);
    let f = fonts(kind);
    let l = s.lang;
    d.clear(C::bg())?;
    let body = MonoTextStyle::new(f.body, C::fg());
    let dim = MonoTextStyle::new(f.body, C::dim());
    let chars = (w / f.body.character_size.width as i32) as usize;
    let centre = TextStyleBuilder::new().alignment(Alignment::Center).baseline(Baseline::Middle).build();
    let top = TextStyleBuilder::new().baseline(Baseline::Top).build();

    if let Some(a) = &s.alert {
        Rectangle::new(Point::zero(), size).into_styled(PrimitiveStyle::with_fill(C::bad())).draw(d)?;
        let st = MonoTextStyle::new(f.big, C::on_fill());
        Text::with_text_style(l.pick("ALERT", "ALERTA"), Point::new(w / 2, f.line), st, centre).draw(d)?;
        let small = MonoTextStyle::new(f.body, C::on_fill());
        for (i, line) in wrap(a, chars).iter().take(((h - 2 * f.line) / f.line) as usize).enumerate() {
            Text::with_text_style(line, Point::new(2, 2 * f.line + i as i32 * f.line), small, top).draw(d)?;
        }
        return Ok(());
    }

    match page {
        Page::Status => {
            let banner_h = f.big.character_size.height as i32 + 6;
            let (label, fill) = match (s.live, s.paused) {
                (false, _) => (l.pick("OFF AIR", "FORA DO AR"), None),
                (true, true) => (l.pick("PAUSED", "PAUSADO"), Some(C::warn())),
                (true, false) => (l.pick("LIVE", "AO VIVO"), Some(C::live())),
            };
            match fill {
                Some(c) => {
                    Rectangle::new(Point::zero(), Size::new(w as u32, banner_h as u32)).into_styled(PrimitiveStyle::with_fill(c)).draw(d)?;
                    Text::with_text_style(label, Point::new(w / 2, banner_h / 2), MonoTextStyle::new(f.big, C::on_fill()), centre).draw(d)?;
                }
                None => {
                    Rectangle::new(Point::zero(), Size::new(w as u32, banner_h as u32)).into_styled(PrimitiveStyle::with_stroke(C::dim(), 1)).draw(d)?;
                    Text::with_text_style(label, Point::new(w / 2, banner_h / 2), MonoTextStyle::new(f.big, C::fg()), centre).draw(d)?;
                }
            }
            let mut y = banner_h + 3;
            if let Some(r) = &s.recovery {
                let rows = if s.live { 1 } else { 2 };
                let lines = wrap(r, chars);
                Rectangle::new(Point::new(0, y - 1), Size::new(w as u32, (rows * f.line + 2) as u32))
                    .into_styled(PrimitiveStyle::with_fill(C::warn()))
                    .draw(d)?;
                let on = MonoTextStyle::new(f.body, C::on_fill());
                for (i, line) in lines.iter().take(rows as usize).enumerate() {
                    Text::with_text_style(line, Point::new(2, y + i as i32 * f.line), on, top).draw(d)?;
                }
                y += rows * f.line + 4;
            }
            let info = if s.live {
                format!("{}  {}", clock(s.duration_s), s.viewers.map(|v| format!("{v} {}", l.pick("viewers", "espect."))).unwrap_or_default())
            } else if s.ingest {
                l.pick("feed ready", "sinal pronto").to_string()
            } else {
                l.pick("no feed", "sem sinal").to_string()
            };
            if let (Some(url), false) = (&s.setup, s.live) {
                // First boot: where to go, in place of "no feed" (a small panel drops the scheme).
                let url = if url.len() > chars { url.trim_start_matches("http://") } else { url };
                // What fits, most needed first: the address, the code, the IP, the label.
                let fits = ((h - y) / f.line).max(0) as usize;
                let lines = [
                    (3u8, l.pick("Set up the box at", "Configure a caixa em"), dim),
                    (0, url, body),
                    (1, s.setup_code.as_deref().unwrap_or(""), body),
                    (2, s.ip.as_str(), body),
                ];
                let mut prios: Vec<u8> = lines.iter().filter(|l| !l.1.is_empty()).map(|l| l.0).collect();
                prios.sort_unstable();
                let cutoff = prios.get(fits).copied().unwrap_or(u8::MAX);
                for (_, line, style) in lines.into_iter().filter(|l| !l.1.is_empty() && l.0 < cutoff) {
                    Text::with_text_style(&truncate(line, chars), Point::new(2, y), style, top).draw(d)?;
                    y += f.line;
                }
                return Ok(());
            }
            Text::with_text_style(&truncate(&info, chars), Point::new(2, y), body, top).draw(d)?;
            y += f.line + 2;
            let dot = (f.line - 4).max(5) as u32;
            for m in s.destinations.iter().take(((h - y) / f.line).max(0) as usize) {
                let (color, filled) = match m.state.as_str() {
                    "live" => (C::live(), true),
                    "reconnecting" | "connecting" => (C::warn(), false),
                    "failed" => (C::bad(), true),
                    _ => (C::dim(), false),
                };
                let style = if filled { PrimitiveStyle::with_fill(color) } else { PrimitiveStyle::with_stroke(color, 1) };
                Circle::new(Point::new(2, y + 1), dot).into_styled(style).draw(d)?;
                let text = format!("{} {}", m.name, if m.state == "live" { String::new() } else { l.state(&m.state) });
                Text::with_text_style(&truncate(&text, chars - 2), Point::new(dot as i32 + 6, y), body, top).draw(d)?;
                y += f.line;
            }
        }
        Page::Guests => {
            Text::with_text_style(l.pick("GUESTS", "CONVIDADOS"), Point::new(2, 0), MonoTextStyle::new(f.big, C::fg()), top).draw(d)?;
            if s.guests.is_empty() {
                Text::with_text_style(l.pick("none", "nenhum"), Point::new(2, f.line * 2), dim, top).draw(d)?;
            }
            for (i, g) in s.guests.iter().take(((h / f.line) - 2).max(0) as usize).enumerate() {
                Text::with_text_style(&truncate(g, chars), Point::new(2, f.line * (2 + i as i32)), body, top).draw(d)?;
            }
        }
        Page::Network => {
            Text::with_text_style(l.pick("NETWORK", "REDE"), Point::new(2, 0), MonoTextStyle::new(f.big, C::fg()), top).draw(d)?;
            let cpu = match s.cpu_temp_c {
                Some(t) => format!("cpu {t:.0}C {} {:.1}", l.pick("load", "carga"), s.load),
                None => format!("{} {:.1}", l.pick("load", "carga"), s.load),
            };
            let lines = [s.hostname.clone(), s.ip.clone(), format!("{} {} kb/s", l.pick("up", "envio"), s.uplink_kbps), cpu];
            for (i, l) in lines.iter().enumerate() {
                Text::with_text_style(&truncate(l, chars), Point::new(2, f.line * (2 + i as i32)), body, top).draw(d)?;
            }
        }
        Page::Alerts => {
            Text::with_text_style(l.pick("ALERTS", "ALERTAS"), Point::new(2, 0), MonoTextStyle::new(f.big, C::fg()), top).draw(d)?;
            if s.alerts.is_empty() {
                Text::with_text_style(l.pick("all clear", "tudo certo"), Point::new(2, f.line * 2), dim, top).draw(d)?;
            }
            for (i, a) in s.alerts.iter().rev().take(((h / f.line) - 2).max(0) as usize).enumerate() {
                Text::with_text_style(&truncate(a, chars), Point::new(2, f.line * (2 + i as i32)), body, top).draw(d)?;
            }
        }
    }
    Ok(())
}

fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out = vec![];
    let mut line = String::new();
    for word in s.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&truncate(word, width));
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

pub fn size(kind: ScreenKind) -> Size {
    match kind {
        ScreenKind::Oled128x64 => Size::new(128, 64),
        ScreenKind::Lcd240x240 => Size::new(240, 240),
    }
}

/// The page as a PNG, as the panel shows it (the OLED as white on black), for the dashboard mirror.
pub fn render_png(kind: ScreenKind, page: Page, s: &ScreenState) -> Vec<u8> {
    let settings = OutputSettingsBuilder::new().scale(2).build();
    let b64 = match kind {
        ScreenKind::Oled128x64 => {
            let mut d = SimulatorDisplay::<BinaryColor>::new(size(kind));
            let _ = draw(&mut d, kind, page, s);
            d.to_rgb_output_image(&settings).to_base64_png()
        }
        ScreenKind::Lcd240x240 => {
            let mut d = SimulatorDisplay::<Rgb888>::new(size(kind));
            let _ = draw(&mut d, kind, page, s);
            d.to_rgb_output_image(&settings).to_base64_png()
        }
    };
    b64.ok().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed() -> ScreenState {
        ScreenState {
            lang: Lang::En,
            live: true,
            paused: false,
            duration_s: 3723,
            ingest: true,
            destinations: vec![
                DestMark { name: "Twitch".into(), state: "live".into() },
                DestMark { name: "YouTube".into(), state: "reconnecting".into() },
                DestMark { name: "Facebook".into(), state: "failed".into() },
            ],
            viewers: Some(1234),
            guests: vec!["Alice".into(), "Bob (muted)".into()],
            hostname: "onair.local".into(),
            ip: "192.0.2.10".into(),
            uplink_kbps: 18500,
            cpu_temp_c: Some(61.4),
            load: 0.8,
            setup: None,
            setup_code: None,
            recovery: None,
            alert: None,
            alerts: vec!["YouTube reconnecting".into()],
        }
    }

    /// Golden images: `UPDATE_GOLDEN=1 cargo test -p onair-hw golden` rewrites hw/golden/*.png.
    #[test]
    fn golden_pages() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
        let update = std::env::var_os("UPDATE_GOLDEN").is_some();
        let mut alerting = fixed();
        alerting.alert = Some("Facebook failed: connection refused by the destination".into());
        // The same in Brazilian Portuguese, with a guest's name in Latin-1 (the fonts have it).
        let pt = ScreenState { lang: Lang::PtBr, guests: vec!["Conceição".into(), "João (mudo)".into()], ..fixed() };
        let mut failures = vec![];
        for kind in [ScreenKind::Oled128x64, ScreenKind::Lcd240x240] {
            for (name, page, state) in [
                ("status", Page::Status, fixed()),
                ("guests", Page::Guests, fixed()),
                ("network", Page::Network, fixed()),
                ("alerts", Page::Alerts, fixed()),
                ("alert-takeover", Page::Status, alerting.clone()),
                ("off-air", Page::Status, ScreenState { hostname: "onair.local".into(), ..Default::default() }),
                ("status-pt-br", Page::Status, pt.clone()),
                ("guests-pt-br", Page::Guests, pt.clone()),
                ("network-pt-br", Page::Network, pt.clone()),
                (
                    "first-boot-pt-br",
                    Page::Status,
                    ScreenState {
                        lang: Lang::PtBr,
                        hostname: "onair.local".into(),
                        ip: "192.168.1.20".into(),
                        setup: Some("http://onair.local:8080".into()),
                        setup_code: Some("code K7QM-4XPD".into()),
                        ..Default::default()
                    },
                ),
                (
                    "recovery",
                    Page::Status,
                    ScreenState {
                        hostname: "onair.local".into(),
                        ip: "192.168.1.20".into(),
                        recovery: Some("DATA RESTORED from the 21:00 backup".into()),
                        ..Default::default()
                    },
                ),
                (
                    "first-boot",
                    Page::Status,
                    ScreenState {
                        hostname: "onair.local".into(),
                        ip: "192.168.1.20".into(),
                        setup: Some("http://onair.local:8080".into()),
                        ..Default::default()
                    },
                ),
                (
                    "first-boot-code",
                    Page::Status,
                    ScreenState {
                        hostname: "onair.local".into(),
                        ip: "192.168.1.20".into(),
                        setup: Some("http://onair.local:8080".into()),
                        setup_code: Some("code K7QM-4XPD".into()),
                        ..Default::default()
                    },
                ),
            ] {
                let png = render_png(kind, page, &state);
                assert!(png.starts_with(&[0x89, b'P', b'N', b'G']));
                let file = dir.join(format!("{kind:?}-{name}.png").to_lowercase());
                if update {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&file, &png).unwrap();
                } else {
                    match std::fs::read(&file) {
                        Ok(want) if want == png => {}
                        Ok(_) => failures.push(format!("{} differs", file.display())),
                        Err(_) => failures.push(format!("{} missing (UPDATE_GOLDEN=1 makes it)", file.display())),
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn states_draw_differently() {
        let a = render_png(ScreenKind::Lcd240x240, Page::Status, &fixed());
        let mut off = fixed();
        off.live = false;
        assert_ne!(a, render_png(ScreenKind::Lcd240x240, Page::Status, &off));
        let mut recovered = off.clone();
        recovered.recovery = Some("DATA RESTORED from the 21:00 backup".into());
        for kind in [ScreenKind::Oled128x64, ScreenKind::Lcd240x240] {
            let mut plain = off.clone();
            plain.live = false;
            assert_ne!(render_png(kind, Page::Status, &plain), render_png(kind, Page::Status, &recovered), "{kind:?}");
        }
        assert_eq!(Page::Alerts.next(), Page::Status);
    }
}
