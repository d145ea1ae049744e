//! A BMLT root server's answers (`GetServiceBodies`, `GetFormats`, `GetSearchResults`) read into
//! service bodies and meetings.
//!
//! Each meeting row is restated as the Meeting Guide record it amounts to and read by the Meeting
//! Guide reader, so both imports share one set of rules for times, places, zones, links and the
//! sentences Lantern writes into notes; what BMLT says better (the duration, the venue type, the
//! formats) is then set from the row itself. Rows of one group at the same place and time with the
//! same name merge into one multi-day meeting.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{CLOSED, HYBRID, VIRTUAL};
use crate::domain::ids::{FellowshipCode, LanguageCode, Slug, TypeCode};
use crate::domain::meeting::Attendance;
use crate::domain::meeting_guide::import::{ImportContext, ImportedMeeting, Rejection, Warning, read_record};
use crate::domain::meeting_guide::{Sentence, split_notes};
use crate::domain::rules;
use crate::domain::schedule::DEFAULT_DURATION_MINUTES;
use crate::domain::service_body::ServiceBodyKind;
use crate::domain::vocabulary::{FormatMeaning, Vocabulary};

/// A service body as `GetServiceBodies` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceBody {
    /// The server's id for it.
    pub id: String,
    /// Its parent's id on the server, `None` for a root (or a parent the answer does not list).
    pub parent: Option<String>,
    /// Its name.
    pub name: String,
    /// Its level (`RS` region, `AS` area, `MA` metro area …).
    pub kind: ServiceBodyKind,
    /// Its web site, if a valid URL.
    pub website: Option<String>,
    /// Its helpline, if a valid phone number.
    pub phone: Option<String>,
}

/// A meeting read from the server's rows, with the server's id of its service body.
#[derive(Debug, Clone)]
pub struct SourceMeeting {
    /// The server's `service_body_bigint`.
    pub body: String,
    /// The meeting; its `external_id` is its rows' ids, ascending, comma-joined.
    pub meeting: ImportedMeeting,
}

/// A whole server's answers, read.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// Service bodies, parents before children.
    pub bodies: Vec<SourceBody>,
    /// Meetings, in the order of their first row.
    pub meetings: Vec<SourceMeeting>,
    /// The ids of the rows that gave no meeting: the meetings imported from them are kept.
    pub rejected_ids: BTreeSet<String>,
    /// What was dropped or guessed, by row id (`slug`) and BMLT key (`field`).
    pub warnings: Vec<Warning>,
    /// The rows that gave no meeting, by id, with problems by BMLT key.
    pub rejections: Vec<Rejection>,
}

/// The three answers a BMLT import reads, as parsed JSON.
#[derive(Debug, Clone, Copy)]
pub struct Answers<'a> {
    /// `GetServiceBodies`: an array of bodies.
    pub service_bodies: &'a [Value],
    /// `GetFormats`: an array of formats.
    pub formats: &'a [Value],
    /// `GetSearchResults`: an array of meeting rows.
    pub meetings: &'a [Value],
}

/// Reads one switcher's answer: a JSON array of objects (`GetSearchResults` also as
/// `{"meetings": […]}`, its shape with `get_used_formats`).
pub fn read_answer(switcher: &str, bytes: &[u8]) -> Result<Vec<Value>, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("{switcher} is not JSON: {e}"))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut o) if o.get("meetings").is_some_and(Value::is_array) => match o.remove("meetings") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => return Err(format!("{switcher} is not a JSON array")),
    };
    match items.iter().position(|v| !v.is_object()) {
        Some(at) => Err(format!("{switcher}: item {at} is not a JSON object")),
        None => Ok(items),
    }
}

