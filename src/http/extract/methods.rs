//! Requests no route serves: `405 Method Not Allowed` with `Allow` for a known path asked with a
//! method it does not serve (`TRACE` included), `404` for anything else. The known paths and their
//! methods come from the OpenAPI document, so they cannot drift from the route table.

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::path::{Operation, PathItem};

use super::problem::ApiError;

/// Every documented path template (`/v1/meetings/{id}`) with the methods it serves.
#[derive(Debug, Default)]
pub struct KnownRoutes(Vec<(Vec<String>, Vec<&'static str>)>);

/// The operations of a path item with their method names.
fn operations(item: &PathItem) -> impl Iterator<Item = (&'static str, &Operation)> {
    [
        ("GET", &item.get),
        ("PUT", &item.put),
        ("POST", &item.post),
        ("DELETE", &item.delete),
        ("OPTIONS", &item.options),
        ("HEAD", &item.head),
        ("PATCH", &item.patch),
        ("TRACE", &item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
}

/// The operations of a path item, to amend.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').map(str::to_owned).collect()
}

impl KnownRoutes {
    /// The paths of a document.
    pub fn new(api: &utoipa::openapi::OpenApi) -> Self {
        let routes =
            api.paths.paths.iter().map(|(path, item)| (segments(path), operations(item).map(|(m, _)| m).collect()));
        Self(routes.collect())
    }

    /// The methods `path` serves: those of a template whose fixed segments all match (fewer
    /// placeholders win, so `/v1/meetings/nearby` is not read as `/v1/meetings/{id}`).
    pub fn allowed(&self, path: &str) -> Option<&[&'static str]> {
        let wanted = segments(path);
        self.0
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()))
            })
            .min_by_key(|(template, _)| template.iter().filter(|t| t.starts_with('{')).count())
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The 405 for a request whose path is known but whose method it does not serve, if it is one.
/// Routing may have matched a placeholder route (`PUT /v1/meetings/nearby` reaches
/// `/v1/meetings/{id}`); the path extractor asks this before it calls the id unknown.
pub fn not_allowed(req: &HttpRequest) -> Option<ApiError> {
    let known = req.app_data::<web::Data<KnownRoutes>>()?;
    let methods = known.allowed(req.path())?;
    (!methods.contains(&req.method().as_str())).then(|| ApiError::MethodNotAllowed(methods.join(", ")))
}

/// Answers what no route served: 405 with `Allow` for a known path, else 404.
pub async fn unrouted(req: HttpRequest) -> HttpResponse {
    not_allowed(&req).unwrap_or_else(|| ApiError::NotFound("no such resource".into())).error_response_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_segments_win_over_placeholders_and_unknown_paths_have_no_methods() {
        let api = crate::http::openapi();
        let known = KnownRoutes::new(&api);
        assert_eq!(known.allowed("/v1/meetings/nearby"), Some(&["GET"][..]));
        let by_id = known.allowed("/v1/meetings/abc").unwrap_or_default();
        assert_eq!(by_id, ["GET", "PUT", "DELETE", "PATCH"]);
        assert_eq!(known.allowed("/v1/meetings/"), None);
        assert_eq!(known.allowed("/v1/nothing"), None);
        assert_eq!(known.allowed("/v1/meetings/7/unknown"), None);
    }
}
