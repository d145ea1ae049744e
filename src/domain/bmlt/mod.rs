//! The BMLT semantic interface's shapes: the format table a server publishes (`GetFormats`) and a
//! meeting as BMLT rows (`GetSearchResults`), one row per weekday, every value a string. NA clients
//! (crouton, bread, Yap) read these; the keys and shapes are BMLT's, the answers Lantern's.

pub mod import;
pub mod search;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::address;
use super::ids::{FellowshipCode, LanguageCode, TypeCode};
use super::meeting::{Attendance, Meeting};
use super::meeting_guide::{Sentence, closing_sentences};
use super::schedule::Weekday;
use super::vocabulary::{FormatMeaning, TypeOrigin, Vocabulary};

/// Every field a meeting row has, in BMLT's order (`GetServerInfo`'s `available_keys`).
pub const MEETING_KEYS: [&str; 32] = [
    "id_bigint",
    "worldid_mixed",
    "service_body_bigint",
    "weekday_tinyint",
    "venue_type",
    "start_time",
    "duration_time",
    "time_zone",
    "formats",
    "lang_enum",
    "longitude",
    "latitude",
    "meeting_name",
    "location_text",
    "location_info",
    "location_street",
    "location_city_subsection",
    "location_neighborhood",
    "location_municipality",
    "location_sub_province",
    "location_province",
    "location_postal_code_1",
    "location_nation",
    "comments",
    "zone",
    "train_lines",
    "bus_lines",
    "phone_meeting_number",
    "virtual_meeting_link",
    "virtual_meeting_additional_info",
    "root_server_uri",
    "format_shared_id_list",
];

/// BMLT's weekday number: 1 = Sunday … 7 = Saturday.
pub fn weekday_number(day: Weekday) -> u8 {
    super::meeting_guide::day_number(day) + 1
}

/// One format as `GetFormats` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The key meetings carry (`JT`, `VM`).
    pub key: String,
    /// Its numeric id.
    pub id: u32,
    /// The NAWS world id, or empty.
    pub world_id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// BMLT's `format_type_enum`.
    pub format_type: String,
}

/// Virtual meeting: BMLT clients (Yap among them) read the link only with it.
pub const VIRTUAL: &str = "VM";
/// Hybrid meeting.
pub const HYBRID: &str = "HY";
/// Temporarily closed facility: a suspended or inactive meeting.
pub const CLOSED: &str = "TC";

/// The formats a server answers with for the fellowships it serves, and which key each type code
/// and language becomes. No key ever means two things: a code whose key means something else in
/// NA gets a key of its own (`MG-B` for Meeting Guide's Big Book beside NA's `B`, Beginners).
#[derive(Debug, Clone)]
pub struct FormatTable {
    formats: Vec<Format>,
    by_code: BTreeMap<TypeCode, usize>,
    by_language: BTreeMap<LanguageCode, usize>,
}

