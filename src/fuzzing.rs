//! Entry points for hostile input, shared by the `cargo fuzz` targets in `fuzz/` and the property
//! tests of the normal suite. Each takes arbitrary bytes, drives one parser or encoder with them, and
//! panics when a property fails (any other panic inside is a defect found too):
//! - the Meeting Guide importer reads any JSON into meetings or named rejections; what it accepts
//!   has a name, a valid slug, coordinates in range and encodes as a calendar event;
//! - the BMLT and the API's query-string extractors answer a value or a 400 that names a parameter;
//! - the merge-patch decoder is idempotent and leaves every value the patch sets;
//! - the iCalendar encoder writes CRLF lines of at most 75 octets, balanced `BEGIN`/`END`.

use std::sync::OnceLock;

use chrono::{TimeZone as _, Utc};
use serde_json::Value;

use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::Meeting;
use crate::domain::meeting_guide::import::{ImportContext, feed_items, read_record};
use crate::http::extract::problem::ApiError;
use crate::http::extract::query::{FromQuery, parse_query};

struct Fixed {
    vocabulary: crate::domain::vocabulary::Vocabulary,
    places: crate::domain::places::LazyGazetteer,
    zones: crate::domain::zones::ZoneFinder,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| Fixed {
        vocabulary: crate::domain::vocabulary::Vocabulary::builtin().unwrap_or_else(|e| panic!("vocabulary: {e}")),
        places: crate::domain::places::LazyGazetteer::default(),
        zones: crate::domain::zones::ZoneFinder::new(),
    })
}

/// Feeds `data` (JSON, or not) to the Meeting Guide importer, record by record.
pub fn meeting_guide_import(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let Ok(records) = feed_items(value) else { return };
    let fixed = fixed();
    let ctx = ImportContext {
        vocabulary: &fixed.vocabulary,
        places: &fixed.places,
        zones: &fixed.zones,
        fellowship: "aa".parse().unwrap_or_else(|_| unreachable!("a valid code")),
        service_body_id: ServiceBodyId::new(1).unwrap_or_else(|_| unreachable!("positive")),
        time_zone: None,
        body_zone: crate::domain::schedule::TimeZone::from(chrono_tz::America::Chicago),
    };
    for record in &records {
        let (read, _warnings) = read_record(record, &ctx);
        let Ok(imported) = read else { continue };
        let data = &imported.data;
        assert!(!data.name.trim().is_empty(), "an imported meeting has a name: {record}");
        assert!(!data.slug.to_string().is_empty(), "and a slug: {record}");
        if let Some(c) = data.location.as_ref().and_then(|l| l.coordinates.as_ref()) {
            let (lat, lon) = (c.latitude(), c.longitude());
            assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon), "coordinates: {record}");
        }
        let meeting = meeting_of(imported.data);
        check_calendar(&meeting);
        let mut csv = Vec::new();
        crate::domain::exports::csv::rows(&meeting, Some("Body"), &mut csv);
    }
}

/// Parses `data` as the query string of the BMLT interface (`/client_interface/json/` and `jsonp`).
pub fn bmlt_query(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    refused_with_names::<crate::http::bmlt::params::SemanticParams>(raw);
    refused_with_names::<crate::http::bmlt::params::JsonpParams>(raw);
}

/// Parses `data` as the query string of each of the API's searches and lists.
pub fn query_extractors(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    refused_with_names::<crate::http::search::NearbyQuery>(raw);
    refused_with_names::<crate::http::search::UpcomingQuery>(raw);
    refused_with_names::<crate::http::meetings::ListQuery>(raw);
    refused_with_names::<crate::http::meetings::ExportQuery>(raw);
    refused_with_names::<crate::http::changes::ChangesParams>(raw);
    refused_with_names::<crate::http::places::PlacesQuery>(raw);
}

/// A query string is read or refused with 400 naming at least one parameter, never anything else.
fn refused_with_names<T: FromQuery>(raw: &str) {
    match parse_query::<T>(raw) {
        Ok(_) => {}
        Err(ApiError::BadRequest { errors, .. }) => assert!(!errors.is_empty(), "a 400 names a parameter: {raw:?}"),
        Err(other) => panic!("a query string answered {other:?}: {raw:?}"),
    }
}

/// Reads `data` as two JSON values, a document and a patch, and applies the patch (RFC 7396).
pub fn merge_patch(data: &[u8]) {
    let mut values = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    let (Some(Ok(mut target)), Some(Ok(patch))) = (values.next(), values.next()) else { return };
    crate::http::extract::body::merge_patch(&mut target, &patch);
    let once = target.clone();
    crate::http::extract::body::merge_patch(&mut target, &patch);
    assert_eq!(target, once, "a merge patch applied twice is applied once");
    holds_patch(&once, &patch);
    // What a PATCH of a meeting does with the merged document: decode it, reporting, never panicking.
    let _ = crate::http::meetings::request::decode_meeting(&once);
}

