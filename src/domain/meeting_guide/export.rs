//! Meetings as Meeting Guide records: one record per meeting per day, shaped for what TSML UI and
//! the Meeting Guide app accept.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Sentence, closing_sentences, day_number};
use crate::domain::directory::Directory;
use crate::domain::ids::ServiceBodyId;
use crate::domain::meeting::{Attendance, Meeting};
use crate::domain::schedule::{LocalTime, TimeZone};
use crate::domain::vocabulary::{TypeOrigin, Vocabulary};

/// One record of the feed. Absent values are left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedRecord {
    /// Display name.
    pub name: String,
    /// Unique in the feed and stable between exports.
    pub slug: String,
    /// 0 = Sunday … 6 = Saturday; absent for meetings by appointment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
    /// Local start, `HH:MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Local end, `HH:MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// IANA zone of `time`.
    pub timezone: &'static str,
    /// Meeting Guide type codes, languages included (`S` for Spanish).
    pub types: Vec<String>,
    /// Free text, with what the format cannot say (monthly weeks, closures) in its last lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The venue's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The address as one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted_address: Option<String>,
    /// Degrees north.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Degrees east.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// `yes` when the coordinates name an area rather than a door.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate: Option<&'static str>,
    /// Directions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_notes: Option<String>,
    /// Video link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_url: Option<String>,
    /// Passcodes and instructions for the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_url_notes: Option<String>,
    /// Dial-in number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_phone: Option<String>,
    /// Instructions for the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_phone_notes: Option<String>,
    /// `in_person`, `hybrid`, `online` or `inactive`.
    pub attendance_option: &'static str,
    /// The group that holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The group's web site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Service bodies from below the filtered one down to the meeting's own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// The meeting on Lantern.
    pub url: String,
    /// Last change, `YYYY-MM-DD HH:MM:SS` UTC.
    pub updated: String,
    /// The service body's name.
    pub entity: String,
    /// Its web site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_url: Option<String>,
    /// Its public e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_email: Option<String>,
    /// Its public phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_phone: Option<String>,
}

/// What records are written against.
pub struct FeedContext<'a> {
    /// The snapshot the meetings come from (service bodies for `entity` and `regions`).
    pub directory: &'a Directory,
    /// Type and language codes.
    pub vocabulary: &'a Vocabulary,
    /// The service bodies the feed was filtered by; `regions` start below them.
    pub roots: &'a [ServiceBodyId],
    /// Lantern's public base URL, without a trailing slash.
    pub base_url: &'a str,
    /// Closures and suspensions are judged at this instant.
    pub now: DateTime<Utc>,
}

/// The base slug of each meeting (`meetings` by ascending id): its `external_id`, else its slug.
/// Where a meeting's records would reuse a slug an older meeting's records already have, `-<id>`
/// is appended (again, in the unlikely case that is taken too): slugs are unique in the answer,
/// and a new meeting never renames an older one. Parallel to `meetings`.
pub fn base_slugs(meetings: &[Arc<Meeting>]) -> Vec<String> {
    let record_slugs = |m: &Meeting, base: &str| -> Vec<String> {
        match m.data.schedule.as_ref().map(|s| s.days.as_slice()) {
            Some(days) if days.len() > 1 => days.iter().map(|d| format!("{base}-{}", day_number(*d))).collect(),
            _ => vec![base.to_owned()],
        }
    };
    let mut taken: HashSet<String> = HashSet::new();
    meetings
        .iter()
        .map(|m| {
            let mut base = m.data.external_id.clone().unwrap_or_else(|| m.data.slug.to_string());
            loop {
                let slugs = record_slugs(m, &base);
                if slugs.iter().all(|s| !taken.contains(s)) {
                    taken.extend(slugs);
                    return base;
                }
                base = format!("{base}-{}", m.id);
            }
        })
        .collect()
}

