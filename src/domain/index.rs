//! The search index: an R*-tree over meetings' points on the unit sphere, walked in distance order
//! while a week-hour mask and then the exact occurrence check filter candidates. Derived entirely
//! from the directory; the brute-force scan beside it is the reference it must agree with.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::filter::MeetingFilter;
use super::geo::{Coordinates, chord_squared};
use super::meeting::{Attendance, Meeting};
use super::occurrence::{Occurrence, reported_occurrence};
use super::weekmask::{StartWindows, WeekMask, offset_range, start_hours};

pub mod scan;
mod walk;

use walk::{Merged, Walk, ZoneOffsets, finish, upcoming_among};
pub use walk::{merge_hits, sort_by_start};

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// By distance, then id.
    #[default]
    Distance,
    /// By the reported occurrence's start, then distance, then id.
    Start,
}

/// What a time-aware search asks.
#[derive(Debug, Clone)]
pub struct TimeWindow {
    /// The instant of the question.
    pub at: DateTime<Utc>,
    /// Starting within this many minutes.
    pub window_minutes: u32,
    /// Report running meetings too.
    pub include_in_progress: bool,
}

/// A nearby search.
#[derive(Debug, Clone)]
pub struct NearbyQuery {
    /// Where the person is.
    pub point: Coordinates,
    /// How far they will go.
    pub radius_km: f64,
    /// When.
    pub time: TimeWindow,
    /// The other filters (attendance, fellowship, types, languages, service bodies).
    pub filter: MeetingFilter,
    /// Order of results.
    pub sort: SortOrder,
    /// At most this many.
    pub limit: usize,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The meeting.
    pub meeting: Arc<Meeting>,
    /// Great-circle distance in km (`0` for searches without a place).
    pub distance_km: f64,
    /// The occurrence reported.
    pub occurrence: Occurrence,
}

#[derive(Debug, Clone)]
struct Entry {
    meeting: Arc<Meeting>,
    starts: StartWindows,
    /// Kept beside the record so the commonest filter rejects without touching it.
    attendance: Attendance,
}

type Item = GeomWithData<[f64; 3], u32>;
type Tree = RTree<Item, NodeSize>;

/// Wider nodes than rstar's default (6): a walk expands fewer nodes and keeps a shorter heap of
/// them, which is where most of a dense search's time went.
#[derive(Debug, Clone, Copy)]
struct NodeSize;

impl rstar::RTreeParams for NodeSize {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 16;
    const REINSERTION_COUNT: usize = 4;
    type DefaultInsertionStrategy = rstar::RStarInsertionStrategy;
}

/// Meetings that can start, indexed by place, and by place within each UTC hour of the week in
/// which they may start: a search walks only the hours its window touches.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    tree: Tree,
    hours: Vec<Tree>,
    long: Tree,
    /// Every entry (with a place or not) by the hours it may start in, then the long ones: what
    /// `upcoming` reads instead of all entries.
    by_hour: Vec<Vec<u32>>,
    long_entries: Vec<u32>,
    masks_valid: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Each zone's offset range over `masks_valid`, kept for indexes built over this one.
    offsets: Arc<HashMap<Tz, (i64, i64)>>,
}

/// Windows touching more hours than this walk the one tree of all meetings instead.
const MAX_HOURS_PER_WALK: u32 = 12;

/// Meetings longer than this are also kept in a tree of their own, so that a search for running
/// meetings looks back this far through the hour trees and no further.
const LONG_MINUTES: i64 = 180;

/// How far around the build instant the week masks are exact supersets (zones' offsets sampled).
const MASK_VALIDITY_DAYS: i64 = 400;

