//! The MS-XCA "LZ77+Huffman" (XPRESS Huffman) decoder, written from the public [MS-XCA] §2.2
//! description. It decodes a chunk completely or says why not: a Huffman table that is not a
//! prefix code, a code that is not in the table, a back-reference before the start of the output,
//! or input that ends before the declared output size is reached.

use thiserror::Error;

/// Why a chunk does not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XpressError {
    /// Fewer than 256 bytes for the code-length table.
    #[error("the chunk is shorter than its 256-byte Huffman table")]
    ShortTable,
    /// The code lengths over-subscribe the code space or are all zero.
    #[error("the Huffman table is not a valid prefix code")]
    BadTable,
    /// A bit pattern that is no code of the table.
    #[error("a Huffman code at input byte {0} is not in the table")]
    BadCode(usize),
    /// A match that points before the first output byte.
    #[error("a back-reference at output byte {0} points before the start of the chunk")]
    OffsetOutOfRange(usize),
    /// The input ended before the declared decoded size was reached.
    #[error("the compressed data ends after {0} of the declared decoded bytes")]
    InputEnded(usize),
}

/// Bytes of output one Huffman table covers.
const BLOCK: usize = 65536;
/// Longest code length; the decode table has 2^15 entries.
const TABLE_BITS: u32 = 15;
/// Input bytes the bit reader may fetch past the real end (it keeps 32 bits buffered).
const PREFETCH: usize = 4;

/// Decode `input` into exactly `out_len` bytes. Returns the output and the input bytes used.
pub fn decode(input: &[u8], out_len: usize) -> Result<(Vec<u8>, usize), XpressError> {
    let mut out = Vec::with_capacity(out_len.min(1 << 20));
    let mut pos = 0usize;
    while out.len() < out_len {
        let table_bytes = input.get(pos..pos + 256).ok_or(XpressError::ShortTable)?;
        let table = build_table(table_bytes)?;
        pos += 256;
        let mut bits = BitReader::new(input, pos);
        let block_end = (out.len() + BLOCK).min(out_len);
        while out.len() < block_end {
            if bits.overrun() {
                return Err(XpressError::InputEnded(out.len()));
            }
            let entry = table[bits.peek(TABLE_BITS) as usize];
            let len = u32::from(entry & 0xF);
            if len == 0 {
                return Err(XpressError::BadCode(bits.pos));
            }
            let symbol = usize::from(entry >> 4);
            bits.skip(len);
            if symbol < 256 {
                out.push(symbol as u8);
                continue;
            }
            let symbol = symbol - 256;
            let mut length = symbol & 0xF;
            let offset_bits = (symbol >> 4) as u32;
            if length == 15 {
                let extra = usize::from(bits.byte().ok_or(XpressError::InputEnded(out.len()))?);
                if extra == 255 {
                    let long = usize::from(bits.u16().ok_or(XpressError::InputEnded(out.len()))?);
                    length = if long == 0 {
                        bits.u32().ok_or(XpressError::InputEnded(out.len()))? as usize
                    } else {
                        long
                    };
                    if length < 15 {
                        return Err(XpressError::BadCode(bits.pos));
                    }
                } else {
                    length = extra + 15;
                }
            }
            length += 3;
            let offset = (1usize << offset_bits) | bits.take(offset_bits) as usize;
            if offset > out.len() {
                return Err(XpressError::OffsetOutOfRange(out.len()));
            }
            // Copy byte by byte: a match may overlap the bytes it produces.
            let start = out.len() - offset;
            let count = length.min(out_len - out.len());
            for i in 0..count {
                let b = out[start + i];
                out.push(b);
            }
        }
        pos = bits.pos;
    }
    if pos > input.len() + PREFETCH {
        return Err(XpressError::InputEnded(out.len()));
    }
    Ok((out, pos.min(input.len())))
}

/// A canonical Huffman decode table: entry = symbol << 4 | code length (0: no code).
fn build_table(lengths: &[u8]) -> Result<Vec<u16>, XpressError> {
    let mut lens = [0u8; 512];
    for (i, b) in lengths.iter().enumerate() {
        lens[2 * i] = b & 0xF;
        lens[2 * i + 1] = b >> 4;
    }
    let mut used: u64 = 0;
    for &n in &lens {
        if n > 0 {
            used += 1u64 << (TABLE_BITS - u32::from(n));
        }
    }
    if used == 0 || used > 1u64 << TABLE_BITS {
        return Err(XpressError::BadTable);
    }
    let mut table = vec![0u16; 1 << TABLE_BITS];
    let mut next = 0usize;
    for n in 1..=15u8 {
        let span = 1usize << (TABLE_BITS - u32::from(n));
        for (symbol, _) in lens.iter().enumerate().filter(|(_, l)| **l == n) {
            let entry = ((symbol as u16) << 4) | u16::from(n);
            table[next..next + span].fill(entry);
            next += span;
        }
    }
    Ok(table)
}

/// MS-XCA's bit reader: 16-bit little-endian units, most significant bit first, 32 bits buffered.
struct BitReader<'a> {
    input: &'a [u8],
    /// Next input byte to load.
    pos: usize,
    bits: u32,
    /// Bits in `bits` beyond the 16 the decoder may always take.
    extra: i32,
}

