//! Reading submissions from CSV/TSV, JSON Lines, XLSX and plain text.
//!
//! Every reader turns its records into named fields and hands them to one
//! [`RecordBuilder`], so column handling (`text`, `id`, `locality`, `submitted_at`,
//! `group`, anything else kept as extra) is the same for every format. A bad record
//! stops the read with an error naming the file and line or row, unless
//! [`ReadOptions::skip_bad`] is set, in which case it becomes a [`Reject`].

pub mod columns;
mod decode;
mod delimited;
mod docx;
mod html;
mod jsonl;
pub mod legacy;
mod parquet;
mod plain;
mod sheet;
mod xml2003;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Location, Result};

pub use decode::{decode_text, Encoding};

/// One youth submission as read from a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submission {
    /// Identifier: the `id` column, or `<file stem>-<record number>`.
    pub id: String,
    /// True when the id came from the file rather than from its name and record number.
    #[serde(skip)]
    pub id_given: bool,
    /// The submission as written (kept verbatim for display).
    pub text: String,
    /// District or commune, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<std::sync::Arc<str>>,
    /// Submission date, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<std::sync::Arc<str>>,
    /// Respondent group (student, worker, ...), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<std::sync::Arc<str>>,
    /// Every other column, by name (gold labels such as `topic` or `department` live here).
    #[serde(skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// How reports name the locality of a submission that gives none.
pub const UNKNOWN_LOCALITY: &str = "(không rõ)";

impl Submission {
    /// The locality as reports count it: the one given, else [`UNKNOWN_LOCALITY`].
    pub fn locality_or_unknown(&self) -> &str {
        self.locality.as_deref().unwrap_or(UNKNOWN_LOCALITY)
    }

    /// Whether the row may be learned from: its `split` column is absent or says `train`
    /// (the bundled corpus's convention; a file without the column is all learnable).
    pub fn outside_test_split(&self) -> bool {
        self.field("split").is_none_or(|v| v == "train")
    }

    /// Whether the row may be scored on: its `split` column is absent or says anything but
    /// `train` (a file without the column is all held out).
    pub fn outside_train_split(&self) -> bool {
        self.field("split") != Some("train")
    }

    /// A field by column name: the named fields first, then the extra columns.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "id" => Some(&self.id),
            "text" => Some(&self.text),
            "locality" => self.locality.as_deref(),
            "submitted_at" => self.submitted_at.as_deref(),
            "group" => self.group.as_deref(),
            _ => self.extra.get(name),
        }
    }
}

/// The extra columns of a record: a short list of (name, value), compact because a
/// million records each carry one (a map node per record cost more than the text).
/// Serialised as a JSON object. Column names are shared by the records of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra(Vec<(std::sync::Arc<str>, Box<str>)>);

impl Extra {
    /// The value of column `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| &**k == name).map(|(_, v)| &**v)
    }
    /// Sets column `name` (replacing an earlier value).
    pub fn insert(&mut self, name: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| &**k == name) {
            Some(slot) => slot.1 = value.into(),
            None => self.0.push((name.into(), value.into())),
        }
    }
    /// True when there are no extra columns.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// (name, value) pairs in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A record that could not be read, kept when `--skip-bad` is on.
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    /// The file it came from.
    pub file: PathBuf,
    /// Line or row, as text ("line 12", "sheet 'Sheet1' row 4").
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// The raw record, as far as it could be read.
    pub raw: String,
}

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma, semicolon or tab separated, with a header row.
    Csv,
    /// JSON Lines: one object per line.
    Jsonl,
    /// Excel workbook (.xlsx, .xlsm, .xls) or OpenDocument (.ods).
    Xlsx,
    /// Plain text: one submission per line.
    Txt,
    /// Apache Parquet (Spark, pandas, Polars, DuckDB).
    Parquet,
    /// Word document (.docx): its tables of opinions.
    Docx,
    /// Web page (.htm, .html): its tables of opinions.
    Html,
    /// Excel 2003 XML spreadsheet (told from the bytes of a file named as a workbook).
    #[value(name = "xml2003")]
    Xml2003,
}

