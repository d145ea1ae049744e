//! CSV (RFC 4180): UTF-8, a header row, CRLF line ends, one row per meeting day (a meeting by
//! appointment is one row without a day). Text cells a spreadsheet would run as a formula
//! (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading `'`; numbers such as
//! `-74.006` are left alone.

use super::{address, days, joined};
use crate::domain::meeting::Meeting;

/// The header row's columns.
pub const COLUMNS: [&str; 17] = [
    "id",
    "name",
    "fellowship",
    "service_body",
    "day",
    "start_time",
    "duration_minutes",
    "time_zone",
    "attendance",
    "location_name",
    "address",
    "latitude",
    "longitude",
    "conference_url",
    "types",
    "languages",
    "notes",
];

/// The header row, with its line end.
pub fn header() -> Vec<u8> {
    let mut out = Vec::new();
    write_row(&mut out, COLUMNS.iter().map(|c| Cell::Number((*c).to_owned())));
    out
}

/// A cell: numbers are written as they are, text is guarded against formulas.
enum Cell {
    Number(String),
    Text(String),
}

/// A finite decimal number (`-5`, `+1.5`), which no spreadsheet runs as a formula.
fn is_number(text: &str) -> bool {
    text.parse::<f64>().is_ok_and(f64::is_finite) && text.bytes().all(|b| b.is_ascii_digit() || b"+-.".contains(&b))
}

fn write_row(out: &mut Vec<u8>, cells: impl Iterator<Item = Cell>) {
    for (n, cell) in cells.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let text = match cell {
            Cell::Number(n) => n,
            Cell::Text(t) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(&t) => format!("'{t}"),
            Cell::Text(t) => t,
        };
        if text.contains([',', '"', '\r', '\n']) {
            out.push(b'"');
            out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends a meeting's rows; `body_name` names its service body.
pub fn rows(meeting: &Meeting, body_name: Option<&str>, out: &mut Vec<u8>) {
    let data = &meeting.data;
    let schedule = data.schedule.as_ref();
    let location = data.location.as_ref();
    let at = data.coordinates();
    let text = |v: Option<&str>| Cell::Text(v.unwrap_or_default().to_owned());
    let number = |v: Option<String>| Cell::Number(v.unwrap_or_default());
    let days = days(meeting);
    let days: Vec<Option<&str>> =
        if days.is_empty() { vec![None] } else { days.iter().map(|d| Some(d.name())).collect() };
    for day in days {
        let cells = [
            Cell::Number(meeting.id.to_string()),
            text(Some(&data.name)),
            text(Some(data.fellowship.as_str())),
            text(body_name),
            text(day),
            text(schedule.map(|s| s.start_time.to_string()).as_deref()),
            number(schedule.map(|s| s.duration_minutes.to_string())),
            text(schedule.map(|s| s.time_zone.name())),
            text(Some(data.attendance.name())),
            text(location.and_then(|l| l.name.as_deref())),
            text(address(meeting)),
            number(at.map(|c| c.latitude().to_string())),
            number(at.map(|c| c.longitude().to_string())),
            text(data.online.as_ref().and_then(|o| o.conference_url.as_deref())),
            text(Some(&joined(&data.types))),
            text(Some(&joined(&data.languages))),
            text(data.notes.as_deref()),
        ];
        write_row(out, cells.into_iter());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: Vec<Cell>) -> String {
        let mut out = Vec::new();
        write_row(&mut out, cells.into_iter());
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let got = row(vec![
            Cell::Text("=HYPERLINK(\"x\")".into()),
            Cell::Text("-5 steps".into()),
            Cell::Number("-74.006".into()),
            Cell::Text("a,b".into()),
            Cell::Text("line\nbreak".into()),
            Cell::Text("@home".into()),
            Cell::Text("-5".into()),
            Cell::Text("plain".into()),
        ]);
        assert_eq!(got, "\"'=HYPERLINK(\"\"x\"\")\",'-5 steps,-74.006,\"a,b\",\"line\nbreak\",'@home,-5,plain\r\n");
    }
}
