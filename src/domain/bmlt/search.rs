//! `GetSearchResults`: BMLT's meeting search over the directory, row by row (one row per weekday).
//! Where BMLT picks a radius bucket for "the nearest N" (a negative width), Lantern answers exactly
//! N rows, nearest first, with its own haversine distances, so the interface agrees with
//! `/v1/meetings/nearby`.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use super::{FormatTable, Row, RowContext, rows};
use crate::domain::directory::Directory;
use crate::domain::geo::Coordinates;
use crate::domain::ids::{FellowshipCode, MeetingId, ServiceBodyId};
use crate::domain::meeting::Meeting;

/// Kilometres per statute mile.
pub const KM_PER_MILE: f64 = 1.609344;

/// Values to include (any of them) and to exclude (none of them); empty includes mean all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include<T> {
    /// Any of these.
    pub any: Vec<T>,
    /// None of these.
    pub none: Vec<T>,
}

impl<T> Default for Include<T> {
    fn default() -> Self {
        Self { any: Vec::new(), none: Vec::new() }
    }
}

impl<T: PartialEq> Include<T> {
    fn admits(&self, value: &T) -> bool {
        (self.any.is_empty() || self.any.contains(value)) && !self.none.contains(value)
    }
}

/// How far from the point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Width {
    /// Within this many kilometres.
    Radius(f64),
    /// The nearest this many rows, however far.
    Nearest(usize),
}

/// A `GetSearchResults` question, parsed.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The searcher's point, with how far to look.
    pub near: Option<(Coordinates, Width)>,
    /// Weekdays, 1 = Sunday … 7.
    pub weekdays: Include<u8>,
    /// Venue types: 1 in person, 2 virtual, 3 hybrid.
    pub venue_types: Include<u8>,
    /// Formats by key or id.
    pub formats: Include<String>,
    /// All the included formats (AND) rather than any (OR).
    pub all_formats: bool,
    /// Service bodies.
    pub services: Include<ServiceBodyId>,
    /// Service bodies include their descendants.
    pub recursive: bool,
    /// Case-insensitive text in name, location and notes.
    pub text: Option<String>,
    /// Only these meetings.
    pub meeting_ids: Vec<MeetingId>,
    /// Starts after this minute of the day (exclusive).
    pub starts_after: Option<u32>,
    /// Starts before this minute of the day (exclusive).
    pub starts_before: Option<u32>,
    /// Ends before this minute of the day (exclusive, end within the day).
    pub ends_before: Option<u32>,
    /// Lasts at least this many minutes.
    pub min_duration: Option<u32>,
    /// Lasts at most this many minutes.
    pub max_duration: Option<u32>,
    /// Order by distance and add `distance_in_km`/`distance_in_miles`.
    pub sort_by_distance: bool,
    /// Order by these row keys (after distance, when asked).
    pub sort_keys: Vec<String>,
    /// Page size and 1-based page number.
    pub page: Option<(usize, usize)>,
}

/// The rows answering `query` among the published meetings of `fellowships`.
pub fn search(
    directory: &Directory,
    fellowships: &[FellowshipCode],
    query: &SearchQuery,
    ctx: &RowContext<'_>,
) -> Vec<Row> {
    let bodies = |ids: &[ServiceBodyId]| -> BTreeSet<ServiceBodyId> {
        if query.recursive {
            ids.iter().flat_map(|id| directory.subtree(*id)).collect()
        } else {
            ids.iter().copied().collect()
        }
    };
    let (body_any, body_none) = (bodies(&query.services.any), bodies(&query.services.none));
    let text = query.text.as_ref().map(|t| t.to_lowercase());
    let ids: std::collections::HashSet<MeetingId> = query.meeting_ids.iter().copied().collect();
    // Meetings first (cheap), rows only for the ones that can be in the answer.
    let mut candidates: Vec<(Option<f64>, &Meeting)> = Vec::new();
    for meeting in directory.meetings() {
        let data = &meeting.data;
        let admitted = data.published
            && fellowships.contains(&data.fellowship)
            && (ids.is_empty() || ids.contains(&meeting.id))
            && (body_any.is_empty() || body_any.contains(&data.service_body_id))
            && !body_none.contains(&data.service_body_id)
            && text.as_ref().is_none_or(|t| data.search_text().contains(t.as_str()))
            && formats_match(meeting, query, ctx.formats, ctx);
        if !admitted {
            continue;
        }
        let distance = match (&query.near, data.coordinates()) {
            (Some((point, _)), Some(at)) => Some(point.distance_km(at)),
            (Some(_), None) => continue,
            (None, _) => None,
        };
        if let (Some((_, Width::Radius(km))), Some(d)) = (&query.near, distance)
            && d > *km
        {
            continue;
        }
        candidates.push((distance, meeting));
    }
    let far = |d: &Option<f64>| d.unwrap_or(f64::INFINITY);
    let nearest = match query.near {
        Some((_, Width::Nearest(n))) => Some(n),
        _ => None,
    };
    if nearest.is_some() {
        candidates.sort_by(|(da, a), (db, b)| far(da).total_cmp(&far(db)).then_with(|| a.id.cmp(&b.id)));
    }
    let mut found: Vec<(Option<f64>, Row)> = Vec::new();
    for (distance, meeting) in candidates {
        // Past the n-th row, only rows at its very distance can still be in the answer (ties).
        if let Some(n) = nearest
            && found.len() >= n
            && found.get(n - 1).is_some_and(|(d, _)| far(&distance) > far(d))
        {
            break;
        }
        for row in rows(meeting, ctx) {
            if row_matches(&row, query) {
                found.push((distance, row));
            }
        }
    }
    if query.sort_by_distance || nearest.is_some() {
        found.sort_by(|(da, a), (db, b)| {
            far(da).total_cmp(&far(db)).then_with(|| by_keys(a, b, &query.sort_keys)).then_with(|| default_order(a, b))
        });
    } else {
        found.sort_by(|(_, a), (_, b)| by_keys(a, b, &query.sort_keys).then_with(|| default_order(a, b)));
    }
    if let Some(n) = nearest {
        found.truncate(n);
    }
    if query.sort_by_distance {
        for (distance, row) in &mut found {
            let km = distance.unwrap_or(0.0);
            row.insert("distance_in_km", km.to_string());
            row.insert("distance_in_miles", (km / KM_PER_MILE).to_string());
        }
    }
    let rows = found.into_iter().map(|(_, row)| row);
    match query.page {
        Some((size, number)) => rows.skip(size.saturating_mul(number.saturating_sub(1))).take(size).collect(),
        None => rows.collect(),
    }
}

