use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use onair::api::{self, AppState};
use onair::config::{Cli, Config, HwBackend};
use onair::core::{Command, Core, Settings};
use onair::store::Store;

fn main() -> anyhow::Result<()> {
    // glibc raises its mmap threshold to the largest block freed so far: after one login (argon2
    // takes 19 MB) every frame buffer came from the heap, which then kept what the feed churned
    // through: 30.8 MB anonymous RSS relaying a 1080p 6 Mbit/s feed to 5, 10.9 MB with it fixed.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets glibc's allocator parameters; nothing has been allocated on other threads yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
    if let Ok(job) = std::env::var(onair::media::slate::JOB_ENV) {
        // A child started by the daemon to encode one slate loop (media::slate).
        std::process::exit(onair::media::slate::run_job(&job));
    }
    // (returns only for errors before the runtime starts)
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())).init();
    let mut cfg = Config::resolve(Cli::parse())?;
    // Room for HTTP connections next to RTMP, SRT and GStreamer's sockets (see api::limits).
    let nofile = api::limits::raise_fd_limit();
    let rpi = open_hardware(&mut cfg)?;
    // GStreamer is initialised by the first thing that needs it (onair::media::gst_ready).
    // Media (ingest, program bus, outputs) gets a thread and an event loop of its own, so nothing the
    // API does can delay a frame; one thread also avoids cross-thread wake-ups on the hot path.
    let media = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let media_handle = media.handle().clone();
    let (media_stop, media_stopped) = tokio::sync::oneshot::channel::<()>();
    let media_thread = std::thread::Builder::new().name("media".into()).spawn(move || {
        media.block_on(async {
            let _ = media_stopped.await;
        });
        media.shutdown_timeout(Duration::from_secs(1));
    })?;
    // One worker for the API, the core and the platforms (blocking work such as password hashing
    // goes to spawn_blocking): the media thread wakes this runtime for every event it sends, and
    // waking one of several parked workers cost the media thread ~0.05 CPU s per 30 s of relaying
    // (bench-relay, N = 1: 0.26 → 0.21 s).
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    tracing::info!(nofile, "open files allowed");
    let r = rt.block_on(run(cfg, media_handle, rpi));
    let _ = media_stop.send(());
    let _ = media_thread.join();
    // The SRT listener blocks in GStreamer; do not wait for it.
    rt.shutdown_timeout(Duration::from_secs(1));
    // Outputs are closed and the database is committed. Leave without running C library exit
    // handlers: GStreamer/libsrt threads still parked in the SRT listener can crash while they run.
    use std::io::Write;
    if matches!(r, Ok(true)) {
        // A settings restore was staged: the same binary again, with the same arguments (the data
        // dir's lock and every socket are close-on-exec). Under systemd the unit stays active.
        use std::os::unix::process::CommandExt;
        let err = std::process::Command::new(std::env::current_exe().unwrap_or_else(|_| "onaird".into())).args(std::env::args_os().skip(1)).exec();
        eprintln!("Error: restarting after the restore: {err}");
        // SAFETY: _exit only ends the process; nothing runs after it.
        unsafe { libc::_exit(1) }
    }
    let code = match &r {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("Error: {e:?}");
            1
        }
    };
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit only ends the process; nothing runs after it.
    unsafe { libc::_exit(code) }
}

type HwParts = (Option<Box<dyn onair_hw::pins::Pins>>, Option<Box<dyn onair_hw::panel::Panel>>);

/// The Pi's pins and panel are opened before anything else starts, so with `--hw rpi` a wrong pin or
/// a missing bus stops the box with a clear message instead of a half-working show later. Without
/// `--hw`, a Pi uses what it can open and a PC gets the simulated box.
fn open_hardware(cfg: &mut Config) -> anyhow::Result<HwParts> {
    let strict = match cfg.hw {
        HwBackend::Rpi => true,
        HwBackend::Auto => false,
        HwBackend::Sim | HwBackend::None => return Ok((None, None)),
    };
    let model = match onair_hw::rpi::detect() {
        Ok(m) => m,
        Err(e) if strict => return Err(e).context("--hw rpi"),
        Err(_) => {
            cfg.hw = HwBackend::Sim;
            return Ok((None, None));
        }
    };
    let pins = match onair_hw::rpi::RpiPins::open(&cfg.hardware) {
        Ok(p) => Some(Box::new(p) as Box<dyn onair_hw::pins::Pins>),
        Err(e) if strict => return Err(e).context("--hw rpi: buttons and tally"),
        Err(e) => {
            tracing::warn!("buttons and tally: {e}");
            None
        }
    };
    let panel = match onair_hw::rpi::open_panel(&cfg.hardware) {
        Ok(p) => p,
        Err(e) if strict => return Err(e).context("--hw rpi: status screen"),
        Err(e) => {
            tracing::warn!("status screen: {e}");
            None
        }
    };
    tracing::info!(%model, display = ?cfg.hardware.display, buttons = pins.is_some(), screen = panel.is_some(), "Raspberry Pi hardware");
    cfg.hw = HwBackend::Rpi;
    Ok((pins, panel))
}

/// The box's real pins and panel, when it has them.
type Devices = (Option<Box<dyn onair_hw::pins::Pins>>, Option<Box<dyn onair_hw::panel::Panel>>);

