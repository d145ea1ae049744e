//! The occurrence engine against golden values computed by an independent implementation
//! (`tests/golden/occurrences.py`, Python's zoneinfo with fold=0).

use chrono::{DateTime, NaiveDateTime, Utc};
use lantern::domain::meeting::{Attendance, Closures, MeetingData};
use lantern::domain::occurrence::{local_to_instant, reported_occurrence, starts_in_minutes};
use lantern::domain::schedule::{Schedule, TimeZone};
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    conversions: Vec<Conversion>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Conversion {
    zone: String,
    local: String,
    utc: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    meeting: GoldenMeeting,
    at: DateTime<Utc>,
    window_minutes: u32,
    include_in_progress: bool,
    expected: Option<Expected>,
}

#[derive(Deserialize)]
struct GoldenMeeting {
    time_zone: TimeZone,
    days: Vec<lantern::domain::schedule::Weekday>,
    start_time: lantern::domain::schedule::LocalTime,
    duration_minutes: u16,
    weeks_of_month: Vec<lantern::domain::schedule::WeekOfMonth>,
    closed_dates: Vec<chrono::NaiveDate>,
    suspended_until: Option<chrono::NaiveDate>,
}

#[derive(Deserialize, Debug)]
struct Expected {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    local_start: String,
    local_date: chrono::NaiveDate,
    in_progress: bool,
    starts_in_minutes: i64,
}

fn golden() -> Golden {
    serde_json::from_str(include_str!("../fixtures/golden/occurrences.json")).unwrap_or_else(|e| panic!("{e}"))
}

fn meeting_data(m: &GoldenMeeting) -> MeetingData {
    MeetingData {
        name: "Golden".into(),
        slug: "golden".parse().unwrap_or_else(|e| panic!("{e}")),
        fellowship: "aa".parse().unwrap_or_else(|e| panic!("{e}")),
        service_body_id: lantern::domain::ids::ServiceBodyId::new(1).unwrap_or_else(|e| panic!("{e}")),
        external_id: None,
        attendance: Attendance::InPerson,
        schedule: Some(Schedule {
            days: m.days.clone(),
            start_time: m.start_time,
            duration_minutes: m.duration_minutes,
            time_zone: m.time_zone,
            time_zone_derived: false,
            weeks_of_month: m.weeks_of_month.clone(),
        }),
        location: None,
        online: None,
        types: vec![],
        languages: vec![],
        notes: None,
        group_name: None,
        website: None,
        closures: Closures { dates: m.closed_dates.clone(), suspended_until: m.suspended_until },
        contacts: vec![],
        published: true,
    }
}

#[test]
fn local_times_convert_as_zoneinfo_does_around_every_transition() {
    let golden = golden();
    assert!(golden.conversions.len() > 150);
    let mut failures = Vec::new();
    for c in &golden.conversions {
        let zone: TimeZone = c.zone.parse().unwrap_or_else(|e| panic!("{e}"));
        let local = NaiveDateTime::parse_from_str(&c.local, "%Y-%m-%dT%H:%M:%S").unwrap_or_else(|e| panic!("{e}"));
        let got = local_to_instant(zone.tz(), local);
        if got != c.utc {
            failures.push(format!("{} {}: expected {}, got {got}", c.zone, c.local, c.utc));
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), golden.conversions.len(), failures.join("\n"));
}

#[test]
fn reported_occurrences_match_the_independent_implementation() {
    let golden = golden();
    assert!(golden.cases.len() > 1000);
    let mut failures = Vec::new();
    for c in &golden.cases {
        let data = meeting_data(&c.meeting);
        let got = reported_occurrence(&data, c.at, c.window_minutes, c.include_in_progress);
        let ok = match (&got, &c.expected) {
            (None, None) => true,
            (Some(o), Some(e)) => {
                let tz = c.meeting.time_zone.tz();
                o.start == e.start
                    && o.end == e.end
                    && o.local_date == e.local_date
                    && o.start.with_timezone(&tz).to_rfc3339() == e.local_start
                    && o.is_running(c.at) == e.in_progress
                    && starts_in_minutes(o.start, c.at) == e.starts_in_minutes
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{} at {} (window {}, in progress {}): expected {:?}, got {:?}",
                c.name, c.at, c.window_minutes, c.include_in_progress, c.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        golden.cases.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}