fn formats_match(meeting: &Meeting, query: &SearchQuery, table: &FormatTable, ctx: &RowContext<'_>) -> bool {
    if query.formats.any.is_empty() && query.formats.none.is_empty() {
        return true;
    }
    let has: Vec<_> =
        table.of_meeting(meeting, ctx.now).into_iter().map(|f| (f.key.clone(), f.id.to_string())).collect();
    let carries = |wanted: &String| has.iter().any(|(key, id)| key == wanted || id == wanted);
    let included = if query.formats.any.is_empty() {
        true
    } else if query.all_formats {
        query.formats.any.iter().all(carries)
    } else {
        query.formats.any.iter().any(carries)
    };
    included && !query.formats.none.iter().any(carries)
}

fn minutes(clock: &str) -> u32 {
    let mut parts = clock.split(':').map(|p| p.parse::<u32>().unwrap_or(0));
    parts.next().unwrap_or(0) * 60 + parts.next().unwrap_or(0)
}

fn row_matches(row: &Row, query: &SearchQuery) -> bool {
    let number = |key: &str| row.get(key).and_then(|v| v.parse::<u8>().ok()).unwrap_or(0);
    let start = minutes(row.get("start_time").map_or("", String::as_str));
    let duration = minutes(row.get("duration_time").map_or("", String::as_str));
    query.weekdays.admits(&number("weekday_tinyint"))
        && query.venue_types.admits(&number("venue_type"))
        && query.starts_after.is_none_or(|t| start > t)
        && query.starts_before.is_none_or(|t| start < t)
        && query.ends_before.is_none_or(|t| start + duration < t)
        && query.min_duration.is_none_or(|d| duration >= d)
        && query.max_duration.is_none_or(|d| duration <= d)
}

/// Compares by the given keys: numbers (finite ones) by value and before text, text as text. A
/// total order, whatever the values.
fn by_keys(a: &Row, b: &Row, keys: &[String]) -> Ordering {
    let number = |v: Option<&String>| v.and_then(|v| v.parse::<f64>().ok()).filter(|n| n.is_finite());
    for key in keys {
        let (x, y) = (a.get(key.as_str()), b.get(key.as_str()));
        let order = match (number(x), number(y)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => x.cmp(&y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// Weekday, start time, then id: the order of a printed meeting list.
fn default_order(a: &Row, b: &Row) -> Ordering {
    let keys = ["weekday_tinyint", "start_time", "id_bigint"].map(str::to_owned);
    by_keys(a, b, &keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_finite_numbers_first_then_text_a_total_order() {
        let mut rows: Vec<Row> =
            ["9", "10", "5A", "NaN", "inf", "", "-1"].iter().map(|v| Row::from([("zone", (*v).to_owned())])).collect();
        rows.sort_by(|a, b| by_keys(a, b, &["zone".to_owned()]));
        let got: Vec<&str> = rows.iter().map(|r| r["zone"].as_str()).collect();
        assert_eq!(got, ["-1", "9", "10", "", "5A", "NaN", "inf"]);
    }

    #[test]
    fn includes_admit_any_of_and_none_of() {
        let days = Include { any: vec![2, 3], none: vec![3] };
        assert!(days.admits(&2) && !days.admits(&3) && !days.admits(&4));
        assert!(Include::<u8>::default().admits(&7));
    }
}
