//! RTMPS out: the box speaks TLS to the destination (socat terminates TLS in front of nginx-rtmp, as a
//! platform's edge would) and checks the certificate.
use std::process::{Command, Stdio};
use std::time::Duration;

use onair_e2e::*;

#[test]
fn rtmps_destination_with_certificate_check() {
    let dir = tempfile::tempdir().unwrap();
    // A private CA and a server certificate it signed, as a platform's edge would present.
    let tls = onair_e2e::tls::private_ca(dir.path(), "DNS:localhost");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (cert, key, ca) = (path(&tls.cert), path(&tls.key), path(&tls.ca));
    let mut n = Nginx::start();
    let tls_port = free_port();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _socat = Kill(
        Command::new("socat")
            .arg(format!("openssl-listen:{tls_port},bind=127.0.0.1,reuseaddr,fork,cert={cert},key={key},verify=0"))
            .arg(format!("tcp:127.0.0.1:{}", n.port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat"),
    );
    assert!(wait_until(Duration::from_secs(5), || std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_ok()));
    let clip = clip(10, 640, 360, 30);
    let mut d = Daemon::start_full(&[], &[("ONAIR_EXTRA_CA_FILE", ca.as_str())]);
    let good = d.add_destination("tls", &format!("rtmps://localhost:{tls_port}/app"), "sk_rtmps_0001");
    // Same server under a name the certificate does not cover: refused by the certificate check.
    let bad = d.add_destination("wrong name", &format!("rtmps://127.0.0.1:{tls_port}/app"), "sk_rtmps_0002");
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(good)["state"] == "live"), "{}", d.log_text());
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(bad)["last_error"].as_str().is_some_and(|e| e.contains("TLS"))));
    assert_ne!(d.destination_status(bad)["state"], "live");
    std::thread::sleep(Duration::from_secs(3));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let recs = n.recordings();
    assert_eq!(recs.len(), 1, "{recs:?}");
    let p = probe(&recs[0]);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str()), ("h264", "aac"), "{p:?}");
}