impl Format {
    /// The format a file's extension implies.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "tsv" | "tab" => Format::Csv,
            "jsonl" | "ndjson" => Format::Jsonl,
            "xlsx" | "xlsm" | "xls" | "ods" => Format::Xlsx,
            "txt" | "text" => Format::Txt,
            "parquet" | "pq" => Format::Parquet,
            "docx" => Format::Docx,
            "htm" | "html" => Format::Html,
            _ => return None,
        })
    }
}

/// How to read input files.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Column holding the submission text.
    pub text_column: String,
    /// Sheet to read from a workbook (default: the first).
    pub sheet: Option<String>,
    /// Collect bad records as rejects instead of stopping.
    pub skip_bad: bool,
    /// Force a format instead of guessing from the extension.
    pub format: Option<Format>,
    /// Header names by what ykien reads (models/columns.toml).
    pub column_names: std::sync::Arc<columns::ColumnNames>,
    /// Columns the user named: `role=header` (`--columns`).
    pub columns: Vec<String>,
    /// The text encoding, when the user names it (else it is told from the bytes).
    pub encoding: Option<Encoding>,
    /// Read every sheet of a workbook (its name a column; the locality where it has none).
    pub all_sheets: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            text_column: "text".into(),
            sheet: None,
            skip_bad: false,
            format: None,
            column_names: Default::default(),
            columns: Vec::new(),
            encoding: None,
            all_sheets: false,
        }
    }
}

/// What reading one or more files produced.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Submissions in input order.
    pub submissions: Vec<Submission>,
    /// Records that could not be read (only with `skip_bad`).
    pub rejects: Vec<Reject>,
    /// Empty lines or rows passed over (not submissions).
    pub blank: usize,
    /// Title and letterhead rows above a header, passed over.
    pub title_rows: usize,
    /// For each file read as a table, which column was read for what ("văn bản ← cột 'Ý kiến'").
    pub columns: Vec<(PathBuf, Vec<String>)>,
    /// Each file read and how many of `submissions` came from it, in order.
    pub sources: Vec<(PathBuf, usize)>,
}

impl ReadOutcome {
    /// The file each submission came from, in the order of `submissions`.
    pub fn source_of_each(&self) -> impl Iterator<Item = &Path> + '_ {
        self.sources.iter().flat_map(|(p, n)| std::iter::repeat_n(p.as_path(), *n))
    }
}

/// The column that holds the section heading a table's row sits under.
pub const SECTION_COLUMN: &str = "Mục";

/// Whether a cell is a Roman numeral from I to XXX, as section headings are numbered ("II", "IV.").
fn is_roman(v: &str) -> bool {
    const ROMAN: [&str; 30] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
        "XVIII", "XIX", "XX", "XXI", "XXII", "XXIII", "XXIV", "XXV", "XXVI", "XXVII", "XXVIII", "XXIX", "XXX",
    ];
    ROMAN.contains(&v.trim().trim_end_matches(['.', ')', ':']))
}

/// Reads one file.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<ReadOutcome> {
    read_file_with(path, opts, None, None)
}

/// What a file named as a workbook holds when it is not one: many offices' systems write a
/// web page ("Xuất Excel") or tab-separated text under an .xls name. `None` for a workbook
/// (a zip or OLE file) and for what calamine should judge; else the format to read it as
/// and the note that says so.
fn sniff_workbook(path: &Path) -> Result<Option<(Format, String)>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64 << 10);
    std::fs::File::open(path).and_then(|f| f.take(64 << 10).read_to_end(&mut head)).map_err(|e| Error::io(path, e))?;
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if head.is_empty() || head.starts_with(b"PK") || head.starts_with(OLE) {
        return Ok(None);
    }
    if decode::utf16(&head).is_some() {
        return Ok(Some((Format::Csv, crate::t!("input.workbook-is-text"))));
    }
    let body = head.strip_prefix(decode::UTF8_BOM).unwrap_or(&head);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    if body.get(start) == Some(&b'<') {
        let lower = body.to_ascii_lowercase();
        const XML2003: &[u8] = b"urn:schemas-microsoft-com:office:spreadsheet";
        if lower.windows(XML2003.len()).any(|w| w == XML2003) {
            return Ok(Some((Format::Xml2003, crate::t!("input.workbook-is-xml2003"))));
        }
        return Ok(Some((Format::Html, crate::t!("input.workbook-is-html"))));
    }
    // Text under an .xls name: the first line has columns (a tab, semicolon or comma).
    let xls = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xls"));
    let first_line = body.split(|&b| b == b'\n').next().unwrap_or_default();
    if xls && !body.contains(&0) && first_line.iter().any(|b| matches!(b, b'\t' | b';' | b',')) {
        return Ok(Some((Format::Csv, crate::t!("input.workbook-is-text"))));
    }
    Ok(None)
}

