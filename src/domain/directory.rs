//! The directory snapshot: every live meeting, service body and fellowship, derived from the
//! database, answering lists and searches. A write makes a new snapshot that shares the large
//! base (and its index) with the old one and adds a small delta; the delta is folded into a new
//! base once it grows.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::iter::Peekable;
use std::ops::Bound;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use super::filter::{MeetingFilter, Unpublished, Usage};
use super::ids::{FellowshipCode, MeetingId, ServiceBodyId};
use super::index::{Hit, NearbyQuery, SearchIndex, TimeWindow, merge_hits, sort_by_start};
use super::meeting::Meeting;
use super::service_body::{Fellowship, ServiceBody};
pub use writes::{CompactedBase, MAX_DELTA};

pub mod scan;
mod text;
mod writes;

use text::TextArena;

/// A meeting of a layer.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The meeting.
    pub meeting: Arc<Meeting>,
}

impl Entry {
    /// Wraps a meeting.
    pub fn new(meeting: Arc<Meeting>) -> Self {
        Self { meeting }
    }
}

/// Fellowships and service bodies: small, replaced whole when one of them changes.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    fellowships: BTreeMap<FellowshipCode, Fellowship>,
    service_bodies: BTreeMap<ServiceBodyId, ServiceBody>,
    children: BTreeMap<ServiceBodyId, Vec<ServiceBodyId>>,
}

impl Catalog {
    /// The catalog of these fellowships and service bodies.
    pub fn new(fellowships: Vec<Fellowship>, service_bodies: Vec<ServiceBody>) -> Self {
        let mut children: BTreeMap<ServiceBodyId, Vec<ServiceBodyId>> = BTreeMap::new();
        for body in &service_bodies {
            if let Some(parent) = body.data.parent_id {
                children.entry(parent).or_default().push(body.id);
            }
        }
        Self {
            fellowships: fellowships.into_iter().map(|f| (f.code.clone(), f)).collect(),
            service_bodies: service_bodies.into_iter().map(|b| (b.id, b)).collect(),
            children,
        }
    }
}

/// Meetings by id with their search index and searchable text.
#[derive(Debug, Default)]
struct Layer {
    meetings: BTreeMap<MeetingId, Entry>,
    index: SearchIndex,
    text: TextArena,
}

impl Layer {
    fn new(meetings: BTreeMap<MeetingId, Entry>, index: SearchIndex) -> Self {
        let text = TextArena::new(&meetings);
        Self { meetings, index, text }
    }

    /// The meetings above `after` whose searchable text holds the finder's needle, by id.
    fn with_text<'a>(
        &'a self,
        finder: &'a memchr::memmem::Finder<'a>,
        after: Option<MeetingId>,
    ) -> impl Iterator<Item = (&'a MeetingId, &'a Entry)> + 'a {
        self.text.matching(finder, after).filter_map(|id| self.meetings.get_key_value(&id))
    }

    /// Builds the list entries and the search index side by side, and runs `beside` on the
    /// entries' thread while the index builds (start-up counts usage there).
    fn build_beside<T>(
        meetings: Vec<Arc<Meeting>>,
        around: DateTime<Utc>,
        beside: impl FnOnce(&[Arc<Meeting>]) -> T,
    ) -> (Self, T) {
        std::thread::scope(|scope| {
            let index = scope.spawn(|| SearchIndex::build(meetings.iter(), around));
            let entries: BTreeMap<MeetingId, Entry> =
                meetings.iter().map(|m| (m.id, Entry::new(Arc::clone(m)))).collect();
            let text = TextArena::new(&entries);
            let extra = beside(&meetings);
            let index = index.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (Self { meetings: entries, index, text }, extra)
        })
    }
}

