//! The directory as files for other tools: `/v1/meetings.geojson` (maps), `/v1/meetings.csv`
//! (spreadsheets), `/v1/meetings/calendar.ics` and `/v1/meetings/{id}/calendar.ics` (calendars).
//! Each takes the list's filters (`limit`/`cursor` are a 400: an export answers every match), is
//! streamed with a strong `ETag`, and shows published meetings only, whoever asks.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::extract::cache::DIRECTORY_MAX_AGE;
use super::extract::export::{Framed, JsonArray, streamed};
use super::extract::path::{MeetingPath, Path};
use super::extract::problem::{ApiError, Problem};
use super::extract::public_url::PublicUrl;
use super::extract::query::Query;
use super::meetings::ExportQuery;
use crate::domain::directory::Directory;
use crate::domain::exports::{csv, geojson, ical};
use crate::domain::meeting::{Attendance, Meeting};
use crate::domain::schedule::TimeZone;
use crate::service::Lantern;

/// The media type of the GeoJSON export.
const GEOJSON: &str = "application/geo+json";
/// The media type of the CSV export.
const CSV: &str = "text/csv; charset=utf-8; header=present";

fn body_name(directory: &Directory, meeting: &Meeting) -> Option<String> {
    directory.service_body(meeting.data.service_body_id).map(|b| b.data.name.clone())
}

/// The matching meetings that have a place, as an RFC 7946 FeatureCollection: a Point at
/// `[longitude, latitude]` per meeting, its fields as flat properties (lists comma-joined:
/// `days`, `types`, `languages`, `weeks_of_month`), `url` its page on Lantern.
#[utoipa::path(
    tag = "meetings",
    params(ExportQuery),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection (streamed)", content_type = "application/geo+json", body = Object),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/meetings.geojson")]
pub async fn geojson_export(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let ExportQuery { matching, filters, whole: _ } = query.0;
    let (directory, meetings) = lantern.export_meetings(matching.query(filters, usize::MAX))?;
    let meetings: Arc<Vec<Arc<Meeting>>> =
        Arc::new(meetings.into_iter().filter(|m| m.data.coordinates().is_some()).collect());
    let base = PublicUrl::of(&req).to_string();
    let make = move || {
        let (directory, meetings, base) = (Arc::clone(&directory), Arc::clone(&meetings), base.clone());
        JsonArray::wrapped(geojson::OPEN, geojson::CLOSE, meetings.len(), move |i: usize| {
            let meeting = &meetings[i];
            let url = format!("{base}/v1/meetings/{}", meeting.id);
            geojson::feature(meeting, body_name(&directory, meeting).as_deref(), url).into_iter().collect::<Vec<_>>()
        })
    };
    streamed(&req, GEOJSON, DIRECTORY_MAX_AGE, make).await
}

