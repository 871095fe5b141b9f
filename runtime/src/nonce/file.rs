//! [`FileNonce`]: one nonce sequence for every process on a machine, kept in a locked file.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{unix_millis, NonceError, NonceSource};

/// How long a draw waits for another process to release the file by default.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes read from the file: a `u64` has at most 20 digits.
const READ_LIMIT: u64 = 64;

/// Nonces shared by every process (and thread) on one machine that opens the same file: each
/// draw takes an exclusive lock on the file, reads the last nonce written there, writes
/// `max(last + 1, now in Unix milliseconds)` and releases the lock. Two processes on one Kraken
/// or AlphaPoint key, each with its own [`crate::MonotonicNonce`], can draw the same millisecond;
/// with one `FileNonce` path they cannot.
///
/// ```no_run
/// # fn demo(credentials: xgen_runtime::kraken::KrakenCredentials) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use xgen_runtime::kraken::KrakenSigner;
/// use xgen_runtime::FileNonce;
///
/// // Every process using this key opens the same file.
/// let nonces = FileNonce::open("/var/lib/treasury/kraken-main.nonce")?;
/// let signer = KrakenSigner::new(credentials).with_nonce_source(Arc::new(nonces));
/// # let _ = signer;
/// # Ok(())
/// # }
/// ```
///
/// - **The file** holds the last nonce as decimal digits (a missing or empty file counts as 0).
///   [`FileNonce::open`] creates it if needed and reads it once under the lock, so a path that
///   cannot be created, written or locked, or a file holding something else, is an error
///   there and then rather than at the first request. A file holding something other than a
///   nonce is never overwritten.
/// - **The lock** is the operating system's advisory whole-file lock (`flock` on Unix,
///   `LockFileEx` on Windows), released when the draw is done or the process dies, so a
///   crashed process leaves nothing stale behind. It holds among processes that use
///   `FileNonce` on a local file system; network file systems may not honour it. Threads of
///   one process, and several `FileNonce`s opened on one path, exclude each other too.
/// - **Waiting**: a draw waits up to 10 s ([`FileNonce::with_lock_timeout`]) for another
///   process to release the file, then fails with [`NonceError::LockTimeout`] rather than
///   hang a request.
/// - **Errors** never panic: a draw that cannot lock, read or write the file returns a
///   [`NonceError`], the signer turns it into [`crate::SignError::Nonce`], and nothing is sent.
/// - **Crashes**: a nonce only grows in the same number of digits, so a write cut short leaves
///   a value between the old and the new one, never below the old. The file is not synced to
///   disk on every draw; after a power loss it may hold an older value, which the clock then
///   overtakes (draws stay above the current millisecond), unless the key's nonces had run
///   ahead of the clock.
pub struct FileNonce {
    path: PathBuf,
    file: Mutex<File>,
    lock_timeout: Duration,
}

impl FileNonce {
    /// Opens (creating if missing) the nonce file at `path`, and checks that it can be locked,
    /// read and written and holds a nonce or nothing.
    pub fn open(path: impl AsRef<Path>) -> Result<FileNonce, NonceError> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_error(&path, "opened for reading and writing", &e))?;
        let source = FileNonce {
            path,
            file: Mutex::new(file),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        };
        source.last()?;
        Ok(source)
    }

    /// Waits up to `timeout` for another process to release the file before a draw fails
    /// with [`NonceError::LockTimeout`] (default 10 s).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> FileNonce {
        self.lock_timeout = timeout;
        self
    }

    /// The file's path, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last nonce any process drew from the file (0 if none yet), read under the lock.
    pub fn last(&self) -> Result<u64, NonceError> {
        self.locked(|file| self.read(file))
    }

    /// Runs `f` on the file while this thread holds the in-process mutex and this process
    /// holds the file lock.
    fn locked<T>(
        &self,
        f: impl FnOnce(&mut File) -> Result<T, NonceError>,
    ) -> Result<T, NonceError> {
        // The file is the state, so a thread that panicked while holding the mutex left
        // nothing half-done in memory.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        self.lock_file(&file)?;
        let result = f(&mut file);
        let unlocked = fs4::FileExt::unlock(&*file);
        let value = result?;
        unlocked.map_err(|e| io_error(&self.path, "unlocked", &e))?;
        Ok(value)
    }

    /// Takes the file lock, retrying while another process holds it, up to the timeout.
    fn lock_file(&self, file: &MutexGuard<'_, File>) -> Result<(), NonceError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match fs4::FileExt::try_lock(&**file) {
                Ok(()) => return Ok(()),
                Err(fs4::TryLockError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= self.lock_timeout {
                        return Err(NonceError::LockTimeout {
                            path: self.path.clone(),
                            waited,
                        });
                    }
                    std::thread::sleep(pause.min(self.lock_timeout - waited));
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(fs4::TryLockError::Error(e)) => return Err(io_error(&self.path, "locked", &e)),
            }
        }
    }

    /// The nonce in the file: 0 when it is empty.
    fn read(&self, file: &mut File) -> Result<u64, NonceError> {
        let read_error = |e: io::Error| io_error(&self.path, "read", &e);
        file.seek(SeekFrom::Start(0)).map_err(read_error)?;
        let mut bytes = Vec::new();
        file.take(READ_LIMIT)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        let text = String::from_utf8_lossy(&bytes);
        let digits = text.trim();
        if digits.is_empty() {
            return Ok(0);
        }
        let parsed = digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse::<u64>().ok())
            .flatten();
        parsed.ok_or_else(|| NonceError::Corrupt {
            path: self.path.clone(),
            start: text.chars().take(24).collect(),
        })
    }

    /// Replaces the file's content with `nonce`.
    fn write(&self, file: &mut File, nonce: u64) -> Result<(), NonceError> {
        let write_error = |e: io::Error| io_error(&self.path, "written", &e);
        let text = format!("{nonce}\n");
        file.seek(SeekFrom::Start(0)).map_err(write_error)?;
        // Written over the old value before trimming, so a write cut short leaves a value at
        // least as large as the old one (see the type's docs).
        file.write_all(text.as_bytes()).map_err(write_error)?;
        file.set_len(text.len() as u64).map_err(write_error)?;
        file.flush().map_err(write_error)
    }
}

