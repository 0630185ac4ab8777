//! Reading a `-wal` file's frame headers the way SQLite's recovery does (wal.c,
//! `walIndexRecover`), to report how many committed frames a check included. The log is read
//! once, one frame at a time (the checksums cover every byte), so memory stays flat for any
//! WAL size.

use super::model::WalInfo;
use std::io::Read;
use std::path::Path;

const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;
const MAGIC_LE: u32 = 0x377f_0682;
const MAGIC_BE: u32 = 0x377f_0683;
const VERSION: u32 = 3_007_000;

/// What SQLite would read from `wal` on open: committed frames and the ones it ignores.
/// `None` when the file cannot be read; a WAL with a bad header counts zero frames (SQLite
/// ignores such a log, too).
pub fn inspect(wal: &Path) -> Option<WalInfo> {
    let mut f = std::fs::File::open(wal).ok()?;
    let bytes = f.metadata().ok()?.len();
    let mut info = WalInfo {
        bytes,
        ..WalInfo::default()
    };
    let mut head = [0u8; HEADER];
    if read_full(&mut f, &mut head).ok()? < HEADER {
        return Some(info);
    }
    let word = |b: &[u8], i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let magic = word(&head, 0);
    if magic != MAGIC_LE && magic != MAGIC_BE {
        return Some(info);
    }
    let big_endian = magic == MAGIC_BE;
    let page_size = word(&head, 8) as usize;
    if word(&head, 4) != VERSION
        || !(512..=65536).contains(&page_size)
        || !page_size.is_power_of_two()
    {
        return Some(info);
    }
    let mut sum = checksum(big_endian, &head[..24], (0, 0));
    if sum != (word(&head, 24), word(&head, 28)) {
        return Some(info);
    }
    let salt = (word(&head, 16), word(&head, 20));
    let mut frame = vec![0u8; FRAME_HEADER + page_size];
    let (mut valid, mut committed) = (0u64, 0u64);
    while let Ok(n) = read_full(&mut f, &mut frame) {
        if n < frame.len() {
            break;
        }
        let page = word(&frame, 0);
        if page == 0 || (word(&frame, 8), word(&frame, 12)) != salt {
            break;
        }
        sum = checksum(big_endian, &frame[..8], sum);
        sum = checksum(big_endian, &frame[FRAME_HEADER..], sum);
        if sum != (word(&frame, 16), word(&frame, 20)) {
            break;
        }
        valid += 1;
        if word(&frame, 4) != 0 {
            committed = valid;
        }
    }
    let total = bytes.saturating_sub(HEADER as u64) / (FRAME_HEADER + page_size) as u64;
    info.frames = committed;
    info.ignored_frames = total - committed;
    Some(info)
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `start`.
fn checksum(big_endian: bool, data: &[u8], start: (u32, u32)) -> (u32, u32) {
    let (mut s0, mut s1) = start;
    for pair in data.chunks_exact(8) {
        let get = |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        s0 = s0.wrapping_add(get(&pair[..4]).wrapping_add(s1));
        s1 = s1.wrapping_add(get(&pair[4..]).wrapping_add(s0));
    }
    (s0, s1)
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// A WAL database whose log holds `commits` committed transactions, copied while open.
    fn wal_copy(dir: &Path, commits: usize) -> std::path::PathBuf {
        let live = dir.join("live.db");
        let c = Connection::open(&live).unwrap();
        c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(x);")
            .unwrap();
        for i in 0..commits {
            c.execute("INSERT INTO t VALUES (?1)", [i as i64]).unwrap();
        }
        let copy = dir.join("copy.db");
        std::fs::copy(&live, &copy).unwrap();
        std::fs::copy(dir.join("live.db-wal"), dir.join("copy.db-wal")).unwrap();
        copy
    }

    #[test]
    fn counts_committed_frames_and_ignores_a_torn_tail() {
        let t = tempfile::tempdir().unwrap();
        let db = wal_copy(t.path(), 3);
        let wal = db.with_file_name("copy.db-wal");
        let info = inspect(&wal).unwrap();
        // CREATE TABLE writes one frame (page 1); each insert rewrites page 2 (and page 1 once).
        assert!(info.frames >= 4, "{info:?}");
        assert_eq!(info.ignored_frames, 0);
        // Cutting the last frame short leaves it out; flipping a byte in it breaks its checksum.
        let bytes = std::fs::read(&wal).unwrap();
        let frame = FRAME_HEADER + 4096;
        let mut damaged = bytes.clone();
        let last = damaged.len() - 100;
        damaged[last] ^= 0xff;
        std::fs::write(&wal, &damaged).unwrap();
        let after = inspect(&wal).unwrap();
        assert_eq!(after.frames, info.frames - 1, "{after:?}");
        assert_eq!(after.ignored_frames, 1);
        std::fs::write(&wal, &bytes[..bytes.len() - frame / 2]).unwrap();
        assert_eq!(inspect(&wal).unwrap().frames, info.frames - 1);
    }

    #[test]
    fn a_log_with_a_bad_header_counts_nothing() {
        let t = tempfile::tempdir().unwrap();
        let db = wal_copy(t.path(), 2);
        let wal = db.with_file_name("copy.db-wal");
        let mut bytes = std::fs::read(&wal).unwrap();
        bytes[12] ^= 1;
        std::fs::write(&wal, &bytes).unwrap();
        assert_eq!(inspect(&wal).unwrap().frames, 0);
        std::fs::write(&wal, b"short").unwrap();
        assert_eq!(inspect(&wal).unwrap().frames, 0);
    }
}
