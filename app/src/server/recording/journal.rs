//! The check journal: recorded checks that could not go to the database in time (its queue was
//! full, a batch failed, the server was stopping), appended as JSON lines to segment files in a
//! local folder and replayed into the database later (`recording::replay`).
//!
//! A segment is written by one server, line by line, under a name ending `.jsonl.open`, each
//! append flushed to the operating system (a killed process loses nothing it appended; a power
//! cut may lose what was not yet synced); sealing syncs it and renames it to `.jsonl`, and only
//! sealed segments are replayed (a segment left open by a process that is gone is sealed when
//! the journal is opened). Sealed segments are replayed oldest first; a segment's
//! progress is kept in the database in the same transaction as its checks, so a segment read
//! again after a crash stores nothing twice. The folder's size is bounded: past the limit a
//! check is refused (and counted), never written half.

use super::Check;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Checks per segment before a new one is opened (and how many a replay holds in memory).
const SEGMENT_CHECKS: usize = 20_000;

/// Why an append was refused.
#[derive(Debug)]
pub enum Refused {
    /// The folder holds its limit already.
    Full,
    /// The file system failed.
    Io(io::Error),
}

/// A sealed segment waiting to be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The file's name, which is also its key in the database's progress table.
    pub name: String,
    pub path: PathBuf,
}

/// What a segment holds, read back.
#[derive(Debug)]
pub struct Read {
    pub checks: Vec<Check>,
    /// Lines that could not be read back (a process killed in the middle of a line).
    pub unreadable: usize,
}

#[derive(Debug, Default)]
struct Open {
    segment: Option<(Segment, BufWriter<File>)>,
    checks: usize,
}

/// The journal of one folder.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    limit_bytes: u64,
    open: Mutex<Open>,
    bytes: AtomicU64,
    pending: AtomicU64,
    sequence: AtomicU64,
}

impl Journal {
    /// Opens (creating it when missing) the folder, counting the segments a previous run left.
    pub fn open(dir: &Path, limit_bytes: u64) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        // Segments a dead process left open are complete as far as they go: seal them.
        for entry in fs::read_dir(dir)?.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(sealed) = name.strip_suffix(".open") else {
                continue;
            };
            if !writer_alive(&name) {
                fs::rename(entry.path(), dir.join(sealed))?;
            }
        }
        let journal = Journal {
            dir: dir.to_owned(),
            limit_bytes,
            open: Mutex::default(),
            bytes: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            sequence: AtomicU64::new(0),
        };
        for segment in journal.sealed()? {
            let size = fs::metadata(&segment.path)?.len();
            journal.bytes.fetch_add(size, Ordering::Relaxed);
            let lines = BufReader::new(File::open(&segment.path)?).split(b'\n').count() as u64;
            journal.pending.fetch_add(lines, Ordering::Relaxed);
        }
        Ok(journal)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks written and not yet replayed.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Appends the checks, all or none.
    pub fn append(&self, checks: &[Check]) -> Result<(), Refused> {
        let mut text = String::new();
        for check in checks {
            let line = serde_json::to_string(check).map_err(|e| Refused::Io(e.into()))?;
            text.push_str(&line);
            text.push('\n');
        }
        let size = text.len() as u64;
        if self.bytes.load(Ordering::Relaxed) + size > self.limit_bytes {
            return Err(Refused::Full);
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.checks >= SEGMENT_CHECKS {
            Self::seal_open(&mut open).map_err(Refused::Io)?;
        }
        if open.segment.is_none() {
            let segment = self.new_segment();
            let file = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(open_path(&segment.path))
                .map_err(Refused::Io)?;
            open.segment = Some((segment, BufWriter::new(file)));
            open.checks = 0;
        }
        let Some((_, writer)) = open.segment.as_mut() else {
            unreachable!("a segment was just opened")
        };
        writer.write_all(text.as_bytes()).map_err(Refused::Io)?;
        writer.flush().map_err(Refused::Io)?;
        open.checks += checks.len();
        self.bytes.fetch_add(size, Ordering::Relaxed);
        self.pending.fetch_add(checks.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Syncs and closes the segment being written, if any: its checks can be replayed. The
    /// sync happens outside the lock, so appends go on meanwhile (into a new segment).
    pub fn seal(&self) -> io::Result<()> {
        let taken = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.checks = 0;
            open.segment.take()
        };
        match taken {
            Some((segment, writer)) => seal_file(&segment, writer),
            None => Ok(()),
        }
    }

    fn seal_open(open: &mut Open) -> io::Result<()> {
        open.checks = 0;
        match open.segment.take() {
            Some((segment, writer)) => seal_file(&segment, writer),
            None => Ok(()),
        }
    }

    /// The sealed segments, oldest first (a segment still being written is not among them).
    pub fn sealed(&self) -> io::Result<Vec<Segment>> {
        let mut segments: Vec<Segment> = fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_str()?.to_owned();
                (name.starts_with("checks-") && name.ends_with(".jsonl")).then(|| Segment {
                    path: entry.path(),
                    name,
                })
            })
            .collect();
        segments.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(segments)
    }

    /// Reads a sealed segment back.
    pub fn read(&self, segment: &Segment) -> io::Result<Read> {
        let mut read = Read {
            checks: Vec::new(),
            unreadable: 0,
        };
        // Byte-wise: a line cut inside a character (a killed process) is one unreadable line,
        // not an unreadable segment.
        for line in BufReader::new(File::open(&segment.path)?).split(b'\n') {
            let line = line?;
            if line.is_empty() {
                continue;
            }
            match serde_json::from_slice(&line) {
                Ok(check) => read.checks.push(check),
                Err(_) => read.unreadable += 1,
            }
        }
        Ok(read)
    }

    /// Deletes a replayed segment's file (already gone counts as deleted: another server
    /// replaying the same folder finished it).
    pub fn delete(&self, segment: &Segment) -> io::Result<()> {
        let size = fs::metadata(&segment.path).map(|m| m.len()).unwrap_or(0);
        match fs::remove_file(&segment.path) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(size))
            });
        Ok(())
    }

    /// Counts a replayed segment's `lines` out of the pending ones; its file was deleted.
    pub fn replayed(&self, lines: usize) {
        let _ = self
            .pending
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                Some(p.saturating_sub(lines as u64))
            });
    }

    /// A segment name that sorts after every earlier one of this process: the time in
    /// microseconds, then the process id and a sequence number.
    fn new_segment(&self) -> Segment {
        let micros = chrono::Utc::now().timestamp_micros();
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let name = format!("checks-{micros:020}-{}-{sequence:06}.jsonl", std::process::id());
        Segment {
            path: self.dir.join(&name),
            name,
        }
    }
}

/// Where a segment is written until it is sealed.
fn open_path(sealed: &Path) -> PathBuf {
    let mut name = sealed.as_os_str().to_owned();
    name.push(".open");
    PathBuf::from(name)
}

/// Flushes, syncs and renames a segment to its sealed name.
fn seal_file(segment: &Segment, mut writer: BufWriter<File>) -> io::Result<()> {
    writer.flush()?;
    writer.get_ref().sync_all()?;
    fs::rename(open_path(&segment.path), &segment.path)
}

/// Whether the process that writes the open segment `name` (`checks-<time>-<pid>-<n>.jsonl.open`)
/// still runs on this machine.
fn writer_alive(name: &str) -> bool {
    let pid = name.split('-').nth(2).and_then(|pid| pid.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => true,
        Some(pid) => Path::new(&format!("/proc/{pid}")).exists(),
        None => false,
    }
}