/// A string field as BMLT writes them (numbers tolerated), trimmed; empty is absent.
fn text(row: &Map<String, Value>, key: &str) -> Option<String> {
    match row.get(key)? {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// BMLT's level of service as Lantern's.
fn kind(bmlt_type: Option<&str>) -> ServiceBodyKind {
    match bmlt_type.unwrap_or_default().to_ascii_uppercase().as_str() {
        "RS" | "ZF" | "WS" | "NS" => ServiceBodyKind::Region,
        "AS" | "LS" => ServiceBodyKind::Area,
        "MA" => ServiceBodyKind::Intergroup,
        "GR" => ServiceBodyKind::District,
        _ => ServiceBodyKind::Other,
    }
}

/// Reads `GetServiceBodies`: parents before children; a parent the answer does not list, or one
/// that would close a loop, makes a body a root (with a warning).
pub fn read_bodies(values: &[Value], warnings: &mut Vec<Warning>) -> Vec<SourceBody> {
    let mut warn = |id: &str, field: &str, message: String| {
        warnings.push(Warning { slug: id.to_owned(), field: field.to_owned(), message });
    };
    let mut bodies: BTreeMap<String, SourceBody> = BTreeMap::new();
    let mut order = Vec::new();
    for value in values {
        let Some(row) = value.as_object() else { continue };
        let Some(id) = text(row, "id") else { continue };
        let name = match text(row, "name") {
            Some(n) if n.chars().count() <= 200 && !n.contains('\0') => n,
            _ => {
                warn(&id, "name", "missing or longer than 200 characters: named by its id".to_owned());
                format!("BMLT service body {id}")
            }
        };
        let website = text(row, "url").and_then(|raw| {
            let url = if raw.contains("://") { raw } else { format!("https://{raw}") };
            match rules::url_problem(&url) {
                None => Some(url),
                Some(problem) => {
                    warn(&id, "url", format!("{problem}; dropped"));
                    None
                }
            }
        });
        let phone = text(row, "helpline").and_then(|raw| match rules::phone_problem(&raw) {
            None => Some(raw),
            Some(problem) => {
                warn(&id, "helpline", format!("{problem}; dropped"));
                None
            }
        });
        let parent = text(row, "parent_id").filter(|p| p != "0" && *p != id);
        let body =
            SourceBody { id: id.clone(), parent, name, kind: kind(text(row, "type").as_deref()), website, phone };
        if bodies.insert(id.clone(), body).is_none() {
            order.push(id);
        }
    }
    // Parents before children; a missing parent or a loop ends the walk up at a root.
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let mut chain = vec![id];
        while let Some(parent) = chain.last().and_then(|c| bodies.get(c)).and_then(|b| b.parent.clone()) {
            if placed.contains(&parent) {
                break;
            }
            if !bodies.contains_key(&parent) || chain.contains(&parent) {
                let child = chain.last().cloned().unwrap_or_default();
                let why = if bodies.contains_key(&parent) { "would close a loop" } else { "is not listed" };
                warn(&child, "parent_id", format!("its parent {parent} {why}: imported as a root"));
                if let Some(b) = bodies.get_mut(&child) {
                    b.parent = None;
                }
                break;
            }
            chain.push(parent);
        }
        for id in chain.into_iter().rev() {
            if placed.insert(id.clone())
                && let Some(body) = bodies.get(&id)
            {
                out.push(body.clone());
            }
        }
    }
    out
}

/// What one of the server's formats means here.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Meaning {
    Type(TypeCode),
    Language(LanguageCode),
    Virtual,
    Hybrid,
    Closed,
    Unknown(String),
}

/// The server's formats by key and by id, each with its meaning here.
struct Formats {
    by_key: BTreeMap<String, Meaning>,
    by_id: BTreeMap<String, Meaning>,
}

