//! Query-string conventions shared by every endpoint: comma-separated lists, limits, cursors,
//! instants and boxes, each parsed leniently so that every bad parameter is reported at once.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::domain::geo::BoundingBox;
use crate::domain::ids::MeetingId;
use crate::service::error::{FieldErrors, push_error};

/// Collects parameter problems while parsing, then fails with all of them.
#[derive(Debug, Default)]
pub struct ParamErrors(pub FieldErrors);

/// Treats empty parameters (`?day=`) as absent, as HTML forms send them.
fn present(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl ParamErrors {
    /// Records a problem.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        push_error(&mut self.0, field, message);
    }

    /// Parses one value.
    pub fn one<T: FromStr>(&mut self, field: &str, value: Option<&String>) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let value = present(value)?;
        value.parse().map_err(|e: T::Err| self.push(field, e.to_string())).ok()
    }

    /// Parses a comma-separated list, reporting each bad item.
    pub fn list<T: FromStr>(&mut self, field: &str, value: Option<&String>) -> Vec<T>
    where
        T::Err: std::fmt::Display,
    {
        let Some(value) = present(value) else { return Vec::new() };
        let mut out = Vec::new();
        for item in value.split(',').map(str::trim) {
            match item.parse::<T>() {
                Ok(v) => out.push(v),
                Err(e) if item.is_empty() => self.push(field, format!("empty item in list: {e}")),
                Err(e) => self.push(field, e.to_string()),
            }
        }
        out
    }

    /// Parses an integer limit in `1..=max`, defaulting when absent; out of range is an error, not clamped.
    pub fn limit(&mut self, value: Option<&String>, default: usize, max: usize) -> usize {
        let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.integer("limit", value, small(default), 1, small(max)) as usize
    }

    /// Parses a finite number in `min..=max`, defaulting when absent (`required` makes absence an error).
    pub fn number(&mut self, field: &str, value: Option<&String>, default: Option<f64>, min: f64, max: f64) -> f64 {
        let Some(raw) = present(value) else {
            if default.is_none() {
                self.push(field, "is required");
            }
            return default.unwrap_or(0.0);
        };
        match raw.parse::<f64>() {
            Ok(n) if n.is_finite() && (min..=max).contains(&n) => n,
            _ => {
                self.push(field, format!("must be a number from {min} to {max}, got `{raw}`"));
                default.unwrap_or(0.0)
            }
        }
    }

    /// Parses a whole number in `min..=max`, defaulting when absent.
    pub fn integer(&mut self, field: &str, value: Option<&String>, default: u32, min: u32, max: u32) -> u32 {
        let Some(raw) = present(value) else { return default };
        match raw.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                self.push(field, format!("must be an integer from {min} to {max}, got `{raw}`"));
                default
            }
        }
    }

    /// Parses `true` or `false`, defaulting when absent.
    pub fn boolean(&mut self, field: &str, value: Option<&String>, default: bool) -> bool {
        match present(value) {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(raw) => {
                self.push(field, format!("must be true or false, got `{raw}`"));
                default
            }
        }
    }

    /// Parses an RFC 3339 instant; a `+` that arrived as a space is accepted.
    pub fn instant(&mut self, field: &str, value: Option<&String>) -> Option<DateTime<Utc>> {
        let raw = present(value)?;
        let repaired = raw.replace(' ', "+");
        DateTime::parse_from_rfc3339(&repaired)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| self.push(field, format!("`{raw}` is not an RFC 3339 instant like 2026-03-08T07:30:00Z")))
            .ok()
    }

    /// Parses `min_lon,min_lat,max_lon,max_lat`.
    pub fn bbox(&mut self, value: Option<&String>) -> Option<BoundingBox> {
        let raw = present(value)?;
        let numbers: Vec<Option<f64>> = raw.split(',').map(|p| p.trim().parse::<f64>().ok()).collect();
        match numbers.as_slice() {
            [Some(a), Some(b), Some(c), Some(d)] => {
                BoundingBox::new(*a, *b, *c, *d).map_err(|e| self.push("bbox", e.0)).ok()
            }
            _ => {
                self.push("bbox", "must be four numbers: min_lon,min_lat,max_lon,max_lat");
                None
            }
        }
    }

    /// Decodes a list cursor.
    pub fn cursor(&mut self, value: Option<&String>) -> Option<MeetingId> {
        let raw = present(value)?;
        decode_cursor(raw).or_else(|| {
            self.push("cursor", "is not a cursor this API issued");
            None
        })
    }

    /// Fails with every recorded problem, if any.
    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

/// Encodes "after this id" as an opaque cursor.
pub fn encode_cursor(after: MeetingId) -> String {
    format!("m{:x}", after.get())
}

fn decode_cursor(raw: &str) -> Option<MeetingId> {
    let hex = raw.strip_prefix('m')?;
    let id = i64::from_str_radix(hex, 16).ok()?;
    MeetingId::new(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn limits_outside_the_range_are_errors_not_clamped() {
        let mut e = ParamErrors::default();
        assert_eq!(e.limit(s("500").as_ref(), 100, 500), 500);
        assert_eq!(e.limit(None, 100, 500), 100);
        assert!(e.0.is_empty());
        e.limit(s("-3").as_ref(), 100, 500);
        e.limit(s("501").as_ref(), 100, 500);
        assert_eq!(e.0.get("limit").map(Vec::len), Some(2));
    }

    #[test]
    fn lists_report_every_bad_item() {
        let mut e = ParamErrors::default();
        let days: Vec<crate::domain::schedule::Weekday> = e.list("day", s("monday,funday,,sunday").as_ref());
        assert_eq!(days.len(), 2);
        assert_eq!(e.0.get("day").map(Vec::len), Some(2));
    }

    #[test]
    fn instants_accept_a_plus_that_arrived_as_a_space() {
        let mut e = ParamErrors::default();
        let t = e.instant("at", s("2026-03-08T03:30:00 01:00").as_ref());
        assert_eq!(t.map(|t| t.to_rfc3339()), Some("2026-03-08T02:30:00+00:00".to_owned()));
        assert!(e.instant("at", s("yesterday").as_ref()).is_none());
        assert!(e.0.contains_key("at"));
    }

    #[test]
    fn boxes_need_four_numbers_and_ordered_latitudes() {
        let mut e = ParamErrors::default();
        assert!(e.bbox(s("1,2").as_ref()).is_none());
        assert!(e.bbox(s("0,10,1,5").as_ref()).is_none());
        assert!(e.bbox(s("0,NaN,1,5").as_ref()).is_none());
        assert_eq!(e.0.get("bbox").map(Vec::len), Some(3));
        assert!(e.bbox(s("170,-20,-170,-10").as_ref()).is_some());
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let id = MeetingId::new(1234).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(decode_cursor("1234"), None);
        assert_eq!(decode_cursor("m-5"), None);
    }
}
