//! The Countersign desktop app.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as the CLI: a large ledger import allocates and frees hundreds of MiB in a few
/// phases, and mimalloc reuses what one phase freed where the system allocator takes fresh
/// pages from the kernel for each.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    countersign_desktop::run();
}