/// Every value the patch sets is in the result; every key it nulls is gone.
fn holds_patch(result: &Value, patch: &Value) {
    match (result, patch) {
        (Value::Object(fields), Value::Object(changes)) => {
            for (key, change) in changes {
                match (fields.get(key), change) {
                    (None, Value::Null) => {}
                    (Some(_), Value::Null) => panic!("`{key}` was removed by the patch"),
                    (Some(value), change) => holds_patch(value, change),
                    (None, _) => panic!("`{key}` was set by the patch"),
                }
            }
        }
        (result, Value::Object(_)) => panic!("an object patch makes an object, not {result}"),
        (result, patch) => assert_eq!(result, patch),
    }
}

/// Decodes `data` as a meeting as the API would accept it and encodes it as a calendar event.
pub fn ical_encoder(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let write = crate::http::meetings::request::decode_meeting(&body);
    if !write.problems.is_empty() {
        return;
    }
    check_calendar(&meeting_of(write.data));
}

fn meeting_of(data: crate::domain::meeting::MeetingData) -> Meeting {
    let at = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().unwrap_or_else(|| unreachable!("valid"));
    Meeting {
        id: MeetingId::new(7).unwrap_or_else(|_| unreachable!("positive")),
        data,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// The event's text is lines of at most 75 octets, each ending in CRLF, with no other CR or LF, and
/// its `BEGIN`s and `END`s balance.
fn check_calendar(meeting: &Meeting) {
    let now = meeting.created_at;
    let ctx = crate::domain::exports::ical::EventContext {
        base_url: "https://lantern.example.org",
        host: "lantern.example.org",
        now,
    };
    let event = crate::domain::exports::ical::event(meeting, &ctx);
    let text = String::from_utf8(event).unwrap_or_else(|e| panic!("an event is UTF-8: {e}"));
    if text.is_empty() {
        return;
    }
    assert!(text.ends_with("\r\n"), "{text:?}");
    let mut depth = 0i32;
    for line in text.trim_end_matches("\r\n").split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line:?}", line.len());
        assert!(!line.contains(['\r', '\n']), "a bare CR or LF: {line:?}");
        if line.starts_with("BEGIN:") {
            depth += 1;
        } else if line.starts_with("END:") {
            depth -= 1;
            assert!(depth >= 0, "END before BEGIN: {text:?}");
        }
    }
    assert_eq!(depth, 0, "BEGIN and END balance: {text:?}");
}

