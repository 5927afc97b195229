//! What a process has used: CPU seconds (getrusage) and resident memory.

use nix::sys::resource::{getrusage, UsageWho};

/// The whole process's CPU seconds (user and system).
pub fn cpu_seconds() -> f64 {
    rusage_seconds(UsageWho::RUSAGE_SELF)
}

/// The calling thread's own CPU seconds.
pub fn thread_cpu_seconds() -> f64 {
    rusage_seconds(UsageWho::RUSAGE_THREAD)
}

fn rusage_seconds(who: UsageWho) -> f64 {
    match getrusage(who) {
        Ok(u) => {
            let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
            t(u.user_time()) + t(u.system_time())
        }
        Err(_) => 0.0,
    }
}

/// The process's peak resident memory.
pub fn max_rss_bytes() -> u64 {
    getrusage(UsageWho::RUSAGE_SELF).map(|u| u.max_rss() as u64 * 1024).unwrap_or(0)
}

/// Resident memory now, from /proc/self/statm.
pub fn rss_now() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}
