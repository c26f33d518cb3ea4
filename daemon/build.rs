// The dashboard is embedded from web/dist. A checkout that has not built it yet still compiles,
// with a page that says how to build it.
fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
    if !dist.join("index.html").exists() {
        let _ = std::fs::create_dir_all(&dist);
        let _ = std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>onair</title><h1>onair</h1>\
             <p>The dashboard is not built: run <code>npm --prefix web ci && npm --prefix web run build</code>.</p>",
        );
    }
    println!("cargo:rerun-if-changed=../web/dist");
}