/// The records of one meeting: one per day, or one without a day for a meeting by appointment.
pub fn records(meeting: &Meeting, base_slug: &str, ctx: &FeedContext<'_>) -> Vec<FeedRecord> {
    let data = &meeting.data;
    let body = ctx.directory.service_body(data.service_body_id);
    let zone: TimeZone = match (&data.schedule, body) {
        (Some(s), _) => s.time_zone,
        (None, Some(b)) => b.data.time_zone,
        (None, None) => TimeZone::from(chrono_tz::UTC),
    };
    let today = ctx.now.with_timezone(&zone.tz()).date_naive();
    let suspended = data.closures.suspended_until.filter(|until| *until >= today);
    let inactive = data.attendance == Attendance::Inactive || suspended.is_some();
    let mut types: Vec<String> = data
        .types
        .iter()
        .filter(|c| ctx.vocabulary.get(c).is_some_and(|t| t.origin == TypeOrigin::MeetingGuide))
        .map(|c| c.to_string())
        .collect();
    for language in &data.languages {
        let code = ctx.vocabulary.language_codes().iter().find(|l| l.language == *language);
        types.extend(code.map(|l| l.meeting_guide_code.clone()));
    }
    if inactive {
        types.push("TC".to_owned());
    }
    types.sort_unstable();
    types.dedup();
    let closing = closing_sentences(&data.closures, today);
    let location = data.location.as_ref();
    let coordinates = data.coordinates();
    let online = data.online.as_ref();
    let online_notes = online.and_then(|o| o.notes.clone());
    let has_url = online.is_some_and(|o| o.conference_url.is_some());
    let template = FeedRecord {
        name: data.name.clone(),
        slug: base_slug.to_owned(),
        day: None,
        time: None,
        end_time: None,
        timezone: zone.name(),
        types,
        notes: None,
        location: location.and_then(|l| l.name.clone()),
        formatted_address: location.and_then(|l| l.formatted_address.clone()),
        latitude: coordinates.map(|c| c.latitude()),
        longitude: coordinates.map(|c| c.longitude()),
        approximate: coordinates.map(|_| if location.is_some_and(|l| l.approximate) { "yes" } else { "no" }),
        location_notes: location.and_then(|l| l.notes.clone()),
        conference_url: online.and_then(|o| o.conference_url.clone()),
        conference_url_notes: online_notes.clone().filter(|_| has_url),
        conference_phone: online.and_then(|o| o.conference_phone.clone()),
        conference_phone_notes: online_notes.filter(|_| !has_url),
        attendance_option: if inactive { Attendance::Inactive.name() } else { data.attendance.name() },
        group: data.group_name.clone(),
        website: data.website.clone(),
        regions: regions(ctx, data.service_body_id),
        url: format!("{}/v1/meetings/{}", ctx.base_url, meeting.id),
        updated: meeting.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        entity: body.map(|b| b.data.name.clone()).unwrap_or_default(),
        entity_url: body.and_then(|b| b.data.website.clone()),
        entity_email: body.and_then(|b| b.data.email.clone()),
        entity_phone: body.and_then(|b| b.data.phone.clone()),
    };
    let notes = |extra: Vec<Sentence>| -> Option<String> {
        let lines: Vec<String> =
            data.notes.iter().cloned().chain(extra.iter().chain(&closing).map(Sentence::text)).collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    };
    let Some(schedule) = &data.schedule else {
        return vec![FeedRecord { notes: notes(Vec::new()), ..template }];
    };
    let end = (schedule.start_time.minutes() + schedule.duration_minutes) % (24 * 60);
    let end = LocalTime::from_minutes(end).unwrap_or(LocalTime::MIDNIGHT);
    let several = schedule.days.len() > 1;
    schedule
        .days
        .iter()
        .map(|day| {
            let weeks = if schedule.weeks_of_month.is_empty() {
                Vec::new()
            } else {
                vec![Sentence::Weeks(*day, schedule.weeks_of_month.clone())]
            };
            FeedRecord {
                slug: if several { format!("{base_slug}-{}", day_number(*day)) } else { base_slug.to_owned() },
                day: Some(day_number(*day)),
                time: Some(schedule.start_time.to_string()),
                end_time: Some(end.to_string()),
                notes: notes(weeks),
                ..template.clone()
            }
        })
        .collect()
}

/// The names of the service bodies from below the first filtered ancestor down to `body`; from the
/// root when the feed is not filtered by an ancestor.
fn regions(ctx: &FeedContext<'_>, body: ServiceBodyId) -> Vec<String> {
    let mut path = Vec::new();
    let mut at = Some(body);
    while let Some(id) = at {
        if ctx.roots.contains(&id) {
            break;
        }
        let Some(b) = ctx.directory.service_body(id) else { break };
        path.push(b.data.name.clone());
        at = b.data.parent_id;
    }
    path.reverse();
    path
}
