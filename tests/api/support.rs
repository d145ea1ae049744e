//! The test harness: a fresh database per test on either backend, the real app in process,
//! and small helpers to call it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::{test, web};
use chrono::{TimeZone as _, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use lantern::domain::clock::FixedClock;
use lantern::service::seed::SeedFile;
use lantern::service::{Lantern, SeedSource};
use serde_json::Value;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL tests connect to create their databases.
fn postgres_admin_url() -> String {
    std::env::var("LANTERN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// PostgreSQL tests fail rather than skip in CI or when asked to.
fn postgres_required() -> bool {
    std::env::var("LANTERN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("lantern_test_{}_{n}_{nanos}", std::process::id())
}

/// A fresh, empty database that is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres(String),
    /// Another handle owns it.
    Nothing,
}

impl TestDatabase {
    /// A new database, or `None` when PostgreSQL is unreachable and not required.
    pub fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
                Some(Self { url: path.display().to_string(), cleanup: Cleanup::File(path) })
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let mut conn = match PgConnection::establish(&admin) {
                    Ok(conn) => conn,
                    Err(e) if !postgres_required() => {
                        eprintln!(
                            "SKIPPED: PostgreSQL is unreachable at {admin} ({e}); set LANTERN_REQUIRE_POSTGRES=1 to fail instead"
                        );
                        return None;
                    }
                    Err(e) => panic!(
                        "PostgreSQL is required (CI or LANTERN_REQUIRE_POSTGRES=1) but unreachable at {admin}: {e}"
                    ),
                };
                let name = unique_name();
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("create database: {e}"));
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
                Some(Self { url: format!("{base}/{name}"), cleanup: Cleanup::Postgres(name) })
            }
        }
    }
}

impl TestDatabase {
    /// A second handle on a database another `TestDatabase` owns (and removes).
    pub fn existing(url: &str) -> Self {
        Self { url: url.to_owned(), cleanup: Cleanup::Nothing }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres(name) => {
                if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
                    let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
            Cleanup::Nothing => {}
        }
    }
}

/// The instant every test's clock says.
pub fn test_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().unwrap_or_else(|| panic!("valid instant"))
}

/// The public URL test apps are built with.
pub fn public_url() -> lantern::http::extract::public_url::PublicUrl {
    lantern::http::extract::public_url::PublicUrl::new("https://lantern.example.org/").unwrap_or_else(|e| panic!("{e}"))
}

/// An app over a fresh database seeded with `seed`.
pub struct TestApp {
    pub lantern: web::Data<Lantern>,
    pub db: TestDatabase,
}

impl TestApp {
    /// Opens a fresh database of the backend, seeded; `None` when the backend is unavailable.
    pub fn start(backend: Backend, seed: SeedSource) -> Option<Self> {
        let db = TestDatabase::create(backend)?;
        let lantern = Lantern::open(&db.url, seed, Arc::new(FixedClock(test_now())))
            .unwrap_or_else(|e| panic!("open {backend:?}: {e:?}"));
        Some(Self { lantern: web::Data::new(lantern), db })
    }

    /// Sends a request built by `build` and returns status, headers and the JSON body (`Null` if empty).
    pub async fn call(&self, req: test::TestRequest) -> (StatusCode, HeaderMap, Value) {
        call_node(&self.lantern, req).await
    }

    /// `GET uri`.
    pub async fn get(&self, uri: &str) -> (StatusCode, HeaderMap, Value) {
        self.call(test::TestRequest::get().uri(uri)).await
    }
}

/// Sends a request to the app of one node and returns status, headers and the JSON body (`Null` if empty).
pub async fn call_node(node: &web::Data<Lantern>, req: test::TestRequest) -> (StatusCode, HeaderMap, Value) {
    let app = test::init_service(lantern::http::app(node.clone(), public_url())).await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, headers, body)
}

/// A small directory: two fellowships, a tree of three service bodies, and meetings that
/// exercise every filter.
pub fn small_seed() -> SeedFile {
    serde_json::from_value(serde_json::json!({
        "fellowships": [
            {"code": "aa", "name": "Alcoholics Anonymous", "website": "https://www.aa.org"},
            {"code": "na", "name": "Narcotics Anonymous", "website": null},
            {"code": "oa", "name": "Overeaters Anonymous", "website": null}
        ],
        "service_bodies": [
            {"id": 10, "name": "Region", "kind": "region", "parent_id": null, "fellowship": "aa", "time_zone": "Europe/Berlin", "website": null, "contact": {"name": null, "email": "office@example.org", "phone": null}},
            {"id": 11, "name": "Berlin Intergroup", "kind": "intergroup", "parent_id": 10, "fellowship": "aa", "time_zone": "Europe/Berlin", "website": "https://example.org", "contact": null},
            {"id": 12, "name": "Suva Area", "kind": "area", "parent_id": null, "fellowship": "na", "time_zone": "Pacific/Fiji", "website": null, "contact": null}
        ],
        "meetings": [
            meeting("Mitte Open", "aa", 11, "in_person", &["monday"], &["O", "BE"], &["en"], (52.52, 13.40), true),
            meeting("Kreuzberg Closed", "aa", 11, "hybrid", &["monday", "wednesday"], &["C"], &["de"], (52.49, 13.42), true),
            meeting("Regional Online", "aa", 10, "online", &["sunday"], &["O"], &["de", "en"], (52.5, 13.4), true),
            meeting("Suva Just for Today", "na", 12, "in_person", &["tuesday"], &["O", "NA-JFT"], &["en"], (-18.14, 178.42), true),
            meeting("Taveuni Basic Text", "na", 12, "in_person", &["saturday"], &["C", "NA-BT"], &["en"], (-16.8, -179.98), true),
            meeting("Hidden Draft", "aa", 11, "in_person", &["monday"], &["O"], &["en"], (52.52, 13.40), false),
            meeting("Winding Down", "aa", 11, "inactive", &["friday"], &["O"], &["en"], (52.53, 13.41), true)
        ]
    }))
    .unwrap_or_else(|e| panic!("small seed: {e}"))
}

