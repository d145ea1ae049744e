//! Property test: a directory changed write by write (with a compaction part-way, as the
//! background thread does it) answers exactly like one built from scratch from the same meetings.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone as _, Utc};
use proptest::prelude::*;

use super::directory::{Directory, MeetingFilter};
use super::directory_tests::{body, meeting};
use super::geo::Coordinates;
use super::ids::MeetingId;
use super::index::{NearbyQuery, SortOrder, TimeWindow};
use super::meeting::{Attendance, Meeting};
use super::schedule::Weekday;

#[derive(Debug, Clone)]
enum Op {
    Put { id: i64, day: usize, lat: f64, lon: f64, published: bool, online: bool },
    Remove { id: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1i64..40, 0usize..7, 52.3f64..52.7, 13.2f64..13.6, proptest::bool::weighted(0.8), proptest::bool::weighted(0.2))
            .prop_map(|(id, day, lat, lon, published, online)| Op::Put { id, day, lat, lon, published, online }),
        1 => (1i64..40).prop_map(|id| Op::Remove { id }),
    ]
}

fn build(id: i64, day: usize, lat: f64, lon: f64, published: bool, online: bool) -> Meeting {
    let mut m = meeting(id, 1 + id % 3, if id % 2 == 0 { "aa" } else { "na" }, Weekday::ALL[day], &["O"], (lat, lon));
    m.data.published = published;
    if online {
        m.data.attendance = Attendance::Online;
    }
    m.version = id * 7 + i64::try_from(day).unwrap_or(0);
    m
}

/// Listed meetings, counts, nearby (id, distance bits), upcoming ids, and pages of a text search.
type Answers = (Vec<Meeting>, usize, usize, Vec<(i64, u64)>, Vec<i64>, Vec<(Vec<i64>, Option<i64>)>);

fn answers(d: &Directory, at: chrono::DateTime<Utc>) -> Answers {
    let listed = d.list(&MeetingFilter::default(), None, 1000).meetings.iter().map(|m| m.as_ref().clone()).collect();
    // "Meeting 1", "Meeting 10" to "Meeting 19": found in both layers' text, paged from inside.
    let text = MeetingFilter { text: Some("ing 1".into()), ..Default::default() };
    let pages = [None, Some(1), Some(12), Some(39)]
        .into_iter()
        .map(|after| {
            let page = d.list(&text, after.map(|a| MeetingId::new(a).unwrap()), 3);
            (page.meetings.iter().map(|m| m.id.get()).collect(), page.next_after.map(MeetingId::get))
        })
        .collect();
    let query = NearbyQuery {
        point: Coordinates::new(52.5, 13.4).unwrap(),
        radius_km: 30.0,
        time: TimeWindow { at, window_minutes: 24 * 60, include_in_progress: true },
        filter: MeetingFilter::default(),
        sort: SortOrder::Distance,
        limit: 15,
    };
    let nearby = d.nearby(&query).iter().map(|h| (h.meeting.id.get(), h.distance_km.to_bits())).collect();
    let upcoming = d
        .upcoming(&query.time, &MeetingFilter { attendance: vec![Attendance::Online], ..Default::default() })
        .iter()
        .map(|h| h.meeting.id.get())
        .collect();
    (listed, d.meeting_count(), d.indexed_count(), nearby, upcoming, pages)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn writes_and_compaction_agree_with_a_fresh_build(
        initial in proptest::collection::vec(op(), 0..30),
        ops in proptest::collection::vec(op(), 0..60),
        compact_after in 0usize..60,
        resume_writes in 0usize..20,
    ) {
        let around = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let bodies = vec![body(1, None), body(2, Some(1)), body(3, None)];
        let mut live: BTreeMap<i64, Meeting> = BTreeMap::new();
        let apply = |live: &mut BTreeMap<i64, Meeting>, op: &Op| match *op {
            Op::Put { id, day, lat, lon, published, online } => {
                let m = build(id, day, lat, lon, published, online);
                live.insert(id, m.clone());
                (id, Some(m))
            }
            Op::Remove { id } => {
                live.remove(&id);
                (id, None)
            }
        };
        for op in &initial {
            apply(&mut live, op);
        }
        let mut directory = Directory::new(vec![], bodies.clone(), live.values().cloned().collect(), around);
        let mut pending = None;
        for (i, op) in ops.iter().enumerate() {
            if i == compact_after {
                // The compaction thread starts from this snapshot...
                pending = Some((directory.clone(), directory.compacted_base(around), i + resume_writes));
            }
            let (id, m) = apply(&mut live, op);
            directory = directory.with_meeting(MeetingId::new(id).unwrap(), m.map(Arc::new), around);
            if let Some((from, base, at)) = pending.take_if(|(_, _, at)| *at == i) {
                let _ = at;
                // ...and installs its base after more writes landed.
                directory = directory.rebased(&from, base, around);
            }
        }
        let fresh = Directory::new(vec![], bodies, live.values().cloned().collect(), around);
        for hours in [0, 5, 30, 100] {
            let at = around + Duration::hours(hours);
            prop_assert_eq!(answers(&directory, at), answers(&fresh, at));
        }
        prop_assert_eq!(directory.usage().meetings_per_fellowship.clone(), fresh.usage().meetings_per_fellowship.clone());
        prop_assert_eq!(directory.usage().fellowships_per_type.clone(), fresh.usage().fellowships_per_type.clone());
    }
}
