//! The fake platforms as a process, for the browser tests: prints its port, runs until killed.
fn main() {
    let port = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let f = onair_e2e::fake_platforms::FakePlatforms::start_on(port);
    println!("{}", f.port);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
