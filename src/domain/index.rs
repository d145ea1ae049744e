//! The search index: R*-trees over meetings' points on the unit sphere, walked branch and bound
//! while a week-hour mask and then the exact occurrence check filter candidates. Derived entirely
//! from the directory; the brute-force scan beside it is the reference it must agree with.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rstar::primitives::GeomWithData;
use rstar::{ParentNode, PointDistance as _, RTree, RTreeNode};

use super::filter::MeetingFilter;
use super::geo::Coordinates;
use super::meeting::{Attendance, Meeting};
use super::occurrence::{Occurrence, reported_occurrence};
use super::weekmask::{StartWindows, WeekMask, offset_range, start_hours, start_hours_of};

pub mod scan;
mod walk;

use walk::{Walk, ZoneOffsets, finish, upcoming_among};
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

/// What a tree holds beside a point: the entry, and in an hour tree the local minute of the week
/// at which that hour's start is scheduled, with its zone, so that most candidates outside the
/// window are passed over without reading their entry (a cache miss each).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    position: u32,
    /// `ANY_START` when the item stands for all of the meeting's starts.
    local_start: u16,
    zone: Tz,
}

const ANY_START: u16 = u16::MAX;

/// A meeting's point on the unit sphere in single precision: a tree holds each item in a node
/// slot as wide as an inner node (a child list and a bounding box), so halving the box's width
/// saves a third of every tree's memory. The walk prunes with a margin that covers the rounding
/// (`Walk::reach`) and measures hits in double precision, so answers stay exact.
type Item = GeomWithData<[f32; 3], Slot>;
const _: () = assert!(std::mem::size_of::<Item>() == 20);
const _: () = assert!(std::mem::size_of::<RTreeNode<Item>>() == 48);

/// A unit vector rounded to single precision.
fn narrow([x, y, z]: [f64; 3]) -> [f32; 3] {
    #[expect(clippy::cast_possible_truncation, reason = "rounding to f32 is the point; Walk::reach covers it")]
    [x as f32, y as f32, z as f32]
}
type Tree = RTree<Item, NodeSize>;

/// The most children a walk orders nearest first; bulk-loaded inner nodes hold up to 27.
const WIDEST_NODE: usize = 32;

/// Wider nodes than rstar's default (6): a walk expands fewer nodes. (Bulk loading, which builds
/// every tree here, splits each axis into up to three slabs and so makes inner nodes of up to 27.)
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
                let zone = schedule.time_zone.tz();
                let item =
                    |local_start| GeomWithData::new(narrow(point.unit_vector()), Slot { position, local_start, zone });
                for local_start in starts.local_starts() {
                    for hour in start_hours_of(local_start, range).hours() {
                        hours[hour].push(item(local_start));
                    }
                }
                if is_long {
                    long.push(item(ANY_START));
                }
                points.push(item(ANY_START));
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
        let mut walk = Walk::new(query, target);
        for tree in trees {
            if tree.size() > 0 {
                self.descend(tree.root(), &narrow(target), query, &mut walk);
            }
        }
        finish(walk.hits, query.sort, query.limit)
    }

    /// Branch and bound through one node: the children nearest the target first, each subtree
    /// only while it can still hold something within the walk's bound (the radius, or for a
    /// search by distance the `limit`-th hit's distance once there are that many). No priority
    /// queue: the bound only shrinks, so every meeting as near as the final bound is checked.
    fn descend(&self, node: &ParentNode<Item>, target: &[f32; 3], query: &NearbyQuery, walk: &mut Walk) {
        let children = node.children();
        let mut order = [(0.0, 0u8); WIDEST_NODE];
        let mut parents = 0;
        for (i, child) in children.iter().enumerate() {
            match child {
                RTreeNode::Leaf(item) => {
                    if f64::from(item.geom().distance_2(target)) <= walk.reach() {
                        self.consider(item.data, query, walk);
                    }
                }
                RTreeNode::Parent(parent) => {
                    let d2 = f64::from(parent.envelope().distance_2(target));
                    match (order.get_mut(parents), u8::try_from(i)) {
                        (Some(slot), Ok(i)) => {
                            *slot = (d2, i);
                            parents += 1;
                        }
                        // Wider than bulk loading makes them: walked in stored order.
                        _ if d2 <= walk.reach() => self.descend(parent, target, query, walk),
                        _ => {}
                    }
                }
            }
        }
        let order = &mut order[..parents];
        order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        for &(d2, i) in order.iter() {
            if d2 > walk.reach() {
                break;
            }
            if let Some(RTreeNode::Parent(parent)) = children.get(usize::from(i)) {
                self.descend(parent, target, query, walk);
            }
        }
    }

    /// Checks one candidate, keeping it when it is a hit.
    fn consider(&self, slot: Slot, query: &NearbyQuery, walk: &mut Walk) {
        let plausible = match slot.local_start {
            ANY_START => None,
            // The item's own start decides, without reading the entry (running meetings need
            // its duration, so those searches read it).
            start if !query.time.include_in_progress => Some(walk.zones.may_start_at(slot.zone, start, &query.time)),
            _ => None,
        };
        let position = slot.position;
        if plausible == Some(false) || walk.seen.contains(&position) {
            return;
        }
        let entry = &self.entries[position as usize];
        if plausible.is_none() && !walk.zones.plausible(entry, &query.time) {
            return;
        }
        // A meeting can sit in several hour trees; it is checked, and counted, once.
        walk.seen.push(position);
        let attendance = &query.filter.attendance;
        if !(attendance.is_empty() || attendance.contains(&entry.attendance))
            || !query.filter.matches_meeting(&entry.meeting)
        {
            return;
        }
        let Some(point) = entry.meeting.data.coordinates() else { return };
        let distance_km = query.point.distance_km(point);
        if distance_km > query.radius_km {
            return;
        }
        let t = &query.time;
        // The prefilter passed above; this is the exact check.
        if let Some(occurrence) =
            reported_occurrence(&entry.meeting.data, t.at, t.window_minutes, t.include_in_progress)
        {
            let d2 = point.unit_vector().distance_2(&walk.target);
            walk.hit(Hit { meeting: Arc::clone(&entry.meeting), distance_km, occurrence }, d2);
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
