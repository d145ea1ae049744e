//! `/client_interface/json/` and `/client_interface/jsonp/`: BMLT's semantic interface, so that NA
//! clients (crouton, bread, Yap, the meeting-search apps) can point at Lantern unchanged. The
//! shapes and keys are BMLT 3.x/4.x's (values as strings, as its servers write them); the answers
//! are Lantern's: exact nearest N, haversine distances, monthly weeks said in `comments`, `TC`
//! on meetings suspended now. NA meetings only unless `fellowship=` says otherwise.

pub mod params;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde_json::{Value, json};

use super::extract::params::{HourOfDay, MinuteOfHour};
use super::extract::problem::{ApiError, Problem};
use super::extract::public_url::PublicUrl;
use super::extract::query::Query;
use crate::domain::bmlt::search::{Include, KM_PER_MILE, SearchQuery, Width, search};
use crate::domain::bmlt::{Format, FormatTable, MEETING_KEYS, Row, RowContext};
use crate::domain::directory::Directory;
use crate::domain::geo::Coordinates;
use crate::domain::ids::FellowshipCode;
use crate::domain::service_body::ServiceBodyKind;
use crate::service::Lantern;
use crate::service::error::FieldErrors;
use params::{JsonpParams, SemanticParams, Signed, Switcher};

/// The BMLT version whose answers these follow.
const BMLT_VERSION: (&str, &str) = ("4.0.0", "4000000");

fn included<T: Clone, U>(items: &[Signed<T>], map: impl Fn(&T) -> U) -> Include<U> {
    Include {
        any: items.iter().filter(|s| !s.exclude).map(|s| map(&s.value)).collect(),
        none: items.iter().filter(|s| s.exclude).map(|s| map(&s.value)).collect(),
    }
}

fn minutes(h: Option<HourOfDay>, m: Option<MinuteOfHour>) -> Option<u32> {
    (h.is_some() || m.is_some()).then(|| u32::from(h.map_or(0, |h| h.get())) * 60 + u32::from(m.map_or(0, |m| m.get())))
}

/// The server's setting: which fellowships the interface serves when a request names none
/// (`--bmlt-fellowships`; NA when unset).
#[derive(Debug, Clone)]
pub struct BmltSettings {
    /// The fellowships served by default.
    pub fellowships: Vec<FellowshipCode>,
}

impl Default for BmltSettings {
    fn default() -> Self {
        Self { fellowships: vec!["na".parse().unwrap_or_else(|_| unreachable!("a valid code"))] }
    }
}

/// The fellowships served: `fellowship=` when given (each must exist), else the server's setting.
fn served(
    directory: &Directory,
    asked: &[FellowshipCode],
    default: &[FellowshipCode],
) -> Result<Vec<FellowshipCode>, ApiError> {
    if asked.is_empty() {
        return Ok(default.to_vec());
    }
    let unknown: Vec<String> = asked
        .iter()
        .filter(|f| directory.fellowship(f).is_none())
        .map(|f| format!("`{f}` is not a known fellowship"))
        .collect();
    if unknown.is_empty() {
        Ok(asked.to_vec())
    } else {
        Err(ApiError::UnknownReference(FieldErrors::from([("fellowship".to_owned(), unknown)])))
    }
}