/// An immutable picture of the directory; readers keep theirs while writers publish new ones.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    catalog: Arc<Catalog>,
    base: Arc<Layer>,
    /// Meetings written since the base was built (live ones only).
    delta: Arc<Layer>,
    /// Every meeting written since the base was built, live or removed: base queries skip them.
    hidden: Arc<HashSet<MeetingId>>,
    /// How many of `hidden` the base holds.
    hidden_in_base: usize,
    usage: Usage,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page {
    /// The meetings on this page, by ascending id.
    pub meetings: Vec<Arc<Meeting>>,
    /// The last id of this page when more may follow.
    pub next_after: Option<MeetingId>,
}

impl Directory {
    /// Builds a snapshot from everything loaded from storage, with a search index whose
    /// time masks are exact within a year or so of `around` (the current instant).
    pub fn new(
        fellowships: Vec<Fellowship>,
        service_bodies: Vec<ServiceBody>,
        meetings: Vec<Meeting>,
        around: DateTime<Utc>,
    ) -> Self {
        // Allocated in place order, so that the records a search reads are near each other too.
        let mut meetings = meetings;
        meetings.sort_by_cached_key(|m| m.data.coordinates().map_or(u64::MAX, super::geo::Coordinates::z_order));
        let meetings: Vec<Arc<Meeting>> = meetings.into_iter().map(Arc::new).collect();
        let (base, usage) = Layer::build_beside(meetings, around, |m| Usage::count(m.iter()));
        Self {
            catalog: Arc::new(Catalog::new(fellowships, service_bodies)),
            base: Arc::new(base),
            delta: Arc::default(),
            hidden: Arc::default(),
            hidden_in_base: 0,
            usage,
        }
    }

    /// Published meetings per fellowship and type codes in use.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// How many meetings can start (are in the search index).
    pub fn indexed_count(&self) -> usize {
        let hidden_indexed = self
            .hidden
            .iter()
            .filter(|id| self.base.meetings.get(id).is_some_and(|e| SearchIndex::indexes(&e.meeting)))
            .count();
        self.base.index.len() - hidden_indexed + self.delta.index.len()
    }

    /// Every fellowship by code.
    pub fn fellowships(&self) -> impl Iterator<Item = &Fellowship> {
        self.catalog.fellowships.values()
    }

    /// One fellowship.
    pub fn fellowship(&self, code: &FellowshipCode) -> Option<&Fellowship> {
        self.catalog.fellowships.get(code)
    }

    /// Every service body by id.
    pub fn service_bodies(&self) -> impl Iterator<Item = &ServiceBody> {
        self.catalog.service_bodies.values()
    }

    /// One service body.
    pub fn service_body(&self, id: ServiceBodyId) -> Option<&ServiceBody> {
        self.catalog.service_bodies.get(&id)
    }

    /// The direct children of a service body, by id.
    pub fn children(&self, id: ServiceBodyId) -> &[ServiceBodyId] {
        self.catalog.children.get(&id).map_or(&[], Vec::as_slice)
    }

