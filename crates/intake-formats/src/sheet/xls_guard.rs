//! Size check of an XLS workbook before calamine loads it. calamine reads every sheet at
//! open, reserves the cells a sheet's DIMENSIONS record declares and builds a dense array
//! over the bounding box of its cells; both can be billions of cells in a small file. This
//! walks the BIFF records the same way (sheets found through their BOUNDSHEET offsets,
//! embedded substreams skipped) and refuses a sheet above `max_loaded_cells`.

use std::io::{Read, Seek};

use super::error::SheetError;
use super::guard::{malformed, too_many_cells};
use super::options::SheetOptions;

const BOUNDSHEET: u16 = 0x0085;
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const DIMENSIONS: u16 = 0x0200;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
/// Records whose data starts with the cell's row and column (calamine's list).
const CELLS: [u16; 6] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD];

/// Checks every sheet of the XLS in `reader`.
pub(crate) fn check<R: Read + Seek>(reader: R, file: &str, options: &SheetOptions) -> Result<(), SheetError> {
    let stream = workbook_stream(reader, file)?;
    for offset in sheet_offsets(&stream) {
        let Some(sheet) = stream.get(offset..) else { continue };
        let (declared, used) = sheet_size(sheet);
        let cap = options.max_loaded_cells;
        if declared > cap {
            return Err(too_many_cells(file, format!("a sheet declares {declared} cells"), options));
        }
        if used > cap {
            return Err(too_many_cells(file, format!("a sheet spans {used} cells"), options));
        }
    }
    Ok(())
}

fn workbook_stream<R: Read + Seek>(reader: R, file: &str) -> Result<Vec<u8>, SheetError> {
    let mut compound = cfb::CompoundFile::open(reader).map_err(|e| malformed(file, &e.to_string()))?;
    let mut stream = compound
        .open_stream("/Workbook")
        .or_else(|_| compound.open_stream("/Book"))
        .map_err(|_| malformed(file, "the XLS file has no Workbook stream"))?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).map_err(|e| malformed(file, &e.to_string()))?;
    Ok(bytes)
}

/// One BIFF record: its type and data (CONTINUE records after it are skipped, as calamine
/// attaches them to it).
fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let (typ, data, rest) = split_record(stream)?;
        stream = rest;
        while let Some((CONTINUE, _, rest)) = split_record(stream) {
            stream = rest;
        }
        Some((typ, data))
    })
}

fn split_record(stream: &[u8]) -> Option<(u16, &[u8], &[u8])> {
    let typ = u16::from_le_bytes([*stream.first()?, *stream.get(1)?]);
    let len = usize::from(u16::from_le_bytes([*stream.get(2)?, *stream.get(3)?]));
    let data = stream.get(4..4 + len)?;
    Some((typ, data, &stream[4 + len..]))
}

fn sheet_offsets(stream: &[u8]) -> Vec<usize> {
    records(stream)
        .take_while(|(typ, _)| *typ != EOF)
        .filter(|(typ, data)| *typ == BOUNDSHEET && data.len() >= 4)
        .map(|(_, data)| u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize)
        .collect()
}

/// (cells the DIMENSIONS records would reserve, cells of the bounding box of the cells).
fn sheet_size(sheet: &[u8]) -> (u64, u64) {
    let mut bounds = Bounds::default();
    let mut declared = 0u64;
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (typ, data) in records(sheet) {
        if depth > 0 {
            match typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => declared = declared.max(declared_cells(data)),
            MULRK if data.len() >= 6 => {
                let row = u16_at(data, 0);
                bounds.add(row, u16_at(data, 2));
                bounds.add(row, u16_at(data, data.len() - 2));
            }
            FORMULA if data.len() >= 20 => bounds.add(u16_at(data, 0), u16_at(data, 2)),
            t if CELLS.contains(&t) && data.len() >= 4 => bounds.add(u16_at(data, 0), u16_at(data, 2)),
            _ => {}
        }
    }
    (declared, bounds.cells())
}

fn u16_at(data: &[u8], at: usize) -> u32 {
    u32::from(u16::from_le_bytes([data[at], data[at + 1]]))
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// What calamine reserves for a DIMENSIONS record; an inconsistent one counts as huge.
fn declared_cells(data: &[u8]) -> u64 {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4), u16_at(data, 6)),
        14 | 16 => (u32_at(data, 0), u32_at(data, 4), u16_at(data, 8), u16_at(data, 10)),
        _ => return 0,
    };
    if first_col > 0xFF || last_col < first_col {
        first_col = 0;
    }
    if last_row == 0 || last_col == 0 {
        return 0;
    }
    let (end_row, end_col) = (last_row - 1, last_col - 1);
    if end_row < first_row || end_col < first_col {
        return u64::MAX;
    }
    u64::from(end_row - first_row + 1) * u64::from(end_col - first_col + 1)
}

/// The bounding box of the cells seen.
#[derive(Default)]
struct Bounds {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Bounds {
    fn add(&mut self, row: u32, col: u32) {
        let widen =
            |span: Option<(u32, u32)>, v: u32| Some(span.map_or((v, v), |(a, b)| (a.min(v), b.max(v))));
        self.rows = widen(self.rows, row);
        self.cols = widen(self.cols, col);
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1),
            _ => 0,
        }
    }
}
