//! The body of `POST /v1/meetings` and `PUT /v1/meetings/{id}` (and the state a merge patch
//! produces): the meeting's JSON shape without its read-only fields, read field by field into
//! [`PublishMeetingRequest`], every problem listed under its dotted path.

use chrono::NaiveDate;
use serde_json::Value;
use utoipa::ToSchema;

use super::json::{ContactResponse, OnlineResponse};
use crate::domain::geo::{Coordinates, check_latitude, check_longitude};
use crate::domain::ids::{FellowshipCode, LanguageCode, ServiceBodyId, Slug, TypeCode};
use crate::domain::meeting::{Attendance, Closures, Contact, Location, MeetingData, OnlineAccess};
use crate::domain::schedule::{DEFAULT_DURATION_MINUTES, LocalTime, Schedule, TimeZone, WeekOfMonth, Weekday};
use crate::http::extract::body::{Fields, JsonBody, read};
use crate::service::error::{FieldErrors, push_error};
use crate::service::publish::MeetingWrite;

const SCHEDULE_FIELDS: &[&str] =
    &["days", "start_time", "duration_minutes", "time_zone", "weeks_of_month", "time_zone_derived"];
const LOCATION_FIELDS: &[&str] =
    &["name", "street_address", "formatted_address", "latitude", "longitude", "approximate", "notes"];
const ONLINE_FIELDS: &[&str] = &["conference_url", "conference_phone", "notes"];
const CLOSURE_FIELDS: &[&str] = &["dates", "suspended_until"];
const CONTACT_FIELDS: &[&str] = &["name", "email", "phone"];

/// A meeting as a publisher sends it (`POST`, `PUT`): the meeting's JSON shape; its read-only
/// `id`, `created_at`, `updated_at` and `version` are accepted and ignored, so that a fetched
/// meeting can be sent back. Unknown fields are 422. Fields that do not decode hold stand-ins and
/// are named in the problems [`read`] returns beside it.
#[derive(Debug, ToSchema)]
pub struct PublishMeetingRequest {
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Lowercase letters, digits and single hyphens, at most 100, unique in the service body;
    /// derived from the name when absent.
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    pub slug: Option<Slug>,
    /// A code from `GET /v1/fellowships`.
    #[schema(value_type = String, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 32)]
    pub fellowship: FellowshipCode,
    /// The service body that publishes it (one the key may publish to).
    #[schema(value_type = i64, minimum = 1)]
    pub service_body_id: ServiceBodyId,
    /// Its id in the source it was imported from.
    pub external_id: Option<String>,
    /// `in_person`, `hybrid`, `online` or `inactive`. In-person and hybrid meetings need
    /// `location` with coordinates; online and hybrid ones need `online.conference_url` or
    /// `online.conference_phone`.
    #[schema(value_type = String, pattern = "^(in_person|hybrid|online|inactive)$", example = "in_person")]
    pub attendance: Attendance,
    /// `null` for meetings by appointment.
    pub schedule: Option<ScheduleRequest>,
    /// Where it meets.
    pub location: Option<LocationRequest>,
    /// How to join remotely.
    #[schema(value_type = Option<OnlineResponse>)]
    pub online: Option<OnlineAccess>,
    /// Codes from `GET /v1/types` (default none).
    #[schema(value_type = Option<Vec<String>>)]
    pub types: Vec<TypeCode>,
    /// ISO 639-1 codes (default none).
    #[schema(value_type = Option<Vec<String>>)]
    pub languages: Vec<LanguageCode>,
    /// Free text.
    pub notes: Option<String>,
    /// The group that holds it.
    pub group_name: Option<String>,
    /// An http(s) URL.
    pub website: Option<String>,
    /// Dates it does not meet (default none).
    #[schema(value_type = Option<ClosuresRequest>)]
    pub closures: ClosuresRequest,
    /// Private contact people (default none).
    #[schema(value_type = Option<Vec<ContactResponse>>)]
    pub contacts: Vec<Contact>,
    /// Unpublished meetings are invisible to the public (default `true`).
    #[schema(value_type = Option<bool>)]
    pub published: bool,
}

