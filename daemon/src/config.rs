//! Settings: flag > `ONAIR_*` environment > `onair.toml` in the data dir > default.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

/// The box's settings as given: the same struct reads the command line (and `ONAIR_*`) and
/// `onair.toml`, so every setting is declared once; [`Config::resolve`] merges the two and fills in
/// the defaults.
#[derive(Debug, Default, Parser, Deserialize)]
#[command(name = "onaird", version, about = "onair: the multistream box")]
#[serde(deny_unknown_fields, default)]
pub struct Cli {
    /// Where onair.db, secret.key and onair.toml live.
    #[arg(long, env = "ONAIR_DATA_DIR", default_value = "./data")]
    #[serde(skip)]
    pub data_dir: PathBuf,
    /// Dashboard and API address.
    #[arg(long, env = "ONAIR_HTTP")]
    pub http: Option<SocketAddr>,
    /// HTTPS address for the dashboard and guest pages (off unless given).
    #[arg(long, env = "ONAIR_HTTPS")]
    pub https: Option<SocketAddr>,
    /// RTMP ingest address.
    #[arg(long, env = "ONAIR_RTMP")]
    pub rtmp: Option<SocketAddr>,
    /// SRT ingest address (listener), or `off`.
    #[arg(long, env = "ONAIR_SRT")]
    pub srt: Option<String>,
    /// Hardware backend (default: rpi on a Raspberry Pi, sim elsewhere).
    #[arg(long, env = "ONAIR_HW", value_enum)]
    pub hw: Option<HwBackend>,
    /// Announce the box on the LAN over mDNS (`<name>.local` and an `_http._tcp` service): on or off.
    #[arg(long, env = "ONAIR_MDNS")]
    pub mdns: Option<String>,
    /// Seconds the outputs carry the slate after the feed drops, before the show ends.
    #[arg(long, env = "ONAIR_FEED_GRACE_S")]
    pub feed_grace_s: Option<u64>,
    /// H.264 encoder element for the test signal and slate (default: x264enc).
    #[arg(long, env = "ONAIR_ENCODER")]
    pub encoder: Option<String>,
    /// The language of the box's own screen: `pt-BR` or `en` (the default).
    #[arg(long, env = "ONAIR_LANGUAGE")]
    pub language: Option<String>,
    /// Host name put in the ingest URLs shown to users (default: this machine's host name).
    #[arg(long, env = "ONAIR_PUBLIC_HOST")]
    pub public_host: Option<String>,
    /// More names or addresses the box answers to (comma-separated), besides its own host name,
    /// `onair.local`, `localhost`, its addresses and `--public-host`; requests for any other Host get 421.
    #[arg(long, env = "ONAIR_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Option<Vec<String>>,
    #[command(flatten)]
    pub platforms: PlatformArgs,
    /// Pins and panel of the box (`--hw rpi`; the simulated box draws the same panel): in
    /// `onair.toml` only.
    #[arg(skip)]
    pub hardware: onair_hw::config::HwConfig,
}

/// Which hardware the box drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HwBackend {
    /// A simulated box: the dashboard's buttons and screen mirror.
    Sim,
    /// A Raspberry Pi's GPIO buttons, tally and status screen; refuses to start without them.
    Rpi,
    /// No buttons and no screen.
    None,
    /// Not given: the Pi's hardware on a Pi, leniently (a box without a screen still streams);
    /// the simulated box elsewhere. Decided at start, never left in a running box's [`Config`].
    Auto,
}

impl std::fmt::Display for HwBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HwBackend::Sim => "sim",
            HwBackend::Rpi => "rpi",
            HwBackend::None => "none",
            HwBackend::Auto => "auto",
        })
    }
}

