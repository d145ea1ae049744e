//! The directory as files other tools read: GeoJSON for maps, CSV for spreadsheets, iCalendar for
//! calendars. Pure encoders from meetings to bytes; the HTTP layer streams them.

pub mod csv;
pub mod geojson;
pub mod ical;

use super::meeting::Meeting;
use super::schedule::Weekday;

/// The address line of a meeting's place: its formatted address, else its street.
fn address(meeting: &Meeting) -> Option<&str> {
    let location = meeting.data.location.as_ref()?;
    location.formatted_address.as_deref().or(location.street_address.as_deref())
}

/// Comma-joined display values.
fn joined<T: ToString>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// The days a meeting meets, in Lantern's order (Monday first).
fn days(meeting: &Meeting) -> Vec<Weekday> {
    meeting.data.schedule.as_ref().map(|s| s.days.clone()).unwrap_or_default()
}