/// Runs the box until it is told to stop; `true` when it is to start again (a settings restore).
async fn run(cfg: Config, media: tokio::runtime::Handle, (pins, panel): Devices) -> anyhow::Result<bool> {
    // Held until the process ends: a second onaird on this data dir stops here with the reason.
    let _lock = onair::store::lock::DataDirLock::acquire(&cfg.data_dir)?;
    let store = Store::open_recovering(&cfg.data_dir).with_context(|| format!("opening the data dir {}", cfg.data_dir.display()))?;
    match store.retire_old_backups() {
        Ok(0) => {}
        Ok(n) => tracing::info!("{n} backup(s) from before the secrets were re-sealed replaced by a current one"),
        Err(e) => tracing::warn!("old backups not replaced: {e}"),
    }
    if let Ok(pw) = std::env::var("ONAIR_ADMIN_PASSWORD") {
        if !pw.is_empty() && !store.has_admin()? {
            store.set_admin_password(&pw)?;
            tracing::info!("admin password set from ONAIR_ADMIN_PASSWORD");
        }
    }
    let encoder = onair::media::h264enc::Choice::new(cfg.encoder.clone());
    let settings = Settings {
        feed_grace: Duration::from_secs(cfg.feed_grace_s),
        encoder: encoder.clone(),
        slate_encoder: std::env::current_exe().ok(),
        media: Some(media.clone()),
        slate_image: Some(cfg.data_dir.join("slate.img")),
        platforms: cfg.platforms.clone(),
        data_dir: Some(cfg.data_dir.clone()),
        confirm_live: Duration::from_secs(cfg.confirm_live_s),
        ..Settings::default()
    };
    let core = Core::new(store, settings)?;
    if !core.store().has_admin()? {
        // Proof of presence for the first set-up: this code is on the status screen and here in the
        // log (the journal on a device), never served over the network.
        let code = core.setup().arm();
        tracing::warn!(
            "no admin password yet: set the box up on its dashboard with the set-up code {}-{} (or press Go Live on the box)",
            &code[..4],
            &code[4..]
        );
    }

    let rtmp = tokio::net::TcpListener::bind(cfg.rtmp).await.with_context(|| format!("binding RTMP on {}", cfg.rtmp))?;
    let rtmp = rtmp.into_std()?;
    let ingest = core.ingests().clone();
    media.spawn(async move {
        match tokio::net::TcpListener::from_std(rtmp) {
            Ok(l) => onair::ingest::rtmp::serve(l, ingest).await,
            Err(e) => tracing::error!("rtmp listener: {e}"),
        }
    });
    if let Some(srt) = cfg.srt {
        tokio::spawn(onair::ingest::srt::serve(srt, core.ingests().clone()));
    }

    let http = tokio::net::TcpListener::bind(cfg.http).await.with_context(|| format!("binding HTTP on {}", cfg.http))?;
    tracing::info!(http = %cfg.http, rtmp = %cfg.rtmp, srt = ?cfg.srt, hw = %cfg.hw, "onaird ready");
    // Under systemd (Type=notify): ready now, and a watchdog ping from the media loop itself, so a
    // wedged media loop gets the box restarted.
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]);
    let mut usec = 0u64;
    if sd_notify::watchdog_enabled(false, &mut usec) && usec > 0 {
        let every = Duration::from_micros(usec / 3);
        media.spawn(async move {
            let mut t = tokio::time::interval(every);
            loop {
                t.tick().await;
                let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
            }
        });
    }
    let hw = (cfg.hw != HwBackend::None).then(|| {
        let kind = cfg.hardware.display.kind().unwrap_or(onair_hw::ScreenKind::Lcd240x240);
        let found = onair::hwbridge::Hardware { backend: cfg.hw, kind, encoder, pins, panel, lang: cfg.language };
        onair::hwbridge::HwBridge::start(core.clone(), found, cfg.http.port())
    });
    let https = match cfg.https {
        Some(addr) => {
            let tls = api::https::load_or_make(&cfg.data_dir.join("tls"), api::https::names(&cfg.public_host)).context("TLS certificate")?;
            let l = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding HTTPS on {addr}"))?;
            tracing::info!(%addr, "HTTPS for guests (certificate in the data dir's tls/)");
            Some((l, tls))
        }
        None => None,
    };
    let _mdns = if cfg.mdns {
        onair::mdns::Announcer::start(&cfg.public_host, cfg.http.port(), cfg.rtmp.port())
            .map_err(|e| tracing::warn!("mDNS announcement failed ({e}); the box is still reachable by its IP"))
            .ok()
    } else {
        None
    };
    let state = AppState::new(core.clone(), Arc::new(cfg), hw);
    let limits = state.limits.clone();
    tracing::info!(caps = ?limits.caps, "HTTP limits");
    let router = api::router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some((l, tls)) = https {
        tokio::spawn(api::listen::serve(l, router.clone(), limits.clone(), Some(tokio_rustls::TlsAcceptor::from(tls)), stop_rx.clone()));
    }
    let server = tokio::spawn(api::listen::serve(http, router, limits.clone(), None, stop_rx));
    let restart = tokio::select! {
        _ = shutdown_signal() => false,
        _ = core.restart_requested() => true,
    };
    if restart {
        // The restore's answer goes out before the connections close.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tracing::info!(restart, "stopping: closing every output");
    let _ = core.execute(Command::StopLive).await;
    // A recording started by hand ("record only") is closed too: synced, its row finished.
    let _ = core.execute(Command::StopRecording).await;
    let _ = stop_tx.send(true);
    // Idle keep-alive connections are closed at once; requests in flight get up to 2 s, and
    // WebSocket clients must not hold the exit up.
    let _ = server.await;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while limits.busy_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let c = core.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = c.store().flush_pending(true) {
            tracing::warn!("sessions and alerts held in memory were not saved: {e}");
        }
        c.backup()
    })
    .await;
    tracing::info!("stopped");
    Ok(restart)
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