impl FormatTable {
    /// The table for `fellowships`: NA's own formats when NA is served, then the attendance formats
    /// (`VM`, `HY`, `TC`), then, when other fellowships are served, every other type code.
    pub fn new(vocabulary: &Vocabulary, fellowships: &[FellowshipCode]) -> Self {
        let mut table = Self { formats: Vec::new(), by_code: BTreeMap::new(), by_language: BTreeMap::new() };
        let na: FellowshipCode = "na".parse().unwrap_or_else(|_| unreachable!("a valid code"));
        let na_keys: Vec<String> = vocabulary.formats_of(&na).map(|f| f.key.clone()).collect();
        if fellowships.contains(&na) {
            for f in vocabulary.formats_of(&na) {
                let index = table.formats.len();
                match &f.meaning {
                    FormatMeaning::Type(code) => table.by_code.entry(code.clone()).or_insert(index),
                    FormatMeaning::Language(language) => table.by_language.entry(language.clone()).or_insert(index),
                };
                table.formats.push(Format {
                    key: f.key.clone(),
                    id: f.id,
                    world_id: f.world_id.clone().unwrap_or_default(),
                    name: f.name.clone(),
                    description: f.description.clone(),
                    format_type: f.format_type.clone(),
                });
            }
        }
        for (key, id, world_id, name, description) in [
            (VIRTUAL, 1001, "VM", "Virtual Meeting", "Meets virtually"),
            (HYBRID, 1002, "HYBR", "Hybrid Meeting", "Meets virtually and in person"),
            (CLOSED, 1003, "TC", "Temporarily Closed Facility", "Facility is temporarily closed"),
        ] {
            let (key, world_id) = (key.to_owned(), world_id.to_owned());
            let (name, description, format_type) = (name.to_owned(), description.to_owned(), "FC2".to_owned());
            table.formats.push(Format { key, id, world_id, name, description, format_type });
        }
        if fellowships.iter().any(|f| *f != na) {
            let base = vocabulary.types().filter(|t| t.origin == TypeOrigin::MeetingGuide);
            for (n, t) in base.enumerate() {
                if table.by_code.contains_key(&t.code) || t.code.as_str() == CLOSED {
                    continue;
                }
                let own = t.code.as_str();
                // A numeric key would read as a format id (`11` is NA's id for `IL`).
                let numeric = own.bytes().all(|b| b.is_ascii_digit());
                let taken = numeric || na_keys.iter().any(|k| k == own) || [VIRTUAL, HYBRID].contains(&own);
                let key = if taken { format!("MG-{own}") } else { own.to_owned() };
                table.by_code.insert(t.code.clone(), table.formats.len());
                table.formats.push(Format {
                    key,
                    id: 2000 + u32::try_from(n).unwrap_or(0),
                    world_id: String::new(),
                    name: t.name_in("en").to_owned(),
                    description: String::new(),
                    format_type: "FC3".to_owned(),
                });
            }
        }
        table
    }

    /// Every format, in the table's order.
    pub fn formats(&self) -> &[Format] {
        &self.formats
    }

    /// The format with this key, else with this numeric id (keys are never all digits).
    pub fn find(&self, key_or_id: &str) -> Option<&Format> {
        self.formats
            .iter()
            .find(|f| f.key == key_or_id)
            .or_else(|| self.formats.iter().find(|f| f.id.to_string() == key_or_id))
    }

    /// The formats of a meeting, judged on `today` in its own zone: its types and languages, `VM`
    /// or `HY` by attendance, `TC` when suspended or inactive. Sorted by key, no repeats.
    pub fn of_meeting(&self, meeting: &Meeting, now: DateTime<Utc>) -> Vec<&Format> {
        let data = &meeting.data;
        let mut out: Vec<&Format> = data
            .types
            .iter()
            .filter_map(|c| self.by_code.get(c))
            .chain(data.languages.iter().filter_map(|l| self.by_language.get(l)))
            .map(|i| &self.formats[*i])
            .collect();
        let key = |k: &str| self.formats.iter().find(|f| f.key == k);
        match data.attendance {
            Attendance::Online => out.extend(key(VIRTUAL)),
            Attendance::Hybrid => out.extend(key(HYBRID)),
            _ => {}
        }
        if closed_now(meeting, now) {
            out.extend(key(CLOSED));
        }
        out.sort_by(|a, b| a.key.to_lowercase().cmp(&b.key.to_lowercase()).then_with(|| a.key.cmp(&b.key)));
        out.dedup_by(|a, b| a.key == b.key);
        out
    }
}

/// Inactive, or suspended on the meeting's local date at `now`.
pub fn closed_now(meeting: &Meeting, now: DateTime<Utc>) -> bool {
    let data = &meeting.data;
    let zone = data.schedule.as_ref().map(|s| s.time_zone.tz()).unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&zone).date_naive();
    data.attendance == Attendance::Inactive || data.closures.suspended_until.is_some_and(|until| until >= today)
}

/// A meeting row: BMLT's keys with string values.
pub type Row = BTreeMap<&'static str, String>;

/// What rows are written against.
pub struct RowContext<'a> {
    /// Formats and their keys.
    pub formats: &'a FormatTable,
    /// This server's base URL (`root_server_uri`).
    pub root_server_uri: &'a str,
    /// Closures are judged at this instant.
    pub now: DateTime<Utc>,
}