/// Refuses what is not a regular file (a folder, a FIFO that would block the read for
/// ever, a device) before anything opens it.
fn check_regular_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() { crate::t!("input.is-folder") } else { crate::t!("input.not-regular") };
    Err(Error::input(path, Location::File, what))
}

/// The prefix of each file's default ids: its name without extension, with its folder's
/// name before it where two files of the run share a name.
fn id_stems(paths: &[PathBuf]) -> Vec<String> {
    let stem = |p: &Path| p.file_stem().and_then(|s| s.to_str()).unwrap_or("input").to_string();
    paths
        .iter()
        .map(|p| {
            let s = stem(p);
            let shared = paths.iter().filter(|q| stem(q) == s).count() > 1;
            match p.parent().and_then(|d| d.file_name()).and_then(|d| d.to_str()) {
                Some(dir) if shared => format!("{dir}/{s}"),
                _ => s,
            }
        })
        .collect()
}

/// A consumer of submissions handed over in batches as they are read.
pub type BatchSink<'a> = &'a mut dyn FnMut(Vec<Submission>) -> Result<()>;

/// Reads one file; with `batches` (size, consumer) its submissions go to the consumer as
/// they are read instead of into the outcome.
fn read_file_with(
    path: &Path,
    opts: &ReadOptions,
    stem: Option<String>,
    batches: Option<(usize, BatchSink<'_>)>,
) -> Result<ReadOutcome> {
    let format = match opts.format.or_else(|| Format::from_path(path)) {
        Some(f) => f,
        None => return Err(Error::input(path, Location::File, crate::t!("input.unknown-type"))),
    };
    check_regular_file(path)?;
    let mut sink = Sink::new(path, opts);
    let format = match format {
        Format::Xlsx => match sniff_workbook(path)? {
            Some((f, what)) => {
                sink.note(what);
                f
            }
            None => format,
        },
        f => f,
    };
    if let Some(stem) = stem {
        sink.stem = stem;
    }
    sink.batches = batches;
    match format {
        Format::Csv => delimited::read(path, &mut sink)?,
        Format::Jsonl => jsonl::read(path, &mut sink)?,
        Format::Xlsx => sheet::read(path, opts, &mut sink)?,
        Format::Txt => plain::read(path, &mut sink)?,
        Format::Parquet => parquet::read(path, &mut sink)?,
        Format::Docx => docx::read(path, &mut sink)?,
        Format::Html => html::read(path, &mut sink)?,
        Format::Xml2003 => xml2003::read(path, opts, &mut sink)?,
    }
    if sink.sections > 0 {
        let note = crate::t!("input.sections", n = sink.sections, column = SECTION_COLUMN);
        sink.notes().push(note);
    }
    sink.flush(0)?;
    let n = sink.out.submissions.len() + sink.handed;
    sink.out.sources = vec![(path.to_path_buf(), n)];
    Ok(sink.out)
}

/// Reads several files in order; ids must be unique across all of them.
pub fn read_files(paths: &[PathBuf], opts: &ReadOptions) -> Result<ReadOutcome> {
    let mut subs = Vec::new();
    let mut out = read_files_batched(paths, opts, usize::MAX, &mut |b| {
        subs.extend(b);
        Ok(())
    })?;
    out.submissions = subs;
    Ok(out)
}

/// Reads several files in order, like [`read_files`], but hands the submissions to
/// `on_batch` in batches of `batch` as they are read (the outcome then holds the
/// rejects, blank count and sources, not the submissions), so that analysis can run
/// while reading goes on.
pub fn read_files_batched(
    paths: &[PathBuf],
    opts: &ReadOptions,
    batch: usize,
    on_batch: BatchSink<'_>,
) -> Result<ReadOutcome> {
    let mut all = ReadOutcome::default();
    let mut seen: rustc_hash::FxHashMap<String, usize> = Default::default();
    let stems = id_stems(paths);
    for (fi, p) in paths.iter().enumerate() {
        let mut count = 0usize;
        let mut dup_rejects = Vec::new();
        let mut forward = |b: Vec<Submission>| -> Result<()> {
            if fi == 0 {
                // The first file's ids are checked by its reader: the batch goes on as it is.
                if paths.len() > 1 {
                    seen.extend(b.iter().map(|s| (s.id.clone(), 0)));
                }
                count += b.len();
                return on_batch(b);
            }
            let mut keep = Vec::with_capacity(b.len());
            for s in b {
                // A file's own ids are unique (its reader checks them): only earlier files'
                // ids are looked up, and only those later files will look up are kept.
                if let Some(&first) = seen.get(&s.id) {
                    let msg = crate::t!("input.id-used-in", id = s.id, file = paths[first].display());
                    if opts.skip_bad {
                        dup_rejects.push(Reject {
                            file: p.clone(),
                            location: crate::t!("loc.id", id = s.id),
                            message: msg,
                            raw: s.text,
                        });
                        continue;
                    }
                    return Err(Error::input(p, Location::File, msg));
                }
                if fi + 1 < paths.len() {
                    seen.insert(s.id.clone(), fi);
                }
                keep.push(s);
            }
            count += keep.len();
            on_batch(keep)
        };
        let one = read_file_with(p, opts, Some(stems[fi].clone()), Some((batch.max(1), &mut forward)))?;
        all.sources.push((p.clone(), count));
        all.rejects.extend(dup_rejects);
        all.rejects.extend(one.rejects);
        all.blank += one.blank;
        all.title_rows += one.title_rows;
        all.columns.extend(one.columns);
    }
    Ok(all)
}

/// Collects records from a reader: builds submissions, applies the bad-record policy.
struct Sink<'a, 'b> {
    path: &'a Path,
    builder: RecordBuilder,
    stem: String,
    skip_bad: bool,
    out: ReadOutcome,
    /// The ids read so far, by [`id_hash`], with the line or row where each was first read
    /// (a file is one sheet: the number alone says where).
    ids: rustc_hash::FxHashMap<u128, u64>,
    count: usize,
    /// Batch size and consumer, when submissions are handed over as they are read.
    batches: Option<(usize, BatchSink<'b>)>,
    /// Submissions already handed over.
    handed: usize,
    /// Header names by role, and what the user named.
    names: std::sync::Arc<columns::ColumnNames>,
    overrides: columns::Overrides,
    /// An error in the user's column names, said when a table is read.
    overrides_error: Option<String>,
    /// The encoding the user named.
    encoding: Option<Encoding>,
    /// The legacy font encoding a table's text was typed in, told from its first rows.
    legacy: Option<legacy::Legacy>,
    /// The sheet being read, when every sheet is (`--all-sheets`).
    sheet: Option<String>,
    /// A form's question columns (index, header), the text column first, when it has
    /// several: each filled cell a submission (see [`columns::Layout::more_text`]).
    text_columns: Vec<(usize, String)>,
    /// The heading of the section the rows being read sit under ("I. LĨNH VỰC GIÁO DỤC"),
    /// and how many such heading rows were met.
    section: Option<String>,
    sections: usize,
}

impl<'a, 'b> Sink<'a, 'b> {
    fn new(path: &'a Path, opts: &ReadOptions) -> Self {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("input").to_string();
        let mut specs = opts.columns.clone();
        if opts.text_column != "text" && !specs.iter().any(|c| c.starts_with("text=")) {
            specs.push(format!("text={}", opts.text_column));
        }
        let (overrides, overrides_error) = match columns::Overrides::parse(&specs) {
            Ok(o) => (o, None),
            Err(e) => (columns::Overrides::default(), Some(e)),
        };
        Sink {
            path,
            builder: RecordBuilder::new("text"),
            stem,
            skip_bad: opts.skip_bad,
            out: ReadOutcome::default(),
            ids: Default::default(),
            count: 0,
            batches: None,
            handed: 0,
            names: opts.column_names.clone(),
            overrides,
            overrides_error,
            encoding: opts.encoding,
            legacy: None,
            sheet: None,
            text_columns: Vec::new(),
            section: None,
            sections: 0,
        }
    }

    /// A table's column keys with the headers typed in a legacy font made Unicode too.
    fn unicode_keys(&self, keys: Vec<String>) -> Vec<String> {
        match self.legacy {
            Some(l) => keys
                .into_iter()
                .map(|k| if columns::ROLES.contains(&k.as_str()) { k } else { legacy::convert(l, &k) })
                .collect(),
            None => keys,
        }
    }

    /// Tells from a table's first rows (below the header) whether its text was typed with a
    /// legacy font; if so every cell is converted, and the user is told.
    fn detect_legacy(&mut self, rows: &[Vec<String>], layout: &columns::Layout) {
        let Some(col) = layout.keys.iter().position(|k| k == "text") else { return };
        let below = &rows[(layout.header_row + 1).min(rows.len())..];
        let forced = self.encoding.and_then(Encoding::legacy);
        self.legacy = forced.or_else(|| legacy::detect(below.iter().filter_map(|r| r.get(col)).map(String::as_str)));
        if let Some(l) = self.legacy {
            self.note(crate::t!("input.note-legacy", encoding = l.name()));
        }
    }

    /// Notes something the reader told from the file (its encoding, its shape), to be shown.
    fn note(&mut self, what: String) {
        self.notes().insert(0, what);
    }

    /// The notes shown for this file, begun if there are none yet.
    fn notes(&mut self) -> &mut Vec<String> {
        let at = match self.out.columns.iter().position(|(p, _)| p == self.path) {
            Some(i) => i,
            None => {
                self.out.columns.push((self.path.to_path_buf(), Vec::new()));
                self.out.columns.len() - 1
            }
        };
        &mut self.out.columns[at].1
    }

    /// The header among a table's first rows and what each column holds; the choice is
    /// kept in the outcome to be shown.
    fn layout(&mut self, rows: &[Vec<String>]) -> std::result::Result<columns::Layout, String> {
        if let Some(e) = &self.overrides_error {
            return Err(e.clone());
        }
        let l = columns::find_layout(rows, &self.names, &self.overrides)?;
        self.notes().extend(l.chosen.iter().cloned());
        self.text_columns.clear();
        if let (false, Some(t)) = (l.more_text.is_empty(), l.keys.iter().position(|k| k == "text")) {
            let header = &rows[l.header_row];
            let name = |i: usize| header.get(i).map_or(String::new(), |h| h.trim().to_string());
            self.text_columns = std::iter::once(t).chain(l.more_text.iter().copied()).map(|i| (i, name(i))).collect();
        }
        Ok(l)
    }

    /// The key a named field is read under (JSON Lines): a role its name gives, else itself.
    fn key_of<'k>(&self, name: &'k str) -> std::borrow::Cow<'k, str> {
        let folded = columns::fold_header(name);
        if let Some((role, _)) = self.overrides.by_role.iter().find(|(_, h)| columns::fold_header(h) == folded) {
            return std::borrow::Cow::Owned(role.clone());
        }
        match self.names.role_of(name) {
            Some((role, true)) if !self.overrides.by_role.iter().any(|(r, _)| r == role) => {
                std::borrow::Cow::Borrowed(role)
            }
            _ => std::borrow::Cow::Borrowed(name),
        }
    }

    /// Handles a record that failed: an error, or a reject with `skip_bad`.
    fn bad(&mut self, location: Location, message: String, raw: String) -> Result<()> {
        if self.skip_bad {
            self.out.rejects.push(Reject {
                file: self.path.to_path_buf(),
                location: location_text(&location),
                message,
                raw,
            });
            Ok(())
        } else {
            Err(Error::input(self.path, location, message))
        }
    }

    /// Hands the submissions read so far to the batch consumer once there are at least
    /// `min.max(batch size)` of them (`min` 0: whatever is left).
    fn flush(&mut self, min: usize) -> Result<()> {
        if let Some((size, consumer)) = self.batches.as_mut() {
            let n = self.out.submissions.len();
            if n > 0 && (min == 0 || n >= *size) {
                self.handed += n;
                // The next batch is gathered in a vector the size of this one (no doubling as it fills).
                let next = if min == 0 { Vec::new() } else { Vec::with_capacity(n) };
                consumer(std::mem::replace(&mut self.out.submissions, next))?;
            }
        }
        Ok(())
    }

    /// Whether a table's row is a section heading of a compilation rather than an opinion:
    /// its one filled cell is the first column, which has no role, numbered with a Roman
    /// numeral or in capitals ("I. LĨNH VỰC GIÁO DỤC" merged across the row); or that column
    /// holds a Roman numeral and the text column the heading, no id, place or date beside it.
    /// The heading is kept for the rows below it (the column [`SECTION_COLUMN`]).
    fn section_row<'c>(&mut self, keys: &[String], cell: impl Fn(usize) -> Option<Cow<'c, str>>) -> bool {
        let is_role = |k: &str| columns::ROLES.contains(&k);
        if keys.first().is_none_or(|k| is_role(k)) {
            return false;
        }
        let Some(lead) = cell(0).filter(|v| !v.trim().is_empty()) else { return false };
        let lead = lead.trim();
        let empty = |i: usize| cell(i).is_none_or(|v| v.trim().is_empty());
        let heading = if is_roman(lead) {
            // "II" beside the heading in the text column, no id, place or date.
            let text_at = keys.iter().position(|k| k == "text");
            let others_empty = keys.iter().enumerate().all(|(i, k)| k == "text" || !is_role(k) || empty(i));
            match text_at.and_then(&cell) {
                Some(t) if !t.trim().is_empty() && others_empty => {
                    Some(format!("{}. {}", lead.trim_end_matches(['.', ')', ':']), t.trim()))
                }
                _ => None,
            }
        } else if (1..keys.len()).all(empty) {
            // Alone in its row, a heading is numbered ("II. Việc làm") or written in capitals.
            let numbered = lead.split_whitespace().next().is_some_and(|w| w.ends_with('.') && is_roman(w));
            let capitals = lead.chars().any(char::is_alphabetic) && !lead.chars().any(char::is_lowercase);
            (numbered || capitals).then(|| lead.to_string())
        } else {
            None
        };
        match heading {
            Some(h) => {
                self.section = Some(h);
                self.sections += 1;
                true
            }
            None => false,
        }
    }

    /// Takes one record's fields; `number` names it for a default id (else its count).
    /// A row of a form with several question columns gives a submission per filled one.
    fn record<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        fields: impl IntoIterator<Item = (K, V)>,
        location: Location,
        raw: impl FnOnce() -> String,
        number: Option<u64>,
    ) -> Result<()> {
        if self.section.is_none() && self.text_columns.is_empty() {
            return self.record_one(fields, location, raw, number, None);
        }
        let mut fields: Vec<(String, String)> =
            fields.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string())).collect();
        if let Some(section) = &self.section {
            fields.push((SECTION_COLUMN.to_string(), section.clone()));
        }
        if self.text_columns.is_empty() {
            return self.record_one(fields, location, raw, number, None);
        }
        let columns = self.text_columns.clone();
        let filled: Vec<usize> =
            (0..columns.len()).filter(|&k| fields.get(columns[k].0).is_some_and(|f| !f.1.trim().is_empty())).collect();
        if filled.is_empty() {
            // A row with no question answered: one blank answer, as with one text column.
            return self.record_one(fields, location, raw, number, None);
        }
        let n = number.unwrap_or(self.count as u64 + 1);
        let before = self.count;
        let raw = raw();
        for k in filled {
            let one: Vec<(String, String)> = fields
                .iter()
                .enumerate()
                .filter(|(i, _)| !columns.iter().any(|c| c.0 == *i))
                .map(|(_, f)| f.clone())
                .chain([
                    ("text".to_string(), fields[columns[k].0].1.clone()),
                    (columns::QUESTION_COLUMN.to_string(), columns[k].1.clone()),
                ])
                .collect();
            self.record_one(one, location.clone(), || raw.clone(), Some(n), Some(k + 1))?;
        }
        // Records count rows: a default id names the row, whatever its parts.
        self.count = before + 1;
        Ok(())
    }

    /// Takes one submission's fields; `part` (a form's question column, from 1) is added
    /// to its id.
    fn record_one<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        fields: impl IntoIterator<Item = (K, V)>,
        location: Location,
        raw: impl FnOnce() -> String,
        number: Option<u64>,
        part: Option<usize>,
    ) -> Result<()> {
        self.count += 1;
        let n = number.unwrap_or(self.count as u64);
        let built = match (&self.sheet, self.legacy) {
            (None, None) => self.builder.build(fields, &self.stem, n),
            (sheet, l) => {
                let mut owned: Vec<(String, String)> = fields
                    .into_iter()
                    .map(|(k, v)| {
                        let v = match l {
                            Some(l) => legacy::convert(l, v.as_ref()),
                            None => v.as_ref().to_string(),
                        };
                        (k.as_ref().to_string(), v)
                    })
                    .collect();
                if let Some(sheet) = sheet {
                    // Ids are numbered per sheet by districts: the sheet's name keeps them apart.
                    for (k, v) in owned.iter_mut() {
                        if k == "id" && !v.trim().is_empty() {
                            *v = format!("{sheet}/{}", v.trim());
                        }
                    }
                    if !owned.iter().any(|(k, v)| k == "locality" && !v.trim().is_empty()) {
                        owned.retain(|(k, _)| k != "locality");
                        owned.push(("locality".into(), sheet.clone()));
                    }
                    owned.push((sheet::SHEET_COLUMN.into(), sheet.clone()));
                }
                self.builder.build(owned, &self.stem, n)
            }
        };
        let built = match (built, part) {
            (Ok(mut s), Some(k)) => {
                s.id = format!("{}.{k}", s.id);
                Ok(s)
            }
            (b, _) => b,
        };
        match built {
            Ok(s) => {
                match self.ids.entry(id_hash(&s.id)) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        let at = location_text(&numbered_like(&location, *first.get()));
                        let msg = crate::t!("input.id-repeats", id = s.id, at = at);
                        return self.bad(location, msg, s.text);
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(location_number(&location));
                    }
                }
                self.out.submissions.push(s);
                self.flush(1)?;
                Ok(())
            }
            // A blank answer is no error: listed with its line, and reading goes on.
            Err(msg) if msg == empty_text() => {
                self.out.rejects.push(Reject {
                    file: self.path.to_path_buf(),
                    location: location_text(&location),
                    message: msg,
                    raw: raw(),
                });
                Ok(())
            }
            Err(msg) => self.bad(location, msg, raw()),
        }
    }
}

