//! The authority's per-table results as files: the [`Mapping`] that says how a file's columns
//! name tables, contests and counts, and [`read`], which turns a CSV or JSON file into one
//! [`OfficialRow`] per table, or an error that names the line.
//!
//! A mapping is a small JSON file (shipped ones are in `server/mappings/`):
//!
//! ```json
//! { "name": "PREP-style CSV", "format": "csv", "delimiter": "|", "skip_lines": 3,
//!   "table": "{CLAVE_CASILLA}", "fields": "{party}",
//!   "counts": { "null": "NULOS" }, "missing": ["", "-", "SIN DATO", "ILEGIBLE"] }
//! ```
//!
//! - `format`: `csv` (a header line, then one line per table) or `json` (an array of objects,
//!   at the dotted path `records`; nested objects are read as columns named `a.b`).
//! - `table`: the table's id in the election package, as a template over columns: `{COL}` is a
//!   column's value, `{COL:02}` the same padded with zeros to two digits.
//! - `contest`: a template too (often a constant); without it a `contest` column is used if the
//!   file has one, else the election's first contest.
//! - `fields`: a template naming the column of each count: `{id}` the field's id, `{party}` a
//!   ballot option's party label, `{label}` an extra count's label. A column the file lacks is a
//!   count the authority did not give.
//! - `counts`: columns for given fields, by field id or by kind (`null`, `blank`,
//!   `voters_who_voted`, `ballots_unused`); these columns must exist.
//! - `missing`: values that mean "not given" (default: empty and `-`). A line with no count
//!   given is a table the authority has not reported yet and is skipped.
//!
//! Without a mapping ([`Mapping::native`]): CSV `table,contest,<field id>…` (contest optional),
//! JSON `[{"table": …, "contest": …, "counts": {<field id>: n}}]`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use testigo_protocol::capture::MAX_COUNT;
use testigo_protocol::election::{Contest, CountFieldKind};

/// Why an official results file (or its mapping) could not be read. Lines count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficialFileError {
    /// The mapping is not valid.
    #[error("mapping: {0}")]
    Mapping(String),
    /// The file is malformed at this line (for JSON, the line of the record).
    #[error("line {line}: {what}")]
    Line {
        /// The line number.
        line: u64,
        /// What is wrong.
        what: String,
    },
    /// The file as a whole is wrong (not UTF-8, no records, no election).
    #[error("{0}")]
    File(String),
}

/// The file format a mapping reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Comma- (or otherwise) separated values with a header line.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// How an authority's file names tables, contests and counts. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// What this mapping is for (shown in the import history).
    #[serde(default)]
    pub name: String,
    /// CSV or JSON.
    pub format: FileFormat,
    /// The CSV separator (one ASCII character; default `,`).
    #[serde(default = "comma")]
    pub delimiter: char,
    /// Lines before the CSV header (titles, dates, totals) to skip.
    #[serde(default)]
    pub skip_lines: u64,
    /// The dotted path to the JSON array of records (`""` for a top-level array).
    #[serde(default)]
    pub records: String,
    /// The table id template.
    pub table: String,
    /// The contest id template.
    #[serde(default)]
    pub contest: Option<String>,
    /// The template naming each count's column.
    #[serde(default)]
    pub fields: Option<String>,
    /// Columns for given fields, by field id or kind.
    #[serde(default)]
    pub counts: BTreeMap<String, String>,
    /// Values meaning "not given".
    #[serde(default = "default_missing")]
    pub missing: Vec<String>,
}

/// The most title lines a mapping may skip.
const MAX_SKIP_LINES: u64 = 1_000;

fn comma() -> char {
    ','
}

fn default_missing() -> Vec<String> {
    vec![String::new(), "-".into()]
}

impl Mapping {
    /// The mapping of Testigo's own format (see the module documentation).
    pub fn native(format: FileFormat) -> Mapping {
        Mapping {
            name: "testigo".into(),
            format,
            delimiter: ',',
            skip_lines: 0,
            records: String::new(),
            table: "{table}".into(),
            contest: None,
            fields: Some(match format {
                FileFormat::Csv => "{id}".into(),
                FileFormat::Json => "counts.{id}".into(),
            }),
            counts: BTreeMap::new(),
            missing: default_missing(),
        }
    }