impl Formats {
    /// Reads `GetFormats` against NA's formats in the vocabulary: a format is known by its world
    /// id, else by its key; `MG-` keys (Lantern's own answers for other fellowships) and keys that
    /// are type codes mean those types.
    fn new(values: &[Value], vocabulary: &Vocabulary) -> Self {
        let na: FellowshipCode = "na".parse().unwrap_or_else(|_| unreachable!("a valid code"));
        let meaning = |key: &str, world_id: &str| -> Meaning {
            match (key, world_id.to_ascii_uppercase().as_str()) {
                (VIRTUAL, _) | (_, "VM") => return Meaning::Virtual,
                (HYBRID, _) | (_, "HYBR") => return Meaning::Hybrid,
                (CLOSED, _) | (_, "TC") => return Meaning::Closed,
                _ => {}
            }
            // World ids are shared (`SPK` is both `SD` and `So`): the key decides when the world
            // ids agree, the world id when the server renamed a standard format.
            let same_world = |w: Option<&str>| {
                world_id.is_empty() || w.is_none_or(|w| w.is_empty() || w.eq_ignore_ascii_case(world_id))
            };
            let by_key = |f: &&crate::domain::vocabulary::FellowshipFormat| f.key == key;
            let known = vocabulary
                .formats_of(&na)
                .find(|f| by_key(f) && same_world(f.world_id.as_deref()))
                .or_else(|| {
                    // Every language format shares the world id `LANG`: only its key tells which.
                    vocabulary.formats_of(&na).find(|f| {
                        !world_id.is_empty()
                            && !world_id.eq_ignore_ascii_case("LANG")
                            && f.world_id.as_deref().is_some_and(|w| w.eq_ignore_ascii_case(world_id))
                    })
                })
                .or_else(|| vocabulary.formats_of(&na).find(by_key));
            if let Some(f) = known {
                return match &f.meaning {
                    FormatMeaning::Type(code) => Meaning::Type(code.clone()),
                    FormatMeaning::Language(language) => Meaning::Language(language.clone()),
                };
            }
            if world_id.eq_ignore_ascii_case("LANG")
                && let Ok(language) = key.to_lowercase().parse::<LanguageCode>()
                && vocabulary.language_codes().iter().any(|l| l.language == language)
            {
                return Meaning::Language(language);
            }
            let code = key.strip_prefix("MG-").unwrap_or(key);
            match code.parse::<TypeCode>().ok().filter(|c| vocabulary.get(c).is_some()) {
                Some(code) => Meaning::Type(code),
                None => Meaning::Unknown(key.to_owned()),
            }
        };
        let mut formats = Self { by_key: BTreeMap::new(), by_id: BTreeMap::new() };
        for row in values.iter().filter_map(Value::as_object) {
            let Some(key) = text(row, "key_string") else { continue };
            let m = meaning(&key, &text(row, "world_id").unwrap_or_default());
            if let Some(id) = text(row, "id") {
                formats.by_id.insert(id, m.clone());
            }
            formats.by_key.entry(key).or_insert(m);
        }
        formats
    }

    /// The meanings of a row's formats: by `format_shared_id_list` when the server gives ids, else
    /// by the keys in `formats` (a key `GetFormats` does not list is read as if it were a format
    /// of that key).
    fn of_row(&self, row: &Map<String, Value>, vocabulary: &Vocabulary) -> Vec<Meaning> {
        let list = |key: &str| -> Vec<String> {
            let all = text(row, key).unwrap_or_default();
            all.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
        };
        let ids = list("format_shared_id_list");
        if !ids.is_empty() && ids.iter().all(|id| self.by_id.contains_key(id)) {
            return ids.iter().filter_map(|id| self.by_id.get(id).cloned()).collect();
        }
        let unlisted = |key: &str| Self::new(&[json!({ "key_string": key })], vocabulary).by_key.remove(key);
        list("formats").iter().filter_map(|key| self.by_key.get(key).cloned().or_else(|| unlisted(key))).collect()
    }
}

/// BMLT's key for the Meeting Guide field a reader problem names.
fn bmlt_key(field: &str) -> &str {
    match field {
        "slug" => "id_bigint",
        "name" => "meeting_name",
        "day" => "weekday_tinyint",
        "time" | "end_time" => "start_time",
        "timezone" => "time_zone",
        "types" => "formats",
        "notes" => "comments",
        "location" => "location_text",
        "location_notes" => "location_info",
        "address" => "location_street",
        "conference_url" => "virtual_meeting_link",
        "conference_phone" => "phone_meeting_number",
        "conference_url_notes" => "virtual_meeting_additional_info",
        "attendance_option" => "venue_type",
        other => other,
    }
}