fn search_query(p: &SemanticParams) -> SearchQuery {
    let point = match (p.lat_val, p.long_val) {
        (Some(lat), Some(lon)) => Coordinates::new(lat.get(), lon.get()).ok(),
        _ => None,
    };
    // A negative width counts rows, in either unit; a positive one is a radius.
    let width = match (p.geo_width_km.map(|w| w.get()), p.geo_width.map(|w| w.get())) {
        (Some(w), _) | (None, Some(w)) if w < 0.0 => Width::Nearest((-w).round().max(1.0) as usize),
        (Some(km), _) => Width::Radius(km),
        (None, Some(miles)) => Width::Radius(miles * KM_PER_MILE),
        (None, None) => Width::Radius(f64::INFINITY),
    };
    let near = point.map(|point| (point, width));
    let min = |h, m| minutes(h, m);
    SearchQuery {
        near,
        weekdays: included(&p.weekdays, |d| d.0),
        venue_types: included(&p.venue_types, |v| v.0),
        formats: included(&p.formats, |f| f.0.clone()),
        all_formats: p.formats_comparison_operator.as_deref() == Some("AND"),
        services: included(&p.services, |s| *s),
        recursive: p.recursive.is_some_and(|r| r.0),
        text: p.search_string.clone().filter(|s| !s.trim().is_empty()),
        meeting_ids: p.meeting_ids.clone(),
        starts_after: min(p.starts_after_h, p.starts_after_m),
        starts_before: min(p.starts_before_h, p.starts_before_m),
        ends_before: min(p.ends_before_h, p.ends_before_m),
        min_duration: min(p.min_duration_h, p.min_duration_m),
        max_duration: min(p.max_duration_h, p.max_duration_m),
        sort_by_distance: p.sort_results_by_distance.is_some_and(|s| s.0) && point.is_some(),
        sort_keys: p.sort_keys.iter().map(|k| k.0.clone()).collect(),
        page: p.page_size.map(|s| (s.get() as usize, p.page_num.map_or(1, |n| n.get() as usize))),
    }
}

fn format_json(f: &Format, root: &str) -> Value {
    json!({
        "key_string": f.key, "name_string": f.name, "description_string": f.description, "lang": "en",
        "id": f.id.to_string(), "world_id": f.world_id, "format_type_enum": f.format_type, "root_server_uri": root,
    })
}

fn body_type(kind: ServiceBodyKind) -> &'static str {
    match kind {
        ServiceBodyKind::Region => "RS",
        ServiceBodyKind::Area | ServiceBodyKind::District => "AS",
        ServiceBodyKind::Intergroup => "MA",
        ServiceBodyKind::Other => "",
    }
}

