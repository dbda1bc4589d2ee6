//! Named sections of an ELF file read from a forward-only stream (a tar entry), with bounded
//! memory: ELF32 and ELF64, either byte order, headers parsed here.
//!
//! The section table usually sits at the end of the file, after the sections it describes, so
//! the stream is kept in two windows: its first [`MAX_PREFIX`] bytes and the [`MAX_TAIL`] bytes
//! before the section table (where linkers put `.shstrtab`), plus the table itself (at most
//! [`MAX_TABLE`]). A section outside both windows is not found; nothing else is buffered.

use std::io::{self, Read};

/// The most of a file's start kept to find its sections in.
pub const MAX_PREFIX: u64 = 64 << 20;
/// The most kept right before the section table of a file longer than [`MAX_PREFIX`].
pub const MAX_TAIL: u64 = 1 << 20;
/// The largest section table read (65535 entries of 64 bytes fit).
pub const MAX_TABLE: u64 = 4 << 20;
/// The largest section handed back.
pub const MAX_SECTION: u64 = 16 << 20;

/// A section header, as far as it is needed.
#[derive(Debug, Clone, Copy)]
struct Header {
    name: u32,
    kind: u32,
    offset: u64,
    size: u64,
}

/// An ELF file's byte order and class.
#[derive(Debug, Clone, Copy)]
struct Layout {
    wide: bool,
    big: bool,
}

impl Layout {
    fn uint(self, bytes: &[u8], at: usize, len: usize) -> Option<u64> {
        let b = bytes.get(at..at.checked_add(len)?)?;
        let fold = |acc: u64, x: &u8| (acc << 8) | u64::from(*x);
        Some(if self.big {
            b.iter().fold(0, fold)
        } else {
            b.iter().rev().fold(0, fold)
        })
    }
    /// A word: 8 bytes in ELF64, 4 in ELF32.
    fn word(self, bytes: &[u8], at: usize) -> Option<u64> {
        self.uint(bytes, at, if self.wide { 8 } else { 4 })
    }
}

/// Where the section table is, from the ELF header.
fn table(header: &[u8]) -> Option<(Layout, u64, u64, u64, u64)> {
    if header.get(..4)? != b"\x7fELF" {
        return None;
    }
    let layout = Layout {
        wide: match header.get(4)? {
            1 => false,
            2 => true,
            _ => return None,
        },
        big: match header.get(5)? {
            1 => false,
            2 => true,
            _ => return None,
        },
    };
    let (shoff, rest) = if layout.wide { (40, 58) } else { (32, 46) };
    let offset = layout.word(header, shoff)?;
    let entsize = layout.uint(header, rest, 2)?;
    let count = layout.uint(header, rest + 2, 2)?;
    let names = layout.uint(header, rest + 4, 2)?;
    Some((layout, offset, entsize, count, names))
}

/// The parts of a stream kept: `(offset, bytes)` windows.
#[derive(Debug, Default)]
struct Windows(Vec<(u64, Vec<u8>)>);

impl Windows {
    fn get(&self, offset: u64, size: u64) -> Option<&[u8]> {
        self.0.iter().find_map(|(start, bytes)| {
            let from = usize::try_from(offset.checked_sub(*start)?).ok()?;
            let to = from.checked_add(usize::try_from(size).ok()?)?;
            bytes.get(from..to)
        })
    }
}

/// Reads `len` bytes from `stream` (fewer at its end).
fn read_up_to(stream: &mut impl Read, len: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
    stream.take(len).read_to_end(&mut out)?;
    Ok(out)
}