/// `HH:MM[:SS]` as minutes, 1 to 1440.
fn duration_minutes(raw: &str) -> Option<u16> {
    let mut parts = raw.split(':');
    let hours: u16 = parts.next()?.trim().parse().ok()?;
    let minutes: u16 = parts.next().map_or(Some(0), |m| m.trim().parse().ok())?;
    let total = hours.checked_mul(60)?.checked_add(minutes)?;
    (minutes < 60 && (1..=1440).contains(&total)).then_some(total)
}

/// Reads a server's answers into service bodies and meetings (each meeting in the import's
/// service body until the service maps `SourceMeeting::body`).
pub fn read_source(answers: Answers<'_>, ctx: &ImportContext<'_>) -> Source {
    let mut source = Source::default();
    source.bodies = read_bodies(answers.service_bodies, &mut source.warnings);
    let formats = Formats::new(answers.formats, ctx.vocabulary);
    let mut groups: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut ids: Vec<Vec<String>> = Vec::new();
    let mut keys: Vec<(String, String, String)> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused: BTreeSet<usize> = BTreeSet::new();
    for value in answers.meetings {
        let Some(row) = value.as_object() else {
            let errors = BTreeMap::from([("id_bigint".to_owned(), vec!["the row is not a JSON object".to_owned()])]);
            source.rejections.push(Rejection { slug: String::new(), errors });
            continue;
        };
        let id = text(row, "id_bigint").unwrap_or_default();
        let (outcome, warnings) = read_row(row, &formats, ctx);
        source.warnings.extend(warnings);
        let mut meeting = match outcome {
            Ok(m) => m,
            Err(rejection) => {
                source.rejected_ids.insert(id);
                source.rejections.push(rejection);
                continue;
            }
        };
        let body = text(row, "service_body_bigint").unwrap_or_default();
        // Rows merge when everything but the day agrees: rows of one group (an equal, non-empty
        // `worldid_mixed`), and rows that share an id (Lantern's own answers write a multi-day
        // meeting so; when those differ in more, the meeting is refused).
        let world = text(row, "worldid_mixed").unwrap_or_default();
        let mut same = meeting.data.clone();
        if let Some(s) = same.schedule.as_mut() {
            s.days.clear();
        }
        same.external_id = None;
        // The slug comes from the name (or, without letters, from the row id): not a difference.
        if let Some(slug) = Slug::from_text("row") {
            same.slug = slug;
        }
        let key = (body.clone(), world.clone(), serde_json::to_string(&same).unwrap_or_default());
        let same_id = by_id.get(&id).copied();
        if let Some(at) = same_id
            && keys[at] != key
        {
            refused.insert(at);
            continue;
        }
        let group = same_id.or_else(|| groups.get(&key).copied().filter(|_| !world.is_empty()));
        match group {
            Some(at) => {
                let into = &mut source.meetings[at].meeting.data;
                if let (Some(into), Some(from)) = (into.schedule.as_mut(), meeting.data.schedule.take()) {
                    into.days.extend(from.days);
                    into.days.sort_unstable();
                    into.days.dedup();
                }
                by_id.insert(id.clone(), at);
                ids[at].push(id);
            }
            None => {
                let at = source.meetings.len();
                if !world.is_empty() {
                    groups.entry(key.clone()).or_insert(at);
                }
                keys.push(key);
                by_id.insert(id.clone(), at);
                ids.push(vec![id]);
                meeting.data.normalize();
                source.meetings.push(SourceMeeting { body, meeting });
            }
        }
    }
    let meetings = std::mem::take(&mut source.meetings);
    for (at, (mut m, mut ids)) in meetings.into_iter().zip(ids).enumerate() {
        ids.sort_by_key(|id| (id.len(), id.clone()));
        ids.dedup();
        if refused.contains(&at) {
            // Its id is in `rejected_ids`: the meeting imported from it before stays.
            let message = "rows share this id but differ in more than the weekday".to_owned();
            let errors = BTreeMap::from([("id_bigint".to_owned(), vec![message])]);
            source.rejections.push(Rejection { slug: ids.join(","), errors });
            source.rejected_ids.extend(ids);
            continue;
        }
        let joined = ids.join(",");
        m.meeting.external_id = joined.clone();
        m.meeting.data.external_id = Some(joined);
        source.meetings.push(m);
    }
    source
}

