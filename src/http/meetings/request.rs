//! The body of `POST /v1/meetings` and `PUT /v1/meetings/{id}`: the meeting's JSON shape without
//! its read-only fields, decoded with every problem listed under its dotted path.

use chrono::NaiveDate;
use serde_json::Value;

use serde::Deserialize;
use utoipa::ToSchema;

use super::json::{ClosuresResponse, ContactResponse, LocationResponse, OnlineResponse};
use crate::domain::geo::{Coordinates, check_latitude, check_longitude};
use crate::domain::ids::{ServiceBodyId, Slug};
use crate::domain::meeting::{Closures, Contact, Location, MeetingData, OnlineAccess};
use crate::domain::schedule::{DEFAULT_DURATION_MINUTES, Schedule, TimeZone, WeekOfMonth};
use crate::http::extract::body::{Fields, JsonBody};
use crate::service::error::{FieldErrors, push_error};
use crate::service::publish::MeetingWrite;

const MEETING_FIELDS: &[&str] = &[
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
const SCHEDULE_FIELDS: &[&str] =
    &["days", "start_time", "duration_minutes", "time_zone", "weeks_of_month", "time_zone_derived"];
const LOCATION_FIELDS: &[&str] =
    &["name", "street_address", "formatted_address", "latitude", "longitude", "approximate", "notes"];
const ONLINE_FIELDS: &[&str] = &["conference_url", "conference_phone", "notes"];
const CLOSURE_FIELDS: &[&str] = &["dates", "suspended_until"];
const CONTACT_FIELDS: &[&str] = &["name", "email", "phone"];

/// Decodes a meeting body. A schedule without `time_zone` asks Lantern to derive it; a missing
/// `slug` is derived from the name; `published` defaults to true. Fields that do not decode are
/// listed in `problems` (with stand-ins in `data`), so that the service adds the rules it checks
/// and the caller hears of every problem at once.
pub fn decode_meeting(body: &Value) -> MeetingWrite {
    let mut e = FieldErrors::new();
    let f = Fields::body(body, MEETING_FIELDS, &mut e);
    let name = f.required_text("name", &mut e).map(|n| n.trim().to_owned());
    let slug = match f.get("slug") {
        Some(_) => f.parsed::<Slug, _>("slug", &mut e),
        None => name.as_deref().and_then(|n| {
            let slug = Slug::from_text(n);
            if slug.is_none() {
                push_error(&mut e, "slug", "is required: none can be derived from the name");
            }
            slug
        }),
    };
    let fellowship = f.required("fellowship", &mut e);
    let service_body_id = match f.integer("service_body_id", &mut e).map(ServiceBodyId::new) {
        Some(Ok(id)) => Some(id),
        Some(Err(err)) => {
            push_error(&mut e, "service_body_id", err.0);
            None
        }
        None => {
            if f.get("service_body_id").is_none() {
                push_error(&mut e, "service_body_id", "is required");
            }
            None
        }
    };
    let attendance = f.required("attendance", &mut e);
    let (schedule, derive_zone) = match f.get("schedule") {
        Some(v) => decode_schedule(v, &mut e),
        None => (None, false),
    };
    let location = f.get("location").and_then(|v| decode_location(v, &mut e));
    let online = f.get("online").and_then(|v| decode_online(v, &mut e));
    let closures = f.get("closures").map_or_else(|| Some(Closures::default()), |v| decode_closures(v, &mut e));
    let contacts = f.array("contacts", &mut e).iter().enumerate().filter_map(|(i, v)| decode_contact(v, i, &mut e));
    let contacts: Vec<Contact> = contacts.collect();
    let data = MeetingData {
        name: name.unwrap_or_default(),
        slug: slug.unwrap_or_else(placeholder_slug),
        fellowship: fellowship.unwrap_or_else(placeholder_fellowship),
        service_body_id: service_body_id.unwrap_or_else(placeholder_body),
        external_id: f.trimmed("external_id", &mut e),
        attendance: attendance.unwrap_or(crate::domain::meeting::Attendance::Inactive),
        schedule,
        location,
        online,
        types: f.list("types", &mut e),
        languages: f.list("languages", &mut e),
        notes: f.trimmed("notes", &mut e),
        group_name: f.trimmed("group_name", &mut e),
        website: f.trimmed("website", &mut e),
        closures: closures.unwrap_or_default(),
        contacts,
        published: f.boolean("published", true, &mut e),
    };
    MeetingWrite { data, derive_zone, problems: e }
}

// Stand-ins for fields that failed to decode; the errors already recorded mean they are never stored.
fn placeholder_slug() -> Slug {
    Slug::from_text("x").unwrap_or_else(|| unreachable!("`x` is a valid slug"))
}
fn placeholder_fellowship() -> crate::domain::ids::FellowshipCode {
    "x".parse().unwrap_or_else(|_| unreachable!("`x` is a valid fellowship code"))
}
fn placeholder_body() -> ServiceBodyId {
    ServiceBodyId::new(1).unwrap_or_else(|_| unreachable!("1 is a valid id"))
}

fn decode_schedule(v: &Value, e: &mut FieldErrors) -> (Option<Schedule>, bool) {
    let Some(f) = Fields::new(v, "schedule", SCHEDULE_FIELDS, e) else { return (None, false) };
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
    let zone: Option<TimeZone> = f.parsed("time_zone", e);
    let derive = f.get("time_zone").is_none();
    let mut weeks = Vec::new();
    for (i, item) in f.array("weeks_of_month", e).iter().enumerate() {
        match item.as_i64().and_then(|n| i8::try_from(n).ok()).map(WeekOfMonth::try_from) {
            Some(Ok(w)) => weeks.push(w),
            Some(Err(err)) => push_error(e, format!("schedule.weeks_of_month[{i}]"), err.0),
            None => push_error(e, format!("schedule.weeks_of_month[{i}]"), "must be 1 to 5, or -1 for the last"),
        }
    }
    let schedule = match (start_time, duration) {
        (Some(start_time), Some(duration_minutes)) => Some(Schedule {
            days,
            start_time,
            duration_minutes,
            // A placeholder until the service derives the zone.
            time_zone: zone.unwrap_or(TimeZone::from(chrono_tz::UTC)),
            time_zone_derived: false,
            weeks_of_month: weeks,
        }),
        _ => None,
    };
    (schedule, derive)
}

fn decode_location(v: &Value, e: &mut FieldErrors) -> Option<Location> {
    let f = Fields::new(v, "location", LOCATION_FIELDS, e)?;
    let lat = f.number("latitude", e);
    let lon = f.number("longitude", e);
    let lat = lat.and_then(|l| check_latitude(l).map_err(|err| push_error(e, "location.latitude", err.0)).ok());
    let lon = lon.and_then(|l| check_longitude(l).map_err(|err| push_error(e, "location.longitude", err.0)).ok());
    let coordinates = match (f.get("latitude"), f.get("longitude")) {
        (Some(_), None) => {
            push_error(e, "location.longitude", "is required with a latitude");
            None
        }
        (None, Some(_)) => {
            push_error(e, "location.latitude", "is required with a longitude");
            None
        }
        _ => lat.zip(lon).and_then(|(lat, lon)| Coordinates::new(lat, lon).ok()),
    };
    Some(Location {
        name: f.trimmed("name", e),
        street_address: f.trimmed("street_address", e),
        formatted_address: f.trimmed("formatted_address", e),
        coordinates,
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

fn decode_closures(v: &Value, e: &mut FieldErrors) -> Option<Closures> {
    let f = Fields::new(v, "closures", CLOSURE_FIELDS, e)?;
    Some(Closures {
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

/// A meeting as a publisher sends it (`POST`, `PUT`): the meeting's JSON shape without the
/// read-only `id`, `created_at`, `updated_at` and `version` (accepted and ignored). Unknown fields
/// are 422.
#[derive(Debug, Deserialize, ToSchema)]
#[expect(dead_code, reason = "documents the body `decode_meeting` reads; a test holds its fields to the decoder's")]
pub struct PublishMeetingRequest {
    /// 1–200 characters.
    name: String,
    /// Lowercase letters, digits and single hyphens, at most 100, unique in the service body;
    /// derived from the name when absent.
    slug: Option<String>,
    /// A code from `GET /v1/fellowships`.
    fellowship: String,
    service_body_id: i64,
    external_id: Option<String>,
    /// `in_person`, `hybrid`, `online` or `inactive`. In-person and hybrid meetings need
    /// `location` with coordinates; online and hybrid ones need `online.conference_url` or
    /// `online.conference_phone`.
    #[schema(example = "in_person")]
    attendance: String,
    /// `null` for meetings by appointment.
    schedule: Option<ScheduleRequest>,
    location: Option<LocationResponse>,
    online: Option<OnlineResponse>,
    /// Codes from `GET /v1/types` (default none).
    types: Option<Vec<String>>,
    /// ISO 639-1 codes (default none).
    languages: Option<Vec<String>>,
    notes: Option<String>,
    group_name: Option<String>,
    /// An http(s) URL.
    website: Option<String>,
    closures: Option<ClosuresResponse>,
    /// Private contact people (default none).
    contacts: Option<Vec<ContactResponse>>,
    /// Unpublished meetings are invisible to the public (default `true`).
    published: Option<bool>,
}

/// When a meeting meets.
#[derive(Debug, Deserialize, ToSchema)]
#[expect(dead_code, reason = "documents the body `decode_meeting` reads; a test holds its fields to the decoder's")]
pub struct ScheduleRequest {
    /// At least one of `monday` … `sunday`.
    #[schema(example = json!(["monday", "thursday"]))]
    days: Vec<String>,
    /// Local `HH:MM`, 24-hour.
    #[schema(example = "19:30")]
    start_time: String,
    /// 1–1440 (default 60).
    duration_minutes: Option<u16>,
    /// IANA zone name; when absent it is derived from the coordinates (else the service body's zone).
    #[schema(example = "America/New_York")]
    time_zone: Option<String>,
    /// `1`–`5` or `-1` for the last (default every week).
    weeks_of_month: Option<Vec<i8>>,
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