    /// A service body and all its descendants.
    pub fn subtree(&self, root: ServiceBodyId) -> BTreeSet<ServiceBodyId> {
        let mut out = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if out.insert(id) {
                stack.extend_from_slice(self.children(id));
            }
        }
        out
    }

    /// True when `body` is `ancestor` or below it.
    pub fn is_within(&self, body: ServiceBodyId, ancestor: ServiceBodyId) -> bool {
        let mut current = Some(body);
        // The depth bound guards against a cycle in corrupt data.
        for _ in 0..=self.catalog.service_bodies.len() {
            match current {
                Some(id) if id == ancestor => return true,
                Some(id) => current = self.service_body(id).and_then(|b| b.data.parent_id),
                None => return false,
            }
        }
        false
    }

    /// One live meeting, published or not.
    pub fn meeting(&self, id: MeetingId) -> Option<&Arc<Meeting>> {
        if let Some(entry) = self.delta.meetings.get(&id) {
            return Some(&entry.meeting);
        }
        if self.hidden.contains(&id) {
            return None;
        }
        self.base.meetings.get(&id).map(|e| &e.meeting)
    }

    /// Every live meeting by id.
    pub fn meetings(&self) -> impl Iterator<Item = &Arc<Meeting>> {
        self.entries(Bound::Unbounded).map(|e| &e.meeting)
    }

    /// How many live meetings there are.
    pub fn meeting_count(&self) -> usize {
        self.base.meetings.len() - self.hidden_in_base + self.delta.meetings.len()
    }

    fn entries(&self, lower: Bound<MeetingId>) -> impl Iterator<Item = &Entry> {
        let range = (lower, Bound::Unbounded);
        let base = self.base.meetings.range(range).filter(|(id, _)| !self.hidden.contains(id));
        ById(base.peekable(), self.delta.meetings.range(range).peekable()).map(|(_, e)| e)
    }

    /// Up to `limit` matching meetings with ids above `after`, by ascending id.
    pub fn list(&self, filter: &MeetingFilter, after: Option<MeetingId>, limit: usize) -> Page {
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        let finder = filter.text.as_ref().map(|t| memchr::memmem::Finder::new(t.as_bytes()));
        let candidates: Box<dyn Iterator<Item = &Entry>> = match &finder {
            None => Box::new(self.entries(lower)),
            // The layers' text buffers name the meetings holding the text, in id order.
            Some(finder) => {
                let base = self.base.with_text(finder, after).filter(|(id, _)| !self.hidden.contains(id));
                Box::new(ById(base.peekable(), self.delta.with_text(finder, after).peekable()).map(|(_, e)| e))
            }
        };
        let mut matching = candidates.filter(|e| filter.matches_meeting(&e.meeting));
        let meetings: Vec<Arc<Meeting>> = matching.by_ref().take(limit).map(|e| Arc::clone(&e.meeting)).collect();
        let more = matching.next().is_some();
        let next_after = if more { meetings.last().map(|m| m.id) } else { None };
        Page { meetings, next_after }
    }

    /// The base's query: the same filter, skipping the meetings the delta supersedes.
    fn base_query(&self, query: &NearbyQuery) -> NearbyQuery {
        NearbyQuery { filter: self.base_filter(&query.filter), ..query.clone() }
    }

    /// The same filter for the base layer, skipping the meetings written since it was built.
    fn base_filter(&self, filter: &MeetingFilter) -> MeetingFilter {
        let exclude = (!self.hidden.is_empty()).then(|| Arc::clone(&self.hidden));
        MeetingFilter { exclude, ..filter.clone() }
    }

    /// The nearest matching meetings in the window, from the index (see `SearchIndex::nearby`).
    pub fn nearby(&self, query: &NearbyQuery) -> Vec<Hit> {
        let base = self.base.index.nearby(&self.base_query(query));
        merge_hits(base, self.delta.index.nearby(query), query.sort, query.limit)
    }

    /// Every matching meeting starting in the window, wherever it is, by start then id.
    pub fn upcoming(&self, time: &TimeWindow, filter: &MeetingFilter) -> Vec<Hit> {
        let mut hits = self.base.index.upcoming(time, &self.base_filter(filter));
        hits.extend(self.delta.index.upcoming(time, filter));
        sort_by_start(&mut hits);
        hits
    }
}

/// Two id-ordered walks with distinct ids merged into one.
struct ById<A: Iterator, B: Iterator>(Peekable<A>, Peekable<B>);

impl<'a, A, B> Iterator for ById<A, B>
where
    A: Iterator<Item = (&'a MeetingId, &'a Entry)>,
    B: Iterator<Item = (&'a MeetingId, &'a Entry)>,
{
    type Item = (&'a MeetingId, &'a Entry);

    fn next(&mut self) -> Option<Self::Item> {
        match (self.0.peek(), self.1.peek()) {
            (Some(a), Some(b)) if a.0 < b.0 => self.0.next(),
            (Some(_), Some(_)) | (None, _) => self.1.next(),
            (Some(_), None) => self.0.next(),
        }
    }
}
