//! A counting global allocator, so that a property oracle can say how much heap a call took.
//!
//! Install it in a test binary or a fuzz target with
//! `#[global_allocator] static A: Counting = Counting;` and measure with [`peak_during`]. The
//! counters are per thread (tests run in parallel and must not disturb each other's figures)
//! and `const`-initialised `Cell`s, so counting never allocates nor registers a destructor.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// [`System`], counting the bytes this thread holds and the most it held.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread (memory freed by another thread than
    /// the one that allocated it makes this drift, which is why it is signed).
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    /// The highest `CURRENT` since the last reset.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Set by the first allocation through [`Counting`]: whether it is the global allocator.
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn grew(bytes: usize) {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    // `try_with`: an allocation during thread teardown is simply not counted.
    let _ = CURRENT.try_with(|current| {
        let now = current.get().saturating_add(bytes as isize);
        current.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

fn shrank(bytes: usize) {
    let _ = CURRENT.try_with(|current| current.set(current.get().saturating_sub(bytes as isize)));
}

// SAFETY: every call is forwarded to `System` with the caller's arguments unchanged; the
// bookkeeping around it touches only `Cell`s of this thread and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            // The old block is held until the new one exists: count the new one first, so
            // the peak is what the process really needed at that moment (at most).
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

/// Whether [`Counting`] is this process's global allocator.
pub fn installed() -> bool {
    if !INSTALLED.load(Ordering::Relaxed) {
        // Nothing may have been allocated yet: allocate once to find out.
        drop(std::hint::black_box(Box::new(0u64)));
    }
    INSTALLED.load(Ordering::Relaxed)
}

/// Run `f` and return its result with the most heap this thread held during it beyond what
/// it held before (its peak growth, in bytes), or `None` for the figure when [`Counting`] is
/// not installed.
pub fn peak_during<T>(f: impl FnOnce() -> T) -> (T, Option<usize>) {
    if !installed() {
        return (f(), None);
    }
    let base = CURRENT.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, Some(peak.saturating_sub(base).max(0) as usize))
}
