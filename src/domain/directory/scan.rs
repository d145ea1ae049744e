//! The brute-force baseline over a whole directory (base and delta), off the directory's own
//! interface: what `--scan-search` answers with, for the load test's comparison.

use super::Directory;
use crate::domain::index::scan::Scan;
use crate::domain::index::{Hit, NearbyQuery, merge_hits};

/// A scan over every meeting of a directory snapshot.
#[derive(Debug, Clone, Copy)]
pub struct DirectoryScan<'a>(pub &'a Directory);

impl DirectoryScan<'_> {
    /// The nearby answer by measuring every meeting.
    pub fn nearby(&self, query: &NearbyQuery) -> Vec<Hit> {
        let d = self.0;
        let base = Scan(&d.base.index).nearby(&d.base_query(query));
        merge_hits(base, Scan(&d.delta.index).nearby(query), query.sort, query.limit)
    }
}