/// The answer to one question, as JSON.
fn respond(lantern: &Lantern, p: &SemanticParams, root: &str, settings: &BmltSettings) -> Result<Value, ApiError> {
    let directory = lantern.directory();
    let fellowships = served(&directory, &p.fellowship, &settings.fellowships)?;
    let table = FormatTable::new(lantern.vocabulary(), &fellowships);
    let now = lantern.clock().now();
    let ctx = RowContext { formats: &table, root_server_uri: root, now };
    // A well-formed key or id that names no format is a 404 naming it, as unknown codes are elsewhere.
    let mut unknown = FieldErrors::new();
    let named =
        p.formats.iter().map(|f| ("formats", &f.value.0)).chain(p.key_strings.iter().map(|k| ("key_strings", &k.0)));
    for (field, key) in named {
        if table.find(key).is_none() {
            unknown
                .entry(field.to_owned())
                .or_default()
                .push(format!("`{key}` is not a format key or id here (see GetFormats)"));
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::UnknownReference(unknown));
    }
    let served_meetings =
        || directory.meetings().filter(|m| m.data.published && fellowships.contains(&m.data.fellowship));
    Ok(match p.switcher {
        Switcher::GetSearchResults => {
            let mut rows = search(&directory, &fellowships, &search_query(p), &ctx);
            let used: BTreeSet<String> = rows
                .iter()
                .flat_map(|r| {
                    r.get("formats")
                        .map(|f| f.split(',').filter(|k| !k.is_empty()).map(str::to_owned).collect::<Vec<_>>())
                })
                .flatten()
                .collect();
            if !p.data_field_key.is_empty() {
                let keep: Vec<&str> = p.data_field_key.iter().map(|k| k.0.as_str()).collect();
                for row in &mut rows {
                    row.retain(|k, _| keep.contains(k));
                }
            }
            let meetings = Value::Array(rows.into_iter().map(row_json).collect());
            if p.get_used_formats {
                let formats: Vec<Value> =
                    table.formats().iter().filter(|f| used.contains(&f.key)).map(|f| format_json(f, root)).collect();
                json!({"meetings": meetings, "formats": formats})
            } else {
                meetings
            }
        }
        Switcher::GetFormats => {
            let used: BTreeSet<String> =
                served_meetings().flat_map(|m| table.of_meeting(m, now)).map(|f| f.key.clone()).collect();
            let show_all = p.show_all.is_some_and(|s| s.0);
            let keys: Vec<&str> =
                p.key_strings.iter().filter_map(|k| table.find(&k.0)).map(|f| f.key.as_str()).collect();
            let formats = table
                .formats()
                .iter()
                .filter(|f| show_all || used.contains(&f.key))
                .filter(|f| keys.is_empty() || keys.contains(&f.key.as_str()))
                .map(|f| format_json(f, root));
            Value::Array(formats.collect())
        }
        Switcher::GetServiceBodies => {
            let wanted = included(&p.services, |s| *s);
            let recursive = p.recursive.is_some_and(|r| r.0);
            let mut ids: BTreeSet<_> = directory
                .service_bodies()
                .filter(|b| b.data.fellowship.as_ref().is_none_or(|f| fellowships.contains(f)))
                .map(|b| b.id)
                .filter(|id| {
                    let within = |roots: &[crate::domain::ids::ServiceBodyId]| {
                        roots.iter().any(|r| r == id || (recursive && directory.is_within(*id, *r)))
                    };
                    (wanted.any.is_empty() || within(&wanted.any)) && !within(&wanted.none)
                })
                .collect();
            if p.parents.is_some_and(|b| b.0) {
                let mut ancestors = Vec::new();
                for id in &ids {
                    let mut at = directory.service_body(*id).and_then(|b| b.data.parent_id);
                    // Bounded by the number of bodies, so a corrupt cycle cannot loop forever.
                    for _ in 0..directory.service_bodies().count() {
                        let Some(parent) = at else { break };
                        ancestors.push(parent);
                        at = directory.service_body(parent).and_then(|b| b.data.parent_id);
                    }
                }
                ids.extend(ancestors);
            }
            let bodies = ids.into_iter().filter_map(|id| directory.service_body(id)).map(|b| {
                json!({
                    "id": b.id.to_string(),
                    "parent_id": b.data.parent_id.map_or("0".to_owned(), |p| p.to_string()),
                    "name": b.data.name, "description": "", "type": body_type(b.data.kind),
                    "url": b.data.website.clone().unwrap_or_default(),
                    "helpline": b.data.phone.clone().unwrap_or_default(), "world_id": "",
                })
            });
            Value::Array(bodies.collect())
        }
        Switcher::GetServerInfo => {
            let (lon, lat) = center(&coverage(served_meetings()));
            json!([{
                "version": BMLT_VERSION.0, "versionInt": BMLT_VERSION.1, "langs": "en", "nativeLang": "en",
                "centerLongitude": lon, "centerLatitude": lat, "centerZoom": "6", "defaultDuration": "01:00",
                "regionBias": "", "charSet": "UTF-8", "distanceUnits": "mi", "semanticAdmin": "0",
                "changesPerMeeting": "0", "meeting_states_and_provinces": "", "meeting_counties_and_sub_provinces": "",
                "available_keys": MEETING_KEYS.join(","), "google_api_key": "", "dbVersion": "", "dbPrefix": "",
                "phpVersion": "", "auto_geocoding_enabled": false, "county_auto_geocoding_enabled": false,
                "zip_auto_geocoding_enabled": false, "commit": "", "default_closed_status": true,
                "aggregator_mode_enabled": false,
            }])
        }
        Switcher::GetFieldKeys => {
            Value::Array(MEETING_KEYS.iter().map(|k| json!({"key": k, "description": k.replace('_', " ")})).collect())
        }
        Switcher::GetFieldValues => {
            let key = p.meeting_key.as_ref().map(|k| k.0.clone()).ok_or_else(|| {
                ApiError::invalid_query(FieldErrors::from([(
                    "meeting_key".to_owned(),
                    vec!["is required by GetFieldValues".to_owned()],
                )]))
            })?;
            let mut values: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
            for meeting in served_meetings() {
                for row in crate::domain::bmlt::rows(meeting, &ctx) {
                    if let Some(value) = row.get(key.as_str()) {
                        values.entry(value.clone()).or_default().insert(meeting.id.get());
                    }
                }
            }
            let entries = values.into_iter().map(|(value, ids)| {
                let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
                let mut entry = serde_json::Map::new();
                entry.insert(key.clone(), Value::String(value));
                entry.insert("ids".to_owned(), Value::String(ids.join(",")));
                Value::Object(entry)
            });
            Value::Array(entries.collect())
        }
        Switcher::GetChanges => changes(lantern, &directory, &fellowships, p)?,
        Switcher::GetCoverageArea => {
            let b = coverage(served_meetings());
            json!([{
                "nw_corner_longitude": b.map_or(String::new(), |b| b.0.to_string()),
                "nw_corner_latitude": b.map_or(String::new(), |b| b.3.to_string()),
                "se_corner_longitude": b.map_or(String::new(), |b| b.2.to_string()),
                "se_corner_latitude": b.map_or(String::new(), |b| b.1.to_string()),
            }])
        }
    })
}