/// The sections named in `wanted` of the ELF file `stream` holds (`size` bytes long), in the
/// order of its section table; none when it is not ELF, is malformed or they lie outside the
/// kept windows. Only the stream's errors are errors.
pub fn sections(
    stream: &mut impl Read,
    size: u64,
    wanted: &[&str],
) -> io::Result<Vec<(String, Vec<u8>)>> {
    let header = read_up_to(stream, 64)?;
    let Some((layout, offset, entsize, count, names)) = table(&header) else {
        return Ok(Vec::new());
    };
    let min_entsize = if layout.wide { 64 } else { 40 };
    let table_len = entsize * count;
    let table_end = offset.saturating_add(table_len);
    if entsize < min_entsize || count == 0 || table_len > MAX_TABLE || table_end > size {
        return Ok(Vec::new());
    }
    // The first window, then the tail before the table and the table.
    // Sized once (no doubling): at most MAX_PREFIX, whatever the stream holds.
    let prefix_len = size.min(MAX_PREFIX);
    let mut prefix = Vec::with_capacity(usize::try_from(prefix_len).unwrap_or(0));
    prefix.extend(&header);
    let mut rest = stream.take(prefix_len.saturating_sub(header.len() as u64));
    rest.read_to_end(&mut prefix)?;
    let pos = prefix.len() as u64;
    let mut windows = Windows(vec![(0, prefix)]);
    if table_end > pos {
        let start = offset.saturating_sub(MAX_TAIL).max(pos);
        io::copy(&mut stream.take(start - pos), &mut io::sink())?;
        windows
            .0
            .push((start, read_up_to(stream, table_end - start)?));
    }
    let Some(table) = windows.get(offset, table_len) else {
        return Ok(Vec::new());
    };
    let headers: Vec<Header> = table
        .chunks_exact(usize::try_from(entsize).unwrap_or(usize::MAX))
        .filter_map(|h| {
            let (offset_at, size_at) = if layout.wide { (24, 32) } else { (16, 20) };
            Some(Header {
                name: u32::try_from(layout.uint(h, 0, 4)?).ok()?,
                kind: u32::try_from(layout.uint(h, 4, 4)?).ok()?,
                offset: layout.word(h, offset_at)?,
                size: layout.word(h, size_at)?,
            })
        })
        .collect();
    let Some(strings) = headers
        .get(usize::try_from(names).unwrap_or(usize::MAX))
        .and_then(|h| windows.get(h.offset, h.size))
    else {
        return Ok(Vec::new());
    };
    const NOBITS: u32 = 8;
    let mut out = Vec::new();
    for h in &headers {
        let Some(name) = strings
            .get(h.name as usize..)
            .and_then(|s| s.split(|b| *b == 0).next())
            .and_then(|s| std::str::from_utf8(s).ok())
        else {
            continue;
        };
        if h.kind == NOBITS || h.size > MAX_SECTION || !wanted.contains(&name) {
            continue;
        }
        if let Some(bytes) = windows.get(h.offset, h.size) {
            out.push((name.to_string(), bytes.to_vec()));
        }
    }
    Ok(out)
}

