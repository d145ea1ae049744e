//! `POST /v1/meetings`, `PUT`/`PATCH`/`DELETE /v1/meetings/{id}`, `POST …/restore` and
//! `GET …/history`: the publishing API for meetings.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::json::MeetingResponse;
use super::request::{PublishMeetingRequest, RestoreRequest, decode_meeting, patch_base};
use crate::domain::meeting::Meeting;
use crate::http::changes::json::{ChangeResponse, HistoryResponse};
use crate::http::extract::auth::{IfMatch, blocking, key_holder};
use crate::http::extract::body::{decode, json_object, merge_patch};
use crate::http::extract::path::{MeetingPath, Path};
use crate::http::extract::problem::{ApiError, Problem};
use crate::http::extract::write::{no_body, write, written};
use crate::service::Lantern;

/// A written meeting: its owner's view, with its version as the `ETag`.
fn written_meeting(req: &HttpRequest, status: StatusCode, meeting: &Meeting) -> HttpResponse {
    let path = format!("/v1/meetings/{}", meeting.id);
    written(req, status, meeting.version, &path, &MeetingResponse::with_private(meeting))
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
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The key may not publish to that service body"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Every broken rule, per field"),
    )
)]
#[post("/meetings")]
pub async fn create_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let meeting =
        write(&req, &lantern, &body, json_object, |l, w| l.create_meeting(&w.caller, decode_meeting(&w.body))).await?;
    Ok(written_meeting(&req, StatusCode::CREATED, &meeting))
}

/// Replaces a meeting. `If-Match` (optional) must name its current version, else 412; keys
/// without rights to the meeting get 403 whether or not it exists.
#[utoipa::path(
    tag = "publishing",
    params(MeetingPath, IfMatch),
    request_body = PublishMeetingRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "Replaced; `ETag` is the new version"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such meeting (admin keys)"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "Stale `If-Match`"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/meetings/{id}")]
pub async fn replace_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let meeting = write(&req, &lantern, &body, json_object, move |l, w| {
        l.update_meeting(&w.caller, id, &w.precondition, |_| decode_meeting(&w.body))
    })
    .await?;
    Ok(written_meeting(&req, StatusCode::OK, &meeting))
}

/// Changes some fields of a meeting with a JSON merge patch (RFC 7396: `null` removes a field).
/// A derived zone is derived again unless the patch names one.
#[utoipa::path(
    tag = "publishing",
    params(MeetingPath, IfMatch),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "The fields to change, shaped like the meeting"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "Changed; `ETag` is the new version"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/meetings/{id}")]
pub async fn patch_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let meeting = write(&req, &lantern, &body, json_object, move |l, w| {
        let edit = |current: &Meeting| {
            let mut merged = patch_base(current);
            merge_patch(&mut merged, &w.body);
            decode_meeting(&merged)
        };
        l.update_meeting(&w.caller, id, &w.precondition, edit)
    })
    .await?;
    Ok(written_meeting(&req, StatusCode::OK, &meeting))
}

/// Deletes a meeting (softly: `POST …/restore` brings it back). It leaves searches at once.
#[utoipa::path(
    tag = "publishing",
    params(MeetingPath, IfMatch),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/meetings/{id}")]
pub async fn delete_meeting(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    write(&req, &lantern, &[], no_body, move |l, w| l.delete_meeting(&w.caller, id, &w.precondition)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Undeletes a meeting (empty body), or rolls it back to the state recorded after change `seq`
/// of its history (undeleting it too). The restored state must pass today's rules.
#[utoipa::path(
    tag = "publishing",
    params(MeetingPath, IfMatch),
    request_body(content = Option<RestoreRequest>, description = "Absent or `{}` to undelete; `{\"seq\": n}` to roll back"),
    security(("api_key" = [])),
    responses(
        (status = 200, body = MeetingResponse, description = "Restored; `ETag` is the new version"),
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
    path: Path<MeetingPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    // No body at all means "undelete"; anything else must be the JSON object (a body of blanks is
    // not JSON, and says nothing).
    let decode_restore = |bytes: &[u8]| {
        if bytes.is_empty() { Ok(None) } else { decode::<RestoreRequest>(bytes).map(|r| r.seq) }
    };
    let meeting = write(&req, &lantern, &body, decode_restore, move |l, w| {
        l.restore_meeting(&w.caller, id, &w.precondition, w.body)
    })
    .await?;
    Ok(written_meeting(&req, StatusCode::OK, &meeting))
}

/// Every recorded change of a meeting, oldest first, with whole before/after states and who made
/// them; for keys with rights to its service body.
#[utoipa::path(
    tag = "publishing",
    params(MeetingPath),
    security(("api_key" = [])),
    responses(
        (status = 200, body = HistoryResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/history")]
pub async fn meeting_history(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    path: Path<MeetingPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.0.id;
    let caller = key_holder(&req, &lantern).await?;
    let changes = blocking(&lantern, move |l| l.meeting_history(&caller, id)).await?;
    let results = changes.iter().map(|c| ChangeResponse::new(c, true)).collect();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "private, no-cache")).json(HistoryResponse { results }))
}