/// `HH:MM:SS` for minutes (1440 is `24:00:00`).
fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}:00", minutes / 60, minutes % 60)
}

/// The rows of a meeting: one per weekday it meets on (none for a meeting by appointment, which
/// BMLT cannot say). Every key of [`MEETING_KEYS`] is present, empty where Lantern has no value.
pub fn rows(meeting: &Meeting, ctx: &RowContext<'_>) -> Vec<Row> {
    let data = &meeting.data;
    let Some(schedule) = &data.schedule else { return Vec::new() };
    let formats = ctx.formats.of_meeting(meeting, ctx.now);
    let location = data.location.as_ref();
    let online = data.online.as_ref();
    let parts = location.and_then(|l| l.formatted_address.as_deref()).map(address::split).unwrap_or_default();
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    let joinable = online.is_some_and(|o| o.conference_url.is_some() || o.conference_phone.is_some());
    let venue = match data.attendance {
        Attendance::Online => "2",
        Attendance::Hybrid => "3",
        Attendance::InPerson => "1",
        // Not meeting now: where it would meet.
        Attendance::Inactive if data.coordinates().is_none() && joinable => "2",
        Attendance::Inactive => "1",
    };
    let mut base = Row::new();
    for key in MEETING_KEYS {
        base.insert(key, String::new());
    }
    let coordinates = data.coordinates();
    let today = ctx.now.with_timezone(&schedule.time_zone.tz()).date_naive();
    let closing = closing_sentences(&data.closures, today);
    let fill = [
        ("id_bigint", meeting.id.to_string()),
        ("service_body_bigint", data.service_body_id.to_string()),
        ("venue_type", venue.to_owned()),
        ("start_time", clock(u32::from(schedule.start_time.minutes()))),
        ("duration_time", clock(u32::from(schedule.duration_minutes))),
        ("time_zone", schedule.time_zone.name().to_owned()),
        ("formats", formats.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(",")),
        ("format_shared_id_list", formats.iter().map(|f| f.id.to_string()).collect::<Vec<_>>().join(",")),
        // The language a format does not already say (BMLT's default, `en`, when all are said).
        (
            "lang_enum",
            data.languages
                .iter()
                .find(|l| !ctx.formats.by_language.contains_key(*l))
                .map_or("en".to_owned(), ToString::to_string),
        ),
        ("longitude", coordinates.map(|c| c.longitude().to_string()).unwrap_or_default()),
        ("latitude", coordinates.map(|c| c.latitude().to_string()).unwrap_or_default()),
        ("meeting_name", data.name.clone()),
        ("location_text", text(location.and_then(|l| l.name.as_ref()))),
        ("location_info", text(location.and_then(|l| l.notes.as_ref()))),
        ("location_street", text(location.and_then(|l| l.street_address.as_ref()).or(parts.street.as_ref()))),
        ("location_municipality", text(parts.city.as_ref())),
        ("location_province", text(parts.state.as_ref())),
        ("location_postal_code_1", text(parts.postal_code.as_ref())),
        ("location_nation", text(parts.country.as_ref())),
        ("phone_meeting_number", text(online.and_then(|o| o.conference_phone.as_ref()))),
        ("virtual_meeting_link", text(online.and_then(|o| o.conference_url.as_ref()))),
        ("virtual_meeting_additional_info", text(online.and_then(|o| o.notes.as_ref()))),
        ("root_server_uri", ctx.root_server_uri.to_owned()),
    ];
    base.extend(fill);
    schedule
        .days
        .iter()
        .map(|day| {
            let mut row = base.clone();
            row.insert("weekday_tinyint", weekday_number(*day).to_string());
            let mut comments: Vec<String> = data.notes.iter().cloned().collect();
            if !schedule.weeks_of_month.is_empty() {
                comments.push(Sentence::Weeks(*day, schedule.weeks_of_month.clone()).text());
            }
            comments.extend(closing.iter().map(Sentence::text));
            row.insert("comments", comments.join("\n"));
            row
        })
        .collect()
}
