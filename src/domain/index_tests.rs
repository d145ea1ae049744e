//! Properties of the search index: it answers exactly what a brute-force scan answers.

use std::sync::Arc;

use chrono::{Duration, TimeZone as _, Utc};
use proptest::prelude::*;

use super::filter::MeetingFilter;
use super::geo::Coordinates;
use super::ids::{MeetingId, ServiceBodyId};
use super::index::scan::Scan;
use super::index::{NearbyQuery, SearchIndex, SortOrder, TimeWindow};
use super::meeting::{Attendance, Closures, Location, Meeting, MeetingData};
use super::schedule::{LocalTime, Schedule, WeekOfMonth, Weekday};

/// Places that stress the geometry: the antimeridian (Fiji, Chatham), a pole, a dense city.
const CENTRES: [(f64, f64); 5] = [(-18.1, 179.9), (-43.9, -176.5), (89.8, 10.0), (52.5, 13.4), (0.0, 0.0)];

fn meeting_strategy() -> impl Strategy<Value = (usize, f64, f64, usize, u8, u16, u16, i8, u8)> {
    (
        0..CENTRES.len(),
        -0.5f64..0.5,
        -0.5f64..0.5,
        0..chrono_tz::TZ_VARIANTS.len(),
        1u8..128,
        (0u16..96).prop_map(|q| q * 15),
        prop_oneof![Just(30u16), Just(60), Just(90), Just(1440)],
        prop_oneof![Just(0i8), Just(1), Just(-1), Just(5)],
        0u8..10,
    )
}

fn build_meeting(id: i64, m: (usize, f64, f64, usize, u8, u16, u16, i8, u8)) -> Arc<Meeting> {
    let (centre, dlat, dlon, zone, days, start, duration, week, kind) = m;
    let (lat, lon) = CENTRES[centre];
    let lat = (lat + dlat).clamp(-90.0, 90.0);
    let mut lon = lon + dlon;
    if lon > 180.0 {
        lon -= 360.0;
    }
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Arc::new(Meeting {
        id: MeetingId::new(id).unwrap(),
        data: MeetingData {
            name: format!("m{id}"),
            slug: format!("m{id}").parse().unwrap(),
            fellowship: if kind % 2 == 0 { "aa" } else { "na" }.parse().unwrap(),
            service_body_id: ServiceBodyId::new(1).unwrap(),
            external_id: None,
            attendance: [Attendance::InPerson, Attendance::Hybrid, Attendance::Online, Attendance::Inactive]
                [usize::from(kind % 4)],
            schedule: Some(Schedule {
                days: Weekday::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| days & (1 << i) != 0)
                    .map(|(_, d)| d)
                    .collect(),
                start_time: LocalTime::from_minutes(start).unwrap(),
                duration_minutes: duration,
                time_zone: chrono_tz::TZ_VARIANTS[zone].into(),
                time_zone_derived: false,
                weeks_of_month: if week == 0 { vec![] } else { vec![WeekOfMonth::try_from(week).unwrap()] },
            }),
            location: Some(Location { coordinates: Some(Coordinates::new(lat, lon).unwrap()), ..Location::default() }),
            online: None,
            types: vec![],
            languages: vec![],
            notes: None,
            group_name: None,
            website: None,
            closures: Closures::default(),
            contacts: vec![],
            published: kind != 9,
        },
        created_at: at,
        updated_at: at,
        version: 1,
    })
}

