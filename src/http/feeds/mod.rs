//! `/v1/feeds`: the directory in other projects' formats, streamed. The Meeting Guide feed is what
//! the 12 Step Meeting List plugin writes and the Meeting Guide app and TSML UI read.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::extract::cache::DIRECTORY_MAX_AGE;
use super::extract::export::{JsonArray, streamed};
use super::extract::problem::{ApiError, Problem};
use super::extract::public_url::PublicUrl;
use super::extract::query::Query;
use super::meetings::ExportQuery;
use crate::domain::meeting_guide::export::{FeedContext, base_slugs, records};
use crate::service::Lantern;

/// The published meetings as a Meeting Guide feed: a JSON array with one record per meeting per
/// day (`day` 0 = Sunday … 6, `time`/`end_time` local `HH:MM`, `timezone` on every record; a
/// meeting by appointment is one record without `day`/`time`). `slug` is the meeting's
/// `external_id` (the slug of the feed it was imported from), else its Lantern slug; `-<id>` is
/// appended where two meetings' slugs would collide, `-0` … `-6` (the day) where a meeting gives
/// several records. Monthly weeks, closures and suspensions are said in `notes`' last lines; a
/// suspended meeting is `inactive` with type `TC`. `regions` is the service body path below the
/// `service_body` filter. Takes the list's filters; `limit` and `cursor` are a 400 (an export
/// answers every match). Unpublished meetings never appear, whoever asks.
#[utoipa::path(
    tag = "feeds",
    params(ExportQuery),
    responses(
        (status = 200, description = "The Meeting Guide feed (streamed)", content_type = "application/json",
            body = Vec<MeetingGuideRecord>),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "A filter names a fellowship, service body or type that does not exist"),
    )
)]
#[get("/feeds/meeting-guide.json")]
pub async fn meeting_guide_feed(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let ExportQuery { matching, filters, whole: _ } = query.0;
    let roots = filters.service_body.clone();
    let (directory, meetings) = lantern.export_meetings(matching.query(filters, usize::MAX))?;
    let slugs = Arc::new(base_slugs(&meetings));
    let meetings = Arc::new(meetings);
    let base_url = PublicUrl::of(&req).to_string();
    let now = lantern.clock().now();
    let make = move || {
        let (lantern, directory, meetings, slugs) =
            (lantern.clone(), Arc::clone(&directory), Arc::clone(&meetings), Arc::clone(&slugs));
        let (roots, base_url) = (roots.clone(), base_url.clone());
        JsonArray::new(meetings.len(), move |i: usize| {
            let meeting: &crate::domain::meeting::Meeting = &meetings[i];
            let ctx = FeedContext {
                directory: &directory,
                vocabulary: lantern.vocabulary(),
                roots: &roots,
                base_url: &base_url,
                now,
            };
            records(meeting, &slugs[i], &ctx)
        })
    };
    streamed(&req, "application/json", DIRECTORY_MAX_AGE, make).await
}

/// One record of the Meeting Guide feed (the fields Lantern writes; absent values are left out).
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "documents the serialized FeedRecord")]
pub struct MeetingGuideRecord {
    /// Display name.
    name: String,
    /// Unique in the feed, stable between exports.
    slug: String,
    /// 0 = Sunday … 6 = Saturday; absent for meetings by appointment.
    #[schema(minimum = 0, maximum = 6)]
    day: Option<u8>,
    /// Local start, `HH:MM`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    time: Option<String>,
    /// Local end, `HH:MM`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    end_time: Option<String>,
    /// IANA zone of `time`.
    timezone: String,
    /// Meeting Guide type codes, languages included (`S` = Spanish).
    types: Vec<String>,
    /// Free text; its last lines say monthly weeks, closures and suspensions.
    notes: Option<String>,
    /// The venue's name.
    location: Option<String>,
    /// The address as one line.
    formatted_address: Option<String>,
    /// Degrees north.
    latitude: Option<f64>,
    /// Degrees east.
    longitude: Option<f64>,
    /// `yes` or `no`; present with coordinates.
    approximate: Option<String>,
    /// Directions.
    location_notes: Option<String>,
    /// Video link.
    conference_url: Option<String>,
    /// Passcodes and instructions for the link.
    conference_url_notes: Option<String>,
    /// Dial-in number.
    conference_phone: Option<String>,
    /// Instructions for the number.
    conference_phone_notes: Option<String>,
    /// `in_person`, `hybrid`, `online` or `inactive`.
    attendance_option: String,
    /// The group that holds it.
    group: Option<String>,
    /// The group's web site.
    website: Option<String>,
    /// Service bodies below the filtered one, down to the meeting's own.
    regions: Option<Vec<String>>,
    /// The meeting on Lantern.
    url: String,
    /// Last change, `YYYY-MM-DD HH:MM:SS` UTC.
    updated: String,
    /// The service body's name.
    entity: String,
    /// Its web site.
    entity_url: Option<String>,
    /// Its public e-mail address.
    entity_email: Option<String>,
    /// Its public phone number.
    entity_phone: Option<String>,
}
