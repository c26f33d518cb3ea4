//! `GET /api/v1/metrics`: Prometheus text format, built from the same status the dashboard reads.
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Dest {
    id: String,
    name: String,
    platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DestState {
    id: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Track {
    track: String,
}

fn gauge(reg: &mut Registry, name: &str, help: &str, v: i64) {
    let g = Gauge::<i64>::default();
    g.set(v);
    reg.register(name, help, g);
}

/// (cpu seconds, resident bytes) of this process.
fn process() -> (f64, i64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = stat.rsplit_once(')').map(|x| x.1).unwrap_or("").split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0) + f.get(12).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss_kb = status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<i64>().ok()).unwrap_or(0);
    // USER_HZ is 100 on every Linux the box runs on.
    (ticks / 100.0, rss_kb * 1024)
}

pub async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    let s = st.core.status();
    let mut reg = Registry::with_prefix("onair");
    gauge(&mut reg, "live", "1 while the show is live", s.live as i64);
    gauge(&mut reg, "paused", "1 while the slate is on air by choice", s.paused as i64);
    gauge(&mut reg, "show_duration_seconds", "Seconds since Go Live", s.duration_s.unwrap_or(0) as i64);
    gauge(&mut reg, "ingest_connected", "1 while a publisher (OBS) is connected", s.ingest.connected as i64);
    let ik = Family::<Track, Gauge>::default();
    ik.get_or_create(&Track { track: "video".into() }).set(s.ingest.video.kbps as i64);
    ik.get_or_create(&Track { track: "audio".into() }).set(s.ingest.audio.kbps as i64);
    reg.register("ingest_kbps", "Ingest bitrate measured from the stream", ik);
    gauge(&mut reg, "ingest_bytes", "Bytes received from the current publisher", s.ingest.bytes as i64);
    let kbps = Family::<Dest, Gauge>::default();
    let sent = Family::<Dest, Gauge>::default();
    let rec = Family::<Dest, Gauge>::default();
    let drop = Family::<Dest, Gauge>::default();
    let state = Family::<DestState, Gauge>::default();
    for d in &s.destinations {
        let l = Dest { id: d.id.to_string(), name: d.name.clone(), platform: d.platform.clone() };
        kbps.get_or_create(&l).set(d.out.kbps as i64);
        sent.get_or_create(&l).set(d.out.bytes_sent as i64);
        rec.get_or_create(&l).set(d.out.reconnects as i64);
        drop.get_or_create(&l).set(d.out.dropped_frames as i64);
        for name in ["idle", "connecting", "live", "reconnecting", "failed"] {
            let cur = serde_json::to_value(d.out.state).ok().and_then(|v| v.as_str().map(|x| x == name)).unwrap_or(false);
            state.get_or_create(&DestState { id: d.id.to_string(), state: name.into() }).set(cur as i64);
        }
    }
    reg.register("destination_kbps", "Bitrate sent to each destination", kbps);
    reg.register("destination_bytes_sent", "Bytes sent to each destination in its current run", sent);
    reg.register("destination_reconnects", "Times a live destination dropped and reconnected", rec);
    reg.register("destination_dropped_frames", "Frames a slow destination skipped to catch up", drop);
    reg.register("destination_state", "1 for the state each destination is in", state);
    let l = &st.limits;
    gauge(&mut reg, "http_connections", "Open HTTP and HTTPS connections", l.connections() as i64);
    gauge(
        &mut reg,
        "http_connections_evicted",
        "Idle connections closed to make room for new ones",
        l.evicted.load(std::sync::atomic::Ordering::Relaxed) as i64,
    );
    gauge(
        &mut reg,
        "http_connections_refused",
        "Connections refused over the per-address or box-wide cap",
        l.refused.load(std::sync::atomic::Ordering::Relaxed) as i64,
    );
    let (cpu, rss) = process();
    gauge(&mut reg, "process_cpu_milliseconds", "CPU time used by onaird", (cpu * 1000.0) as i64);
    gauge(&mut reg, "process_resident_memory_bytes", "Resident memory of onaird", rss);
    let mut out = String::new();
    let _ = encode(&mut out, &reg);
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], out)
}
