//! Walking Microsoft Tape Format (MTF 1.00a) as SQL Server writes it: a TAPE media header, soft
//! filemarks (SFMB), and per backup set an SSET, SQL Server's own blocks (MSCI, MSDA, MSTL, MSLS)
//! and the end-of-set ESET. Every block and stream header checksum is verified; every declared
//! length is checked against the file size before anything is read, and the walk only moves
//! forward, so hostile lengths or loops cannot make it allocate or spin.

use super::header::{
    self, BLOCK_HEADER, BlockHeader, STREAM_HEADER, StreamHeader, tape_string, u16_at, u32_at,
};
use super::media::{Media, read_exact};
use super::{BackupReport, BackupSet, Problem, ProblemKind};

/// The largest configuration stream read into memory (real ones are a few KiB).
const MAX_CONFIG: u64 = 1 << 20;
/// TAPE: offsets of fields after the common header.
const TAPE_MEDIA_SEQUENCE: usize = 60;
const TAPE_SOFT_FILEMARK: usize = 64;
const TAPE_MEDIA_NAME: usize = 68;
const TAPE_SOFTWARE_NAME: usize = 80;
/// SSET: attributes; bit 1 is MTF's SSET_COPY_BIT (a copy that does not affect the chain).
const SSET_ATTRIBUTES: usize = 52;
const SSET_COPY_BIT: u32 = 0x2;
/// RAID stream of the TAPE block: media set GUID, then family count and family number. Which
/// of the two u16 comes first was not checked against a real striped backup (all seen hold 1),
/// so the verdict treats a value above 1 in either as "one of several".
const RAID_FAMILIES: usize = 20;
const RAID_FAMILY: usize = 22;

/// Walk the whole media, adding sets, media facts and problems to `report`.
pub fn walk(media: &dyn Media, report: &mut BackupReport) {
    let last = match walk_inner(media, report) {
        Ok(last) => last,
        Err(problem) => {
            report.problems.push(problem);
            None
        }
    };
    // Where reading stopped for a reason that proves nothing (an I/O error, an unknown
    // structure), a missing trailer proves nothing either.
    if report
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Unknown)
    {
        return;
    }
    // SQL Server follows the media header and every end-of-set with a soft filemark; a file
    // that ends on anything else was cut short.
    if let Some(kind) = last
        && &kind != b"SFMB"
        && report.sets.last().is_none_or(|s| s.ended)
    {
        report.problems.push(Problem::at(
            ProblemKind::MissingTrailer,
            media.len(),
            format!(
                "the file ends after a {} block without the soft filemark that must follow it: the file was cut short",
                header::printable(&kind)
            ),
        ));
    }
    if let Some(set) = report.sets.last()
        && !set.ended
        && !report.problems.iter().any(|p| p.kind.is_damage())
    {
        report.problems.push(Problem::at(
            ProblemKind::MissingTrailer,
            media.len(),
            format!(
                "the backup set at byte {} has no end-of-set (ESET) block: the file was cut short",
                set.offset
            ),
        ));
    }
}

/// Walk every block; returns the type of the last one.
fn walk_inner(media: &dyn Media, report: &mut BackupReport) -> Result<Option<[u8; 4]>, Problem> {
    let len = media.len();
    let mut at = 0u64;
    let mut last = None;
    // The walk moves forward by at least one header each turn; this bound is belt and braces.
    for _ in 0..=(len / STREAM_HEADER as u64 + 1) {
        if at >= len {
            return Ok(last);
        }
        let raw = read(media, at, BLOCK_HEADER)?.ok_or_else(|| {
            Problem::at(
                ProblemKind::Truncated,
                at,
                format!(
                    "the file ends {} bytes into a block header at byte {at}",
                    len - at
                ),
            )
        })?;
        let Some(block) = BlockHeader::parse(&raw) else {
            let kind = header::printable(&raw[..4]);
            return Err(
                if at == 0 || raw.iter().all(|&b| b == 0) || !is_block_name(&raw[..4]) {
                    Problem::at(
                        ProblemKind::NotABlock,
                        at,
                        format!("no MTF block at byte {at} where one must be"),
                    )
                } else {
                    Problem::at(
                        ProblemKind::BadChecksum,
                        at,
                        format!("the {kind} block header at byte {at} fails its checksum"),
                    )
                },
            );
        };
        if at == 0 && &block.kind != b"TAPE" {
            return Err(Problem::at(
                ProblemKind::NotABlock,
                0,
                "the media does not start with a TAPE block",
            ));
        }
        last = Some(block.kind);
        at = match &block.kind {
            b"SFMB" => {
                let size = report.media.filemark_bytes.max(512);
                if at + size > len {
                    return Err(truncated_block(&block, at, len));
                }
                at + size
            }
            _ => walk_block(media, report, &block, at)?,
        };
    }
    Ok(last)
}