/// Where the platforms' APIs are and how often to ask them (tests and staging point elsewhere).
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformArgs {
    /// Seconds between polls of each linked platform (status, viewers, chat).
    #[arg(long, env = "ONAIR_PLATFORM_POLL_S", hide = true)]
    pub platform_poll_s: Option<u64>,
    /// Seconds a linked platform may report "offline" while the box's output to it is live, before
    /// the box restarts that output.
    #[arg(long, env = "ONAIR_CONFIRM_LIVE_S", hide = true)]
    pub confirm_live_s: Option<u64>,
    #[arg(long, env = "ONAIR_TWITCH_AUTH_URL", hide = true)]
    pub twitch_auth_url: Option<String>,
    #[arg(long, env = "ONAIR_TWITCH_API_URL", hide = true)]
    pub twitch_api_url: Option<String>,
    #[arg(long, env = "ONAIR_TWITCH_IRC_URL", hide = true)]
    pub twitch_irc_url: Option<String>,
    #[arg(long, env = "ONAIR_GOOGLE_AUTH_URL", hide = true)]
    pub google_auth_url: Option<String>,
    #[arg(long, env = "ONAIR_YOUTUBE_API_URL", hide = true)]
    pub youtube_api_url: Option<String>,
    #[arg(long, env = "ONAIR_FACEBOOK_GRAPH_URL", hide = true)]
    pub facebook_graph_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub rtmp: SocketAddr,
    /// `None` when SRT ingest is off (libsrt polls even when idle; a box that never takes SRT can save it).
    pub srt: Option<SocketAddr>,
    pub hw: HwBackend,
    pub hardware: onair_hw::config::HwConfig,
    pub mdns: bool,
    pub feed_grace_s: u64,
    /// The user's choice of H.264 encoder; the best one found is used otherwise.
    pub encoder: Option<String>,
    /// The status screen's language.
    pub language: onair_hw::screen::Lang,
    pub public_host: String,
    /// Extra names and addresses the box answers to (see `Cli::allowed_hosts`).
    pub allowed_hosts: Vec<String>,
    pub platforms: crate::platforms::Settings,
    pub confirm_live_s: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {msg}")]
    File { path: String, msg: String },
    #[error("--srt must be an address like 0.0.0.0:9000 or `off`, not {0:?}")]
    Srt(String),
    #[error("--mdns must be on or off, not {0:?}")]
    Mdns(String),
}