/// Where a meeting is. `null` and absent are the same in every field.
#[derive(Debug, ToSchema)]
pub struct LocationRequest {
    /// The building or venue.
    pub name: Option<String>,
    /// Street and number.
    pub street_address: Option<String>,
    /// The whole address as one line.
    pub formatted_address: Option<String>,
    /// WGS84 degrees; given with `longitude`.
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    /// WGS84 degrees; given with `latitude`.
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
    /// True when the point names an area rather than a door (default false).
    #[schema(value_type = Option<bool>)]
    pub approximate: bool,
    /// How to find the room.
    pub notes: Option<String>,
}

impl From<LocationRequest> for Location {
    fn from(l: LocationRequest) -> Self {
        let coordinates = l.latitude.zip(l.longitude).and_then(|(lat, lon)| Coordinates::new(lat, lon).ok());
        Self {
            name: l.name,
            street_address: l.street_address,
            formatted_address: l.formatted_address,
            coordinates,
            approximate: l.approximate,
            notes: l.notes,
        }
    }
}

/// Dates without a meeting, in the meeting's local calendar.
#[derive(Debug, Default, ToSchema)]
pub struct ClosuresRequest {
    /// `YYYY-MM-DD` local dates (default none).
    #[schema(value_type = Option<Vec<String>>)]
    pub dates: Vec<NaiveDate>,
    /// No occurrence on a local date on or before this one.
    #[schema(value_type = Option<String>, format = Date)]
    pub suspended_until: Option<NaiveDate>,
}

/// When a meeting meets.
#[derive(Debug, ToSchema)]
pub struct ScheduleRequest {
    /// At least one of `monday` … `sunday`.
    #[schema(value_type = Vec<String>, example = json!(["monday", "thursday"]))]
    pub days: Vec<Weekday>,
    /// Local `HH:MM`, 24-hour.
    #[schema(value_type = String, example = "19:30")]
    pub start_time: LocalTime,
    /// Elapsed minutes, 1–1440 (default 60).
    #[schema(value_type = Option<u16>, minimum = 1, maximum = 1440)]
    pub duration_minutes: u16,
    /// IANA zone name; when absent it is derived from the coordinates (else the service body's zone).
    #[schema(value_type = Option<String>, example = "America/New_York")]
    pub time_zone: Option<TimeZone>,
    /// `1`–`5` or `-1` for the last (default every week).
    #[schema(value_type = Option<Vec<i8>>)]
    pub weeks_of_month: Vec<WeekOfMonth>,
}

impl JsonBody for PublishMeetingRequest {
    const FIELDS: &'static [&'static str] = &[
        "name",
        "slug",
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
        "contacts",
        "published",
        // Read-only: accepted so that a fetched meeting can be sent back, and ignored.
        "id",
        "created_at",
        "updated_at",
        "version",
    ];

    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self {
        let name = f.required_text("name", e).map(|n| n.trim().to_owned()).unwrap_or_default();
        let slug = f.get("slug").and_then(|_| f.parsed::<Slug, _>("slug", e));
        if f.get("slug").is_none() && !name.is_empty() && Slug::from_text(&name).is_none() {
            push_error(e, "slug", "is required: none can be derived from the name");
        }
        if f.get("service_body_id").is_none() {
            push_error(e, "service_body_id", "is required");
        }
        let mut contacts = Vec::new();
        for (i, v) in f.array("contacts", e).iter().enumerate() {
            contacts.extend(decode_contact(v, i, e));
        }
        Self {
            slug,
            fellowship: f.required("fellowship", e).unwrap_or_else(placeholder_fellowship),
            service_body_id: f.id("service_body_id", e).unwrap_or_else(placeholder_body),
            external_id: f.trimmed("external_id", e),
            attendance: f.required("attendance", e).unwrap_or(Attendance::Inactive),
            schedule: f.get("schedule").and_then(|v| decode_schedule(v, e)),
            location: f.get("location").and_then(|v| decode_location(v, e)),
            online: f.get("online").and_then(|v| decode_online(v, e)),
            types: f.list("types", e),
            languages: f.list("languages", e),
            notes: f.trimmed("notes", e),
            group_name: f.trimmed("group_name", e),
            website: f.trimmed("website", e),
            closures: f.get("closures").and_then(|v| decode_closures(v, e)).unwrap_or_default(),
            contacts,
            published: f.boolean("published", true, e),
            name,
        }
    }
}