#[expect(clippy::too_many_arguments, reason = "a table row of test data")]
fn meeting(
    name: &str,
    fellowship: &str,
    body: i64,
    attendance: &str,
    days: &[&str],
    types: &[&str],
    languages: &[&str],
    (lat, lon): (f64, f64),
    published: bool,
) -> Value {
    let online = matches!(attendance, "online" | "hybrid").then(
        || serde_json::json!({"conference_url": "https://meet.example.org/x", "conference_phone": null, "notes": null}),
    );
    serde_json::json!({
        "name": name,
        "slug": name.to_lowercase().replace(' ', "-"),
        "fellowship": fellowship,
        "service_body_id": body,
        "external_id": null,
        "attendance": attendance,
        "schedule": {"days": days, "start_time": "19:30", "duration_minutes": 60, "time_zone": if lon.abs() > 100.0 { "Pacific/Fiji" } else { "Europe/Berlin" }, "time_zone_derived": false, "weeks_of_month": []},
        "location": {"name": "Hall", "street_address": "1 Main Street", "formatted_address": null, "coordinates": {"latitude": lat, "longitude": lon}, "approximate": attendance == "online", "notes": if name.starts_with("Kreuz") { Some("Side DOOR by the garden") } else { None }},
        "online": online,
        "types": types,
        "languages": languages,
        "notes": null,
        "group_name": null,
        "website": null,
        "closures": {"dates": [], "suspended_until": null},
        "contacts": [{"name": "Secretary", "email": "contact@example.org", "phone": null}],
        "published": published
    })
}

/// Runs each listed async test against SQLite and PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
                #[actix_web::test]
                async fn postgres() {
                    super::$name($crate::support::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// A key of a role issued straight through the service (as `lantern keys create` does).
pub fn issue_key(app: &TestApp, role: &str, service_body: Option<i64>) -> String {
    use lantern::domain::access::Caller;
    use lantern::domain::access::NewKey;
    use lantern::domain::ids::ServiceBodyId;
    let new = NewKey {
        name: format!("{role} key"),
        role: role.parse().unwrap_or_else(|e| panic!("{e:?}")),
        service_body_id: service_body.map(|b| ServiceBodyId::new(b).unwrap_or_else(|e| panic!("{e:?}"))),
        expires_at: None,
    };
    app.lantern.create_key(&Caller::Operator, new).unwrap_or_else(|e| panic!("issue key: {e:?}")).token
}

impl TestApp {
    /// Sends `method uri` with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: actix_web::http::Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = test::TestRequest::default()
            .method(method)
            .uri(uri)
            .peer_addr("203.0.113.9:4000".parse().unwrap_or_else(|e| panic!("{e}")));
        if let Some(token) = token {
            req = req.insert_header((actix_web::http::header::AUTHORIZATION, format!("Bearer {token}")));
        }
        if let Some(body) = body {
            req = req.set_json(body);
        }
        self.call(req).await
    }

    /// How many rows the change log holds.
    pub fn change_count(&self) -> i64 {
        let mut conn = self.lantern.database().conn().unwrap_or_else(|e| panic!("{e}"));
        lantern::storage::change_log::count(&mut conn).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every live meeting in the database and in the snapshot, as JSON, to compare before and after.
    pub fn state(&self) -> (Value, Value) {
        let mut conn = self.lantern.database().conn().unwrap_or_else(|e| panic!("{e}"));
        let stored = lantern::storage::queries::load_records(&mut conn).unwrap_or_else(|e| panic!("{e}"));
        let snapshot: Vec<_> = self.lantern.directory().meetings().map(|m| m.as_ref().clone()).collect();
        (
            serde_json::json!({"meetings": stored.meetings, "bodies": stored.service_bodies, "fellowships": stored.fellowships}),
            serde_json::to_value(snapshot).unwrap_or_default(),
        )
    }
}

/// A valid in-person meeting in Berlin for `service_body`.
pub fn berlin_meeting(service_body: i64, name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "fellowship": "aa",
        "service_body_id": service_body,
        "attendance": "in_person",
        "schedule": {"days": ["friday"], "start_time": "13:30", "duration_minutes": 60, "time_zone": "Europe/Berlin"},
        "location": {"name": "Church Hall", "latitude": 52.5163, "longitude": 13.3777},
        "types": ["O"],
        "languages": ["en"],
        "contacts": [{"name": "Sam", "email": "sam@example.org", "phone": "+49 30 1234567"}]
    })
}

impl TestApp {
    /// `GET uri`: the status and the body's bytes exactly as written.
    pub async fn get_bytes(&self, uri: &str) -> (StatusCode, Vec<u8>) {
        let app = test::init_service(lantern::http::app(self.lantern.clone(), public_url())).await;
        let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        let status = res.status();
        (status, test::read_body(res).await.to_vec())
    }
}