impl<'a> BitReader<'a> {
    fn new(input: &'a [u8], pos: usize) -> Self {
        let mut r = BitReader {
            input,
            pos,
            bits: 0,
            extra: 16,
        };
        r.bits = (u32::from(r.unit()) << 16) | u32::from(r.unit());
        r
    }

    /// The next 16-bit unit; zero past the end (the real end is checked by `overrun`).
    fn unit(&mut self) -> u16 {
        let v = match self.input.get(self.pos..self.pos + 2) {
            Some(b) => u16::from_le_bytes([b[0], b[1]]),
            None => 0,
        };
        self.pos += 2;
        v
    }

    /// Whether the reader has run beyond what the prefetch explains.
    fn overrun(&self) -> bool {
        self.pos > self.input.len() + PREFETCH
    }

    fn peek(&self, n: u32) -> u32 {
        self.bits >> (32 - n)
    }

    fn skip(&mut self, n: u32) {
        if n == 0 {
            return;
        }
        self.bits = self.bits.checked_shl(n).unwrap_or(0);
        self.extra -= n as i32;
        if self.extra < 0 {
            let unit = u32::from(self.unit());
            self.bits |= unit << (-self.extra) as u32;
            self.extra += 16;
        }
    }

    fn take(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek(n);
        self.skip(n);
        v
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.input.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        let b = self.input.get(self.pos..self.pos + 2)?;
        self.pos += 2;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.input.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A table giving all 256 literals and symbol 256 nine-bit codes... is over-full; instead:
    /// every literal gets 8 bits (a complete code with only literals), so the stream is the
    /// plain bytes, each 16-bit unit holding two of them, high byte first.
    pub fn literal_only(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x88u8; 128];
        out.extend(std::iter::repeat_n(0u8, 128));
        let mut padded = data.to_vec();
        if padded.len() % 2 == 1 {
            padded.push(0);
        }
        for pair in padded.chunks(2) {
            out.push(pair[1]);
            out.push(pair[0]);
        }
        out.extend([0, 0, 0, 0]);
        out
    }

    #[test]
    fn decodes_literal_only_stream() {
        let text = b"drconsole reads SQL Server backups";
        let enc = literal_only(text);
        let (out, _) = decode(&enc, text.len()).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn rejects_overfull_table() {
        let mut enc = vec![0x11u8; 256];
        enc.extend([0u8; 16]);
        assert_eq!(decode(&enc, 4), Err(XpressError::BadTable));
    }

    #[test]
    fn rejects_empty_table_and_short_input() {
        assert_eq!(decode(&[0u8; 300], 4), Err(XpressError::BadTable));
        assert_eq!(decode(&[0x88u8; 100], 4), Err(XpressError::ShortTable));
    }

    #[test]
    fn rejects_back_reference_before_start() {
        // Literals and match symbols 256..511 all get 9 bits: 512 * 2^6 = 2^15, complete.
        let mut enc = vec![0x99u8; 256];
        // First symbol: 9-bit code of symbol 256+16 (offset bits 1, length 3): code value 272.
        let code: u32 = 272 << (32 - 9);
        enc.extend((code >> 16).to_le_bytes().iter().take(2));
        enc.extend(((code & 0xFFFF) as u16).to_le_bytes());
        enc.extend([0u8; 8]);
        assert_eq!(decode(&enc, 8), Err(XpressError::OffsetOutOfRange(0)));
    }

    /// Pack (value, bit count) pairs MSB-first into 16-bit little-endian units after a table
    /// that gives all 512 symbols 9-bit codes (code = symbol).
    fn nine_bit_stream(fields: &[(u32, u32)]) -> Vec<u8> {
        let mut bits: Vec<bool> = Vec::new();
        for &(v, n) in fields {
            bits.extend((0..n).rev().map(|i| v >> i & 1 == 1));
        }
        while !bits.len().is_multiple_of(16) {
            bits.push(false);
        }
        let mut out = vec![0x99u8; 256];
        for unit in bits.chunks(16) {
            let v = unit.iter().fold(0u16, |acc, &b| (acc << 1) | u16::from(b));
            out.extend(v.to_le_bytes());
        }
        out.extend([0u8; 4]);
        out
    }

    #[test]
    fn decodes_overlapping_back_reference() {
        // "abc", then a match of length 6 at offset 3 (offset bits 1, extra bit 1): "abcabcabc".
        let enc = nine_bit_stream(&[(97, 9), (98, 9), (99, 9), (256 + 16 + 3, 9), (1, 1)]);
        let (out, _) = decode(&enc, 9).unwrap();
        assert_eq!(out, b"abcabcabc");
    }

    #[test]
    fn decodes_long_match_lengths() {
        // "x", then a match at offset 1 of length 15 + 40 + 3 = 58 (one extra length byte),
        // which the decoder reads from the byte stream after the two buffered units.
        let mut enc = nine_bit_stream(&[(120, 9), (256 + 15, 9)]);
        // Decoding the match symbol drains a third 16-bit unit into the buffer (MS-XCA refills
        // as bits are consumed), so the extra-length byte follows three units.
        enc.insert(256 + 6, 40);
        let (out, _) = decode(&enc, 59).unwrap();
        assert_eq!(out, vec![b'x'; 59]);
    }

    #[test]
    fn reports_input_that_ends_early() {
        let enc = literal_only(b"abcd");
        assert!(matches!(
            decode(&enc[..258], 4000),
            Err(XpressError::InputEnded(_))
        ));
    }
}