/// The matching meetings as RFC 4180 CSV (UTF-8, a header row, CRLF): one row per meeting day (a
/// meeting by appointment is one row without a day) with `id`, `name`, `fellowship`,
/// `service_body`, `day`, `start_time` (local), `duration_minutes`, `time_zone`, `attendance`,
/// `location_name`, `address`, `latitude`, `longitude`, `conference_url`, `types`, `languages`,
/// `notes`. Text cells that a spreadsheet would run as a formula (beginning with `=`, `+`, `-`, `@`)
/// get a leading `'`; numbers are left as they are.
#[utoipa::path(
    tag = "meetings",
    params(ExportQuery),
    responses(
        (status = 200, description = "CSV with a header row (streamed)", content_type = "text/csv", body = String),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/meetings.csv")]
pub async fn csv_export(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let ExportQuery { matching, filters, whole: _ } = query.0;
    let (directory, meetings) = lantern.export_meetings(matching.query(filters, usize::MAX))?;
    let meetings = Arc::new(meetings);
    let make = move || {
        let (directory, meetings) = (Arc::clone(&directory), Arc::clone(&meetings));
        let count = meetings.len();
        Framed::new(
            csv::header(),
            count,
            move |i, out| csv::rows(&meetings[i], body_name(&directory, &meetings[i]).as_deref(), out),
            b"",
        )
    };
    streamed(&req, CSV, DIRECTORY_MAX_AGE, make).await
}

/// Writes the `VEVENT` of the i-th meeting.
type EventWriter = Box<dyn FnMut(usize, &mut Vec<u8>) + Unpin>;

/// An iCalendar file of meetings: a `VEVENT` each, recurring in its own zone, and a `VTIMEZONE`
/// for each zone used, so that calendar apps keep the local time right across DST changes.
fn calendar(
    req: &HttpRequest,
    lantern: &web::Data<Lantern>,
    name: String,
    meetings: Vec<Arc<Meeting>>,
) -> impl Fn() -> Framed<EventWriter> + Send + 'static {
    let base = PublicUrl::of(req).to_string();
    let now = lantern.clock().now();
    // The zones the events use; a calendar without events still needs a component (RFC 5545 §3.6).
    let mut zones: BTreeSet<&'static str> = meetings
        .iter()
        .filter(|m| m.data.attendance != Attendance::Inactive)
        .filter_map(|m| m.data.schedule.as_ref())
        .map(|s| s.time_zone.name())
        .collect();
    if zones.is_empty() {
        zones.insert("UTC");
    }
    // Written once, shared by the hashing pass and the sending one.
    let mut head = ical::header(&name);
    for zone in zones.iter().filter_map(|z| z.parse::<TimeZone>().ok()) {
        head.extend_from_slice(&ical::vtimezone(zone, ical::years(now)));
    }
    let head: Arc<[u8]> = head.into();
    let host = uid_host(&base);
    let meetings = Arc::new(meetings);
    move || {
        let (meetings, base, host) = (Arc::clone(&meetings), base.clone(), host.clone());
        let count = meetings.len();
        let item: EventWriter = Box::new(move |i, out: &mut Vec<u8>| {
            let ctx = ical::EventContext { base_url: &base, host: &host, now };
            out.extend(ical::event(&meetings[i], &ctx));
        });
        Framed::new(head.to_vec(), count, item, ical::FOOTER)
    }
}

/// The host of the public URL, for `UID`s (`[::1]` kept whole, the port left out).
fn uid_host(base: &str) -> String {
    let authority = base.split_once("://").map_or(base, |(_, rest)| rest).split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next().unwrap_or_default()),
        None => authority.split(':').next().unwrap_or_default().to_owned(),
    };
    if host.is_empty() { "lantern".to_owned() } else { host }
}

/// The matching meetings as an iCalendar file (RFC 5545): one `VEVENT` per meeting that meets, with
/// `DTSTART;TZID=…` no later than 30 days before now, a weekly or monthly `RRULE` without `UNTIL`,
/// `EXDATE`s for closures and the suspension, `DURATION` in hours and minutes, `LOCATION`/`GEO`
/// (or the conference link), `URL` and a stable `UID`; one `VTIMEZONE` per zone used, agreeing with
/// the tz data for ten years (yearly `RRULE`s where the zone's changes follow one, `RDATE`s where
/// they do not).
#[utoipa::path(
    tag = "meetings",
    params(ExportQuery),
    responses(
        (status = 200, description = "An iCalendar file (streamed)", content_type = "text/calendar", body = String),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/meetings/calendar.ics")]
pub async fn calendar_export(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let ExportQuery { matching, filters, whole: _ } = query.0;
    let (_, meetings) = lantern.export_meetings(matching.query(filters, usize::MAX))?;
    let make = calendar(&req, &lantern, "Meetings".to_owned(), meetings);
    streamed(&req, ical::MEDIA_TYPE, DIRECTORY_MAX_AGE, make).await
}

/// One published meeting as an iCalendar file, as `/v1/meetings/calendar.ics` writes it (a meeting
/// that never meets — by appointment, inactive — gives a calendar without events).
#[utoipa::path(
    tag = "meetings",
    params(MeetingPath),
    responses(
        (status = 200, description = "An iCalendar file", content_type = "text/calendar", body = String),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting"),
    )
)]
#[get("/meetings/{id}/calendar.ics")]
pub async fn meeting_calendar(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
) -> Result<HttpResponse, ApiError> {
    let meeting = lantern.meeting(path.0.id)?;
    let make = calendar(&req, &lantern, meeting.data.name.clone(), vec![meeting]);
    streamed(&req, ical::MEDIA_TYPE, DIRECTORY_MAX_AGE, make).await
}