/// A 128-bit hash of an id from two independent hashes: a million ids are told apart
/// without keeping a copy of each (two ids alike by chance: about 1 in 10^26).
fn id_hash(id: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let mut fx = rustc_hash::FxHasher::default();
    id.hash(&mut fx);
    let mut sip = std::hash::DefaultHasher::new();
    id.hash(&mut sip);
    (u128::from(fx.finish()) << 64) | u128::from(sip.finish())
}

/// The line or row number of a location (0 for the whole file).
fn location_number(l: &Location) -> u64 {
    match l {
        Location::File => 0,
        Location::Line(n) | Location::Record(n) | Location::Row { row: n, .. } => *n,
    }
}

/// The location numbered `n` in the same file (and sheet) as `like`.
fn numbered_like(like: &Location, n: u64) -> Location {
    match like {
        Location::File => Location::File,
        Location::Line(_) => Location::Line(n),
        Location::Record(_) => Location::Record(n),
        Location::Row { sheet, .. } => Location::Row { sheet: sheet.clone(), row: n },
    }
}

fn location_text(l: &Location) -> String {
    match l {
        Location::File => crate::t!("loc.file"),
        Location::Line(n) => crate::t!("loc.line", n = n),
        Location::Record(n) => crate::t!("loc.record", n = n),
        Location::Row { sheet, row } => crate::t!("loc.sheet-row", sheet = sheet, row = row),
    }
}

