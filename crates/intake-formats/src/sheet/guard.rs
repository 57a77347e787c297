//! Checks made before calamine sees a file: which format the bytes are (by content, not by
//! file name), and for a zip (XLSX, ODS) the entry count and the sum of the uncompressed
//! sizes its central directory declares. Since zip 9.0.1 a read fails once an entry exceeds
//! its declared size, so that sum bounds what calamine can inflate.

use std::io::{Read, Seek, SeekFrom};

use super::error::{SheetError, row_too_large, size_in_words};
use super::options::SheetOptions;
use super::source::SheetFormat;
use super::text_cap::{TextCap, text_too_long};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Finds the format from the first bytes and, for a zip, checks its caps and entries.
pub(crate) fn check<R: Read + Seek>(
    reader: &mut R,
    file: &str,
    options: &SheetOptions,
) -> Result<SheetFormat, SheetError> {
    let mut magic = [0u8; 8];
    let read = read_up_to(reader, &mut magic).map_err(|source| io(file, source))?;
    reader.seek(SeekFrom::Start(0)).map_err(|source| io(file, source))?;
    if magic[..read].starts_with(CFB_MAGIC) {
        return Ok(SheetFormat::Xls);
    }
    if !magic[..read].starts_with(ZIP_MAGIC) {
        return Err(malformed(file, "it is neither a zip (XLSX, ODS) nor an XLS file"));
    }
    let format = check_zip(reader, file, options)?;
    reader.seek(SeekFrom::Start(0)).map_err(|source| io(file, source))?;
    Ok(format)
}

fn check_zip<R: Read + Seek>(
    reader: &mut R,
    file: &str,
    options: &SheetOptions,
) -> Result<SheetFormat, SheetError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| malformed(file, &e.to_string()))?;
    let entries = archive.len() as u64;
    if entries > options.max_zip_entries {
        return Err(SheetError::TooLarge {
            file: file.to_string(),
            what: format!("the zip holds {entries} entries"),
            cap: format!("{} entries", options.max_zip_entries),
            option: "max_zip_entries",
        });
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| malformed(file, &e.to_string()))?;
        total = total.saturating_add(entry.size());
    }
    if total > options.max_unzipped_bytes {
        return Err(SheetError::TooLarge {
            file: file.to_string(),
            what: format!("the zip would expand to {total} bytes"),
            cap: format!("{} bytes", options.max_unzipped_bytes),
            option: "max_unzipped_bytes",
        });
    }
    let format = zip_format(&archive, file)?;
    if format == SheetFormat::Xlsx {
        check_text_runs(&mut archive, file, options)?;
    }
    Ok(format)
}

/// calamine's XML parser gathers each text node into one buffer before anything of ours
/// sees it, and it has no hook to bound that buffer: a shared string (read whole when the
/// workbook opens) or a sheet's inline string or value of 1,000 MB, which packs into a 1 MB
/// zip, would be held whole (the row cap then refuses the row, too late). So the parts that
/// hold cells are streamed through [`TextCap`] first and a text above `max_row_bytes` is
/// refused. Only a part that declares more than the cap can hold one, so most workbooks are
/// not read twice; a sheet that large is inflated once more per pass (about 0.15 s for 40 MB
/// of sheet XML, 200,000 rows, against about 0.6 s for calamine to parse it): the price of
/// not letting a small file take gigabytes.
fn check_text_runs<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    file: &str,
    options: &SheetOptions,
) -> Result<(), SheetError> {
    let cell_parts: Vec<usize> = (0..archive.len())
        .filter(|&index| {
            archive.name_for_index(index).and_then(Result::ok).is_some_and(|name| {
                name == "xl/sharedStrings.xml"
                    || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"))
            })
        })
        .collect();
    for index in cell_parts {
        let entry = archive.by_index(index).map_err(|e| malformed(file, &e.to_string()))?;
        if entry.size() <= options.max_row_bytes {
            continue;
        }
        let mut text = TextCap::new(entry, options.max_row_bytes);
        if let Err(e) = std::io::copy(&mut text, &mut std::io::sink()) {
            return Err(match text_too_long(&e) {
                Some(cap) => {
                    let what = format!("a cell holds a text longer than {}", size_in_words(cap));
                    row_too_large(file, what, cap)
                }
                None => malformed(file, &e.to_string()),
            });
        }
    }
    Ok(())
}

fn zip_format<R: Read + Seek>(archive: &zip::ZipArchive<R>, file: &str) -> Result<SheetFormat, SheetError> {
    if archive.index_for_name("xl/workbook.xml").is_some()
        || archive.index_for_name("[Content_Types].xml").is_some()
    {
        Ok(SheetFormat::Xlsx)
    } else if archive.index_for_name("content.xml").is_some() {
        Ok(SheetFormat::Ods)
    } else {
        Err(malformed(file, "the zip is neither an XLSX nor an ODS workbook"))
    }
}

fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

pub(crate) fn io(file: &str, source: std::io::Error) -> SheetError {
    SheetError::Io { file: file.to_string(), source }
}

pub(crate) fn malformed(file: &str, reason: &str) -> SheetError {
    SheetError::Malformed { file: file.to_string(), reason: reason.to_string() }
}

/// The error for a sheet that would load as more cells than `max_loaded_cells`.
pub(crate) fn too_many_cells(file: &str, what: String, options: &SheetOptions) -> SheetError {
    SheetError::TooLarge {
        file: file.to_string(),
        what,
        cap: format!("{} cells", options.max_loaded_cells),
        option: "max_loaded_cells",
    }
}
