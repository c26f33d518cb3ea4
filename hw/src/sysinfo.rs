//! CPU temperature, load, memory and disk, from /proc, /sys and statvfs.
use serde::Serialize;

#[derive(Debug, Clone, Serialize, Default)]
pub struct SysInfo {
    pub cpu_temp_c: Option<f64>,
    pub load: [f64; 3],
    pub mem_total_mb: u64,
    pub mem_available_mb: u64,
    pub disk_total_mb: u64,
    pub disk_free_mb: u64,
}

pub fn read(data_dir: &std::path::Path) -> SysInfo {
    let cpu_temp_c = std::fs::read_to_string("/sys/class/thermal/thermal_zone0/temp").ok().and_then(|t| t.trim().parse::<f64>().ok()).map(|m| m / 1000.0);
    let mut s = SysInfo { cpu_temp_c, ..SysInfo::default() };
    if let Ok(l) = std::fs::read_to_string("/proc/loadavg") {
        for (i, v) in l.split_whitespace().take(3).enumerate() {
            s.load[i] = v.parse().unwrap_or(0.0);
        }
    }
    if let Ok(m) = std::fs::read_to_string("/proc/meminfo") {
        let field =
            |k: &str| m.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) / 1024;
        s.mem_total_mb = field("MemTotal:");
        s.mem_available_mb = field("MemAvailable:");
    }
    if let Ok(c) = std::ffi::CString::new(data_dir.as_os_str().as_encoded_bytes()) {
        let mut v: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid C string and a zeroed struct of the right type.
        if unsafe { libc::statvfs(c.as_ptr(), &mut v) } == 0 {
            let frag = v.f_frsize as u64;
            s.disk_total_mb = v.f_blocks as u64 * frag / (1 << 20);
            s.disk_free_mb = v.f_bavail as u64 * frag / (1 << 20);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_machine() {
        let s = super::read(std::path::Path::new("/"));
        assert!(s.mem_total_mb > 0 && s.mem_available_mb <= s.mem_total_mb);
        assert!(s.disk_total_mb > 0 && s.disk_free_mb <= s.disk_total_mb);
    }
}
