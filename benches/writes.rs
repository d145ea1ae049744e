//! What a write costs the in-memory snapshot: `with_meeting` on a large directory (default
//! 1,000,000 meetings; `LANTERN_BENCH_MEETINGS` changes it) as the delta grows to its limit, the
//! background compaction, and nearby latency with an empty and a full delta. Figures are printed.
//!
//! Run: `cargo bench --bench writes`

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark binary: setup failures abort it")]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone as _, Utc};
use lantern::domain::directory::{Directory, MAX_DELTA, MeetingFilter};
use lantern::domain::geo::Coordinates;
use lantern::domain::index::{NearbyQuery, SortOrder, TimeWindow};
use lantern::domain::meeting::Attendance;

fn percentiles(label: &str, mut samples: Vec<StdDuration>) {
    samples.sort_unstable();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6;
    println!(
        "{label}: n={} p50={:.1} µs p90={:.1} µs p99={:.1} µs max={:.1} µs",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

fn nearby_latency(label: &str, directory: &Directory, base: chrono::DateTime<Utc>) {
    let samples = (0..20_000)
        .map(|i| {
            let query = NearbyQuery {
                point: Coordinates::new(40.7128, -74.0060).unwrap(),
                radius_km: 50.0,
                time: TimeWindow {
                    at: base + Duration::minutes(7 * (i % 1440)),
                    window_minutes: 120,
                    include_in_progress: false,
                },
                filter: MeetingFilter {
                    attendance: vec![Attendance::InPerson, Attendance::Hybrid],
                    ..MeetingFilter::default()
                },
                sort: SortOrder::Distance,
                limit: 20,
            };
            let started = Instant::now();
            black_box(directory.nearby(&query));
            started.elapsed()
        })
        .collect();
    percentiles(label, samples);
}

fn main() {
    let meetings = std::env::var("LANTERN_BENCH_MEETINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let base = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let seed = lantern::seedgen::build(meetings, 2026).expect("generate");
    let mut directory = lantern::seedgen::into_directory(seed, base).expect("directory");
    eprintln!("directory: {} meetings", directory.meeting_count());
    nearby_latency("nearby, empty delta", &directory, base);

    // Rewrite meetings spread over the directory (many near New York in the synthetic data).
    let targets: Vec<_> = directory.meetings().step_by(meetings / MAX_DELTA).take(MAX_DELTA).cloned().collect();
    let mut samples = Vec::new();
    for meeting in &targets {
        let mut changed = meeting.as_ref().clone();
        changed.data.notes = Some("changed".into());
        changed.version += 1;
        let started = Instant::now();
        directory = directory.with_meeting(changed.id, Some(Arc::new(changed)), base);
        samples.push(started.elapsed());
    }
    percentiles("with_meeting, delta 1..256", samples);
    nearby_latency("nearby, full delta (256)", &directory, base);

    let started = Instant::now();
    let compacted = directory.compacted_base(base);
    let built = started.elapsed();
    let started = Instant::now();
    let rebased = directory.rebased(&directory, compacted, base);
    println!(
        "compaction: new base built in {:.0} ms (off the write path), installed in {:.1} µs",
        built.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e6
    );
    assert_eq!(rebased.meeting_count(), directory.meeting_count());
}