#[cfg(test)]
mod tests {
    //! The fuzz targets' inputs in short: generated feeds, query strings, patches and meetings,
    //! shaped like the real ones so that most get past the first check.

    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{0,20}",
            "[\\PC]{0,12}",
            Just("19:30".to_owned()),
            Just("24:00".to_owned()),
            Just("America/Chicago".to_owned()),
            Just("Europe/Berlin".to_owned()),
            Just("O".to_owned()),
            Just("https://example.org/x".to_owned()),
            Just("2026-03-08".to_owned()),
            "x{70,200}",
            "é{30,90}",
        ]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-200i64..200).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-200.0f64..200.0).prop_map(Value::from),
            text().prop_map(Value::String),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const MG_KEYS: &[&str] = &[
        "name",
        "slug",
        "day",
        "time",
        "end_time",
        "timezone",
        "latitude",
        "longitude",
        "types",
        "address",
        "city",
        "state",
        "postal_code",
        "country",
        "formatted_address",
        "conference_url",
        "conference_phone",
        "notes",
        "location",
        "location_notes",
        "group",
        "website",
        "email",
        "phone",
        "attendance_option",
    ];

    fn record() -> impl Strategy<Value = Value> {
        let field = (
            prop::sample::select(MG_KEYS),
            prop_oneof![leaf(), value(), prop::collection::vec(leaf(), 0..4).prop_map(Value::Array)],
        );
        prop::collection::vec(field, 0..12).prop_map(|fields| {
            let mut record = Map::new();
            record.insert("name".into(), json!("Base Group"));
            record.insert("day".into(), json!(3));
            record.insert("time".into(), json!("19:00"));
            record.insert("latitude".into(), json!(39.0));
            record.insert("longitude".into(), json!(-94.6));
            for (key, value) in fields {
                record.insert(key.to_owned(), value);
            }
            Value::Object(record)
        })
    }

    const PARAMS: &[&str] = &[
        "lat",
        "lon",
        "radius_km",
        "limit",
        "at",
        "types",
        "exclude_types",
        "attendance",
        "language",
        "fellowship",
        "service_body",
        "bbox",
        "updated_since",
        "q",
        "cursor",
        "sort",
        "starting_within",
        "include_in_progress",
        "after",
        "kinds",
        "from",
        "until",
        "switcher",
        "lat_val",
        "long_val",
        "geo_width",
        "geo_width_km",
        "weekdays",
        "weekdays[]",
        "venue_types",
        "formats",
        "services[]",
        "data_field_key",
        "callback",
        "meeting_ids",
        "start_date",
        "end_date",
        "page_size",
        "page_num",
        "sort_keys",
        "recursive",
        "near",
    ];

    fn query() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            text(),
            "-?[0-9]{1,4}(\\.[0-9]{1,8})?",
            Just("NaN".to_owned()),
            Just("1e308".to_owned()),
            Just("GetSearchResults".to_owned()),
            Just("GetChanges".to_owned()),
            "%[0-9A-Fa-f]{2}",
            "[0-9,\\-]{0,12}",
        ];
        prop::collection::vec((prop::sample::select(PARAMS), value, any::<bool>()), 0..8).prop_map(|pairs| {
            let parts: Vec<String> = pairs
                .into_iter()
                .map(|(k, v, encode)| {
                    let v = if encode { form_urlencoded::byte_serialize(v.as_bytes()).collect() } else { v };
                    format!("{k}={v}")
                })
                .collect();
            parts.join("&")
        })
    }

    fn meeting() -> impl Strategy<Value = Value> {
        let zone = prop::sample::select(vec![
            "Europe/Berlin",
            "Australia/Lord_Howe",
            "America/Havana",
            "Pacific/Chatham",
            "Asia/Kolkata",
            "Pacific/Apia",
            "America/Santiago",
            "UTC",
        ]);
        let day =
            prop::sample::select(vec!["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]);
        (
            zone,
            prop::collection::vec(day, 1..4),
            0u32..24,
            0u32..60,
            1u32..1441,
            text(),
            text(),
            prop::collection::vec(prop::sample::select(vec![1i64, 2, 3, 4, -1]), 0..3),
            prop::collection::vec("202[5-8]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])", 0..3),
            prop::option::of("202[5-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"),
        )
            .prop_map(|(zone, days, h, m, minutes, name, notes, weeks, dates, until)| {
                json!({
                    "name": format!("Meeting {name}"),
                    "fellowship": "aa", "service_body_id": 1, "attendance": "hybrid",
                    "schedule": {"days": days, "start_time": format!("{h:02}:{m:02}"), "duration_minutes": minutes,
                                 "time_zone": zone, "weeks_of_month": weeks},
                    "location": {"name": notes.clone(), "latitude": 10.0, "longitude": 20.0},
                    "online": {"conference_url": "https://zoom.us/j/1"},
                    "notes": notes, "types": ["O"], "languages": ["en"],
                    "closures": {"dates": dates, "suspended_until": until},
                })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_meeting_guide_importer_reads_any_record(records in prop::collection::vec(record(), 1..6)) {
            super::meeting_guide_import(Value::Array(records).to_string().as_bytes());
        }

        #[test]
        fn the_importer_survives_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            super::meeting_guide_import(&bytes);
        }

        #[test]
        fn query_strings_are_read_or_refused_with_names(raw in query()) {
            super::query_extractors(raw.as_bytes());
            super::bmlt_query(raw.as_bytes());
        }

        #[test]
        fn merge_patches_are_idempotent_and_keep_what_they_set(target in value(), patch in value()) {
            super::merge_patch(format!("{target} {patch}").as_bytes());
        }

        #[test]
        fn calendar_events_are_well_formed(meeting in meeting()) {
            let write = crate::http::meetings::request::decode_meeting(&meeting);
            prop_assert!(write.problems.is_empty(), "the generator makes valid meetings: {:?}", write.problems);
            super::ical_encoder(meeting.to_string().as_bytes());
        }
    }

    /// The seeds the fuzz targets start from are read (the importer accepts the real feeds' records).
    #[test]
    fn the_fuzz_seeds_pass() {
        for target in ["meeting_guide_import", "bmlt_query", "query_extractors", "merge_patch", "ical_encoder"] {
            let dir = format!("{}/fuzz/seeds/{target}", env!("CARGO_MANIFEST_DIR"));
            let mut read = 0;
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
                let bytes =
                    std::fs::read(entry.unwrap_or_else(|e| panic!("{e}")).path()).unwrap_or_else(|e| panic!("{e}"));
                match target {
                    "meeting_guide_import" => super::meeting_guide_import(&bytes),
                    "bmlt_query" => super::bmlt_query(&bytes),
                    "query_extractors" => super::query_extractors(&bytes),
                    "merge_patch" => super::merge_patch(&bytes),
                    _ => super::ical_encoder(&bytes),
                }
                read += 1;
            }
            assert!(read > 0, "{target} has seeds");
        }
    }
}