impl NonceSource for FileNonce {
    fn next_nonce(&self) -> Result<u64, NonceError> {
        self.locked(|file| {
            let last = self.read(file)?;
            let next = last
                .checked_add(1)
                .ok_or(NonceError::Exhausted)?
                .max(unix_millis());
            self.write(file, next)?;
            Ok(next)
        })
    }
}

impl fmt::Debug for FileNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileNonce")
            .field("path", &self.path)
            .field("lock_timeout", &self.lock_timeout)
            .finish()
    }
}

fn io_error(path: &Path, action: &'static str, error: &io::Error) -> NonceError {
    NonceError::Io {
        path: path.to_path_buf(),
        action,
        kind: error.kind(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::process::Command;
    use std::sync::Arc;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "xgen-file-nonce-{name}-{}-{}",
                std::process::id(),
                unix_millis()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn file(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn strictly_increasing(values: &[u64]) -> bool {
        values.windows(2).all(|w| w[0] < w[1])
    }

    /// Draws `count` nonces on each of `threads` threads from `source`, each thread's in order.
    fn draw_on_threads(source: &Arc<FileNonce>, threads: usize, count: usize) -> Vec<Vec<u64>> {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let source = Arc::clone(source);
                std::thread::spawn(move || {
                    (0..count)
                        .map(|_| source.next_nonce().unwrap())
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    }

    #[test]
    fn starts_at_the_clock_and_counts_up_from_the_file() {
        let dir = Scratch::new("basic");
        let path = dir.file("key.nonce");
        let before = unix_millis();
        let source = FileNonce::open(&path).unwrap();
        assert_eq!(source.last().unwrap(), 0, "a new file holds no nonce");
        let first = source.next_nonce().unwrap();
        assert!(first >= before, "{first} < {before}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{first}\n")
        );
        // A nonce ahead of the clock (another tool ran ahead) is continued from, never undercut.
        std::fs::write(&path, "99999999999999\n").unwrap();
        assert_eq!(source.next_nonce().unwrap(), 100_000_000_000_000);
        let again = FileNonce::open(&path).unwrap();
        assert_eq!(again.next_nonce().unwrap(), 100_000_000_000_001);
        assert_eq!(source.last().unwrap(), 100_000_000_000_001);
    }

    #[test]
    fn threads_and_several_handles_on_one_file_never_repeat() {
        let dir = Scratch::new("threads");
        let path = dir.file("key.nonce");
        let a = Arc::new(FileNonce::open(&path).unwrap());
        let b = Arc::new(FileNonce::open(&path).unwrap());
        let (from_a, from_b) = std::thread::scope(|s| {
            let a = s.spawn(|| draw_on_threads(&a, 4, 250));
            let b = s.spawn(|| draw_on_threads(&b, 4, 250));
            (a.join().unwrap(), b.join().unwrap())
        });
        let mut seen = HashSet::new();
        for mine in from_a.iter().chain(&from_b) {
            assert!(strictly_increasing(mine));
            for &n in mine {
                assert!(seen.insert(n), "nonce {n} drawn twice");
            }
        }
        assert_eq!(seen.len(), 2000);
    }

    #[test]
    fn errors_are_clear_and_nothing_panics() {
        let dir = Scratch::new("errors");
        let missing_dir = dir.file("no-such-dir").join("key.nonce");
        let err = FileNonce::open(&missing_dir).unwrap_err();
        assert!(
            matches!(&err, NonceError::Io { action, kind: io::ErrorKind::NotFound, .. } if action.starts_with("opened")),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with("the nonce file `")
                && text.contains("no-such-dir")
                && text.contains("could not be opened"),
            "{text}"
        );

        // A directory where the file should be.
        let err = FileNonce::open(dir.file("")).unwrap_err();
        assert!(matches!(err, NonceError::Io { .. }), "{err:?}");

        let corrupt = dir.file("corrupt.nonce");
        std::fs::write(&corrupt, "17000000000\u{1b}[2K{\"oops\"").unwrap();
        let err = FileNonce::open(&corrupt).unwrap_err();
        assert!(matches!(err, NonceError::Corrupt { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("does not hold a nonce"), "{text}");
        assert!(
            text.contains("\\u{1b}[2K") && !text.contains('\u{1b}'),
            "{text}"
        );
        assert_eq!(
            std::fs::read_to_string(&corrupt).unwrap(),
            "17000000000\u{1b}[2K{\"oops\"",
            "a file that holds something else is left alone"
        );

        let full = dir.file("full.nonce");
        std::fs::write(&full, format!("{}\n", u64::MAX)).unwrap();
        let source = FileNonce::open(&full).unwrap();
        assert_eq!(source.next_nonce(), Err(NonceError::Exhausted));
    }

    #[test]
    fn a_lock_held_elsewhere_times_out_instead_of_hanging() {
        let dir = Scratch::new("timeout");
        let path = dir.file("key.nonce");
        let source = FileNonce::open(&path)
            .unwrap()
            .with_lock_timeout(Duration::from_millis(100));
        // Another open file description holds the lock, as another process would.
        let holder = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        fs4::FileExt::lock(&holder).unwrap();
        let start = Instant::now();
        let err = source.next_nonce().unwrap_err();
        assert!(matches!(err, NonceError::LockTimeout { .. }), "{err:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(
            err.to_string().contains("stayed locked by another process"),
            "{err}"
        );
        fs4::FileExt::unlock(&holder).unwrap();
        assert!(source.next_nonce().is_ok());
    }

    /// Set in a child process: the nonce file to draw from, where to write what was drawn, and
    /// the Unix millisecond at which to start drawing (so the processes draw at the same time).
    const CHILD_NONCE_FILE: &str = "XGEN_FILE_NONCE_CHILD_FILE";
    const CHILD_OUTPUT: &str = "XGEN_FILE_NONCE_CHILD_OUTPUT";
    const CHILD_START_AT: &str = "XGEN_FILE_NONCE_CHILD_START_AT";
    const CHILD_THREADS: usize = 2;
    const CHILD_DRAWS: usize = 1000;

    /// The child's part of [`processes_sharing_a_file_never_repeat`]: runs only when the test
    /// binary is re-executed with the variables set; a no-op in a normal test run.
    #[test]
    fn file_nonce_child_process() {
        let (Some(file), Some(output)) = (
            std::env::var_os(CHILD_NONCE_FILE),
            std::env::var_os(CHILD_OUTPUT),
        ) else {
            return;
        };
        let source = Arc::new(FileNonce::open(file).unwrap());
        let start_at: u64 = std::env::var(CHILD_START_AT).unwrap().parse().unwrap();
        std::thread::sleep(Duration::from_millis(
            start_at.saturating_sub(unix_millis()),
        ));
        let per_thread = draw_on_threads(&source, CHILD_THREADS, CHILD_DRAWS);
        let lines: Vec<String> = per_thread
            .iter()
            .map(|mine| {
                mine.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        std::fs::write(output, lines.join("\n")).unwrap();
    }

    /// Several real processes (this test binary, re-executed) draw from one file at once, from
    /// the same millisecond on: every nonce is unique, and each thread's are strictly
    /// increasing. (Without the file lock, this finds repeated nonces.)
    #[test]
    fn processes_sharing_a_file_never_repeat() {
        const PROCESSES: usize = 4;
        let dir = Scratch::new("processes");
        let path = dir.file("key.nonce");
        let exe = std::env::current_exe().unwrap();
        // Late enough for every process to have started and opened the file.
        let start_at = (unix_millis() + 1500).to_string();
        let children: Vec<_> = (0..PROCESSES)
            .map(|i| {
                let output = dir.file(&format!("child-{i}.txt"));
                let child = Command::new(&exe)
                    .args([
                        "--exact",
                        "nonce::file::tests::file_nonce_child_process",
                        "--test-threads",
                        "1",
                        "--quiet",
                    ])
                    .env(CHILD_NONCE_FILE, &path)
                    .env(CHILD_OUTPUT, &output)
                    .env(CHILD_START_AT, &start_at)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                (child, output)
            })
            .collect();
        let mut seen = HashSet::new();
        for (mut child, output) in children {
            assert!(child.wait().unwrap().success(), "a child process failed");
            let text = std::fs::read_to_string(&output).unwrap();
            let threads: Vec<Vec<u64>> = text
                .lines()
                .map(|line| line.split(' ').map(|n| n.parse().unwrap()).collect())
                .collect();
            assert_eq!(threads.len(), CHILD_THREADS, "{text}");
            for mine in &threads {
                assert_eq!(mine.len(), CHILD_DRAWS);
                assert!(strictly_increasing(mine), "{mine:?}");
                for &n in mine {
                    assert!(seen.insert(n), "nonce {n} drawn by two processes");
                }
            }
        }
        assert_eq!(seen.len(), PROCESSES * CHILD_THREADS * CHILD_DRAWS);
        let last = FileNonce::open(&path).unwrap().last().unwrap();
        assert_eq!(
            Some(&last),
            seen.iter().max(),
            "the file holds the last nonce drawn"
        );
    }
}