impl Config {
    pub fn resolve(cli: Cli) -> Result<Config, ConfigError> {
        let path = cli.data_dir.join("onair.toml");
        let file: Cli = match std::fs::read_to_string(&path) {
            Ok(s) => toml::from_str(&s).map_err(|e| ConfigError::File { path: path.display().to_string(), msg: e.to_string() })?,
            Err(_) => Cli::default(),
        };
        let hw = cli.hw.or(file.hw).unwrap_or(HwBackend::Auto);
        let public_host = cli
            .public_host
            .or(file.public_host)
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| format!("{}.local", h.trim())))
            .unwrap_or_else(|| "onair.local".into());
        let (pc, pf) = (cli.platforms, file.platforms);
        let mut urls = crate::platforms::Urls::default();
        for (slot, flag, file) in [
            (&mut urls.twitch_auth, pc.twitch_auth_url, pf.twitch_auth_url),
            (&mut urls.twitch_api, pc.twitch_api_url, pf.twitch_api_url),
            (&mut urls.twitch_irc, pc.twitch_irc_url, pf.twitch_irc_url),
            (&mut urls.google_auth, pc.google_auth_url, pf.google_auth_url),
            (&mut urls.youtube_api, pc.youtube_api_url, pf.youtube_api_url),
            (&mut urls.facebook_graph, pc.facebook_graph_url, pf.facebook_graph_url),
        ] {
            if let Some(u) = flag.or(file) {
                *slot = u.trim_end_matches('/').to_string();
            }
        }
        let poll = pc.platform_poll_s.or(pf.platform_poll_s).unwrap_or(15).max(1);
        let platforms = crate::platforms::Settings { urls, poll: std::time::Duration::from_secs(poll) };
        Ok(Config {
            platforms,
            confirm_live_s: pc.confirm_live_s.or(pf.confirm_live_s).unwrap_or(90),
            data_dir: cli.data_dir,
            http: cli.http.or(file.http).unwrap_or_else(|| "0.0.0.0:8080".parse().unwrap()),
            https: cli.https.or(file.https),
            rtmp: cli.rtmp.or(file.rtmp).unwrap_or_else(|| "0.0.0.0:1935".parse().unwrap()),
            srt: match cli.srt.or(file.srt).as_deref() {
                None => Some("0.0.0.0:9000".parse().unwrap()),
                Some("off") => None,
                Some(a) => Some(a.parse().map_err(|_| ConfigError::Srt(a.to_string()))?),
            },
            hw,
            hardware: file.hardware,
            mdns: match cli.mdns.or(file.mdns).as_deref() {
                None | Some("on") => true,
                Some("off") => false,
                Some(o) => return Err(ConfigError::Mdns(o.to_string())),
            },
            feed_grace_s: cli.feed_grace_s.or(file.feed_grace_s).unwrap_or(60),
            encoder: cli.encoder.or(file.encoder),
            language: cli.language.or(file.language).map(|l| onair_hw::screen::Lang::parse(&l)).unwrap_or_default(),
            public_host,
            allowed_hosts: cli
                .allowed_hosts
                .or(file.allowed_hosts)
                .unwrap_or_default()
                .into_iter()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("onair.toml"), "rtmp = \"127.0.0.1:2000\"\nhttp = \"127.0.0.1:3000\"\n").unwrap();
        let d = dir.path().to_str().unwrap();
        let cli = Cli::parse_from(["onaird", "--data-dir", d, "--http", "127.0.0.1:4000"]);
        let c = Config::resolve(cli).unwrap();
        assert_eq!(c.http.port(), 4000);
        assert_eq!(c.rtmp.port(), 2000);
        assert_eq!(c.srt.map(|a| a.port()), Some(9000));
        let off = Config::resolve(Cli::parse_from(["onaird", "--data-dir", d, "--srt", "off"])).unwrap();
        assert_eq!(off.srt, None);
        assert!(Config::resolve(Cli::parse_from(["onaird", "--data-dir", d, "--srt", "nine"])).is_err());
        assert_eq!(c.feed_grace_s, 60);
        assert!(c.allowed_hosts.is_empty());
        std::fs::write(dir.path().join("onair.toml"), "allowed_hosts = [\"studio.lan\"]\n").unwrap();
        assert_eq!(Config::resolve(Cli::parse_from(["onaird", "--data-dir", d])).unwrap().allowed_hosts, ["studio.lan"]);
        let flag = Config::resolve(Cli::parse_from(["onaird", "--data-dir", d, "--allowed-hosts", "a.lan, b.lan"])).unwrap();
        assert_eq!(flag.allowed_hosts, ["a.lan", "b.lan"]);
        assert_eq!(c.hardware, onair_hw::config::HwConfig::default());
        std::fs::write(dir.path().join("onair.toml"), "[hardware]\ndisplay = \"ssd1306\"\ntally = 17\n").unwrap();
        let h = Config::resolve(Cli::parse_from(["onaird", "--data-dir", d])).unwrap().hardware;
        assert_eq!((h.display, h.tally), (onair_hw::config::Display::Ssd1306, Some(17)));
        std::fs::write(dir.path().join("onair.toml"), "bogus = 1\n").unwrap();
        assert!(Config::resolve(Cli::parse_from(["onaird", "--data-dir", d])).is_err());
        std::fs::remove_file(dir.path().join("onair.toml")).unwrap();
        assert!(Cli::try_parse_from(["onaird", "--data-dir", d, "--hw", "toaster"]).is_err());
        assert_eq!(Config::resolve(Cli::parse_from(["onaird", "--data-dir", d, "--hw", "none"])).unwrap().hw, HwBackend::None);
        std::fs::write(dir.path().join("onair.toml"), "hw = \"toaster\"\n").unwrap();
        assert!(Config::resolve(Cli::parse_from(["onaird", "--data-dir", d])).is_err());
        std::fs::write(dir.path().join("onair.toml"), "hw = \"sim\"\ndata_dir = \"/elsewhere\"\n").unwrap();
        assert!(Config::resolve(Cli::parse_from(["onaird", "--data-dir", d])).is_err(), "the data dir is not a setting of the file inside it");
    }
}
