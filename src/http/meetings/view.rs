//! A meeting written straight from the snapshot: the same bytes as [`MeetingResponse`] (a test
//! holds every seed meeting to that), without copying a string, and optionally only some fields
//! (`fields=`). Searches answer with it; [`MeetingResponse`] stays the schema the document shows.
//!
//! [`MeetingResponse`]: super::json::MeetingResponse

use std::fmt;

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};

use crate::domain::meeting::{Location, Meeting};
use crate::domain::schedule::Schedule;

/// The fields of a meeting's JSON, in their order.
pub const MEETING_FIELDS: [&str; 21] = [
    "id",
    "slug",
    "name",
    "fellowship",
    "service_body_id",
    "external_id",
    "attendance",
    "schedule",
    "location",
    "online",
    "types",
    "languages",
    "notes",
    "group_name",
    "website",
    "closures",
    "created_at",
    "updated_at",
    "version",
    "contacts",
    "published",
];

/// A set of a meeting's fields (`id` always among them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSet(u32);

impl FieldSet {
    /// Every field: the default shape.
    pub const ALL: Self = Self((1 << MEETING_FIELDS.len()) - 1);

    fn has(self, field: usize) -> bool {
        self.0 & (1 << field) != 0
    }

    /// The names in the set, in the JSON's order.
    pub fn names(self) -> Vec<&'static str> {
        MEETING_FIELDS.iter().enumerate().filter(|(i, _)| self.has(*i)).map(|(_, n)| *n).collect()
    }
}

impl std::str::FromStr for FieldSet {
    type Err = String;
    /// `name,location,schedule`: these fields and `id`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut set = 1;
        for name in s.split(',') {
            let Some(at) = MEETING_FIELDS.iter().position(|f| *f == name) else {
                return Err(format!("`{name}` is not a meeting field (one of {})", MEETING_FIELDS.join(", ")));
            };
            set |= 1 << at;
        }
        Ok(Self(set))
    }
}

/// A meeting as the caller may see it, serialized from the record itself.
pub struct MeetingView<'a> {
    meeting: &'a Meeting,
    private: bool,
    fields: FieldSet,
}

impl<'a> MeetingView<'a> {
    /// The whole meeting; with its private fields when `private`.
    pub fn new(meeting: &'a Meeting, private: bool) -> Self {
        Self { meeting, private, fields: FieldSet::ALL }
    }

    /// Only `fields` (private ones still only when `private`).
    pub fn only(meeting: &'a Meeting, private: bool, fields: FieldSet) -> Self {
        Self { meeting, private, fields }
    }
}

/// An instant as [`super::json::instant`] writes it (RFC 3339, UTC, whole seconds, `Z`).
struct Instant(DateTime<Utc>);

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        // Other years, and a leap second (which chrono writes as :60), the slow way.
        if !(0..=9999).contains(&t.year()) || t.nanosecond() >= 1_000_000_000 {
            return write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ"));
        }
        // Written field by field: parsing a strftime pattern per instant was 6 % of a search's time.
        let (date, time) = ((t.year(), t.month(), t.day()), (t.hour(), t.minute(), t.second()));
        write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", date.0, date.1, date.2, time.0, time.1, time.2)
    }
}

impl Serialize for MeetingView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (m, d) = (self.meeting, &self.meeting.data);
        let mut out = s.serialize_struct("MeetingResponse", MEETING_FIELDS.len())?;
        let f = |i| self.fields.has(i);
        if f(0) {
            out.serialize_field("id", &m.id.get())?;
        }
        if f(1) {
            out.serialize_field("slug", d.slug.as_str())?;
        }
        if f(2) {
            out.serialize_field("name", &d.name)?;
        }
        if f(3) {
            out.serialize_field("fellowship", d.fellowship.as_str())?;
        }
        if f(4) {
            out.serialize_field("service_body_id", &d.service_body_id.get())?;
        }
        if f(5) {
            out.serialize_field("external_id", &d.external_id)?;
        }
        if f(6) {
            out.serialize_field("attendance", &d.attendance)?;
        }
        if f(7) {
            out.serialize_field("schedule", &d.schedule.as_ref().map(ScheduleView))?;
        }
        if f(8) {
            out.serialize_field("location", &d.location.as_ref().map(LocationView))?;
        }
        if f(9) {
            out.serialize_field("online", &d.online)?;
        }
        if f(10) {
            out.serialize_field("types", &Strings(d.types.iter().map(|t| t.as_str())))?;
        }
        if f(11) {
            out.serialize_field("languages", &Strings(d.languages.iter().map(|l| l.as_str())))?;
        }
        if f(12) {
            out.serialize_field("notes", &d.notes)?;
        }
        if f(13) {
            out.serialize_field("group_name", &d.group_name)?;
        }
        if f(14) {
            out.serialize_field("website", &d.website)?;
        }
        if f(15) {
            out.serialize_field("closures", &d.closures)?;
        }
        if f(16) {
            out.serialize_field("created_at", &Displayed(Instant(m.created_at)))?;
        }
        if f(17) {
            out.serialize_field("updated_at", &Displayed(Instant(m.updated_at)))?;
        }
        if f(18) {
            out.serialize_field("version", &m.version)?;
        }
        if self.private && f(19) {
            out.serialize_field("contacts", &d.contacts)?;
        }
        if self.private && f(20) {
            out.serialize_field("published", &d.published)?;
        }
        out.end()
    }
}

/// A value written through its `Display` (no intermediate `String` kept).
struct Displayed<T>(T);

impl<T: fmt::Display> Serialize for Displayed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A list of borrowed strings.
struct Strings<I>(I);

impl<'s, I: Iterator<Item = &'s str> + Clone> Serialize for Strings<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.0.clone();
        let mut seq = s.serialize_seq(None)?;
        for item in items {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

struct ScheduleView<'a>(&'a Schedule);

impl Serialize for ScheduleView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sc = self.0;
        let mut out = s.serialize_struct("ScheduleResponse", 6)?;
        out.serialize_field("days", &sc.days)?;
        out.serialize_field("start_time", &Displayed(sc.start_time))?;
        out.serialize_field("duration_minutes", &sc.duration_minutes)?;
        out.serialize_field("time_zone", sc.time_zone.name())?;
        out.serialize_field("time_zone_derived", &sc.time_zone_derived)?;
        out.serialize_field("weeks_of_month", &WeekNumbers(sc))?;
        out.end()
    }
}

struct WeekNumbers<'a>(&'a Schedule);

impl Serialize for WeekNumbers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.weeks_of_month.len()))?;
        for w in &self.0.weeks_of_month {
            seq.serialize_element(&w.get())?;
        }
        seq.end()
    }
}

struct LocationView<'a>(&'a Location);

impl Serialize for LocationView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.0;
        let mut out = s.serialize_struct("LocationResponse", 7)?;
        out.serialize_field("name", &l.name)?;
        out.serialize_field("street_address", &l.street_address)?;
        out.serialize_field("formatted_address", &l.formatted_address)?;
        out.serialize_field("latitude", &l.coordinates.map(|c| c.latitude()))?;
        out.serialize_field("longitude", &l.coordinates.map(|c| c.longitude()))?;
        out.serialize_field("approximate", &l.approximate)?;
        out.serialize_field("notes", &l.notes)?;
        out.end()
    }
}
