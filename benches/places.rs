//! Place search: the index's build time and size, and the in-process latency of typical queries
//! (criterion, plus printed percentiles over a mixed set).
//!
//! Run: `cargo bench --bench places`

#![expect(clippy::expect_used, reason = "a benchmark binary: setup failures abort it")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lantern::domain::geo::Coordinates;
use lantern::domain::places::{Gazetteer, PlaceQuery};

/// What people type: whole names, alternate names, prefixes, words inside names, with and without
/// a country or a point.
const QUERIES: [&str; 12] =
    ["koln", "Cologne", "münchen", "sao paulo", "new y", "springfield", "par", "york", "san fr", "lon", "to", "b"];

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn bench(c: &mut Criterion) {
    let before = rss_mib();
    let started = Instant::now();
    let gazetteer = Gazetteer::builtin().expect("the built-in gazetteer");
    println!(
        "index: {} places built in {:.2} s, resident memory +{:.0} MiB",
        gazetteer.len(),
        started.elapsed().as_secs_f64(),
        rss_mib() - before
    );
    let near = Coordinates::new(50.94, 6.96).ok();
    let mut samples = Vec::new();
    for round in 0..200 {
        for q in QUERIES {
            let query = PlaceQuery { q, country: None, near: (round % 2 == 0).then_some(near).flatten(), limit: 10 };
            let started = Instant::now();
            black_box(gazetteer.search(black_box(&query)));
            samples.push(started.elapsed());
        }
    }
    samples.sort_unstable();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6;
    println!("mixed queries: n={} p50={:.1} µs p90={:.1} µs p99={:.1} µs", samples.len(), at(0.5), at(0.9), at(0.99));
    for q in ["Cologne", "new y", "b"] {
        c.bench_function(&format!("search {q:?}"), |b| {
            b.iter(|| gazetteer.search(&PlaceQuery { q, country: None, near: None, limit: 10 }))
        });
    }
}

criterion_group! {
    name = places;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(places);