impl SearchIndex {
    /// Indexes every published, scheduled, active meeting; masks hold within 400 days of `around`.
    pub fn build<'a>(meetings: impl Iterator<Item = &'a Arc<Meeting>>, around: DateTime<Utc>) -> Self {
        let valid = (around - Duration::days(MASK_VALIDITY_DAYS), around + Duration::days(MASK_VALIDITY_DAYS));
        Self::build_within(meetings, valid, HashMap::new())
    }

    /// Indexes a few meetings (a directory's delta) with the same mask validity as `base` and
    /// the zone offsets it already computed: sampling a zone's offsets over 800 days is what
    /// would otherwise dominate a small build.
    /// A base without masks (the empty default) lends nothing; `around` is used then.
    pub fn build_over<'a>(
        meetings: impl Iterator<Item = &'a Arc<Meeting>>,
        base: &SearchIndex,
        around: DateTime<Utc>,
    ) -> Self {
        match base.masks_valid {
            Some(valid) => Self::build_within(meetings, valid, (*base.offsets).clone()),
            None => Self::build(meetings, around),
        }
    }

    fn build_within<'a>(
        meetings: impl Iterator<Item = &'a Arc<Meeting>>,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        mut offsets: HashMap<Tz, (i64, i64)>,
    ) -> Self {
        let mut entries = Vec::new();
        let mut points = Vec::new();
        let mut hours: Vec<Vec<Item>> = vec![Vec::new(); 168];
        let mut long = Vec::new();
        let mut by_hour: Vec<Vec<u32>> = vec![Vec::new(); 168];
        let mut long_entries = Vec::new();
        // Positions in place order: a search's candidates are near each other, and so are their
        // entries in memory (one cache miss per candidate was most of a dense search's time).
        let mut meetings: Vec<&Arc<Meeting>> = meetings.collect();
        meetings.sort_by_cached_key(|m| m.data.coordinates().map_or(u64::MAX, Coordinates::z_order));
        for meeting in meetings {
            let data = &meeting.data;
            let Some(schedule) = data.schedule.as_ref().filter(|_| Self::indexes(meeting)) else { continue };
            let range = *offsets.entry(schedule.time_zone.tz()).or_insert_with_key(|tz| offset_range(*tz, from, to));
            let starts = StartWindows::new(schedule);
            let position = u32::try_from(entries.len()).unwrap_or(u32::MAX);
            let start_mask = start_hours(schedule, range);
            let is_long = i64::from(schedule.duration_minutes) > LONG_MINUTES;
            for hour in start_mask.hours() {
                by_hour[hour].push(position);
            }
            if is_long {
                long_entries.push(position);
            }
            if let Some(point) = data.coordinates() {
                let item = GeomWithData::new(point.unit_vector(), position);
                for hour in start_mask.hours() {
                    hours[hour].push(item);
                }
                if is_long {
                    long.push(item);
                }
                points.push(item);
            }
            entries.push(Entry { meeting: Arc::clone(meeting), starts, attendance: data.attendance });
        }
        let hours = hours.into_iter().map(RTree::bulk_load_with_params).collect();
        Self {
            entries,
            tree: RTree::bulk_load_with_params(points),
            hours,
            long: RTree::bulk_load_with_params(long),
            by_hour,
            long_entries,
            masks_valid: Some((from, to)),
            offsets: Arc::new(offsets),
        }
    }

    /// True for the meetings an index holds: published, scheduled and not inactive.
    pub fn indexes(meeting: &Meeting) -> bool {
        let data = &meeting.data;
        data.schedule.is_some() && data.published && data.attendance != Attendance::Inactive
    }

    /// How many meetings can start.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no meeting can start.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The hours in which a meeting reported for `time` can have started, when the masks (built
    /// from the zones' offsets around the build instant) hold for it.
    fn window_hours(&self, time: &TimeWindow) -> Option<WeekMask> {
        let (from, to) = self.masks_valid?;
        let horizon = time.at + Duration::minutes(i64::from(time.window_minutes));
        let back = if time.include_in_progress { Duration::minutes(LONG_MINUTES) } else { Duration::zero() };
        (time.at - Duration::days(2) >= from && horizon <= to).then(|| WeekMask::window(time.at - back, horizon))
    }

    /// The meetings within the radius that match the filter and the time window, in the query's order.
    pub fn nearby(&self, query: &NearbyQuery) -> Vec<Hit> {
        let target = query.point.unit_vector();
        let trees: Vec<&Tree> = match self.window_hours(&query.time) {
            // Every meeting reported starts in one of these hours (or is long and running).
            Some(window) if window.count() <= MAX_HOURS_PER_WALK && !self.hours.is_empty() => {
                let long = query.time.include_in_progress.then_some(&self.long);
                window.hours().map(|hour| &self.hours[hour]).chain(long).collect()
            }
            _ => vec![&self.tree],
        };
        // The trees' distance-ordered walks merged into one, so the walk stops at the k-th hit overall.
        let walks = trees.into_iter().map(|tree| tree.nearest_neighbor_iter_with_distance_2(&target).peekable());
        let mut merged = Merged(walks.collect());
        let mut walk = Walk { hits: Vec::new(), seen: Vec::new(), zones: ZoneOffsets::new(&query.time) };
        self.walk(&mut merged, query, &mut walk);
        finish(walk.hits, query.sort, query.limit)
    }

    /// Takes candidates in distance order, keeping the hits within the radius (for `Distance`
    /// order, only the nearest `limit` and whatever ties the last of them).
    fn walk<'a>(&self, candidates: impl Iterator<Item = (&'a Item, f64)>, query: &NearbyQuery, walk: &mut Walk) {
        let limit_d2 = chord_squared(query.radius_km) * (1.0 + 1e-9) + 1e-15;
        let mut found = 0;
        let mut cutoff = f64::INFINITY;
        for (item, d2) in candidates {
            if d2 > limit_d2 || d2 > cutoff {
                break;
            }
            let entry = &self.entries[item.data as usize];
            if !walk.zones.plausible(entry, &query.time) || walk.seen.contains(&item.data) {
                continue;
            }
            // A meeting can sit in several hour trees; it is checked, and counted, once.
            walk.seen.push(item.data);
            let attendance = &query.filter.attendance;
            if !(attendance.is_empty() || attendance.contains(&entry.attendance))
                || !query.filter.matches_meeting(&entry.meeting)
            {
                continue;
            }
            let Some(point) = entry.meeting.data.coordinates() else { continue };
            let distance_km = query.point.distance_km(point);
            if distance_km > query.radius_km {
                continue;
            }
            let t = &query.time;
            // The prefilter passed above; this is the exact check.
            let Some(occurrence) =
                reported_occurrence(&entry.meeting.data, t.at, t.window_minutes, t.include_in_progress)
            else {
                continue;
            };
            walk.hits.push(Hit { meeting: Arc::clone(&entry.meeting), distance_km, occurrence });
            found += 1;
            if query.sort == SortOrder::Distance && found == query.limit {
                // Keep walking through float ties with the k-th so the id tie-break is exact.
                cutoff = d2 * (1.0 + 1e-9) + 1e-15;
            }
        }
    }

    /// Every matching meeting starting in the window, wherever it is, by start then id.
    pub fn upcoming(&self, time: &TimeWindow, filter: &MeetingFilter) -> Vec<Hit> {
        let mut zones = ZoneOffsets::new(time);
        let candidates: Vec<&Entry> = match self.window_hours(time) {
            Some(window) if window.count() <= MAX_HOURS_PER_WALK && !self.by_hour.is_empty() => {
                let long = time.include_in_progress.then_some(&self.long_entries);
                let mut positions: Vec<u32> = window
                    .hours()
                    .flat_map(|hour| &self.by_hour[hour])
                    .chain(long.into_iter().flatten())
                    .copied()
                    .collect();
                positions.sort_unstable();
                positions.dedup();
                positions.into_iter().map(|p| &self.entries[p as usize]).collect()
            }
            _ => self.entries.iter().collect(),
        };
        upcoming_among(candidates.into_iter(), time, filter, Some(&mut zones))
    }
}