    /// Reads a mapping file.
    pub fn from_json(text: &str) -> Result<Mapping, OfficialFileError> {
        let m: Mapping = serde_json::from_str(text).map_err(|e| OfficialFileError::Mapping(e.to_string()))?;
        if m.skip_lines > MAX_SKIP_LINES {
            return Err(OfficialFileError::Mapping(format!("\"skip_lines\" is at most {MAX_SKIP_LINES}")));
        }
        if !m.delimiter.is_ascii() {
            return Err(OfficialFileError::Mapping("the delimiter must be one ASCII character".into()));
        }
        Template::parse(&m.table)?;
        if let Some(c) = &m.contest {
            Template::parse(c)?;
        }
        if let Some(f) = &m.fields {
            Template::parse(f)?;
        }
        Ok(m)
    }

    /// The mapping as JSON (kept with each import).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One table's official numbers, as a file gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialRow {
    /// The line it came from (for JSON, the line its record starts on).
    pub line: u64,
    /// The table's id.
    pub station_id: String,
    /// The contest's id.
    pub contest_id: String,
    /// The counts given, by field id (ballot options and extra counts), as the JSON object the
    /// server stores (keys in order). A national file has a million rows: one string each keeps
    /// it to a few hundred megabytes, where a map per row took several gigabytes.
    pub counts_json: String,
}

impl OfficialRow {
    /// The counts given, by field id.
    pub fn counts(&self) -> BTreeMap<String, i64> {
        serde_json::from_str(&self.counts_json).unwrap_or_default()
    }
}

/// What a file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialFile {
    /// One row per table with at least one count.
    pub rows: Vec<OfficialRow>,
    /// Lines skipped because no count was given (tables not reported yet).
    pub skipped: u64,
}

/// A template's parts: text, and columns with an optional zero-padding width.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Column { name: String, pad: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Template(Vec<Part>);

impl Template {
    fn parse(text: &str) -> Result<Template, OfficialFileError> {
        let bad = |why: &str| OfficialFileError::Mapping(format!("template {text:?}: {why}"));
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or_else(|| bad("a '{' is not closed"))? + open;
            let inner = &rest[open + 1..close];
            let (name, pad) = match inner.split_once(':') {
                Some((name, width)) => {
                    (name, width.parse::<usize>().ok().filter(|w| *w <= 32).ok_or_else(|| bad("bad width"))?)
                }
                None => (inner, 0),
            };
            if name.is_empty() {
                return Err(bad("an empty column name"));
            }
            parts.push(Part::Column { name: name.to_owned(), pad });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(bad("a '}' without '{'"));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template(parts))
    }

    /// The template with `{key}` placeholders of `vars` replaced (for `fields`), leaving other
    /// parts as they are; `None` if it uses a placeholder `vars` lacks.
    fn fill(&self, vars: &[(&str, &str)]) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Column { name, .. } => out.push_str(vars.iter().find(|(k, _)| k == name)?.1),
            }
        }
        Some(out)
    }

    /// The template over one record; `Err(column)` names a column the record lacks.
    fn render(&self, record: &Record<'_>) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Column { name, pad } => {
                    let value = record.get(name).ok_or_else(|| name.clone())?;
                    for _ in value.chars().count()..*pad {
                        out.push('0');
                    }
                    out.push_str(value);
                }
            }
        }
        Ok(out)
    }

    fn columns(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Part::Column { name, .. } => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }
}

/// One record's columns by name: a CSV line read through its header's positions (no copy), or
/// a JSON object's flattened leaves.
enum Record<'a> {
    Csv { columns: &'a HashMap<&'a str, usize>, line: &'a csv::StringRecord },
    Json(HashMap<&'a str, String>),
}

impl Record<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match self {
            Record::Csv { columns, line } => columns.get(name).and_then(|&i| line.get(i)).map(str::trim),
            Record::Json(values) => values.get(name).map(|v| v.trim()),
        }
    }
}

/// For each contest, the column each of its fields is read from.
struct Plan {
    table: Template,
    contest: Option<Template>,
    /// Per contest id: (field id, column, whether the column must exist).
    fields: BTreeMap<String, Vec<(String, String, bool)>>,
}