/// Read a block's streams and what they say; returns where the next block starts.
fn walk_block(
    media: &dyn Media,
    report: &mut BackupReport,
    block: &BlockHeader,
    at: u64,
) -> Result<u64, Problem> {
    let len = media.len();
    let unicode = block.string_type == 2;
    match &block.kind {
        b"TAPE" => {
            let fixed = read(media, at, 96)?.ok_or_else(|| truncated_block(block, at, len))?;
            let first = usize::from(block.first_event).min(4096);
            let whole = read(media, at, first.max(96))?.unwrap_or(fixed.clone());
            report.media.media_sequence = u16_at(&fixed, TAPE_MEDIA_SEQUENCE);
            report.media.filemark_bytes =
                u64::from(u16_at(&fixed, TAPE_SOFT_FILEMARK).unwrap_or(1)) * 512;
            report.media.name = tape_string(&whole, TAPE_MEDIA_NAME, unicode);
            report.media.software = tape_string(&whole, TAPE_SOFTWARE_NAME, unicode);
        }
        b"SSET" => {
            if let Some(open) = report.sets.last()
                && !open.ended
            {
                report.problems.push(Problem::at(
                    ProblemKind::MissingTrailer,
                    at,
                    format!(
                        "the backup set at byte {} has no end-of-set block before the next set",
                        open.offset
                    ),
                ));
            }
            let fixed = read(media, at, 96)?.ok_or_else(|| truncated_block(block, at, len))?;
            let attributes = u32_at(&fixed, SSET_ATTRIBUTES).unwrap_or(0);
            report.sets.push(BackupSet {
                offset: at,
                copy_only: attributes & SSET_COPY_BIT != 0,
                ..BackupSet::default()
            });
        }
        b"ESET" => {
            if let Some(set) = report.sets.last_mut() {
                set.ended = true;
            }
        }
        _ => {}
    }
    if u64::from(block.first_event) < BLOCK_HEADER as u64 {
        return Err(Problem::at(
            ProblemKind::NotABlock,
            at,
            format!(
                "the {} block at byte {at} says its streams start inside its header",
                block.name()
            ),
        ));
    }
    let mut p = at + u64::from(block.first_event);
    loop {
        let raw = read(media, p, STREAM_HEADER)?.ok_or_else(|| truncated_block(block, at, len))?;
        let stream = StreamHeader::parse(&raw).ok_or_else(|| {
            Problem::at(
                ProblemKind::BadChecksum,
                p,
                format!(
                    "the stream header at byte {p} (in the {} block at byte {at}) fails its checksum",
                    block.name()
                ),
            )
        })?;
        let data = p + STREAM_HEADER as u64;
        let end = data.checked_add(stream.length).filter(|&e| e <= len).ok_or_else(|| {
            Problem::at(
                ProblemKind::Truncated,
                p,
                format!(
                    "the {} stream at byte {p} declares {} bytes; the file ends {} bytes after its header",
                    stream.name(),
                    stream.length,
                    len.saturating_sub(data)
                ),
            )
        })?;
        match (&block.kind, &stream.id) {
            (_, b"CSUM") => report.checksums_present = true,
            (b"TAPE", b"RAID") => read_raid(media, data, stream.length, report)?,
            (b"MSCI" | b"MSLS", b"MQCI") => {
                if stream.length <= MAX_CONFIG
                    && let Some(bytes) = read(media, data, stream.length as usize)?
                    && let Some(scin) = header::find_scin(&bytes)
                    && let Some(set) = report.sets.last_mut()
                {
                    if &block.kind == b"MSCI" {
                        header::apply_scin_start(set, scin);
                    } else {
                        header::apply_scin_end(set, scin);
                    }
                }
            }
            _ => {}
        }
        if &stream.id == b"SPAD" {
            return Ok(end);
        }
        let next = end.div_ceil(4) * 4;
        if next >= len {
            return Ok(len);
        }
        // A block that ends without a pad stream: the next block starts right here. A stream
        // header followed by zeros also passes the block checksum, so a stream wins.
        if let Some(peek) = read(media, next, BLOCK_HEADER)?
            && StreamHeader::parse(&peek).is_none()
            && BlockHeader::parse(&peek).is_some()
        {
            return Ok(next);
        }
        p = next;
    }
}

fn read_raid(
    media: &dyn Media,
    data: u64,
    length: u64,
    report: &mut BackupReport,
) -> Result<(), Problem> {
    if !(24..=4096).contains(&length) {
        return Ok(());
    }
    if let Some(raid) = read(media, data, length as usize)? {
        report.media.families = u16_at(&raid, RAID_FAMILIES).filter(|&n| n > 0);
        report.media.family = u16_at(&raid, RAID_FAMILY).filter(|&n| n > 0);
        report.media.family_other = u16_at(&raid, RAID_FAMILY + 2);
    }
    Ok(())
}

fn truncated_block(block: &BlockHeader, at: u64, len: u64) -> Problem {
    Problem::at(
        ProblemKind::Truncated,
        at,
        format!(
            "the {} block at byte {at} runs past the end of the file ({len} bytes)",
            block.name()
        ),
    )
}

fn is_block_name(b: &[u8]) -> bool {
    b.iter().all(|c| c.is_ascii_uppercase())
}

fn read(media: &dyn Media, at: u64, len: usize) -> Result<Option<Vec<u8>>, Problem> {
    read_exact(media, at, len).map_err(|e| {
        Problem::at(
            ProblemKind::Unknown,
            at,
            format!("cannot read {len} bytes at byte {at} ({e}): drconsole cannot verify the rest"),
        )
    })
}
