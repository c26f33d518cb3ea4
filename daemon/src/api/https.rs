//! HTTPS for guests: browsers allow camera and microphone only in a secure context, so a guest on
//! another machine needs the box over TLS. The user's own certificate (`<data dir>/tls/cert.pem` and
//! `key.pem`) is used when present; otherwise one is made on first start, self-signed for the box's
//! names and addresses.
use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("certificate: {0}")]
    Cert(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Loads `<dir>/cert.pem` + `key.pem`, making a self-signed pair for `names` if there is none.
pub fn load_or_make(dir: &Path, names: Vec<String>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if !cert.exists() || !key.exists() {
        std::fs::create_dir_all(dir)?;
        let ck = rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Cert(e.to_string()))?;
        std::fs::write(&cert, ck.cert.pem())?;
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&key)?;
        f.write_all(ck.key_pair.serialize_pem().as_bytes())?;
    }
    let certs: Vec<_> = rustls_pemfile::certs(&mut std::io::BufReader::new(std::fs::File::open(&cert)?)).collect::<Result<_, _>>()?;
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(std::fs::File::open(&key)?))?
        .ok_or_else(|| TlsError::Cert("key.pem holds no private key".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Cert(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Cert(e.to_string()))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Marks a request that came over the HTTPS listener (the session cookie is then `__Host-` and `Secure`).
#[derive(Debug, Clone, Copy)]
pub struct Secure;

/// Names and addresses the certificate covers: this host on the LAN and loopback.
pub fn names(public_host: &str) -> Vec<String> {
    let mut v = vec![public_host.to_string(), "onair.local".into(), "localhost".into(), "127.0.0.1".into()];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        v.push(format!("{}.local", h.trim()));
    }
    v.sort();
    v.dedup();
    v
}