fn kind_name(kind: CountFieldKind) -> &'static str {
    match kind {
        CountFieldKind::Null => "null",
        CountFieldKind::Blank => "blank",
        CountFieldKind::VotersWhoVoted => "voters_who_voted",
        CountFieldKind::BallotsUnused => "ballots_unused",
        CountFieldKind::Other => "other",
    }
}

impl Plan {
    fn new(mapping: &Mapping, contests: &[Contest]) -> Result<Plan, OfficialFileError> {
        let template = mapping.fields.as_deref().map(Template::parse).transpose()?;
        let mut fields = BTreeMap::new();
        for key in mapping.counts.keys() {
            let known = ["null", "blank", "voters_who_voted", "ballots_unused", "other"]
                .contains(&key.as_str())
                || contests.iter().any(|c| {
                    c.options.iter().any(|o| &o.id == key) || c.count_fields.iter().any(|f| &f.id == key)
                });
            if !known {
                return Err(OfficialFileError::Mapping(format!(
                    "\"counts\" names {key:?}, which is neither a field of the election nor a kind of count"
                )));
            }
        }
        for contest in contests {
            let mut plan: Vec<(String, String, bool)> = Vec::new();
            for o in &contest.options {
                let candidate =
                    contest.candidates.iter().find(|c| c.id == o.candidate_id).map_or("", |c| &c.name);
                let explicit = mapping.counts.get(&o.id).map(|c| (c.clone(), true));
                let by_template = template.as_ref().and_then(|t| {
                    t.fill(&[("id", &o.id), ("party", &o.party), ("candidate", candidate)])
                        .map(|c| (c, false))
                });
                if let Some((column, required)) = explicit.or(by_template) {
                    plan.push((o.id.clone(), column, required));
                }
            }
            for f in &contest.count_fields {
                let explicit = mapping
                    .counts
                    .get(&f.id)
                    .or_else(|| mapping.counts.get(kind_name(f.kind)))
                    .map(|c| (c.clone(), true));
                let by_template = template
                    .as_ref()
                    .and_then(|t| t.fill(&[("id", &f.id), ("label", &f.label)]).map(|c| (c, false)));
                if let Some((column, required)) = explicit.or(by_template) {
                    plan.push((f.id.clone(), column, required));
                }
            }
            let mut seen: HashMap<&str, &str> = HashMap::new();
            for (field, column, _) in &plan {
                if let Some(other) = seen.insert(column, field) {
                    return Err(OfficialFileError::Mapping(format!(
                        "fields {other} and {field} of contest {} would both read column {column:?}",
                        contest.id
                    )));
                }
            }
            fields.insert(contest.id.clone(), plan);
        }
        Ok(Plan {
            table: Template::parse(&mapping.table)?,
            contest: mapping.contest.as_deref().map(Template::parse).transpose()?,
            fields,
        })
    }

    /// One record into a row: `Ok(None)` when it gives no count.
    fn row(
        &self,
        line: u64,
        record: &Record<'_>,
        contests: &[Contest],
        missing: &[String],
    ) -> Result<Option<OfficialRow>, OfficialFileError> {
        let at = |what: String| OfficialFileError::Line { line, what };
        let station_id =
            self.table.render(record).map_err(|c| at(format!("no column {c:?} for the table id")))?;
        if station_id.is_empty() {
            return Err(at("the table id is empty".into()));
        }
        let contest_id = match &self.contest {
            Some(t) => t.render(record).map_err(|c| at(format!("no column {c:?} for the contest")))?,
            None => match record.get("contest") {
                Some(c) if !c.is_empty() => c.to_owned(),
                _ => contests.first().map(|c| c.id.clone()).unwrap_or_default(),
            },
        };
        let plan = self
            .fields
            .get(&contest_id)
            .ok_or_else(|| at(format!("the election has no contest {contest_id:?}")))?;
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for (field, column, required) in plan {
            let Some(value) = record.get(column) else {
                // A CSV line has every column of its header (checked there); a JSON record may
                // leave out what it does not give (checked over the whole file in `read_json`).
                if *required && matches!(record, Record::Csv { .. }) {
                    return Err(at(format!("no column {column:?}")));
                }
                continue;
            };
            if missing.iter().any(|m| m.trim().eq_ignore_ascii_case(value)) {
                continue;
            }
            let n: u32 = value.parse().ok().filter(|n| *n <= MAX_COUNT).ok_or_else(|| {
                at(format!("column {column:?}: {value:?} is not a count (0 to {MAX_COUNT})"))
            })?;
            counts.insert(field.as_str(), n);
        }
        if counts.is_empty() {
            return Ok(None);
        }
        let counts_json = serde_json::to_string(&counts).map_err(|e| at(format!("the counts: {e}")))?;
        Ok(Some(OfficialRow { line, station_id, contest_id, counts_json }))
    }
}

