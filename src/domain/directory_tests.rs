//! Unit tests of the directory's list filters and paging.

use chrono::{TimeZone as _, Utc};

use super::directory::{Directory, MeetingFilter};
use super::geo::{BoundingBox, Coordinates};
use super::ids::{MeetingId, ServiceBodyId};
use super::meeting::{Attendance, Closures, Location, Meeting, MeetingData};
use super::schedule::{LocalTime, Schedule, Weekday};
use super::service_body::{ServiceBody, ServiceBodyData, ServiceBodyKind};

fn parse<T: std::str::FromStr<Err = E>, E: std::fmt::Display>(s: &str) -> T {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub(super) fn body(id: i64, parent: Option<i64>) -> ServiceBody {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    ServiceBody {
        id: ServiceBodyId::new(id).unwrap(),
        data: ServiceBodyData {
            name: format!("Body {id}"),
            kind: ServiceBodyKind::Intergroup,
            parent_id: parent.map(|p| ServiceBodyId::new(p).unwrap()),
            fellowship: None,
            time_zone: parse("Europe/Berlin"),
            website: None,
            email: None,
            phone: None,
            contact: None,
            external_id: None,
        },
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

pub(super) fn meeting(
    id: i64,
    body: i64,
    fellowship: &str,
    day: Weekday,
    types: &[&str],
    lat_lon: (f64, f64),
) -> Meeting {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::days(id);
    Meeting {
        id: MeetingId::new(id).unwrap(),
        data: MeetingData {
            name: format!("Meeting {id}"),
            slug: parse(&format!("meeting-{id}")),
            fellowship: parse(fellowship),
            service_body_id: ServiceBodyId::new(body).unwrap(),
            external_id: None,
            attendance: Attendance::InPerson,
            schedule: Some(Schedule {
                days: vec![day],
                start_time: LocalTime::from_minutes(19 * 60).unwrap(),
                duration_minutes: 60,
                time_zone: parse("Europe/Berlin"),
                time_zone_derived: false,
                weeks_of_month: vec![],
            }),
            location: Some(Location {
                name: Some("Church Hall".into()),
                coordinates: Some(Coordinates::new(lat_lon.0, lat_lon.1).unwrap()),
                ..Location::default()
            }),
            online: None,
            types: types.iter().map(|t| parse(t)).collect(),
            languages: vec![parse("en")],
            notes: (id == 3).then(|| "Side DOOR".to_owned()),
            group_name: None,
            website: None,
            closures: Closures::default(),
            contacts: vec![],
            published: id != 5,
        },
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

fn directory() -> Directory {
    let bodies = vec![body(1, None), body(2, Some(1)), body(3, Some(2)), body(4, None)];
    let meetings = vec![
        meeting(1, 1, "aa", Weekday::Monday, &["O", "BE"], (52.5, 13.4)),
        meeting(2, 2, "na", Weekday::Monday, &["C"], (52.5, 13.4)),
        meeting(3, 3, "aa", Weekday::Tuesday, &["O"], (-18.1, 178.4)),
        meeting(4, 4, "ca", Weekday::Sunday, &["O", "ST"], (-18.1, -179.9)),
        meeting(5, 1, "aa", Weekday::Monday, &["O"], (52.5, 13.4)),
    ];
    Directory::new(vec![], bodies, meetings, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
}

fn ids(d: &Directory, filter: &MeetingFilter) -> Vec<i64> {
    d.list(filter, None, 100).meetings.iter().map(|m| m.id.get()).collect()
}

#[test]
fn unpublished_meetings_are_hidden_unless_asked_for() {
    let d = directory();
    assert_eq!(ids(&d, &MeetingFilter::default()), [1, 2, 3, 4]);
    let all = MeetingFilter { unpublished: super::filter::Unpublished::All, ..MeetingFilter::default() };
    assert_eq!(ids(&d, &all), [1, 2, 3, 4, 5]);
}

#[test]
fn service_body_filter_includes_descendants() {
    let d = directory();
    assert_eq!(d.subtree(ServiceBodyId::new(2).unwrap()).len(), 2);
    let f = MeetingFilter { service_bodies: Some(d.subtree(ServiceBodyId::new(1).unwrap())), ..Default::default() };
    assert_eq!(ids(&d, &f), [1, 2, 3]);
}

#[test]
fn types_must_all_match_and_excluded_types_any() {
    let d = directory();
    let f = MeetingFilter { types: vec![parse("O"), parse("BE")], ..Default::default() };
    assert_eq!(ids(&d, &f), [1]);
    let f = MeetingFilter { exclude_types: vec![parse("BE"), parse("ST")], ..Default::default() };
    assert_eq!(ids(&d, &f), [2, 3]);
}

#[test]
fn fellowship_day_text_and_bbox_filters_combine() {
    let d = directory();
    let f = MeetingFilter {
        fellowships: vec![parse("aa"), parse("ca")],
        days: vec![Weekday::Sunday, Weekday::Tuesday],
        ..Default::default()
    };
    assert_eq!(ids(&d, &f), [3, 4]);
    let f = MeetingFilter { text: Some("side door".into()), ..Default::default() };
    assert_eq!(ids(&d, &f), [3]);
    let fiji = BoundingBox::new(170.0, -25.0, -170.0, -10.0).unwrap();
    let f = MeetingFilter { bbox: Some(fiji), ..Default::default() };
    assert_eq!(ids(&d, &f), [3, 4]);
}

#[test]
fn updated_since_is_inclusive() {
    let d = directory();
    let since = Utc.with_ymd_and_hms(2026, 1, 4, 0, 0, 0).unwrap();
    let f = MeetingFilter { updated_since: Some(since), ..Default::default() };
    assert_eq!(ids(&d, &f), [3, 4]);
}

#[test]
fn pages_follow_each_other_without_gaps_or_repeats() {
    let d = directory();
    let filter = MeetingFilter::default();
    let first = d.list(&filter, None, 3);
    assert_eq!(first.meetings.len(), 3);
    assert_eq!(first.next_after.map(MeetingId::get), Some(3));
    let second = d.list(&filter, first.next_after, 3);
    assert_eq!(second.meetings.iter().map(|m| m.id.get()).collect::<Vec<_>>(), [4]);
    assert_eq!(second.next_after, None);
}

#[test]
fn usage_counts_published_meetings_only() {
    let d = directory();
    let usage = d.usage();
    let aa = parse::<super::ids::FellowshipCode, _>("aa");
    assert_eq!(usage.meetings_per_fellowship.get(&aa), Some(&2), "meeting 5 is unpublished");
    let open = parse::<super::ids::TypeCode, _>("O");
    let users: Vec<String> = usage.fellowships_per_type[&open].keys().map(ToString::to_string).collect();
    assert_eq!(users, ["aa", "ca"]);
}