impl PublishMeetingRequest {
    /// The write the service checks: a missing slug derived from the name, a missing zone to derive.
    pub fn into_write(self, problems: FieldErrors) -> MeetingWrite {
        let derive_zone = self.schedule.as_ref().is_some_and(|s| s.time_zone.is_none());
        let slug = self.slug.or_else(|| Slug::from_text(&self.name)).unwrap_or_else(placeholder_slug);
        let schedule = self.schedule.map(|s| Schedule {
            days: s.days,
            start_time: s.start_time,
            duration_minutes: s.duration_minutes,
            // A placeholder until the service derives the zone.
            time_zone: s.time_zone.unwrap_or(TimeZone::from(chrono_tz::UTC)),
            time_zone_derived: false,
            weeks_of_month: s.weeks_of_month,
        });
        let data = MeetingData {
            name: self.name,
            slug,
            fellowship: self.fellowship,
            service_body_id: self.service_body_id,
            external_id: self.external_id,
            attendance: self.attendance,
            schedule,
            location: self.location.map(Location::from),
            online: self.online,
            types: self.types,
            languages: self.languages,
            notes: self.notes,
            group_name: self.group_name,
            website: self.website,
            closures: Closures { dates: self.closures.dates, suspended_until: self.closures.suspended_until },
            contacts: self.contacts,
            published: self.published,
        };
        MeetingWrite { data, derive_zone, problems }
    }
}

/// Decodes a meeting body (or the state a merge patch produced) into the write the service checks,
/// so that the caller hears of every problem at once, the decoder's and the service's rules alike.
pub fn decode_meeting(body: &Value) -> MeetingWrite {
    let (request, problems) = read::<PublishMeetingRequest>(body);
    request.into_write(problems)
}

// Stand-ins for fields that failed to decode; the errors already recorded mean they are never stored.
fn placeholder_slug() -> Slug {
    Slug::from_text("x").unwrap_or_else(|| unreachable!("`x` is a valid slug"))
}
fn placeholder_fellowship() -> FellowshipCode {
    "x".parse().unwrap_or_else(|_| unreachable!("`x` is a valid fellowship code"))
}
fn placeholder_body() -> ServiceBodyId {
    ServiceBodyId::new(1).unwrap_or_else(|_| unreachable!("1 is a valid id"))
}

fn decode_schedule(v: &Value, e: &mut FieldErrors) -> Option<ScheduleRequest> {
    let f = Fields::new(v, "schedule", SCHEDULE_FIELDS, e)?;
    let days = f.list("days", e);
    if f.get("days").is_none() {
        push_error(e, "schedule.days", "is required");
    }
    let start_time = f.required("start_time", e);
    let duration = f.integer("duration_minutes", e).map_or(Some(DEFAULT_DURATION_MINUTES), |d| {
        let d = u16::try_from(d).ok().filter(|d| (1..=1440).contains(d));
        if d.is_none() {
            push_error(e, "schedule.duration_minutes", "must be between 1 and 1440");
        }
        d
    });
    let time_zone: Option<TimeZone> = f.parsed("time_zone", e);
    let mut weeks = Vec::new();
    for (i, item) in f.array("weeks_of_month", e).iter().enumerate() {
        match item.as_i64().and_then(|n| i8::try_from(n).ok()).map(WeekOfMonth::try_from) {
            Some(Ok(w)) => weeks.push(w),
            Some(Err(err)) => push_error(e, format!("schedule.weeks_of_month[{i}]"), err.0),
            None => push_error(e, format!("schedule.weeks_of_month[{i}]"), "must be 1 to 5, or -1 for the last"),
        }
    }
    Some(ScheduleRequest {
        days,
        start_time: start_time?,
        duration_minutes: duration?,
        time_zone,
        weeks_of_month: weeks,
    })
}