/// Reads an official results file with `mapping` against the election's contests. Every table
/// and contest appears at most once; a file with no row is an error.
pub fn read(
    bytes: &[u8],
    mapping: &Mapping,
    contests: &[Contest],
) -> Result<OfficialFile, OfficialFileError> {
    if contests.is_empty() {
        return Err(OfficialFileError::File("no election has been imported".into()));
    }
    let plan = Plan::new(mapping, contests)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes.get(..e.valid_up_to()).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()) + 1;
        OfficialFileError::Line { line: line as u64, what: "not UTF-8 text".into() }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = OfficialFile { rows: Vec::new(), skipped: 0 };
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut push = |row: Option<OfficialRow>, out: &mut OfficialFile| -> Result<(), OfficialFileError> {
        let Some(row) = row else {
            out.skipped += 1;
            return Ok(());
        };
        if let Some(first) = seen.insert((row.station_id.clone(), row.contest_id.clone()), row.line) {
            return Err(OfficialFileError::Line {
                line: row.line,
                what: format!("table {} is already on line {first}", row.station_id),
            });
        }
        out.rows.push(row);
        Ok(())
    };
    match mapping.format {
        FileFormat::Csv => read_csv(text, mapping, &plan, contests, &mut |r, o| push(r, o), &mut out)?,
        FileFormat::Json => read_json(text, mapping, &plan, contests, &mut |r, o| push(r, o), &mut out)?,
    }
    if out.rows.is_empty() {
        return Err(OfficialFileError::File("the file holds no table with a count".into()));
    }
    Ok(out)
}

type Push<'p> = dyn FnMut(Option<OfficialRow>, &mut OfficialFile) -> Result<(), OfficialFileError> + 'p;

fn read_csv(
    text: &str,
    mapping: &Mapping,
    plan: &Plan,
    contests: &[Contest],
    push: &mut Push<'_>,
    out: &mut OfficialFile,
) -> Result<(), OfficialFileError> {
    // Skip the title lines before the header.
    let mut body = text;
    for _ in 0..mapping.skip_lines.min(MAX_SKIP_LINES) {
        match body.split_once('\n') {
            Some((_, rest)) => body = rest,
            None => {
                body = "";
                break;
            }
        }
    }
    let first_line = mapping.skip_lines;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(u8::try_from(mapping.delimiter).unwrap_or(b','))
        .flexible(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| OfficialFileError::Line {
            line: first_line + 1,
            what: format!("unreadable header: {e}"),
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let header_line = first_line + 1;
    for column in plan.table.columns() {
        if !header.iter().any(|h| h == column) {
            return Err(OfficialFileError::Line {
                line: header_line,
                what: format!("the header has no column {column:?} (for the table id)"),
            });
        }
    }
    for fields in plan.fields.values() {
        for (_, column, required) in fields {
            if *required && !header.iter().any(|h| h == column) {
                return Err(OfficialFileError::Line {
                    line: header_line,
                    what: format!("the header has no column {column:?}"),
                });
            }
        }
    }
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        columns.entry(name.as_str()).or_insert(i);
    }
    let mut record = csv::StringRecord::new();
    loop {
        let line = first_line + reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(line, |p| first_line + p.line());
                return Err(OfficialFileError::Line { line, what: format!("unreadable line: {e}") });
            }
        }
        let line = record.position().map_or(line, |p| first_line + p.line());
        if record.len() != header.len() {
            return Err(OfficialFileError::Line {
                line,
                what: format!("{} fields where the header has {}", record.len(), header.len()),
            });
        }
        push(
            plan.row(line, &Record::Csv { columns: &columns, line: &record }, contests, &mapping.missing)?,
            out,
        )?;
    }
    Ok(())
}

