//! GeoJSON (RFC 7946): one Feature per meeting with a place, a Point at `[longitude, latitude]`,
//! the meeting's fields as flat properties (lists comma-joined), as GIS tools read them.

use serde::Serialize;

use super::{address, days, joined};
use crate::domain::meeting::Meeting;

/// The text before the features.
pub const OPEN: &[u8] = br#"{"type":"FeatureCollection","features":["#;
/// The text after them.
pub const CLOSE: &[u8] = b"]}";

/// A meeting as a Feature.
#[derive(Debug, Serialize)]
pub struct Feature {
    #[serde(rename = "type")]
    kind: &'static str,
    id: i64,
    geometry: Point,
    properties: Properties,
}

#[derive(Debug, Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

/// The flat properties of a Feature.
#[derive(Debug, Serialize)]
struct Properties {
    id: i64,
    name: String,
    slug: String,
    fellowship: String,
    service_body_id: i64,
    service_body: Option<String>,
    attendance: &'static str,
    days: String,
    start_time: Option<String>,
    duration_minutes: Option<u16>,
    time_zone: Option<&'static str>,
    weeks_of_month: String,
    location_name: Option<String>,
    address: Option<String>,
    approximate: bool,
    location_notes: Option<String>,
    conference_url: Option<String>,
    conference_phone: Option<String>,
    types: String,
    languages: String,
    notes: Option<String>,
    group_name: Option<String>,
    website: Option<String>,
    external_id: Option<String>,
    closed_dates: String,
    suspended_until: Option<String>,
    url: String,
    updated_at: String,
}

/// The Feature of a meeting with a place, `None` for one without. `body_name` names its service
/// body; `url` is the meeting on Lantern.
pub fn feature(meeting: &Meeting, body_name: Option<&str>, url: String) -> Option<Feature> {
    let data = &meeting.data;
    let at = data.coordinates()?;
    let location = data.location.as_ref();
    let online = data.online.as_ref();
    let schedule = data.schedule.as_ref();
    let weeks: Vec<i8> = schedule.map(|s| s.weeks_of_month.iter().map(|w| w.get()).collect()).unwrap_or_default();
    let day_names: Vec<&str> = days(meeting).into_iter().map(|d| d.name()).collect();
    Some(Feature {
        kind: "Feature",
        id: meeting.id.get(),
        geometry: Point { kind: "Point", coordinates: [at.longitude(), at.latitude()] },
        properties: Properties {
            id: meeting.id.get(),
            name: data.name.clone(),
            slug: data.slug.to_string(),
            fellowship: data.fellowship.to_string(),
            service_body_id: data.service_body_id.get(),
            service_body: body_name.map(str::to_owned),
            attendance: data.attendance.name(),
            days: joined(&day_names),
            start_time: schedule.map(|s| s.start_time.to_string()),
            duration_minutes: schedule.map(|s| s.duration_minutes),
            time_zone: schedule.map(|s| s.time_zone.name()),
            weeks_of_month: joined(&weeks),
            location_name: location.and_then(|l| l.name.clone()),
            address: address(meeting).map(str::to_owned),
            approximate: location.is_some_and(|l| l.approximate),
            location_notes: location.and_then(|l| l.notes.clone()),
            conference_url: online.and_then(|o| o.conference_url.clone()),
            conference_phone: online.and_then(|o| o.conference_phone.clone()),
            types: joined(&data.types),
            languages: joined(&data.languages),
            notes: data.notes.clone(),
            group_name: data.group_name.clone(),
            website: data.website.clone(),
            external_id: data.external_id.clone(),
            closed_dates: joined(&data.closures.dates),
            suspended_until: data.closures.suspended_until.map(|d| d.to_string()),
            url,
            updated_at: meeting.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    })
}
