//! The benchmark's only `unsafe` code: the Windows calls behind [`crate::usage`] (CPU times and
//! working set of the process), which Unix gets from `getrusage` through nix.
#![allow(unsafe_code)]

use windows_sys::Win32::Foundation::FILETIME;
use windows_sys::Win32::System::ProcessStatus::{K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetCurrentThread, GetProcessTimes, GetThreadTimes};

/// Seconds in a FILETIME duration (100 ns units).
fn seconds(t: &FILETIME) -> f64 {
    ((u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime)) as f64 / 1e7
}

/// User plus kernel seconds of the process (`thread: false`) or of the calling thread.
pub fn cpu_seconds(thread: bool) -> f64 {
    let z = FILETIME { dwLowDateTime: 0, dwHighDateTime: 0 };
    let (mut created, mut exited, mut kernel, mut user) = (z, z, z, z);
    // SAFETY: the pseudo-handles of the current process and thread need no closing; the four
    // out-pointers are valid FILETIMEs for the duration of the call.
    let ok = unsafe {
        if thread {
            GetThreadTimes(GetCurrentThread(), &mut created, &mut exited, &mut kernel, &mut user)
        } else {
            GetProcessTimes(GetCurrentProcess(), &mut created, &mut exited, &mut kernel, &mut user)
        }
    };
    if ok == 0 {
        return 0.0;
    }
    seconds(&kernel) + seconds(&user)
}

/// (peak, current) working set of the process in bytes.
pub fn working_set() -> (u64, u64) {
    // SAFETY: PROCESS_MEMORY_COUNTERS is plain old data; all-zero is a valid value.
    let mut c: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
    c.cb = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
    // SAFETY: `c` is a valid out-pointer of the size given in `cb`.
    if unsafe { K32GetProcessMemoryInfo(GetCurrentProcess(), &mut c, c.cb) } == 0 {
        return (0, 0);
    }
    (c.PeakWorkingSetSize as u64, c.WorkingSetSize as u64)
}
