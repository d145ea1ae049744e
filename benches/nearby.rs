//! Nearby search over a large synthetic directory (default 1,000,000 meetings; set
//! `LANTERN_BENCH_MEETINGS` to change it): criterion figures for the index and the brute-force
//! scan, then latency percentiles over many query instants, printed.
//!
//! Run: `cargo bench --bench nearby`

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark binary: setup failures abort it")]

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use criterion::Criterion;
use lantern::domain::directory::scan::DirectoryScan;
use lantern::domain::directory::{Directory, MeetingFilter};
use lantern::domain::geo::Coordinates;
use lantern::domain::index::{NearbyQuery, SortOrder, TimeWindow};
use lantern::domain::meeting::Attendance;

fn directory(meetings: usize, at: DateTime<Utc>) -> Directory {
    let started = Instant::now();
    let seed = lantern::seedgen::build(meetings, 2026).expect("generate");
    let directory = lantern::seedgen::into_directory(seed, at).expect("directory");
    eprintln!(
        "directory: {} meetings, {} indexed, built in {:.1} s",
        directory.meeting_count(),
        directory.indexed_count(),
        started.elapsed().as_secs_f64()
    );
    directory
}

/// New York: the densest cluster of the synthetic directory.
fn query(at: DateTime<Utc>) -> NearbyQuery {
    NearbyQuery {
        point: Coordinates::new(40.7128, -74.0060).unwrap(),
        radius_km: 50.0,
        time: TimeWindow { at, window_minutes: 120, include_in_progress: false },
        filter: MeetingFilter {
            attendance: vec![Attendance::InPerson, Attendance::Hybrid],
            ..MeetingFilter::default()
        },
        sort: SortOrder::Distance,
        limit: 20,
    }
}

/// Query instants every 7 minutes through one week, so every hour and weekday is asked.
fn instants(base: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    (0..1440).map(|i| base + Duration::minutes(7 * i)).collect()
}

fn percentiles(label: &str, mut samples: Vec<StdDuration>) {
    samples.sort_unstable();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{label}: n={} p50={:.1} µs p90={:.1} µs p99={:.1} µs max={:.1} µs",
        samples.len(),
        at(0.50).as_secs_f64() * 1e6,
        at(0.90).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        at(1.0).as_secs_f64() * 1e6
    );
}

fn main() {
    let meetings = std::env::var("LANTERN_BENCH_MEETINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let base = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let directory = directory(meetings, base);
    let index = &directory;
    let times = instants(base);
    let hits: usize = times.iter().map(|t| index.nearby(&query(*t)).len()).sum();
    eprintln!("average results per query: {:.1}", hits as f64 / times.len() as f64);

    let mut criterion = Criterion::default().configure_from_args().warm_up_time(StdDuration::from_secs(1));
    let mut i = 0;
    criterion.bench_function("nearby/index/nyc_50km_120min_limit20", |b| {
        b.iter(|| {
            i = (i + 1) % times.len();
            black_box(index.nearby(&query(times[i])))
        })
    });
    let mut group = criterion.benchmark_group("nearby/scan");
    group.sample_size(10);
    group.bench_function("nyc_50km_120min_limit20", |b| {
        b.iter(|| {
            i = (i + 1) % times.len();
            black_box(DirectoryScan(index).nearby(&query(times[i])))
        })
    });
    group.finish();
    criterion.final_summary();

    let timed = |f: &dyn Fn(DateTime<Utc>) -> usize, rounds: usize| -> Vec<StdDuration> {
        (0..rounds)
            .map(|r| {
                let t = times[(r * 37) % times.len()];
                let started = Instant::now();
                black_box(f(t));
                started.elapsed()
            })
            .collect()
    };
    percentiles("index", timed(&|t| index.nearby(&query(t)).len(), 20_000));
    percentiles("scan ", timed(&|t| DirectoryScan(index).nearby(&query(t)).len(), 40));
}