/// ELF files for tests: sections are laid out after the header, the table last.
#[cfg(test)]
pub mod fixture {
    /// An ELF64 little-endian file holding `sections` (name, bytes) and `.shstrtab`.
    pub fn elf64(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut names = vec![0u8];
        let mut data = Vec::new();
        let mut headers = vec![[0u8; 64]];
        let push = |name: &str, bytes: &[u8], data: &mut Vec<u8>, names: &mut Vec<u8>| {
            let mut h = [0u8; 64];
            h[0..4].copy_from_slice(&(names.len() as u32).to_le_bytes());
            names.extend(name.as_bytes());
            names.push(0);
            h[4..8].copy_from_slice(&1u32.to_le_bytes());
            h[24..32].copy_from_slice(&(64 + data.len() as u64).to_le_bytes());
            h[32..40].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
            data.extend(bytes);
            h
        };
        for (name, bytes) in sections {
            headers.push(push(name, bytes, &mut data, &mut names));
        }
        let mut with_names = names.clone();
        with_names.extend(b".shstrtab\0");
        let own = push(".shstrtab", &with_names, &mut data, &mut names);
        headers.push(own);
        let mut out = vec![0u8; 64];
        out[..6].copy_from_slice(b"\x7fELF\x02\x01");
        let shoff = 64 + data.len() as u64;
        out[40..48].copy_from_slice(&shoff.to_le_bytes());
        out[58..60].copy_from_slice(&64u16.to_le_bytes());
        out[60..62].copy_from_slice(&(headers.len() as u16).to_le_bytes());
        out[62..64].copy_from_slice(&(headers.len() as u16 - 1).to_le_bytes());
        out.extend(data);
        for h in headers {
            out.extend(h);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(file: &[u8], size: u64) -> Vec<(String, Vec<u8>)> {
        sections(&mut &file[..], size, &[".a", ".b"]).unwrap()
    }

    #[test]
    fn named_sections_are_read() {
        let file = fixture::elf64(&[(".a", b"alpha"), (".c", b"other"), (".b", b"beta")]);
        let got = found(&file, file.len() as u64);
        assert_eq!(
            got,
            [
                (".a".to_string(), b"alpha".to_vec()),
                (".b".to_string(), b"beta".to_vec())
            ]
        );
    }

    #[test]
    fn big_endian_elf32_is_read() {
        // Header, ".a" data, shstrtab, then three 40-byte section headers.
        let names = b"\0.a\0.shstrtab\0";
        let mut file = vec![0u8; 52];
        file[..6].copy_from_slice(b"\x7fELF\x01\x02");
        file.extend(b"xyz");
        file.extend(names);
        let shoff = file.len() as u32;
        file[32..36].copy_from_slice(&shoff.to_be_bytes());
        file[46..48].copy_from_slice(&40u16.to_be_bytes());
        file[48..50].copy_from_slice(&3u16.to_be_bytes());
        file[50..52].copy_from_slice(&2u16.to_be_bytes());
        file.extend([0u8; 40]);
        for (name, offset, size) in [(1u32, 52u32, 3u32), (4, 55, names.len() as u32)] {
            let mut h = [0u8; 40];
            h[0..4].copy_from_slice(&name.to_be_bytes());
            h[16..20].copy_from_slice(&offset.to_be_bytes());
            h[20..24].copy_from_slice(&size.to_be_bytes());
            file.extend(h);
        }
        assert_eq!(
            found(&file, file.len() as u64),
            [(".a".to_string(), b"xyz".to_vec())]
        );
    }

    #[test]
    fn hostile_files_give_nothing() {
        let file = fixture::elf64(&[(".a", b"alpha")]);
        // Not ELF, truncated anywhere, a table past the end.
        assert!(found(b"#!/bin/sh\n", 10).is_empty());
        for cut in [3, 20, 64, 70, file.len() - 1] {
            assert!(found(&file[..cut], cut as u64).is_empty(), "cut at {cut}");
        }
        // A section whose offset or size lies beyond the file, or is huge.
        let shoff = u64::from_le_bytes(file[40..48].try_into().unwrap()) as usize;
        let a = shoff + 64;
        for (at, value) in [
            (24, 1u64 << 40),
            (32, u64::MAX),
            (32, 1 << 30),
            (24, u64::MAX),
        ] {
            let mut bad = file.clone();
            bad[a + at..a + at + 8].copy_from_slice(&value.to_le_bytes());
            assert!(found(&bad, bad.len() as u64).is_empty());
        }
        // A table claiming 65535 entries of 65535 bytes.
        let mut bad = file.clone();
        bad[58..60].copy_from_slice(&u16::MAX.to_le_bytes());
        bad[60..62].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(found(&bad, bad.len() as u64).is_empty());
    }

    #[test]
    fn a_section_past_the_prefix_is_found_in_the_tail() {
        // A file longer than the prefix: the section and table lie in the tail window.
        let file = fixture::elf64(&[(".a", b"alpha")]);
        let pad = MAX_PREFIX as usize + 100;
        let mut long = file[..64].to_vec();
        long.resize(pad, 0);
        let body = &file[64..];
        long.extend(body);
        let shift = (pad - 64) as u64;
        let shoff = u64::from_le_bytes(file[40..48].try_into().unwrap()) + shift;
        long[40..48].copy_from_slice(&shoff.to_le_bytes());
        for i in 1..3 {
            let h = shoff as usize + 64 * i;
            let off = u64::from_le_bytes(long[h + 24..h + 32].try_into().unwrap()) + shift;
            long[h + 24..h + 32].copy_from_slice(&off.to_le_bytes());
        }
        assert_eq!(
            found(&long, long.len() as u64),
            [(".a".to_string(), b"alpha".to_vec())]
        );
    }
}