fn read_json(
    text: &str,
    mapping: &Mapping,
    plan: &Plan,
    contests: &[Contest],
    push: &mut Push<'_>,
    out: &mut OfficialFile,
) -> Result<(), OfficialFileError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| OfficialFileError::Line {
        line: e.line() as u64,
        what: format!("not valid JSON: {e}"),
    })?;
    let mut at = &doc;
    for key in mapping.records.split('.').filter(|k| !k.is_empty()) {
        at = at.get(key).ok_or_else(|| {
            OfficialFileError::File(format!("the JSON has no {:?} (\"records\")", mapping.records))
        })?;
    }
    let records = at
        .as_array()
        .ok_or_else(|| OfficialFileError::File(format!("{:?} is not a JSON array", mapping.records)))?;
    let lines = RecordLines::new(text, mapping);
    // The columns the mapping names explicitly: each must appear in at least one record (a
    // mistyped mapping is an error, not a silent gap).
    let mut unseen: std::collections::BTreeSet<&str> = plan
        .fields
        .values()
        .flatten()
        .filter(|(_, _, required)| *required)
        .map(|(_, column, _)| column.as_str())
        .collect();
    for (i, value) in records.iter().enumerate() {
        let line = lines.line(i);
        let mut flat = Vec::new();
        flatten("", value, &mut flat);
        if !value.is_object() {
            return Err(OfficialFileError::Line { line, what: "a record is not a JSON object".into() });
        }
        let values: HashMap<&str, String> = flat.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        unseen.retain(|c| !values.contains_key(c));
        push(plan.row(line, &Record::Json(values), contests, &mapping.missing)?, out)?;
    }
    if let Some(column) = unseen.first() {
        return Err(OfficialFileError::File(format!(
            "no record has the column {column:?} the mapping names"
        )));
    }
    Ok(())
}

/// A JSON value's leaves as `(dotted.path, text)`; `null` reads as an empty value.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let key = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
        Value::Bool(b) => out.push((prefix.to_owned(), b.to_string())),
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::Array(_) => {}
    }
}

/// The line each record of the records array starts on, found by scanning the text once for the
/// array's top-level objects (so errors can name a line as they do for CSV).
struct RecordLines(Vec<u64>);

impl RecordLines {
    fn new(text: &str, mapping: &Mapping) -> RecordLines {
        let depth_of_records = mapping.records.split('.').filter(|k| !k.is_empty()).count() + 1;
        let mut starts = Vec::new();
        let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1u64, false, false);
        for c in text.chars() {
            if c == '\n' {
                line += 1;
            }
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '{' | '[' => {
                    if depth == depth_of_records && c == '{' {
                        starts.push(line);
                    }
                    depth += 1;
                }
                '}' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        RecordLines(starts)
    }

