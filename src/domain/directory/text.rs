//! The layer's searchable text in one buffer: every meeting's lowercased name, location and notes,
//! in id order, each ended by a NUL. A `q=` list runs one vectorized substring search through the
//! buffer instead of visiting a separate allocation per meeting (a cache miss each, which was most
//! of a rare term's time), and the buffer costs less memory than a string per meeting.

use memchr::memmem::Finder;

use std::collections::BTreeMap;

use super::super::ids::MeetingId;
use super::Entry;

/// Searchable text of a layer's meetings, in id order.
#[derive(Debug, Default)]
pub(super) struct TextArena {
    bytes: Vec<u8>,
    /// Where each meeting's text starts, then where the last one ends (empty in the default).
    starts: Vec<usize>,
    ids: Vec<MeetingId>,
}

impl TextArena {
    /// The text of a layer's meetings.
    pub(super) fn new(entries: &BTreeMap<MeetingId, Entry>) -> Self {
        let mut arena = Self { bytes: Vec::new(), starts: vec![0], ids: Vec::new() };
        for meeting in entries.values().map(|e| &e.meeting) {
            arena.bytes.extend_from_slice(meeting.data.search_text().as_bytes());
            arena.bytes.push(0);
            arena.starts.push(arena.bytes.len());
            arena.ids.push(meeting.id);
        }
        arena.bytes.shrink_to_fit();
        arena.starts.shrink_to_fit();
        arena.ids.shrink_to_fit();
        arena
    }

    /// The ids above `after` (or all) whose text contains the finder's needle, ascending, lazily.
    pub(super) fn matching<'a>(
        &'a self,
        finder: &'a Finder<'a>,
        after: Option<MeetingId>,
    ) -> impl Iterator<Item = MeetingId> + 'a {
        let first = after.map_or(0, |after| self.ids.partition_point(|id| *id <= after));
        let mut at = self.starts.get(first).copied().unwrap_or(self.bytes.len());
        let needle_len = finder.needle().len();
        std::iter::from_fn(move || {
            loop {
                let found = at + finder.find(self.bytes.get(at..)?)?;
                // The meeting whose text holds the match's first byte.
                let meeting = self.starts.partition_point(|start| *start <= found).checked_sub(1)?;
                let end = *self.starts.get(meeting + 1)?;
                // A match must end before the meeting's NUL; only a needle with a NUL in it can
                // run across, and then a later, overlapping match may still be inside.
                if found + needle_len < end {
                    at = end;
                    return self.ids.get(meeting).copied();
                }
                at = found + 1;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn arena(texts: &[(i64, &str)]) -> TextArena {
        let mut arena = TextArena { bytes: Vec::new(), starts: vec![0], ids: Vec::new() };
        for (id, text) in texts {
            arena.bytes.extend_from_slice(text.as_bytes());
            arena.bytes.push(0);
            arena.starts.push(arena.bytes.len());
            arena.ids.push(MeetingId::new(*id).unwrap());
        }
        arena
    }

    fn found(arena: &TextArena, needle: &str, after: Option<i64>) -> Vec<i64> {
        let finder = Finder::new(needle.as_bytes());
        arena.matching(&finder, after.map(|a| MeetingId::new(a).unwrap())).map(MeetingId::get).collect()
    }

    #[test]
    fn each_meeting_is_reported_once_in_id_order_from_after() {
        let a = arena(&[(2, "serenity serenity"), (5, "hope"), (9, "serenity\nnotes"), (12, "")]);
        assert_eq!(found(&a, "serenity", None), [2, 9]);
        assert_eq!(found(&a, "serenity", Some(2)), [9]);
        assert_eq!(found(&a, "serenity", Some(9)), Vec::<i64>::new());
        assert_eq!(found(&a, "", None), [2, 5, 9, 12]);
        assert_eq!(found(&a, "", Some(5)), [9, 12]);
        assert_eq!(found(&a, "nowhere", None), Vec::<i64>::new());
    }

    #[test]
    fn a_match_never_runs_across_two_meetings() {
        let a = arena(&[(1, "ab"), (2, "cab"), (3, "b\0c")]);
        // "b\0c" spans meetings 1 and 2 as bytes; only meeting 3 holds it.
        assert_eq!(found(&a, "b\0c", None), [3]);
        assert_eq!(found(&a, "bc", None), Vec::<i64>::new());
        assert_eq!(found(&a, "ab", None), [1, 2]);
    }

    proptest! {
        /// The buffer finds exactly the meetings whose own text holds the needle, as searching each
        /// text alone does, whatever NULs, newlines or multi-byte letters either holds.
        #[test]
        fn the_buffer_agrees_with_searching_each_text(
            texts in proptest::collection::vec("[ab\\x00\\né]{0,6}", 0..12),
            needle in "[ab\\x00\\né]{0,3}",
            after in proptest::option::of(0i64..14),
        ) {
            let texts: Vec<(i64, &str)> = texts.iter().enumerate().map(|(i, t)| (i as i64 + 1, t.as_str())).collect();
            let expected: Vec<i64> = texts
                .iter()
                .filter(|(id, text)| after.is_none_or(|a| *id > a) && text.contains(needle.as_str()))
                .map(|(id, _)| *id)
                .collect();
            let after = after.filter(|a| *a > 0);
            let a = arena(&texts);
            prop_assert_eq!(found(&a, &needle, after), expected);
        }
    }
}