fn decode_location(v: &Value, e: &mut FieldErrors) -> Option<LocationRequest> {
    let f = Fields::new(v, "location", LOCATION_FIELDS, e)?;
    let lat = f.number("latitude", e);
    let lon = f.number("longitude", e);
    let lat = lat.and_then(|l| check_latitude(l).map_err(|err| push_error(e, "location.latitude", err.0)).ok());
    let lon = lon.and_then(|l| check_longitude(l).map_err(|err| push_error(e, "location.longitude", err.0)).ok());
    match (f.get("latitude"), f.get("longitude")) {
        (Some(_), None) => push_error(e, "location.longitude", "is required with a latitude"),
        (None, Some(_)) => push_error(e, "location.latitude", "is required with a longitude"),
        _ => {}
    }
    Some(LocationRequest {
        name: f.trimmed("name", e),
        street_address: f.trimmed("street_address", e),
        formatted_address: f.trimmed("formatted_address", e),
        latitude: lat,
        longitude: lon,
        approximate: f.boolean("approximate", false, e),
        notes: f.trimmed("notes", e),
    })
}

fn decode_online(v: &Value, e: &mut FieldErrors) -> Option<OnlineAccess> {
    let f = Fields::new(v, "online", ONLINE_FIELDS, e)?;
    Some(OnlineAccess {
        conference_url: f.trimmed("conference_url", e),
        conference_phone: f.trimmed("conference_phone", e),
        notes: f.trimmed("notes", e),
    })
}

fn decode_closures(v: &Value, e: &mut FieldErrors) -> Option<ClosuresRequest> {
    let f = Fields::new(v, "closures", CLOSURE_FIELDS, e)?;
    Some(ClosuresRequest {
        dates: f.list::<NaiveDate, _>("dates", e),
        suspended_until: f.parsed::<NaiveDate, _>("suspended_until", e),
    })
}

fn decode_contact(v: &Value, i: usize, e: &mut FieldErrors) -> Option<Contact> {
    let f = Fields::new(v, &format!("contacts[{i}]"), CONTACT_FIELDS, e)?;
    Some(Contact { name: f.trimmed("name", e), email: f.trimmed("email", e), phone: f.trimmed("phone", e) })
}

/// The body a merge patch applies to: the meeting as an owner sees it, with a derived zone left
/// out so that it is derived again from the (possibly patched) coordinates.
pub fn patch_base(meeting: &crate::domain::meeting::Meeting) -> Value {
    let mut base = serde_json::to_value(super::json::MeetingResponse::with_private(meeting)).unwrap_or(Value::Null);
    let derived = meeting.data.schedule.as_ref().is_some_and(|s| s.time_zone_derived);
    if derived && let Some(schedule) = base.get_mut("schedule").and_then(Value::as_object_mut) {
        schedule.remove("time_zone");
    }
    base
}

/// Which state to restore.
#[derive(Debug, ToSchema)]
pub struct RestoreRequest {
    /// A `seq` from the meeting's history: restore the state after that change.
    #[schema(minimum = 1)]
    pub seq: Option<i64>,
}

impl JsonBody for RestoreRequest {
    const FIELDS: &'static [&'static str] = &["seq"];

    fn read(f: &Fields<'_>, e: &mut FieldErrors) -> Self {
        Self { seq: f.integer("seq", e) }
    }
}
