//! What a process has used: CPU seconds (getrusage; GetProcessTimes and GetThreadTimes on
//! Windows) and resident memory (the working set on Windows).

#[cfg(unix)]
use nix::sys::resource::{getrusage, UsageWho};

/// The whole process's CPU seconds (user and system).
pub fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    return rusage_seconds(UsageWho::RUSAGE_SELF);
    #[cfg(windows)]
    return crate::sys::cpu_seconds(false);
}

/// The calling thread's own CPU seconds.
pub fn thread_cpu_seconds() -> f64 {
    #[cfg(all(unix, not(target_vendor = "apple")))]
    return rusage_seconds(UsageWho::RUSAGE_THREAD);
    // (macOS has no RUSAGE_THREAD: the whole process's time there.)
    #[cfg(target_vendor = "apple")]
    return rusage_seconds(UsageWho::RUSAGE_SELF);
    #[cfg(windows)]
    return crate::sys::cpu_seconds(true);
}

#[cfg(unix)]
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
    #[cfg(windows)]
    return crate::sys::working_set().0;
    #[cfg(unix)]
    getrusage(UsageWho::RUSAGE_SELF).map(|u| u.max_rss() as u64 * 1024).unwrap_or(0)
}

/// Resident memory now, from /proc/self/statm (the working set on Windows).
pub fn rss_now() -> u64 {
    #[cfg(windows)]
    return crate::sys::working_set().1;
    #[cfg(unix)]
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}
