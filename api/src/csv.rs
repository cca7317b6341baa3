//! Bulk data as CSV (`Accept: text/csv`): choosing it over JSON from the `Accept` header, and
//! writing it as Nordic spreadsheets read it — a UTF-8 byte order mark, `;` between fields,
//! CRLF line ends (RFC 4180), quoted where a field needs it. A text cell that a spreadsheet would
//! read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'`
//! in front, so that a name typed by someone cannot run in the reader's spreadsheet (CSV
//! injection).

use actix_web::{HttpRequest, HttpResponse, http::header};

/// The media type of CSV answers.
pub const TEXT_CSV: &str = "text/csv; charset=utf-8";

/// The quality an `Accept` header gives `media` (`type/subtype`): the most specific range that
/// matches wins; 0 when none does.
fn quality(accept: &str, media: &str) -> f32 {
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let specificity = if name == media {
            3
        } else if name == format!("{kind}/*") {
            2
        } else if name == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Whether the request prefers CSV to JSON: `Accept` ranks `text/csv` above
/// `application/json`. Without an `Accept` header, or on a tie, the answer is JSON.
pub fn wants_csv(request: &HttpRequest) -> bool {
    let accept = request
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if accept.trim().is_empty() {
        return false;
    }
    quality(&accept, "text/csv") > quality(&accept, "application/json")
}

/// A text cell: guarded against formulas, quoted when it holds `;`, `"` or a line break.
pub fn text(value: &str) -> String {
    Dialect::Excel.cell(value)
}

/// `value` with a `'` in front when a spreadsheet would read it as a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return). A phone number (`+47 912 34 567`) is no
/// formula: it keeps its `+`, so that an export can be imported again.
pub fn defused(value: &str) -> String {
    let phone = value.strip_prefix('+').is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == ' ')
    });
    if !phone && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// How a CSV answer is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// RFC 4180: `,` between fields, no byte order mark.
    #[default]
    Rfc4180,
    /// For Nordic spreadsheets: a UTF-8 byte order mark and `;` between fields.
    Excel,
}

impl Dialect {
    /// What the document starts with.
    pub const fn start(self) -> &'static str {
        match self {
            Dialect::Rfc4180 => "",
            Dialect::Excel => "\u{feff}",
        }
    }

    const fn separator(self) -> char {
        match self {
            Dialect::Rfc4180 => ',',
            Dialect::Excel => ';',
        }
    }

    /// A text cell: guarded against formulas, quoted when it holds the separator, `"` or a
    /// line break.
    pub fn cell(self, value: &str) -> String {
        let guarded = defused(value);
        if guarded.contains([self.separator(), '"', '\n', '\r']) {
            format!("\"{}\"", guarded.replace('"', "\"\""))
        } else {
            guarded
        }
    }

    /// One line of cells already made with [`Dialect::cell`] (or numbers), ended by CRLF.
    pub fn line(self, cells: impl IntoIterator<Item = String>) -> String {
        let cells: Vec<String> = cells.into_iter().collect();
        let mut line = cells.join(&self.separator().to_string());
        line.push_str("\r\n");
        line
    }

    /// The header line of `columns`.
    pub fn header(self, columns: &[&str]) -> String {
        self.line(columns.iter().map(|c| self.cell(c)))
    }
}

/// A CSV answer offered as a download named `filename`, chosen by the `Accept` header.
pub fn download(filename: &str) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .content_type(TEXT_CSV)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::VARY, "Accept"));
    builder
}

/// A streamed CSV answer offered as a download named `filename`; personal data, so never
/// stored by a cache.
pub fn streamed_response(
    filename: &str,
    body: impl futures_util::Stream<Item = Result<actix_web::web::Bytes, std::io::Error>> + 'static,
) -> HttpResponse {
    download(filename)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// A CSV document being written: the byte order mark and the header row first.
#[derive(Debug)]
pub struct Csv(String);

impl Csv {
    /// A document with the header row `columns`.
    pub fn new(columns: &[&str]) -> Self {
        let mut csv = Self("\u{feff}".to_owned());
        csv.row(columns.iter().map(|c| text(c)));
        csv
    }

    /// Adds a row of cells already made with [`text`] (or numbers, which need nothing).
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        let cells: Vec<String> = cells.into_iter().collect();
        self.0.push_str(&cells.join(";"));
        self.0.push_str("\r\n");
    }

    /// The answer: `text/csv; charset=utf-8`, offered as a download named `filename`.
    pub fn response(self, filename: &str) -> HttpResponse {
        download(filename).body(self.0)
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_defused_and_quoting_is_doubled() {
        assert_eq!(text("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(text("+47 123"), "+47 123");
        assert_eq!(text("+47 123+1"), "'+47 123+1");
        assert_eq!(text("+SUM(1)"), "'+SUM(1)");
        assert_eq!(text("-2"), "'-2");
        assert_eq!(text("@cmd"), "'@cmd");
        assert_eq!(text("Solsiden; 2. etg"), "\"Solsiden; 2. etg\"");
        assert_eq!(
            text("Kari \"Kaja\" Nordmann"),
            "\"Kari \"\"Kaja\"\" Nordmann\""
        );
        assert_eq!(text("=\"x\";y"), "\"'=\"\"x\"\";y\"");
        assert_eq!(text("Søby plejecenter"), "Søby plejecenter");
    }

    #[test]
    fn the_rfc_dialect_quotes_commas_and_has_no_bom() {
        let d = Dialect::Rfc4180;
        assert_eq!(d.start(), "");
        assert_eq!(d.cell("Solsiden; 2. etg"), "Solsiden; 2. etg");
        assert_eq!(d.cell("Berg, Ingrid"), "\"Berg, Ingrid\"");
        assert_eq!(d.cell("=1+1"), "'=1+1");
        assert_eq!(d.header(&["id", "name"]), "id,name\r\n");
        assert_eq!(Dialect::Excel.header(&["id", "name"]), "id;name\r\n");
    }

    #[test]
    fn a_document_starts_with_a_bom_and_its_header_and_ends_rows_with_crlf() {
        let mut csv = Csv::new(&["key", "label"]);
        csv.row([text("2027-01"), text("2027-01")]);
        assert_eq!(csv.as_str(), "\u{feff}key;label\r\n2027-01;2027-01\r\n");
    }

    #[test]
    fn csv_is_chosen_only_when_accept_ranks_it_above_json() {
        assert!(quality("text/csv", "text/csv") > quality("text/csv", "application/json"));
        let prefers =
            |accept: &str| quality(accept, "text/csv") > quality(accept, "application/json");
        assert!(prefers("text/csv"));
        assert!(prefers("text/csv, application/json;q=0.5"));
        assert!(prefers("text/*"));
        assert!(!prefers("application/json, text/csv;q=0.9"));
        assert!(!prefers("*/*"));
        assert!(!prefers("application/json"));
    }
}
