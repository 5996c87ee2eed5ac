//! [`NonceStore`]: one API key's nonces, strictly increasing across the tasks of a process, across
//! processes sharing a directory (the app and the CLI), and across restarts, even when the clock
//! goes backwards.
//!
//! The file `nonce-<hash of the public key>` in the caller's directory holds a high-water mark:
//! the highest nonce any process may have handed out. A process reserves a block of nonces above
//! it (written and fsync'd, under an exclusive lock on a sibling `.lock` file, replaced by
//! rename so a crash never leaves it half-written) before handing any of them out, so after a
//! restart the next nonce exceeds every earlier one. Between reservations no write happens.
//!
//! Every hand-out also reads the mark (no lock, no write): if another process reserved above
//! this one's block, this one jumps above it, so hand-outs stay increasing across processes as
//! long as calls do not race within one reservation. A call that loses such a race is refused
//! with `EAPI:Invalid nonce`; [`NonceStore::resync`] then moves this process above the mark.
//!
//! Nonces stay millisecond-shaped: `max(now_ms, last + 1)`, or just above the mark when a
//! reservation demands it. The public key is only hashed into the file name; the secret is never
//! seen here.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// Unix time in milliseconds. Injected so tests can move the clock, backwards too.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock, in unix milliseconds.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    })
}

/// How many nonces one reservation covers by default: ten seconds' worth of milliseconds, so a
/// busy process writes at most about once per ten seconds and a restart lands at most ten
/// seconds ahead of the clock.
pub const DEFAULT_RESERVATION: u64 = 10_000;

/// Why the store could not hand out a nonce. No nonce is handed out unless it was reserved on
/// disk first.
#[derive(Debug, thiserror::Error)]
pub enum NonceStoreError {
    /// The directory or a file could not be read, written, synced or locked.
    #[error("nonce store {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The mark file holds something that is not a number; guessing could reuse nonces.
    #[error("nonce store {path}: not a nonce mark: {content:?}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What it held.
        content: String,
    },
    /// Nonces ran out of `u64` range.
    #[error("nonce store: nonces exhausted")]
    Exhausted,
}

/// The in-process view: the last nonce handed out and the top of this process's reservation.
#[derive(Debug, Default)]
struct Issued {
    last: u64,
    /// 0 until the first reservation.
    ceiling: u64,
}

/// One API key's persistent nonces. Share it (`Arc`) between every client using the key in the
/// process.
pub struct NonceStore {
    mark_path: PathBuf,
    lock_file: File,
    lock_path: PathBuf,
    clock: Clock,
    reservation: u64,
    issued: Mutex<Issued>,
}

impl std::fmt::Debug for NonceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceStore")
            .field("mark_path", &self.mark_path)
            .field("reservation", &self.reservation)
            .finish_non_exhaustive()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NonceStoreError + '_ {
    move |source| NonceStoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The file name for a key: a hash, so the directory listing reveals nothing about the key.
fn file_stem(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("nonce-{hex}")
}

impl NonceStore {
    /// The store for `api_key` (the public key) in `dir`, on the system clock.
    pub fn open(dir: &Path, api_key: &str) -> Result<Self, NonceStoreError> {
        Self::open_with(dir, api_key, system_clock(), DEFAULT_RESERVATION)
    }