    fn line(&self, index: usize) -> u64 {
        self.0.get(index).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use testigo_testkit::SampleElection;

    fn contests() -> Vec<Contest> {
        SampleElection::new(2, 12).package.contests
    }

    #[test]
    fn native_csv_reads_counts_and_skips_unreported_tables() {
        let csv = "table,o01,o02,nulos\nA-01,10,20,3\nA-02,-,,\nA-03,5,0,1\n";
        let file = read(csv.as_bytes(), &Mapping::native(FileFormat::Csv), &contests()).unwrap();
        assert_eq!(file.skipped, 1);
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(file.rows[0].contest_id, "presidencial");
        assert_eq!(
            file.rows[0].counts(),
            BTreeMap::from([("o01".into(), 10), ("o02".into(), 20), ("nulos".into(), 3)])
        );
        assert_eq!(file.rows[1].line, 4);
    }

    #[test]
    fn errors_name_the_line() {
        let m = Mapping::native(FileFormat::Csv);
        let e = |csv: &str| read(csv.as_bytes(), &m, &contests()).unwrap_err().to_string();
        assert_eq!(
            e("table,o01\nA-01,10\nA-02,ten\n"),
            "line 3: column \"o01\": \"ten\" is not a count (0 to 1000000)"
        );
        assert_eq!(e("table,o01\nA-01,10\nA-01,11\n"), "line 3: table A-01 is already on line 2");
        assert_eq!(e("table,o01\nA-01,10\nA-02\n").split(':').next(), Some("line 3"));
        assert_eq!(e("mesa,o01\nA-01,10\n"), "line 1: the header has no column \"table\" (for the table id)");
        assert_eq!(e("table,o01\nA-01,2000000\n").split(':').next(), Some("line 2"));
        assert_eq!(e("table,contest,o01\nA-01,senado,1\n"), "line 2: the election has no contest \"senado\"");
        assert_eq!(e("table,o01\n"), "the file holds no table with a count");
        assert_eq!(
            read(b"table,o01\nA,\xff\n", &m, &contests()).unwrap_err().to_string(),
            "line 2: not UTF-8 text"
        );
    }

    #[test]
    fn mappings_read_prep_style_csv_and_per_table_json() {
        let contests = contests();
        let parties: Vec<&str> = contests[0].options.iter().map(|o| o.party.as_str()).collect();
        let prep = Mapping::from_json(
            r#"{"format":"csv","delimiter":"|","skip_lines":2,"table":"{CLAVE}","fields":"{party}",
                "counts":{"null":"NULOS"},"missing":["","-","SIN DATO"]}"#,
        )
        .unwrap();
        let text = format!(
            "PRESIDENCIA\nCorte 20:00\nCLAVE|{}|{}|NULOS\nX-01|7|SIN DATO|2\n",
            parties[0], parties[1]
        );
        let file = read(text.as_bytes(), &prep, &contests).unwrap();
        assert_eq!(file.rows[0].line, 4);
        assert_eq!(file.rows[0].counts(), BTreeMap::from([("o01".into(), 7), ("nulos".into(), 2)]));

        let ve = Mapping::from_json(
            r#"{"format":"json","records":"resultado.mesas","table":"{centro}-{mesa:02}","fields":"votos.{party}",
                "counts":{"null":"nulos"}}"#,
        )
        .unwrap();
        let json = format!(
            "{{\"resultado\": {{\"mesas\": [\n {{\"centro\": \"010101001\", \"mesa\": 3, \"votos\": {{\"{}\": 11}}, \"nulos\": 1}},\n {{\"centro\": \"010101001\", \"mesa\": 4, \"votos\": {{\"{}\": \"x\"}}, \"nulos\": 0}}\n]}}}}",
            parties[0], parties[0]
        );
        let e = read(json.as_bytes(), &ve, &contests).unwrap_err();
        assert_eq!(
            e,
            OfficialFileError::Line {
                line: 3,
                what: format!("column \"votos.{}\": \"x\" is not a count (0 to 1000000)", parties[0])
            }
        );
        let json = json.replace("\"x\"", "5");
        let file = read(json.as_bytes(), &ve, &contests).unwrap();
        // A column the mapping names that no record has is a mistake in the mapping.
        let gone = json.replace("\"nulos\"", "\"nul\"");
        assert_eq!(
            read(gone.as_bytes(), &ve, &contests).unwrap_err().to_string(),
            "no record has the column \"nulos\" the mapping names"
        );
        assert_eq!(file.rows[0].station_id, "010101001-03");
        assert_eq!(file.rows[1].counts(), BTreeMap::from([("o01".into(), 5), ("nulos".into(), 0)]));
    }

    #[test]
    fn bad_mappings_are_refused() {
        assert!(Mapping::from_json(r#"{"format":"csv","table":"{a"}"#).is_err());
        assert!(Mapping::from_json(r#"{"format":"csv","table":"a}"}"#).is_err());
        assert!(Mapping::from_json(r#"{"format":"xml","table":"{a}"}"#).is_err());
        assert!(Mapping::from_json(r#"{"format":"csv","table":"{a}","extra":1}"#).is_err());
        assert!(
            Mapping::from_json(r#"{"format":"csv","table":"{a}","skip_lines":9223372036854775808}"#).is_err()
        );
        let m = Mapping::from_json(r#"{"format":"csv","table":"{a}","counts":{"zz":"Z"}}"#).unwrap();
        assert!(matches!(read(b"a,Z\n1,2\n", &m, &contests()), Err(OfficialFileError::Mapping(_))));
        let m = Mapping::from_json(r#"{"format":"csv","table":"{a}","fields":"V"}"#).unwrap();
        assert!(matches!(read(b"a,V\n1,2\n", &m, &contests()), Err(OfficialFileError::Mapping(_))));
    }
}
