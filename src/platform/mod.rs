//! Process-wide tweaks tuned to the virtual machines ykien was measured on, in one place.
//! Each is on by default because it measured better there (benches/RESULTS.md, "Platform
//! tweaks"), and each can be switched off by an environment variable:
//!
//! | tweak | off with |
//! | --- | --- |
//! | 4 KB pages only (no transparent huge pages, Linux) | `YKIEN_THP=1` |
//! | freed memory returned after 100 ms (mimalloc's purge delay) | `MIMALLOC_PURGE_DELAY=N` (any value) |
//! | output files written past the page cache (`O_DIRECT`, Linux) | `YKIEN_DIRECT_IO=0` |

pub mod direct_io;

/// Applies the process-wide tweaks; called once at the start of the command line.
pub fn init() {
    if enabled("YKIEN_TUNING") {
        small_pages_only();
        #[cfg(feature = "mimalloc")]
        prompt_purge();
    }
}

/// Whether the tweak behind `var` is on: unless the variable is `0` (or, for the tuning
/// switch as a whole, `YKIEN_TUNING=0` turns every tweak off).
pub fn enabled(var: &str) -> bool {
    let off = |v: &str| std::env::var_os(v).is_some_and(|x| x == "0");
    !off(var) && !off("YKIEN_TUNING")
}

/// Memory in 4 KB pages only (Linux), unless `YKIEN_THP=1`: the run's memory is touched
/// once, mostly a little at a time from many places, and on virtual machines that hand
/// freed memory back to their host the first touch of a 2 MB transparent huge page costs
/// about twice as much per byte as of small pages.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("YKIEN_THP").is_none_or(|v| v != "1") {
        // SAFETY: prctl with PR_SET_THP_DISABLE reads no memory of ours; a failure leaves
        // the process as it was.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

/// Freed memory goes back to the system after 100 ms instead of mimalloc 3's default of a
/// second, unless `MIMALLOC_PURGE_DELAY` says otherwise: the stages free large buffers the
/// next stage does not reuse, and a second's hold stacked them into the peak. Only has an
/// effect where mimalloc is the global allocator (the `ykien` binary).
#[cfg(feature = "mimalloc")]
fn prompt_purge() {
    /// `mi_option_purge_delay` in mimalloc 3's `enum mi_option_e` (mimalloc.h); the crate
    /// names no constant for it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one allocator option (an integer in mimalloc's option table).
        unsafe {
            // The slot holds the documented default of that option (1000 ms) unless the
            // bundled mimalloc numbers its options otherwise: then it is left alone.
            if libmimalloc_sys::mi_option_get(PURGE_DELAY) == 1000 {
                libmimalloc_sys::mi_option_set(PURGE_DELAY, 100);
            }
        }
    }
}