/// Turns named fields into a [`Submission`]; shared by every format.
pub struct RecordBuilder {
    text_column: String,
    /// Extra column names and locality, date and group values met so far (a form's few
    /// hundred communes, days and groups), shared by every record that has them.
    shared: crate::intern::Interner,
}

/// What a record without text is called in the rejects: a blank answer, which never
/// stops a run.
pub fn empty_text() -> String {
    crate::t!("input.empty-text")
}

/// Names and values a reader shares at most at once.
const SHARED_VALUES: usize = 4096;

impl RecordBuilder {
    /// A builder reading the submission from `text_column`.
    pub fn new(text_column: &str) -> Self {
        RecordBuilder { text_column: text_column.to_string(), shared: crate::intern::Interner::new(SHARED_VALUES) }
    }

    /// Checks a header and returns the names its columns are read by: the text column
    /// must be there once; a column ykien reads (text, id, locality, submitted_at, group)
    /// may not appear twice; any other name met again is kept as "name (2)", "name (3)".
    pub fn prepare_header<'h>(
        &self,
        columns: impl IntoIterator<Item = &'h str>,
    ) -> std::result::Result<Vec<String>, String> {
        let cols: Vec<&str> = columns.into_iter().map(str::trim).collect();
        let mut out: Vec<String> = Vec::with_capacity(cols.len());
        let mut seen: rustc_hash::FxHashMap<&str, (usize, usize)> = Default::default();
        for (i, c) in cols.iter().enumerate() {
            if c.is_empty() {
                out.push(String::new());
                continue;
            }
            match seen.get_mut(c) {
                None => {
                    seen.insert(c, (i, 1));
                    out.push(c.to_string());
                }
                Some((first, n)) => {
                    let read_by_ykien =
                        *c == self.text_column || matches!(*c, "id" | "locality" | "submitted_at" | "group");
                    if read_by_ykien {
                        return Err(crate::t!(
                            "input.column-twice-text",
                            column = c,
                            first = *first + 1,
                            second = i + 1
                        ));
                    }
                    *n += 1;
                    out.push(format!("{c} ({n})"));
                }
            }
        }
        if cols.iter().any(|c| *c == self.text_column) {
            return Ok(out);
        }
        let named: Vec<String> = cols.iter().filter(|c| !c.is_empty()).take(20).map(|c| format!("'{c}'")).collect();
        let more = cols.iter().filter(|c| !c.is_empty()).count().saturating_sub(named.len());
        let mut header = if named.is_empty() { crate::t!("input.no-names") } else { named.join(", ") };
        if more > 0 {
            header.push_str(&crate::t!("input.and-more", n = more));
        }
        Err(crate::t!("input.no-column", column = self.text_column, header = header))
    }

    /// Builds a submission from (column, value) pairs (borrowed: only what is kept is
    /// copied); without an `id` column the id is `<stem>-<n>`.
    pub fn build<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        fields: impl IntoIterator<Item = (K, V)>,
        stem: &str,
        n: u64,
    ) -> std::result::Result<Submission, String> {
        let mut s = Submission {
            id: String::new(),
            id_given: false,
            text: String::new(),
            locality: None,
            submitted_at: None,
            group: None,
            extra: Extra::default(),
        };
        let mut has_text = false;
        let mut has_id_column = false;
        for (k, v) in fields {
            let key = k.as_ref().trim();
            let val = v.as_ref().trim();
            if val.contains('\0') {
                let column = if key.is_empty() { crate::t!("input.unnamed-column") } else { format!("'{key}'") };
                return Err(crate::t!("input.nul-byte", column = column));
            }
            if key == self.text_column {
                has_text = true;
                s.text = val.to_string();
                continue;
            }
            let shared = &mut self.shared;
            let mut opt = || (!val.is_empty()).then(|| shared.share(val));
            match key {
                "id" => {
                    has_id_column = true;
                    s.id = val.to_string();
                }
                "locality" => s.locality = opt(),
                "submitted_at" => s.submitted_at = opt(),
                "group" => s.group = opt(),
                "" => {}
                // A record's column names are unique (headers are made so, JSON objects
                // are maps): pushed without looking for an earlier value, which made a
                // row of 100,000 columns quadratic.
                _ => s.extra.0.push((self.shared.share(key), val.into())),
            }
        }
        if !has_text {
            return Err(crate::t!("input.no-field", field = self.text_column));
        }
        if s.text.is_empty() {
            return Err(empty_text());
        }
        s.id_given = !s.id.is_empty();
        if s.id.is_empty() {
            // No id column: the record's number names it. A blank cell of an id column
            // is named with '#', which ids a person types rarely hold, so that it cannot
            // take the id another record was given.
            s.id = if has_id_column { format!("{stem}#{n}") } else { format!("{stem}-{n}") };
        }
        // A million submissions are held at once: the extra columns at their number, not the vector's growth.
        s.extra.0.shrink_to_fit();
        Ok(s)
    }
}