/// The most changes one `GetChanges` answer lists (the oldest first).
const MAX_CHANGES: usize = 5000;

/// `GetChanges`: changes of published meetings of the fellowships served, between two dates.
fn changes(
    lantern: &Lantern,
    directory: &Directory,
    fellowships: &[FellowshipCode],
    p: &SemanticParams,
) -> Result<Value, ApiError> {
    let now = lantern.clock().now();
    let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let from = p.start_date.map_or(now - chrono::Duration::days(90), |d| midnight(d.0));
    let until = p.end_date.map_or(now + chrono::Duration::seconds(1), |d| midnight(d.0) + chrono::Duration::days(1));
    let mut shown = Vec::new();
    let mut after = 0;
    // Read in batches until MAX_CHANGES are shown: the filters below drop changes the SQL keeps.
    while shown.len() < MAX_CHANGES {
        let batch =
            lantern.meeting_changes_between(from, until, p.meeting_id, p.service_body_id, after, MAX_CHANGES)?;
        let Some(last) = batch.last().map(|c| c.seq) else { break };
        after = last;
        let full = batch.len() == MAX_CHANGES;
        shown.extend(batch.into_iter().filter_map(|c| change_json(directory, fellowships, c)));
        if !full {
            break;
        }
    }
    shown.truncate(MAX_CHANGES);
    Ok(Value::Array(shown))
}

/// One change as `GetChanges` lists it, if it is a change of a published meeting served.
fn change_json(
    directory: &Directory,
    fellowships: &[FellowshipCode],
    c: crate::service::history::ChangeEntry,
) -> Option<Value> {
    use crate::service::history::ChangeKind;
    use crate::service::history::Record;
    let meeting = |r: &Option<Record>| match r {
        Some(Record::Meeting(m)) if m.data.published && fellowships.contains(&m.data.fellowship) => Some(m.clone()),
        _ => None,
    };
    let shown = meeting(&c.after).or_else(|| meeting(&c.before))?;
    let (kind, details) = match c.change_kind {
        ChangeKind::Create => ("comdef_change_type_new", "The meeting was created."),
        ChangeKind::Update => ("comdef_change_type_change", "The meeting was changed."),
        ChangeKind::Delete => ("comdef_change_type_delete", "The meeting was deleted."),
        ChangeKind::Restore => ("comdef_change_type_rollback", "The meeting was restored."),
    };
    let body = shown.data.service_body_id;
    Some(json!({
        "date_int": c.at.timestamp().to_string(),
        "date_string": c.at.format("%-I:%M %p, %-m/%-d/%Y").to_string(),
        "change_type": kind, "change_id": c.seq.to_string(),
        "meeting_id": shown.id.to_string(), "meeting_name": shown.data.name,
        "user_id": "", "user_name": "",
        "service_body_id": body.to_string(),
        "service_body_name": directory.service_body(body).map(|b| b.data.name.clone()).unwrap_or_default(),
        "meeting_exists": if directory.meeting(shown.id).is_some() { "1" } else { "0" },
        "details": details,
    }))
}

