//! The one JSON shape of a meeting everywhere it appears (reads, writes, searches, the change
//! feed). Absent values are `null`, never omitted.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::meeting::{Attendance, Closures, Location, Meeting, OnlineAccess};
use crate::domain::schedule::{Schedule, Weekday};

/// RFC 3339 in UTC with a `Z`, whole seconds.
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingResponse {
    /// Positive 64-bit id.
    pub id: i64,
    /// Unique within its service body.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Fellowship code (`aa`, `na`).
    pub fellowship: String,
    /// The service body that publishes it.
    pub service_body_id: i64,
    /// Its id in the source it was imported from.
    pub external_id: Option<String>,
    /// `in_person`, `hybrid`, `online` or `inactive`.
    #[schema(value_type = String, example = "in_person")]
    pub attendance: Attendance,
    /// `null` for meetings by appointment, which never start.
    pub schedule: Option<ScheduleResponse>,
    /// Where it meets (for online meetings, usually an approximate home area).
    pub location: Option<LocationResponse>,
    /// How to join remotely.
    pub online: Option<OnlineResponse>,
    /// Type codes from `GET /v1/types`.
    pub types: Vec<String>,
    /// ISO 639-1 codes.
    pub languages: Vec<String>,
    /// Free text.
    pub notes: Option<String>,
    /// The group that holds it.
    pub group_name: Option<String>,
    /// An http(s) URL.
    pub website: Option<String>,
    /// Dates it does not meet.
    pub closures: ClosuresResponse,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// Incremented on every change; the meeting's `ETag`.
    pub version: i64,
    /// Private: present only for keys with rights to the meeting's service body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactResponse>>,
    /// Private: present only for keys with rights to the meeting's service body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
}

/// A contact person (private).
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ContactResponse {
    /// Who.
    pub name: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
}

impl From<&crate::domain::meeting::Contact> for ContactResponse {
    fn from(c: &crate::domain::meeting::Contact) -> Self {
        Self { name: c.name.clone(), email: c.email.clone(), phone: c.phone.clone() }
    }
}

impl MeetingResponse {
    /// The meeting with its private fields, for keys with rights to its service body.
    pub fn with_private(m: &Meeting) -> Self {
        let contacts = m.data.contacts.iter().map(ContactResponse::from);
        Self { contacts: Some(contacts.collect()), published: Some(m.data.published), ..Self::from(m) }
    }

    /// The meeting as `private` says the caller may see it.
    pub fn for_caller(m: &Meeting, private: bool) -> Self {
        if private { Self::with_private(m) } else { Self::from(m) }
    }
}

/// When a meeting meets, in its own zone's wall-clock time.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    /// The weekdays it meets on.
    #[schema(value_type = Vec<String>, example = json!(["monday", "thursday"]))]
    pub days: Vec<Weekday>,
    /// Local `HH:MM`, 24-hour.
    #[schema(example = "19:30")]
    pub start_time: String,
    /// Elapsed minutes.
    pub duration_minutes: u16,
    /// IANA zone name.
    #[schema(example = "America/New_York")]
    pub time_zone: String,
    /// True when Lantern derived the zone from the coordinates.
    pub time_zone_derived: bool,
    /// Empty for every week; else weeks `1`–`5` or `-1` for the last.
    pub weeks_of_month: Vec<i8>,
}

/// Where a meeting is.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct LocationResponse {
    /// The building or venue.
    pub name: Option<String>,
    /// Street and number.
    pub street_address: Option<String>,
    /// The whole address as one line.
    pub formatted_address: Option<String>,
    /// WGS84 degrees.
    pub latitude: Option<f64>,
    /// WGS84 degrees.
    pub longitude: Option<f64>,
    /// True when the point names an area rather than a door.
    pub approximate: bool,
    /// How to find the room.
    pub notes: Option<String>,
}

/// How to join remotely.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct OnlineResponse {
    /// An http(s) URL.
    pub conference_url: Option<String>,
    /// A dial-in number.
    pub conference_phone: Option<String>,
    /// Meeting id, passcode, how to join.
    pub notes: Option<String>,
}

/// Dates without a meeting, in the meeting's local calendar.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ClosuresResponse {
    /// `YYYY-MM-DD` local dates.
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    /// No occurrence on a local date on or before this one.
    #[schema(value_type = Option<String>)]
    pub suspended_until: Option<NaiveDate>,
}

impl From<&Meeting> for MeetingResponse {
    fn from(m: &Meeting) -> Self {
        let d = &m.data;
        Self {
            id: m.id.get(),
            slug: d.slug.to_string(),
            name: d.name.clone(),
            fellowship: d.fellowship.to_string(),
            service_body_id: d.service_body_id.get(),
            external_id: d.external_id.clone(),
            attendance: d.attendance,
            schedule: d.schedule.as_ref().map(ScheduleResponse::from),
            location: d.location.as_ref().map(LocationResponse::from),
            online: d.online.as_ref().map(OnlineResponse::from),
            types: d.types.iter().map(ToString::to_string).collect(),
            languages: d.languages.iter().map(ToString::to_string).collect(),
            notes: d.notes.clone(),
            group_name: d.group_name.clone(),
            website: d.website.clone(),
            closures: ClosuresResponse::from(&d.closures),
            created_at: instant(m.created_at),
            updated_at: instant(m.updated_at),
            version: m.version,
            contacts: None,
            published: None,
        }
    }
}

impl From<&Schedule> for ScheduleResponse {
    fn from(s: &Schedule) -> Self {
        Self {
            days: s.days.clone(),
            start_time: s.start_time.to_string(),
            duration_minutes: s.duration_minutes,
            time_zone: s.time_zone.name().to_owned(),
            time_zone_derived: s.time_zone_derived,
            weeks_of_month: s.weeks_of_month.iter().map(|w| w.get()).collect(),
        }
    }
}

impl From<&Location> for LocationResponse {
    fn from(l: &Location) -> Self {
        Self {
            name: l.name.clone(),
            street_address: l.street_address.clone(),
            formatted_address: l.formatted_address.clone(),
            latitude: l.coordinates.map(|c| c.latitude()),
            longitude: l.coordinates.map(|c| c.longitude()),
            approximate: l.approximate,
            notes: l.notes.clone(),
        }
    }
}

impl From<&OnlineAccess> for OnlineResponse {
    fn from(o: &OnlineAccess) -> Self {
        Self {
            conference_url: o.conference_url.clone(),
            conference_phone: o.conference_phone.clone(),
            notes: o.notes.clone(),
        }
    }
}

impl From<&Closures> for ClosuresResponse {
    fn from(c: &Closures) -> Self {
        Self { dates: c.dates.clone(), suspended_until: c.suspended_until }
    }
}

/// A page of meetings.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingListResponse {
    /// The meetings of this page by id.
    pub results: Vec<MeetingResponse>,
    /// Pass as `cursor` with the same filters for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
