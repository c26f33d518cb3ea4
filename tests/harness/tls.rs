//! Certificates for TLS peers on loopback (an RTMPS edge, an SMTP server): a private CA, and a
//! server certificate it signed, made with openssl.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct PrivateCa {
    /// The CA's certificate: what the box is told to trust (`ONAIR_EXTRA_CA_FILE`).
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A CA and a certificate for `san` (e.g. `DNS:localhost`, `IP:127.0.0.1`) under `dir`.
pub fn private_ca(dir: &Path, san: &str) -> PrivateCa {
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(p("leaf.ext"), format!("subjectAltName={san}\nbasicConstraints=CA:FALSE\n")).unwrap();
    let cn = format!("/CN={}", san.split_once(':').map_or(san, |(_, v)| v));
    for args in [
        vec!["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=onair test CA", "-keyout", &p("ca.key"), "-out", &p("ca.pem")],
        vec!["req", "-newkey", "rsa:2048", "-nodes", "-subj", &cn, "-keyout", &p("key.pem"), "-out", &p("leaf.csr")],
        vec![
            "x509",
            "-req",
            "-in",
            &p("leaf.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            &p("leaf.ext"),
            "-out",
            &p("cert.pem"),
        ],
    ] {
        let st = Command::new("openssl").args(&args).stdout(Stdio::null()).stderr(Stdio::null()).status().expect("openssl");
        assert!(st.success(), "openssl {args:?}");
    }
    PrivateCa { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") }
}