/// (min lon, min lat, max lon, max lat) of the meetings with places.
fn coverage<'a>(
    meetings: impl Iterator<Item = &'a std::sync::Arc<crate::domain::meeting::Meeting>>,
) -> Option<(f64, f64, f64, f64)> {
    meetings.filter_map(|m| m.data.coordinates()).fold(None, |b, c| {
        let (lon, lat) = (c.longitude(), c.latitude());
        Some(match b {
            None => (lon, lat, lon, lat),
            Some((a, b, c, d)) => (a.min(lon), b.min(lat), c.max(lon), d.max(lat)),
        })
    })
}

fn center(b: &Option<(f64, f64, f64, f64)>) -> (String, String) {
    b.map_or((String::new(), String::new()), |(a, b, c, d)| (((a + c) / 2.0).to_string(), ((b + d) / 2.0).to_string()))
}

/// A semantic answer: an array (most switchers) or, with `get_used_formats`, an object with
/// `meetings` and `formats`. Every value in a meeting row or format is a string.
pub struct SemanticAnswer;

impl utoipa::PartialSchema for SemanticAnswer {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::Object)))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("meetings", ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::Object)))
                    .property("formats", ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::Object)))
                    .required("meetings")
                    .required("formats"),
            )
            .into()
    }
}

impl utoipa::ToSchema for SemanticAnswer {}

fn row_json(row: Row) -> Value {
    Value::Object(row.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect())
}

async fn answer(
    req: &HttpRequest,
    lantern: web::Data<Lantern>,
    p: SemanticParams,
    callback: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let root = PublicUrl::of(req).to_string();
    let settings = req.app_data::<BmltSettings>().cloned().unwrap_or_default();
    let body = web::block(move || respond(&lantern, &p, &root, &settings))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let json = serde_json::to_string(&body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "public, max-age=60"));
    Ok(match callback {
        Some(callback) => {
            response.content_type("application/javascript; charset=utf-8").body(format!("/**/{callback}({json});"))
        }
        None => response.content_type("application/json").body(json),
    })
}

macro_rules! semantic_routes {
    ($($json:ident, $json_path:literal, $jsonp:ident, $jsonp_path:literal;)*) => {$(
        /// BMLT's semantic interface, as JSON (see the `bmlt` tag's description for each switcher).
        #[utoipa::path(
            tag = "bmlt",
            params(SemanticParams),
            responses(
                (status = 200, description = "The answer, in BMLT's shape for the switcher", content_type = "application/json", body = SemanticAnswer),
                (status = 400, body = Problem, content_type = "application/problem+json", description = "An unknown switcher or a malformed parameter, each named"),
                (status = 404, body = Problem, content_type = "application/problem+json", description = "`fellowship` names a fellowship, or `formats`/`key_strings` a format, that does not exist"),
            )
        )]
        #[get($json_path)]
        pub async fn $json(req: HttpRequest, lantern: web::Data<Lantern>, query: Query<SemanticParams>) -> Result<HttpResponse, ApiError> {
            answer(&req, lantern, query.0, None).await
        }

        /// BMLT's semantic interface as JSONP: the JSON answer wrapped in `callback(…);`.
        #[utoipa::path(
            tag = "bmlt",
            params(JsonpParams),
            responses(
                (status = 200, description = "`callback(<the JSON answer>);`", content_type = "application/javascript", body = String),
                (status = 400, body = Problem, content_type = "application/problem+json", description = "A callback that is not a JavaScript identifier, an unknown switcher or a malformed parameter"),
                (status = 404, body = Problem, content_type = "application/problem+json", description = "`fellowship` names a fellowship, or `formats`/`key_strings` a format, that does not exist"),
            )
        )]
        #[get($jsonp_path)]
        pub async fn $jsonp(req: HttpRequest, lantern: web::Data<Lantern>, query: Query<JsonpParams>) -> Result<HttpResponse, ApiError> {
            let JsonpParams { semantic, callback } = query.0;
            answer(&req, lantern, semantic, Some(callback.callback)).await
        }
    )*};
}

semantic_routes! {
    semantic_json, "/client_interface/json/", semantic_jsonp, "/client_interface/jsonp/";
    semantic_json_bare, "/client_interface/json", semantic_jsonp_bare, "/client_interface/jsonp";
}
