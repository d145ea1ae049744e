//! `POST /v1/meetings`, `PUT`/`PATCH`/`DELETE /v1/meetings/{id}`, `POST …/restore` and
//! `GET …/history`: the publishing API for meetings.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde_json::Value;

use super::auth::{blocking, json_body, key_holder, precondition, written};
use super::dto::MeetingResponse;
use super::history_dto::{ChangeResponse, HistoryResponse};
use super::json_fields::merge_patch;
use super::meeting_request::{decode_meeting, patch_base};
use super::problem::{ApiError, Problem};
use super::write_dto::{PublishMeetingRequest, RestoreRequest};
use crate::domain::ids::MeetingId;
use crate::domain::meeting::Meeting;
use crate::service::Lantern;

fn meeting_id(raw: &str) -> Result<MeetingId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(format!("there is no meeting `{raw}`")))
}

/// A written meeting: its owner's view, with its version as the `ETag`.
fn written_meeting(status: actix_web::http::StatusCode, meeting: &Meeting) -> HttpResponse {
    let location = format!("/v1/meetings/{}", meeting.id);
    written(status, meeting.version, &location, &MeetingResponse::with_private(meeting))
}

/// Creates a meeting in a service body the key may publish to. Without `schedule.time_zone`
/// the zone is derived from the coordinates (else the service body's zone) and
/// `schedule.time_zone_derived` is `true`. Bodies over 64 KiB are refused with 413.
#[utoipa::path(
    tag = "publishing",
    request_body = PublishMeetingRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, body = MeetingResponse, description = "Created; `Location` names it, `ETag` is its version"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "No key, or a bad one"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The key may not publish to that service body"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Every broken rule, per field"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failed authentications; see `Retry-After`"),
    )
)]
#[post("/meetings")]
pub async fn create_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = key_holder(&req, &lantern).await?;
    let body: Value = json_body(&body)?;
    let write = decode_meeting(&body);
    let meeting = blocking(&lantern, move |l| l.create_meeting(&caller, write)).await?;
    Ok(written_meeting(actix_web::http::StatusCode::CREATED, &meeting))
}

/// Replaces a meeting. `If-Match` (optional) must name its current version, else 412; keys
/// without rights to the meeting get 403 whether or not it exists.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`: write only if the meeting is still at that version")),
    request_body = PublishMeetingRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "Replaced; `ETag` is the new version"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting (admin keys)"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "Stale `If-Match`"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/meetings/{id}")]
pub async fn replace_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let body: Value = json_body(&body)?;
    let precondition = precondition(&req);
    let meeting =
        blocking(&lantern, move |l| l.update_meeting(&caller, id, &precondition, |_| decode_meeting(&body))).await?;
    Ok(written_meeting(actix_web::http::StatusCode::OK, &meeting))
}

/// Changes some fields of a meeting with a JSON merge patch (RFC 7396: `null` removes a field).
/// A derived zone is derived again unless the patch names one.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`: write only if the meeting is still at that version")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "The fields to change, shaped like the meeting"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "Changed; `ETag` is the new version"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/meetings/{id}")]
pub async fn patch_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let body: Value = json_body(&body)?;
    let precondition = precondition(&req);
    let patch = body;
    let edit = move |current: &Meeting| {
        let mut merged = patch_base(current);
        merge_patch(&mut merged, &patch);
        decode_meeting(&merged)
    };
    let meeting = blocking(&lantern, move |l| l.update_meeting(&caller, id, &precondition, edit)).await?;
    Ok(written_meeting(actix_web::http::StatusCode::OK, &meeting))
}

/// Deletes a meeting (softly: `POST …/restore` brings it back). It leaves searches at once.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`: delete only if the meeting is still at that version")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/meetings/{id}")]
pub async fn delete_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let precondition = precondition(&req);
    blocking(&lantern, move |l| l.delete_meeting(&caller, id, &precondition)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Undeletes a meeting (empty body), or rolls it back to the state recorded after change `seq`
/// of its history (undeleting it too). The restored state must pass today's rules.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "`\"<version>\"`")),
    request_body(content = Option<RestoreRequest>, description = "Absent or `{}` to undelete; `{\"seq\": n}` to roll back"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "Restored; `ETag` is the new version"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not deleted, and no `seq` given"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`seq` is not a state of this meeting, or the state breaks today's rules"),
    )
)]
#[post("/meetings/{id}/restore")]
pub async fn restore_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let precondition = precondition(&req);
    let seq = if body.iter().all(u8::is_ascii_whitespace) { None } else { json_body::<RestoreRequest>(&body)?.seq };
    let meeting = blocking(&lantern, move |l| l.restore_meeting(&caller, id, &precondition, seq)).await?;
    Ok(written_meeting(actix_web::http::StatusCode::OK, &meeting))
}

/// Every recorded change of a meeting, oldest first, with whole before/after states and who made
/// them; for keys with rights to its service body.
#[utoipa::path(
    tag = "publishing",
    params(("id" = i64, Path, description = "Meeting id")),
    security(("api_key" = [])),
    responses(
        (status = 200, body = HistoryResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/history")]
pub async fn meeting_history(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&id)?;
    let caller = key_holder(&req, &lantern).await?;
    let changes = blocking(&lantern, move |l| l.meeting_history(&caller, id)).await?;
    let results = changes.iter().map(|c| ChangeResponse::new(c, true)).collect();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "private, no-cache")).json(HistoryResponse { results }))
}
