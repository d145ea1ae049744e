//! Writes to the snapshot: a meeting replaced, added or removed costs the size of the delta; the
//! catalog is replaced whole; a grown delta is folded into a new base built off the write path.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Catalog, Directory, Entry, Layer};
use crate::domain::ids::MeetingId;
use crate::domain::index::SearchIndex;
use crate::domain::meeting::Meeting;
use crate::domain::service_body::{Fellowship, ServiceBody};

/// A delta larger than this is folded into a new base.
pub const MAX_DELTA: usize = 256;

impl Directory {
    /// The same directory with one meeting replaced, added (`Some`) or removed (`None`).
    /// Costs the size of the delta, not of the directory.
    pub fn with_meeting(&self, id: MeetingId, meeting: Option<Arc<Meeting>>, around: DateTime<Utc>) -> Self {
        self.with_meetings([(id, meeting)], around)
    }

    /// The same directory with several meetings replaced, added or removed at once (an import):
    /// one new delta for the lot.
    pub fn with_meetings(
        &self,
        updates: impl IntoIterator<Item = (MeetingId, Option<Arc<Meeting>>)>,
        around: DateTime<Utc>,
    ) -> Self {
        let mut usage = self.usage.clone();
        let mut changes: BTreeMap<MeetingId, Option<Arc<Meeting>>> =
            self.delta.meetings.iter().map(|(id, e)| (*id, Some(Arc::clone(&e.meeting)))).collect();
        let mut hidden = (*self.hidden).clone();
        let mut hidden_in_base = self.hidden_in_base;
        for (id, meeting) in updates {
            let old = match changes.get(&id) {
                Some(pending) => pending.as_ref(),
                None if hidden.contains(&id) => None,
                None => self.base.meetings.get(&id).map(|e| &e.meeting),
            };
            if let Some(old) = old {
                usage.remove(old);
            }
            if let Some(new) = &meeting {
                usage.add(new);
            }
            changes.insert(id, meeting);
            if hidden.insert(id) && self.base.meetings.contains_key(&id) {
                hidden_in_base += 1;
            }
        }
        Self {
            usage,
            hidden: Arc::new(hidden),
            hidden_in_base,
            delta: Arc::new(delta_layer(changes, &self.base, around)),
            ..self.clone()
        }
    }

    /// The same directory with another catalog of fellowships and service bodies.
    pub fn with_catalog(&self, fellowships: Vec<Fellowship>, service_bodies: Vec<ServiceBody>) -> Self {
        Self { catalog: Arc::new(Catalog::new(fellowships, service_bodies)), ..self.clone() }
    }

    /// How many meetings the delta replaces, adds or removes (a compaction folds it into the base).
    pub fn delta_len(&self) -> usize {
        self.hidden.len()
    }

    /// True when the delta has grown enough to be folded into a new base.
    pub fn needs_compaction(&self) -> bool {
        self.hidden.len() > MAX_DELTA
    }

    /// A new base of every live meeting, built without blocking writers (see `rebased`).
    pub fn compacted_base(&self, around: DateTime<Utc>) -> CompactedBase {
        CompactedBase { layer: Arc::new(Layer::build_beside(self.meetings().cloned().collect(), around, |_| ()).0) }
    }

    /// This directory over a base compacted from the older snapshot `from`: meetings that changed
    /// since `from` stay in the delta, everything else comes from the new base.
    pub fn rebased(&self, from: &Directory, base: CompactedBase, around: DateTime<Utc>) -> Self {
        if !Arc::ptr_eq(&self.base, &from.base) {
            // Another base was installed meanwhile; this one is already stale.
            return self.clone();
        }
        let mut changes = BTreeMap::new();
        let mut hidden = HashSet::new();
        for &id in self.hidden.iter() {
            let (now, then) = (self.meeting(id), from.meeting(id));
            let same = match (now, then) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                changes.insert(id, now.cloned());
                hidden.insert(id);
            }
        }
        let hidden_in_base = hidden.iter().filter(|id| base.layer.meetings.contains_key(id)).count();
        Self {
            hidden_in_base,
            delta: Arc::new(delta_layer(changes, &base.layer, around)),
            base: base.layer,
            hidden: Arc::new(hidden),
            ..self.clone()
        }
    }
}

/// A base layer built off the write path, to be installed with `Directory::rebased`.
pub struct CompactedBase {
    layer: Arc<Layer>,
}

fn delta_layer(changes: BTreeMap<MeetingId, Option<Arc<Meeting>>>, base: &Layer, around: DateTime<Utc>) -> Layer {
    let live: Vec<Arc<Meeting>> = changes.into_values().flatten().collect();
    let index = SearchIndex::build_over(live.iter(), &base.index, around);
    Layer::new(live.into_iter().map(|m| (m.id, Entry::new(m))).collect(), index)
}
