//! `GET /metrics` in the Prometheus text format (the `prometheus` crate's encoder): requests and
//! their latency by route template and status, the snapshot, following, the database pool, imports
//! and sources. Request figures are recorded by a middleware (`Metrics::record`); the rest is read
//! from the service when scraped.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use prometheus::{
    Encoder as _, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::service::Lantern;

/// The process's metrics, shared by every HTTP worker.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    meetings: IntGauge,
    indexed: IntGauge,
    delta: IntGauge,
    compactions: IntCounter,
    applied: IntGauge,
    head: IntGauge,
    lag: Gauge,
    database_up: IntGauge,
    pool: IntGaugeVec,
    imports: IntCounter,
    sources: IntGauge,
}

/// The latency buckets, in seconds: from a snapshot answer (tens of microseconds) to an import.
const BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0];

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("lantern".into()), None).unwrap_or_default();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered, by route template, method and status"),
            &["route", "method", "status"],
        );
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by route template and method")
                .buckets(BUCKETS.to_vec()),
            &["route", "method"],
        );
        let gauge = |name: &str, help: &str| IntGauge::new(name, help);
        let m = (|| -> prometheus::Result<Self> {
            Ok(Self {
                requests: requests?,
                latency: latency?,
                meetings: gauge("snapshot_meetings", "Meetings in the directory snapshot")?,
                indexed: gauge("snapshot_indexed_meetings", "Meetings in the search index (those that can start)")?,
                delta: gauge("snapshot_delta_meetings", "Meetings the snapshot's delta replaces, adds or removes")?,
                compactions: IntCounter::new("snapshot_compactions_total", "Deltas folded into a new base")?,
                applied: gauge("change_log_applied_seq", "The last change-log sequence number the snapshot holds")?,
                head: gauge("change_log_head_seq", "The last sequence number the database holds, as last seen")?,
                lag: Gauge::new("change_log_lag_seconds", "Age of the oldest committed change not yet applied")?,
                database_up: gauge("database_up", "1 when the database answered the last attempt, else 0")?,
                pool: IntGaugeVec::new(
                    Opts::new("database_pool_connections", "Database pool connections by state (max: the pool's size)"),
                    &["state"],
                )?,
                imports: IntCounter::new("imports_total", "Imports committed (dry runs not counted)")?,
                sources: gauge("sources", "Sources followed")?,
                registry,
            })
        })();
        let m = m.unwrap_or_else(|e| unreachable!("the metric definitions above are valid: {e}"));
        m.register();
        m
    }

    fn register(&self) {
        let collectors: [Box<dyn prometheus::core::Collector>; 13] = [
            Box::new(self.requests.clone()),
            Box::new(self.latency.clone()),
            Box::new(self.meetings.clone()),
            Box::new(self.indexed.clone()),
            Box::new(self.delta.clone()),
            Box::new(self.compactions.clone()),
            Box::new(self.applied.clone()),
            Box::new(self.head.clone()),
            Box::new(self.lag.clone()),
            Box::new(self.database_up.clone()),
            Box::new(self.pool.clone()),
            Box::new(self.imports.clone()),
            Box::new(self.sources.clone()),
        ];
        for c in collectors {
            if let Err(e) = self.registry.register(c) {
                tracing::warn!(error = %e, "a metric could not be registered");
            }
        }
    }

    /// Records one answered request. `route` is the matched route template (`/v1/meetings/{id}`),
    /// never the path itself, so that the label set stays bounded.
    pub fn record(&self, route: Option<&str>, method: &actix_web::http::Method, status: u16, elapsed: Duration) {
        use actix_web::http::Method;
        let method =
            [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS]
                .iter()
                .find(|m| *m == method)
                .map_or("other", Method::as_str);
        let route = route.unwrap_or("unmatched");
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route, method]).observe(elapsed.as_secs_f64());
    }

    /// Reads the service's figures and writes every metric in the text format.
    fn scrape(&self, lantern: &Lantern) -> String {
        let directory = lantern.directory();
        self.meetings.set(gauge_value(directory.meeting_count()));
        self.indexed.set(gauge_value(directory.indexed_count()));
        self.delta.set(gauge_value(directory.delta_len()));
        catch_up_counter(&self.compactions, lantern.compactions());
        catch_up_counter(&self.imports, lantern.imports_committed());
        let progress = lantern.observe(Duration::from_secs(1));
        self.applied.set(progress.applied_seq);
        self.head.set(progress.head_seq);
        self.lag.set(progress.lag_seconds(lantern.clock().now()));
        self.database_up.set(i64::from(progress.database_reachable));
        let (open, idle, max) = lantern.database().pool_state();
        self.pool.with_label_values(&["in_use"]).set(i64::from(open.saturating_sub(idle)));
        self.pool.with_label_values(&["idle"]).set(i64::from(idle));
        self.pool.with_label_values(&["max"]).set(i64::from(max));
        if let Ok(n) = lantern.source_count(Duration::from_secs(1)) {
            self.sources.set(gauge_value(n));
        }
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Counters are kept by the service as plain numbers; the registry's counter follows them.
fn catch_up_counter(counter: &IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

/// Metrics of this process in the Prometheus text format (version 0.0.4).
#[utoipa::path(
    tag = "health",
    responses((status = 200, content_type = "text/plain; version=0.0.4", body = String,
        description = "Every metric, as Prometheus scrapes it"))
)]
#[get("/metrics")]
pub async fn metrics(lantern: web::Data<Lantern>, metrics: web::Data<Metrics>) -> HttpResponse {
    let scraped = web::block(move || metrics.scrape(&lantern)).await.unwrap_or_default();
    HttpResponse::Ok().content_type(TextEncoder::new().format_type()).body(scraped)
}