fn summary(hits: &[super::index::Hit]) -> Vec<(i64, i64, bool)> {
    hits.iter()
        .map(|h| (h.meeting.id.get(), h.occurrence.start.timestamp(), h.occurrence.is_running(h.occurrence.start)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_index_answers_what_a_scan_answers(
        meetings in proptest::collection::vec(meeting_strategy(), 0..120),
        centre in 0..CENTRES.len(),
        radius_km in prop_oneof![Just(0.0), 1.0f64..80.0, Just(20016.0)],
        minutes_from_build in -1_000_000i64..1_000_000,
        window in prop_oneof![Just(0u32), 1u32..240, Just(10080)],
        include_in_progress in any::<bool>(),
        limit in 1usize..30,
        by_start in any::<bool>(),
        attendance in prop_oneof![Just(vec![]), Just(vec![Attendance::InPerson, Attendance::Hybrid]), Just(vec![Attendance::Online])],
    ) {
        let built = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let meetings: Vec<Arc<Meeting>> = meetings.into_iter().enumerate().map(|(i, m)| build_meeting(i as i64 + 1, m)).collect();
        let index = SearchIndex::build(meetings.iter(), built);
        let (lat, lon) = CENTRES[centre];
        let query = NearbyQuery {
            point: Coordinates::new(lat, lon).unwrap(),
            radius_km,
            time: TimeWindow { at: built + Duration::minutes(minutes_from_build), window_minutes: window, include_in_progress },
            filter: MeetingFilter { attendance, ..MeetingFilter::default() },
            sort: if by_start { SortOrder::Start } else { SortOrder::Distance },
            limit,
        };
        let fast = index.nearby(&query);
        let slow = Scan(&index).nearby(&query);
        prop_assert_eq!(summary(&fast), summary(&slow));
        for hit in &fast {
            prop_assert!(hit.distance_km <= radius_km);
            prop_assert!(hit.meeting.data.published && hit.meeting.data.attendance != Attendance::Inactive);
            let at = query.time.at;
            prop_assert!(hit.occurrence.is_running(at) || (hit.occurrence.start >= at && hit.occurrence.start <= at + Duration::minutes(i64::from(window))));
        }
        let upcoming = index.upcoming(&query.time, &query.filter);
        prop_assert!(upcoming.windows(2).all(|w| (w[0].occurrence.start, w[0].meeting.id) < (w[1].occurrence.start, w[1].meeting.id)));
        prop_assert_eq!(summary(&upcoming), summary(&Scan(&index).upcoming(&query.time, &query.filter)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Meetings centimetres to metres apart, closer than the trees' single-precision points can
    /// tell apart, and enough of them for inner nodes wider than 16: the nearest `limit` and their
    /// order are still exactly the scan's, through the hour trees and through the tree of all.
    #[test]
    fn the_index_orders_meetings_closer_than_its_rounding(
        meetings in proptest::collection::vec(meeting_strategy(), 1..400),
        scale in prop_oneof![Just(1e-7), Just(1e-6), Just(1e-5)],
        limit in 1usize..6,
        radius_km in prop_oneof![Just(0.0), Just(0.001), Just(1.0)],
        (window, include_in_progress) in prop_oneof![Just((120u32, false)), Just((600, false)), Just((1440, true))],
    ) {
        let built = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let meetings: Vec<Arc<Meeting>> = meetings
            .into_iter()
            .enumerate()
            .map(|(i, (centre, dlat, dlon, zone, _, start, duration, _, kind))| {
                // Every day, no month weeks: many start in any window.
                build_meeting(i as i64 + 1, (centre, dlat * scale, dlon * scale, zone, 127, start, duration, 0, kind))
            })
            .collect();
        let index = SearchIndex::build(meetings.iter(), built);
        for (lat, lon) in CENTRES {
            let query = NearbyQuery {
                point: Coordinates::new(lat, lon).unwrap(),
                radius_km,
                time: TimeWindow { at: built, window_minutes: window, include_in_progress },
                filter: MeetingFilter::default(),
                sort: SortOrder::Distance,
                limit,
            };
            prop_assert_eq!(summary(&index.nearby(&query)), summary(&Scan(&index).nearby(&query)));
        }
    }
}

#[test]
fn nearest_k_breaks_distance_ties_by_id() {
    let same_place = (3usize, 0.0, 0.0, 0usize, 127u8, 0u16, 1440u16, 0i8, 0u8);
    let meetings: Vec<Arc<Meeting>> = (1..=10).rev().map(|id| build_meeting(id, same_place)).collect();
    let built = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let index = SearchIndex::build(meetings.iter(), built);
    let query = NearbyQuery {
        point: Coordinates::new(52.4, 13.4).unwrap(),
        radius_km: 50.0,
        time: TimeWindow { at: built, window_minutes: 10080, include_in_progress: true },
        filter: MeetingFilter::default(),
        sort: SortOrder::Distance,
        limit: 3,
    };
    let ids: Vec<i64> = index.nearby(&query).iter().map(|h| h.meeting.id.get()).collect();
    assert_eq!(ids, [1, 2, 3]);
}

#[test]
fn meetings_are_found_at_their_exact_start_on_both_sides_of_dst() {
    let built = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    for (zone, lat, lon) in [
        ("America/New_York", 40.7, -74.0),
        ("Australia/Lord_Howe", -31.55, 159.08),
        ("Pacific/Chatham", -43.95, -176.55),
    ] {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let zone_index = chrono_tz::TZ_VARIANTS.iter().position(|z| *z == tz).unwrap();
        let centre = CENTRES.iter().position(|c| c.0 == 0.0).unwrap();
        let mut meeting = build_meeting(1, (centre, 0.0, 0.0, zone_index, 127, 19 * 60, 60, 0, 0));
        Arc::make_mut(&mut meeting).data.location =
            Some(Location { coordinates: Some(Coordinates::new(lat, lon).unwrap()), ..Location::default() });
        let index = SearchIndex::build(std::iter::once(&meeting), built);
        for (month, day) in [(1, 15), (7, 15)] {
            let local = chrono::NaiveDate::from_ymd_opt(2026, month, day).unwrap().and_hms_opt(19, 0, 0).unwrap();
            let at = super::occurrence::local_to_instant(tz, local);
            let query = NearbyQuery {
                point: Coordinates::new(lat, lon).unwrap(),
                radius_km: 1.0,
                time: TimeWindow { at, window_minutes: 0, include_in_progress: false },
                filter: MeetingFilter::default(),
                sort: SortOrder::Distance,
                limit: 5,
            };
            assert_eq!(index.nearby(&query).len(), 1, "{zone} on {month}/{day}");
            let later = NearbyQuery {
                time: TimeWindow { at: at + Duration::minutes(59), window_minutes: 0, include_in_progress: true },
                ..query
            };
            assert_eq!(index.nearby(&later).len(), 1, "{zone} on {month}/{day}, running");
        }
    }
}

#[test]
fn searches_reach_across_the_antimeridian_and_over_the_pole() {
    let built = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let place = |id: i64, lat: f64, lon: f64| {
        let mut meeting = build_meeting(id, (0, 0.0, 0.0, 0, 127, 0, 1440, 0, 0));
        Arc::make_mut(&mut meeting).data.location =
            Some(Location { coordinates: Some(Coordinates::new(lat, lon).unwrap()), ..Location::default() });
        meeting
    };
    // Fiji straddles 180°; Chatham sits at −176.5°; two points either side of the North Pole.
    let meetings = [place(1, -18.1, -179.95), place(2, -18.1, 179.0), place(3, -43.95, -176.55), place(4, 89.9, 180.0)];
    let index = SearchIndex::build(meetings.iter(), built);
    let around = |lat: f64, lon: f64, radius_km: f64| {
        let query = NearbyQuery {
            point: Coordinates::new(lat, lon).unwrap(),
            radius_km,
            time: TimeWindow { at: built, window_minutes: 10080, include_in_progress: true },
            filter: MeetingFilter::default(),
            sort: SortOrder::Distance,
            limit: 10,
        };
        index
            .nearby(&query)
            .iter()
            .map(|h| (h.meeting.id.get(), (h.distance_km * 1000.0).round() / 1000.0))
            .collect::<Vec<_>>()
    };
    // Expected distances from an independent haversine (Python, mean radius 6371.0088 km).
    assert_eq!(around(-18.1, 179.9, 100.0), [(1, 15.854), (2, 95.123)]);
    assert_eq!(around(-44.0, 179.9, 300.0), [(3, 284.106)]);
    // 0.1° from the pole on opposite meridians: 0.2° of arc apart, 22.239 km.
    assert_eq!(around(89.9, 0.0, 30.0), [(4, 22.239)]);
}