/// One row: its Meeting Guide reading, then BMLT's own duration, venue type, formats, language and
/// publication.
fn read_row(
    row: &Map<String, Value>,
    formats: &Formats,
    ctx: &ImportContext<'_>,
) -> (Result<ImportedMeeting, Rejection>, Vec<Warning>) {
    let id = text(row, "id_bigint").unwrap_or_default();
    let meanings = formats.of_row(row, ctx.vocabulary);
    let has = |m: &Meaning| meanings.contains(m);
    let mut codes: Vec<String> = Vec::new();
    let mut languages: Vec<LanguageCode> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for m in &meanings {
        match m {
            Meaning::Type(code) => codes.push(code.to_string()),
            Meaning::Language(language) => languages.push(language.clone()),
            Meaning::Unknown(key) => unknown.push(key.clone()),
            Meaning::Virtual | Meaning::Hybrid | Meaning::Closed => {}
        }
    }
    let comments = text(row, "comments");
    let suspended =
        comments.as_deref().is_some_and(|c| split_notes(c).1.iter().any(|s| matches!(s, Sentence::Suspended(_))));
    let venue = match text(row, "venue_type").as_deref() {
        Some("1") => Attendance::InPerson,
        Some("2") => Attendance::Online,
        Some("3") => Attendance::Hybrid,
        // Servers before BMLT 3 have no venue type: the formats say it.
        _ if has(&Meaning::Hybrid) => Attendance::Hybrid,
        _ if has(&Meaning::Virtual) => Attendance::Online,
        _ => Attendance::InPerson,
    };
    // A closed facility: an in-person meeting is not meeting, a hybrid one meets online only.
    // A suspension said in the comments says it better, with its end.
    let attendance = match venue {
        _ if !has(&Meaning::Closed) || suspended => venue,
        Attendance::InPerson => Attendance::Inactive,
        _ => Attendance::Online,
    };
    let day = text(row, "weekday_tinyint")
        .map(|d| match d.parse::<u8>() {
            Ok(n @ 1..=7) => json!(n - 1),
            _ => json!(format!("day {d}")),
        })
        .unwrap_or(Value::Null);
    let field = |key: &str| text(row, key).map_or(Value::Null, Value::String);
    let record = json!({
        "slug": id,
        "name": field("meeting_name"),
        "day": day,
        "time": field("start_time"),
        "timezone": field("time_zone"),
        "types": codes,
        "notes": comments,
        "location": field("location_text"),
        "location_notes": field("location_info"),
        "address": field("location_street"),
        "city": text(row, "location_municipality").or_else(|| text(row, "location_city_subsection")),
        "state": field("location_province"),
        "postal_code": field("location_postal_code_1"),
        "country": field("location_nation"),
        "latitude": field("latitude"),
        "longitude": field("longitude"),
        "conference_url": field("virtual_meeting_link"),
        "conference_phone": field("phone_meeting_number"),
        "conference_url_notes": field("virtual_meeting_additional_info"),
        "attendance_option": attendance.name(),
    });
    let (outcome, warnings) = read_record(&record, ctx);
    let mut warnings: Vec<Warning> =
        warnings.into_iter().map(|w| Warning { field: bmlt_key(&w.field).to_owned(), ..w }).collect();
    if !unknown.is_empty() {
        let message = format!("formats with no meaning here dropped: {}", unknown.join(", "));
        warnings.push(Warning { slug: id.clone(), field: "formats".to_owned(), message });
    }
    let outcome = outcome
        .map_err(|r| Rejection {
            errors: r.errors.into_iter().map(|(k, v)| (bmlt_key(&k).to_owned(), v)).collect(),
            ..r
        })
        .map(|mut m| {
            let data = &mut m.data;
            if let Some(schedule) = data.schedule.as_mut() {
                schedule.duration_minutes = match text(row, "duration_time") {
                    None => DEFAULT_DURATION_MINUTES,
                    Some(raw) => duration_minutes(&raw).unwrap_or_else(|| {
                        let message = format!("`{raw}` is not a duration of 1 minute to 24 hours; one hour assumed");
                        warnings.push(Warning { slug: id.clone(), field: "duration_time".to_owned(), message });
                        DEFAULT_DURATION_MINUTES
                    }),
                };
            }
            // BMLT's `lang_enum` is the language a record is kept in, mostly the server's (`en`):
            // another one is a language of the meeting, beside any its formats name.
            if let Some(language) = text(row, "lang_enum").and_then(|l| l.parse::<LanguageCode>().ok())
                && language.as_str() != "en"
                && !languages.contains(&language)
            {
                languages.insert(0, language);
            }
            data.languages.extend(languages);
            data.published = text(row, "published").is_none_or(|p| p != "0");
            if let Some(slug) = Slug::from_text(&data.name) {
                data.slug = slug;
            }
            data.normalize();
            m
        });
    (outcome, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_bmlt_writes_them() {
        assert_eq!(duration_minutes("01:30:00"), Some(90));
        assert_eq!(duration_minutes("1:00"), Some(60));
        assert_eq!(duration_minutes("24:00:00"), Some(1440));
        for bad in ["00:00:00", "24:01:00", "1:75", "x", ""] {
            assert_eq!(duration_minutes(bad), None, "{bad}");
        }
    }

    fn read(rows: Value, formats: Value) -> Source {
        let vocabulary = Vocabulary::builtin().unwrap_or_else(|e| panic!("{e}"));
        let places = crate::domain::places::LazyGazetteer::default();
        let zones = crate::domain::zones::ZoneFinder::new();
        let ctx = ImportContext {
            vocabulary: &vocabulary,
            places: &places,
            zones: &zones,
            fellowship: "na".parse().unwrap_or_else(|_| unreachable!()),
            service_body_id: crate::domain::ids::ServiceBodyId::new(1).unwrap_or_else(|_| unreachable!()),
            time_zone: None,
            body_zone: "America/New_York".parse().unwrap_or_else(|_| unreachable!()),
        };
        let rows: Vec<Value> = serde_json::from_value(rows).unwrap_or_default();
        let formats: Vec<Value> = serde_json::from_value(formats).unwrap_or_default();
        read_source(Answers { service_bodies: &[], formats: &formats, meetings: &rows }, &ctx)
    }

    fn row(id: &str, day: &str, name: &str, world: &str) -> Value {
        json!({"id_bigint": id, "weekday_tinyint": day, "meeting_name": name, "worldid_mixed": world,
            "service_body_bigint": "7", "start_time": "19:00:00", "duration_time": "01:00:00", "venue_type": "1",
            "time_zone": "America/New_York", "latitude": "40.7", "longitude": "-74.0", "location_text": "Hall"})
    }

    fn externals(source: &Source) -> Vec<(String, Vec<String>)> {
        source
            .meetings
            .iter()
            .map(|m| {
                let days = m.meeting.data.schedule.iter().flat_map(|s| &s.days).map(|d| d.name().to_owned());
                (m.meeting.external_id.clone(), days.collect())
            })
            .collect()
    }

    #[test]
    fn rows_merge_by_group_or_by_id_and_never_across_meetings() {
        // Lantern's own answers: meeting 5 on Monday and Thursday, meeting 6 (its twin in all but
        // the days) on Wednesday, rows sorted by weekday; a group's rows by world id; one id that
        // differs in more than the day.
        let source = read(
            json!([
                row("5", "2", "Twins", ""),
                row("6", "4", "Twins", ""),
                row("5", "5", "Twins", ""),
                row("12", "1", "Group", "G1"),
                row("10", "3", "Group", "G1"),
                row("11", "3", "Group", "G2"),
                row("10", "6", "Group", "G1"),
                row("20", "2", "Clash", ""),
                row("20", "3", "Not the same", ""),
            ]),
            json!([]),
        );
        let got = externals(&source);
        let want: Vec<(String, Vec<String>)> = [
            ("5", vec!["monday", "thursday"]),
            ("6", vec!["wednesday"]),
            ("10,12", vec!["tuesday", "friday", "sunday"]),
            ("11", vec!["tuesday"]),
        ]
        .into_iter()
        .map(|(e, d)| (e.to_owned(), d.into_iter().map(str::to_owned).collect()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(source.rejected_ids, BTreeSet::from(["20".to_owned()]));
        assert_eq!(source.rejections.len(), 1, "one rejection per refused meeting: {:?}", source.rejections);
    }

    #[test]
    fn language_formats_say_their_language_and_lang_enum_adds_its_own() {
        let formats = json!([
            {"key_string": "ES", "id": "9", "world_id": "LANG"},
            {"key_string": "FR", "id": "60", "world_id": "LANG"},
            {"key_string": "XX", "id": "61", "world_id": "LANG"},
            {"key_string": "Beg", "id": "1", "world_id": "BEG"}
        ]);
        let mut spanish = row("1", "2", "Uno", "");
        spanish["formats"] = json!("ES,Beg");
        let mut french = row("2", "2", "Deux", "");
        french["formats"] = json!("FR,XX");
        let mut german = row("3", "2", "Drei", "");
        german["lang_enum"] = json!("de");
        let mut english = row("4", "2", "Four", "");
        english["lang_enum"] = json!("en");
        let source = read(json!([spanish, french, german, english]), formats);
        let languages: Vec<Vec<String>> = source
            .meetings
            .iter()
            .map(|m| m.meeting.data.languages.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(languages, [vec!["es"], vec!["fr"], vec!["de"], Vec::<&str>::new()]);
        let types: Vec<String> = source.meetings[0].meeting.data.types.iter().map(ToString::to_string).collect();
        assert_eq!(types, ["BE"], "a renamed standard format is known by its world id");
        let dropped: Vec<&str> = source.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(dropped.iter().any(|m| m.contains("XX")), "{dropped:?}");
    }

    #[test]
    fn bodies_come_parents_first_and_loops_break_at_a_root() {
        let values: Vec<Value> = serde_json::from_value(json!([
            {"id": "3", "parent_id": "2", "name": "Area", "type": "AS", "url": "example.org", "helpline": "not a phone"},
            {"id": "2", "parent_id": "0", "name": "Region", "type": "RS"},
            {"id": "5", "parent_id": "6", "name": "Loop A"},
            {"id": "6", "parent_id": "5", "name": "Loop B"},
            {"id": "7", "parent_id": "99", "name": "Orphan", "type": "MA"}
        ]))
        .unwrap_or_default();
        let mut warnings = Vec::new();
        let bodies = read_bodies(&values, &mut warnings);
        let order: Vec<&str> = bodies.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(order, ["2", "3", "6", "5", "7"]);
        assert_eq!(bodies[1].website.as_deref(), Some("https://example.org"));
        assert_eq!(bodies[1].phone, None);
        assert_eq!(bodies[1].kind, ServiceBodyKind::Area);
        assert_eq!(bodies[4].kind, ServiceBodyKind::Intergroup);
        assert_eq!(bodies[4].parent, None);
        let roots: Vec<&str> = bodies.iter().filter(|b| b.parent.is_none()).map(|b| b.id.as_str()).collect();
        assert_eq!(roots, ["2", "6", "7"]);
        let fields: Vec<(&str, &str)> = warnings.iter().map(|w| (w.slug.as_str(), w.field.as_str())).collect();
        assert_eq!(fields, [("3", "helpline"), ("6", "parent_id"), ("7", "parent_id")]);
    }
}
