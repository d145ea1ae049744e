//! Who is calling (`Authorization: Bearer <key>`), `If-Match` preconditions, and running
//! blocking service calls off the actix workers.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use utoipa::IntoParams;

use super::problem::ApiError;
use crate::domain::access::Caller;
use crate::service::error::FieldErrors;
use crate::service::publish::Precondition;
use crate::service::{Lantern, ServiceError};

/// Runs a blocking service call on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    lantern: &web::Data<Lantern>,
    f: impl FnOnce(&Lantern) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ApiError> {
    let lantern = lantern.clone();
    web::block(move || f(&lantern)).await.map_err(|e| ApiError::Internal(e.to_string()))?.map_err(ApiError::from)
}

/// The caller: the public without an `Authorization` header (an empty one counts as absent),
/// else the key it names (401 for a bad one; 429 once an address keeps sending bad ones).
pub async fn caller(req: &HttpRequest, lantern: &web::Data<Lantern>) -> Result<Caller, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(Caller::Public) };
    // Anything but a bearer token is a failed authentication too, and counts towards 429.
    let raw = value.to_str().unwrap_or("?").trim();
    let token = if raw == "Bearer" { "" } else { raw.strip_prefix("Bearer ").map_or(raw, str::trim) }.to_owned();
    if token.is_empty() {
        return Ok(Caller::Public);
    }
    // Behind a trusted proxy, the client it forwarded for (see `--trusted-proxy`).
    let peer = match req.app_data::<web::Data<crate::http::limits::Limits>>() {
        Some(limits) => limits.client_bucket(req),
        None => req.peer_addr().map(|a| a.ip()),
    };
    blocking(lantern, move |l| l.authenticate(&token, peer)).await
}

/// The caller of an endpoint that always needs a key: 401 without one, before anything else is read.
pub async fn key_holder(req: &HttpRequest, lantern: &web::Data<Lantern>) -> Result<Caller, ApiError> {
    match caller(req, lantern).await? {
        Caller::Public => Err(ApiError::Unauthorized("this needs an API key: `Authorization: Bearer <key>`".into())),
        known => Ok(known),
    }
}

/// The `If-Match` header of a write, as documented; the precondition it states is read by
/// [`precondition`].
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatch {
    /// `"<version>"` (the record's `ETag`), a list of them, or `*`: write only if the record is
    /// still at one of them, else 412. Weak tags never match (strong comparison); an empty value
    /// is no condition; anything else is 400.
    #[param(rename = "If-Match", value_type = String, required = false, pattern = r#"^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)?$"#)]
    pub if_match: Option<String>,
}

/// What `If-Match` asks: absent (or empty), `*`, or a list of entity tags, of which the strong
/// ones naming a version (`"7"`) can match. A header that is not a list of entity tags is 400.
pub fn precondition(req: &HttpRequest) -> Result<Precondition, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(Precondition::None) };
    let malformed = || ApiError::BadRequest {
        detail: "`If-Match` must be `*` or a list of entity tags like \"7\"".to_owned(),
        errors: FieldErrors::from([("If-Match".to_owned(), vec!["is not `*` or a list of entity tags".to_owned()])]),
    };
    let value = value.to_str().map_err(|_| malformed())?.trim();
    match value {
        "" => return Ok(Precondition::None),
        "*" => return Ok(Precondition::Exists),
        _ => {}
    }
    let versions = entity_tags(value).ok_or_else(malformed)?;
    // Weak tags and tags that name no version can never match under strong comparison.
    let versions = versions.into_iter().filter(|(weak, _)| !weak).filter_map(|(_, tag)| tag.parse().ok()).collect();
    Ok(Precondition::Versions(versions))
}

/// Splits a list of entity tags (RFC 9110 §8.8.3) exactly as `IfMatch` documents it: `W/`-optional
/// quoted tags of `!` and `#`…`~`, separated by a comma and optional spaces (a comma inside quotes
/// belongs to the tag). `None` when the value is not such a list.
fn entity_tags(value: &str) -> Option<Vec<(bool, &str)>> {
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        let (weak, quoted) = rest.strip_prefix("W/").map_or((false, rest), |r| (true, r));
        let body = quoted.strip_prefix('"')?;
        let end = body.find('"')?;
        let tag = &body[..end];
        if !tag.bytes().all(|b| b == b'!' || (b'#'..=b'~').contains(&b)) {
            return None;
        }
        tags.push((weak, tag));
        rest = body[end + 1..].trim_start_matches(' ');
        if rest.is_empty() {
            return Some(tags);
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    }
}

/// The strong entity tag of a record at a version.
pub fn version_tag(version: i64) -> header::EntityTag {
    header::EntityTag::new_strong(version.to_string())
}

#[cfg(test)]
mod tests {
    use super::entity_tags;

    #[test]
    fn entity_tag_lists_split_on_commas_outside_quotes_only() {
        assert_eq!(entity_tags(r#""1""#), Some(vec![(false, "1")]));
        assert_eq!(entity_tags(r#"W/"a,b" ,  "7""#), Some(vec![(true, "a,b"), (false, "7")]));
        assert_eq!(entity_tags(r#""""#), Some(vec![(false, "")]));
        for bad in ["1", r#""1"#, r#""1" "2""#, r#", "1""#, r#""1",,"2""#, r#""a b""#, r#"w/"1""#, "null", "{}"] {
            assert_eq!(entity_tags(bad), None, "{bad}");
        }
    }
}
