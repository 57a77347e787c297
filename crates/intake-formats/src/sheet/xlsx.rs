//! XLSX rows streamed with calamine's `worksheet_cells_reader` (never `worksheet_range`, which
//! builds a dense array over the used area: calamine#693). The cell reader borrows the
//! workbook, so a stream runs it on its own thread and hands rows over a bounded channel:
//! memory is the current rows plus calamine's shared strings.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{Cell, DataRef, Reader, Xlsx, XlsxCellReader};
use intake_core::read::{Record, RecordStream, SourceError};

use super::error::{SheetError, panic_reason};
use super::input::{Input, InputReader};
use super::options::SheetOptions;
use super::row::RowBuf;
use super::value::Value;

/// Rows handed over at once between the reading thread and the stream: one row per message
/// made the two threads wake each other for every row (the reader benchmark showed them
/// mostly waiting on the channel).
const BATCH_ROWS: usize = 256;
/// Batches that may wait in the channel.
const CHANNEL_BATCHES: usize = 2;

/// What the reading thread sends: a batch of rows, or the error that ended the sheet.
type Batch = Result<Vec<Record>, SheetError>;

/// Opens the workbook (the zip has been checked by the caller).
pub(crate) fn open(input: &Input) -> Result<Xlsx<InputReader>, SheetError> {
    let reader = input.open()?;
    Xlsx::new(reader).map_err(|e| super::guard::malformed(&input.name(), &e.to_string()))
}

/// The non-empty rows of one sheet, in file order.
pub(crate) struct Rows<'a> {
    cells: XlsxCellReader<'a, InputReader>,
    pending: Option<Cell<DataRef<'a>>>,
    /// The end of `sheetData` was reached: calamine must not be asked again.
    done: bool,
    file: String,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(book: &'a mut Xlsx<InputReader>, sheet: &str, file: &str) -> Result<Self, SheetError> {
        let cells =
            book.worksheet_cells_reader(sheet).map_err(|e| super::guard::malformed(file, &e.to_string()))?;
        Ok(Rows { cells, pending: None, done: false, file: file.to_string() })
    }

    fn next_cell(&mut self) -> Result<Option<Cell<DataRef<'a>>>, SheetError> {
        if let Some(cell) = self.pending.take() {
            return Ok(Some(cell));
        }
        if self.done {
            return Ok(None);
        }
        let next = self.cells.next_cell().map_err(|e| super::guard::malformed(&self.file, &e.to_string()))?;
        self.done = next.is_none();
        Ok(next)
    }

    /// Reads the next row that has a value into `buf`; false at the end of the sheet.
    pub(crate) fn next_row(&mut self, buf: &mut RowBuf) -> Result<bool, SheetError> {
        loop {
            let Some(first) = self.next_cell()? else { return Ok(false) };
            let (row, _) = first.get_position();
            buf.start(row);
            self.put(buf, &first)?;
            while let Some(cell) = self.next_cell()? {
                if cell.get_position().0 != row {
                    self.pending = Some(cell);
                    break;
                }
                self.put(buf, &cell)?;
            }
            if !buf.is_blank() {
                return Ok(true);
            }
        }
    }

    fn put(&self, buf: &mut RowBuf, cell: &Cell<DataRef<'a>>) -> Result<(), SheetError> {
        buf.put(cell.get_position().1, Value::from(cell.get_value()), &self.file)
    }
}

/// Starts the thread that reads `sheet` and returns its rows after the header row.
pub(crate) fn stream(input: Input, sheet: String, header_len: usize, options: SheetOptions) -> XlsxRecords {
    let (sender, receiver) = sync_channel(CHANNEL_BATCHES);
    std::thread::spawn(move || {
        // calamine may panic on a malformed file; the panic is caught here, at our boundary,
        // and handed to the reader as that file's error.
        let outcome =
            catch_unwind(AssertUnwindSafe(|| send_rows(&input, &sheet, header_len, &options, &sender)));
        let error = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error,
            Err(payload) => SheetError::Malformed { file: input.name(), reason: panic_reason(&*payload) },
        };
        let _ = sender.send(Err(error));
    });
    XlsxRecords { receiver, batch: Vec::new().into_iter() }
}

fn send_rows(
    input: &Input,
    sheet: &str,
    header_len: usize,
    options: &SheetOptions,
    sender: &SyncSender<Batch>,
) -> Result<(), SheetError> {
    let mut book = open(input)?;
    let mut rows = Rows::new(&mut book, sheet, &input.name())?;
    let mut buf = RowBuf::new(options);
    if !rows.next_row(&mut buf)? {
        return Ok(());
    }
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    // A row that fails to read ends the sheet; the rows before it are delivered first.
    let read = loop {
        match rows.next_row(&mut buf) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(error) => break Err(error),
        }
        let mut record = Record::default();
        buf.fill(&mut record, header_len);
        batch.push(record);
        if batch.len() == BATCH_ROWS
            && sender.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS)))).is_err()
        {
            return Ok(()); // the stream was dropped
        }
    };
    if !batch.is_empty() && sender.send(Ok(batch)).is_err() {
        return Ok(());
    }
    read
}

/// The records of an XLSX sheet, as its reading thread sends them.
pub(crate) struct XlsxRecords {
    receiver: Receiver<Batch>,
    batch: std::vec::IntoIter<Record>,
}

impl RecordStream for XlsxRecords {
    fn next_record(&mut self, record: &mut Record) -> Result<bool, SourceError> {
        loop {
            if let Some(next) = self.batch.next() {
                *record = next;
                return Ok(true);
            }
            match self.receiver.recv() {
                Ok(Ok(batch)) => self.batch = batch.into_iter(),
                Ok(Err(error)) => return Err(error.into()),
                Err(_) => return Ok(false),
            }
        }
    }
}