    /// The store with an injected clock and reservation size (at least 1).
    pub fn open_with(
        dir: &Path,
        api_key: &str,
        clock: Clock,
        reservation: u64,
    ) -> Result<Self, NonceStoreError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let stem = file_stem(api_key);
        let mark_path = dir.join(&stem);
        let lock_path = dir.join(format!("{stem}.lock"));
        let lock_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        Ok(Self {
            mark_path,
            lock_file,
            lock_path,
            clock,
            reservation: reservation.max(1),
            issued: Mutex::new(Issued::default()),
        })
    }

    /// The mark file's path.
    pub fn path(&self) -> &Path {
        &self.mark_path
    }

    /// The next nonce: greater than every nonce this store, any other store on the same
    /// directory, or any earlier run handed out before the last reservation was read.
    pub fn next(&self) -> Result<u64, NonceStoreError> {
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = (self.clock)();
        let candidate = now.max(
            issued
                .last
                .checked_add(1)
                .ok_or(NonceStoreError::Exhausted)?,
        );
        let mark = self.read_mark()?;
        if candidate > issued.ceiling || mark > issued.ceiling {
            let (base, ceiling) = self.reserve(candidate)?;
            issued.last = base;
            issued.ceiling = ceiling;
        } else {
            issued.last = candidate;
        }
        Ok(issued.last)
    }

    /// Makes the next nonce come from a fresh reservation above the mark, after the exchange
    /// refused a nonce (another process or tool used a higher one).
    pub fn resync(&self) {
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued.ceiling = 0;
    }

    /// The mark on disk; 0 when no reservation was ever made.
    fn read_mark(&self) -> Result<u64, NonceStoreError> {
        match fs::read_to_string(&self.mark_path) {
            Ok(content) => content
                .trim()
                .parse()
                .map_err(|_| NonceStoreError::Corrupt {
                    path: self.mark_path.clone(),
                    content,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io(&self.mark_path)(e)),
        }
    }

    /// Reserves a block starting at or above `candidate` and above the mark; returns its first
    /// and last nonce. The mark is durable before this returns.
    fn reserve(&self, candidate: u64) -> Result<(u64, u64), NonceStoreError> {
        self.lock_file.lock().map_err(io(&self.lock_path))?;
        let result = self.reserve_locked(candidate);
        let unlocked = self.lock_file.unlock().map_err(io(&self.lock_path));
        let reserved = result?;
        unlocked?;
        Ok(reserved)
    }

    fn reserve_locked(&self, candidate: u64) -> Result<(u64, u64), NonceStoreError> {
        let mark = self.read_mark()?;
        let base = candidate.max(mark.checked_add(1).ok_or(NonceStoreError::Exhausted)?);
        let ceiling = base
            .checked_add(self.reservation - 1)
            .ok_or(NonceStoreError::Exhausted)?;
        let tmp = self.mark_path.with_extension("tmp");
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            writeln!(f, "{ceiling}").map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &self.mark_path).map_err(io(&self.mark_path))?;
        if let Some(dir) = self.mark_path.parent() {
            // The rename is durable only once the directory entry is.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
        }
        Ok((base, ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn manual_clock(start: u64) -> (Clock, Arc<AtomicU64>) {
        let t = Arc::new(AtomicU64::new(start));
        let c = Arc::clone(&t);
        (Arc::new(move || c.load(Ordering::SeqCst)), t)
    }

    const T0: u64 = 1_700_000_000_000;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn eight_tasks_get_distinct_increasing_nonces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(NonceStore::open(dir.path(), "public-key").expect("open"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = Arc::clone(&store);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    for i in 0..500 {
                        if i % 2 == 0 {
                            mine.push(store.next().expect("nonce"));
                        } else {
                            // Hand-out order, as a caller holding a send turn sees it.
                            let mut log = log.lock().expect("log");
                            let n = store.next().expect("nonce");
                            log.push(n);
                            mine.push(n);
                        }
                        tokio::task::yield_now().await;
                    }
                    mine
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            let mine = t.await.expect("task");
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "per task increasing");
            all.extend(mine);
        }
        let log = log.lock().expect("log").clone();
        assert!(
            log.windows(2).all(|w| w[0] < w[1]),
            "hand-out order increasing"
        );
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "no nonce handed out twice");
        // Millisecond-shaped: close to the clock, not a counter from zero.
        let now = (system_clock())();
        assert!(all[0] > now - 60_000 && all[n - 1] < now + 60_000);
    }

    #[test]
    fn a_restart_with_the_clock_gone_back_continues_above_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (clock, t) = manual_clock(T0);
        let store = NonceStore::open_with(dir.path(), "k", clock, 100).expect("open");
        let mut before = Vec::new();
        for _ in 0..250 {
            before.push(store.next().expect("nonce"));
        }
        assert_eq!(before[0], T0);
        let highest = before.iter().copied().max().expect("some");
        drop(store);

        // The clock jumps back an hour; the process restarts.
        t.store(T0 - 3_600_000, Ordering::SeqCst);
        let (clock2, _t2) = manual_clock(T0 - 3_600_000);
        let store = NonceStore::open_with(dir.path(), "k", clock2, 100).expect("reopen");
        let next = store.next().expect("nonce");
        assert!(next > highest, "{next} <= {highest}");
        // Never more than one reservation ahead of what was handed out.
        assert!(next <= highest + 100);
    }

    #[test]
    fn a_reservation_is_written_before_use_and_not_per_call() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (clock, _t) = manual_clock(T0);
        let store = NonceStore::open_with(dir.path(), "k", clock, 1_000).expect("open");
        let first = store.next().expect("nonce");
        let mark: u64 = fs::read_to_string(store.path())
            .expect("mark")
            .trim()
            .parse()
            .expect("number");
        assert_eq!(mark, first + 999);
        let modified = fs::metadata(store.path()).and_then(|m| m.modified()).ok();
        for _ in 0..500 {
            assert!(store.next().expect("nonce") <= mark);
        }
        assert_eq!(
            fs::metadata(store.path()).and_then(|m| m.modified()).ok(),
            modified,
            "no write inside a reservation"
        );
    }

    #[test]
    fn two_processes_on_one_directory_never_share_a_nonce_and_stay_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (clock, _t) = manual_clock(T0);
        // Two stores, two open files: two processes as far as the file locks go.
        let a =
            Arc::new(NonceStore::open_with(dir.path(), "k", Arc::clone(&clock), 50).expect("a"));
        let b = Arc::new(NonceStore::open_with(dir.path(), "k", clock, 50).expect("b"));

        let mut handed = Vec::new();
        for i in 0..200 {
            let s = if i % 3 == 0 { &b } else { &a };
            handed.push(s.next().expect("nonce"));
        }
        assert!(
            handed.windows(2).all(|w| w[0] < w[1]),
            "interleaved hand-outs stay increasing"
        );

        let threads: Vec<_> = [a, b]
            .into_iter()
            .map(|s| {
                std::thread::spawn(move || {
                    (0..2_000)
                        .map(|_| s.next().expect("nonce"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = handed;
        for t in threads {
            all.extend(t.join().expect("thread"));
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "no nonce shared between the two");
    }

    #[test]
    fn resync_moves_above_the_mark_and_files_reveal_no_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (clock, _t) = manual_clock(T0);
        let key = "AbCdEfPublicKeyMaterial0123456789";
        let store = NonceStore::open_with(dir.path(), key, clock, 100).expect("open");
        let first = store.next().expect("nonce");
        store.resync();
        assert!(store.next().expect("nonce") > first + 99);
        for entry in fs::read_dir(dir.path()).expect("dir") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(name.starts_with("nonce-") && !name.contains(key), "{name}");
            let content = fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(!content.contains(key));
        }
    }

    #[test]
    fn a_corrupt_mark_is_refused_not_guessed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = NonceStore::open(dir.path(), "k").expect("open");
        fs::write(store.path(), "garbage").expect("write");
        assert!(matches!(store.next(), Err(NonceStoreError::Corrupt { .. })));
    }
}
