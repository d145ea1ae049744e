//! Meetings: what a publisher controls (`MeetingData`) and the stored record around it (`Meeting`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::geo::Coordinates;
use super::ids::{FellowshipCode, LanguageCode, MeetingId, ServiceBodyId, Slug, TypeCode};
use super::rules;
use super::schedule::Schedule;

/// How people attend a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Only in a room.
    InPerson,
    /// In a room and online at once.
    Hybrid,
    /// Only online or by phone.
    Online,
    /// Listed but not meeting; never starts.
    Inactive,
}

impl Attendance {
    /// Every option, in wire order.
    pub const ALL: [Attendance; 4] =
        [Attendance::InPerson, Attendance::Hybrid, Attendance::Online, Attendance::Inactive];

    /// The snake_case name used on the wire and in storage.
    pub fn name(self) -> &'static str {
        match self {
            Attendance::InPerson => "in_person",
            Attendance::Hybrid => "hybrid",
            Attendance::Online => "online",
            Attendance::Inactive => "inactive",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl std::str::FromStr for Attendance {
    type Err = super::ids::InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s)
            .ok_or_else(|| super::ids::InvalidValue(format!("`{s}` is not one of in_person, hybrid, online, inactive")))
    }
}

/// Where a meeting is held, or for online meetings the home area it names.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Location {
    /// The venue's name (`St. Mark's Church`).
    pub name: Option<String>,
    /// Street and number.
    pub street_address: Option<String>,
    /// The full postal address as one line.
    pub formatted_address: Option<String>,
    /// Where it is; required for in-person and hybrid meetings.
    pub coordinates: Option<Coordinates>,
    /// True when the coordinates name an area rather than a door.
    pub approximate: bool,
    /// Directions (`side door, basement`).
    pub notes: Option<String>,
}

/// How to join online or by phone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OnlineAccess {
    /// The video conference link.
    pub conference_url: Option<String>,
    /// A dial-in number.
    pub conference_phone: Option<String>,
    /// Passcodes and other instructions.
    pub notes: Option<String>,
}

/// Dates a meeting does not meet, in its own local calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Closures {
    /// Single local dates without a meeting, sorted and distinct.
    pub dates: Vec<NaiveDate>,
    /// No occurrence on a local date on or before this one.
    pub suspended_until: Option<NaiveDate>,
}

/// A contact person; private to keys with rights to the meeting's service body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Name as the group gives it.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// Everything a publisher sets on a meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingData {
    /// Display name.
    pub name: String,
    /// Unique within the service body.
    pub slug: Slug,
    /// The fellowship it belongs to.
    pub fellowship: FellowshipCode,
    /// The service body that maintains it.
    pub service_body_id: ServiceBodyId,
    /// Its id in the source it was imported from.
    pub external_id: Option<String>,
    /// How people attend.
    pub attendance: Attendance,
    /// `None` for meetings by appointment, which never start.
    pub schedule: Option<Schedule>,
    /// Where it meets.
    pub location: Option<Location>,
    /// How to join remotely.
    pub online: Option<OnlineAccess>,
    /// Type codes from the shared vocabulary, sorted.
    pub types: Vec<TypeCode>,
    /// ISO 639-1 languages, sorted.
    pub languages: Vec<LanguageCode>,
    /// Free text.
    pub notes: Option<String>,
    /// The group that holds it.
    pub group_name: Option<String>,
    /// The group's web site.
    pub website: Option<String>,
    /// Cancelled dates and suspension.
    pub closures: Closures,
    /// Private: contact people.
    pub contacts: Vec<Contact>,
    /// Private: unpublished meetings are invisible to the public.
    pub published: bool,
}

/// A stored meeting; its serde form is the record kept in the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    /// Its id.
    pub id: MeetingId,
    /// What its publisher set.
    #[serde(flatten)]
    pub data: MeetingData,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change, for optimistic concurrency.
    pub version: i64,
}

impl MeetingData {
    /// The coordinates, when the meeting has a location that has them.
    pub fn coordinates(&self) -> Option<Coordinates> {
        self.location.as_ref().and_then(|l| l.coordinates)
    }

    /// Sorts the list-valued fields so equal meetings compare equal.
    pub fn normalize(&mut self) {
        self.types.sort_unstable();
        self.types.dedup();
        self.languages.sort_unstable();
        self.languages.dedup();
        self.closures.dates.sort_unstable();
        self.closures.dates.dedup();
        if let Some(schedule) = &mut self.schedule {
            schedule.normalize();
        }
    }

    /// Rules that span fields, each with the dotted path of the field at fault.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            problems.push(("name".into(), "must have 1 to 200 characters".into()));
        }
        if let Some(schedule) = &self.schedule {
            for (field, message) in schedule.problems() {
                problems.push((format!("schedule.{field}"), message));
            }
        }
        let needs_place = matches!(self.attendance, Attendance::InPerson | Attendance::Hybrid);
        if needs_place && self.coordinates().is_none() {
            problems.push((
                "location.latitude".into(),
                "in-person and hybrid meetings need a location with coordinates".into(),
            ));
        }
        let needs_link = matches!(self.attendance, Attendance::Online | Attendance::Hybrid);
        let has_link = self.online.as_ref().is_some_and(|o| o.conference_url.is_some() || o.conference_phone.is_some());
        if needs_link && !has_link {
            problems.push((
                "online.conference_url".into(),
                "online and hybrid meetings need a conference URL or phone".into(),
            ));
        }
        self.format_problems(&mut problems);
        problems
    }

    /// Web addresses, phone numbers, e-mail addresses and text lengths.
    fn format_problems(&self, problems: &mut Vec<(String, String)>) {
        let mut check = |field: String, problem: Option<String>| problems.extend(problem.map(|p| (field, p)));
        for (field, url) in [
            ("website", self.website.as_deref()),
            ("online.conference_url", self.online.as_ref().and_then(|o| o.conference_url.as_deref())),
        ] {
            check(field.into(), url.and_then(rules::url_problem));
        }
        let phone = self.online.as_ref().and_then(|o| o.conference_phone.as_deref());
        check("online.conference_phone".into(), phone.and_then(rules::phone_problem));
        for (i, contact) in self.contacts.iter().enumerate() {
            check(format!("contacts[{i}].email"), contact.email.as_deref().and_then(rules::email_problem));
            check(format!("contacts[{i}].phone"), contact.phone.as_deref().and_then(rules::phone_problem));
        }
        let long = |text: Option<&str>, max: usize| {
            text.filter(|t| t.chars().count() > max).map(|_| format!("must have at most {max} characters"))
        };
        check("external_id".into(), long(self.external_id.as_deref(), 200));
        check("group_name".into(), long(self.group_name.as_deref(), 200));
        check("notes".into(), long(self.notes.as_deref(), 4000));
    }

    /// Lowercased text that `q` searches: name, location and notes.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.name];
        if let Some(location) = &self.location {
            parts.extend(
                [&location.name, &location.street_address, &location.formatted_address, &location.notes]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            );
        }
        parts.extend(self.notes.as_deref());
        parts.join("\n").to_lowercase()
    }
}
