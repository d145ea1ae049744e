//! Several nodes on one database: each follows the change log, so a write through one reaches the
//! others' answers; a node that stopped following catches up; a node whose database is dropped and
//! restored recovers; and random writes through random nodes leave every node's snapshot equal to
//! a fresh load.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use actix_web::web;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use lantern::domain::access::Caller;
use lantern::domain::clock::FixedClock;
use lantern::domain::geo::Coordinates;
use lantern::domain::ids::{MeetingId, ServiceBodyId};
use lantern::service::follow::{ChangeFollower, FollowSettings, Round};
use lantern::service::publish::{MeetingWrite, Precondition};
use lantern::service::{Lantern, SeedSource};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, call_node, issue_key, small_seed, test_now};

on_both_backends!(
    a_write_through_one_node_is_in_the_others_nearby_answer,
    a_node_that_stopped_following_catches_up,
    readiness_reports_the_lag_and_fails_past_the_limit,
    pruning_keeps_each_record_restorable_and_sends_lagging_readers_back_to_the_lists,
);

fn start(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

/// Another node on the same database, as a second process would open it (no seed: the database has one).
fn node(app: &TestApp) -> web::Data<Lantern> {
    node_at(&app.db.url, test_now())
}

fn node_at(url: &str, now: chrono::DateTime<chrono::Utc>) -> web::Data<Lantern> {
    web::Data::new(
        Lantern::open(url, SeedSource::None, Arc::new(FixedClock(now))).unwrap_or_else(|e| panic!("node: {e:?}")),
    )
}

/// Follows as `serve` does, polling faster so that the tests wait less; on PostgreSQL it listens too.
fn follow(node: &web::Data<Lantern>, url: &str) -> ChangeFollower {
    let listen = lantern::storage::Backend::from_url(url) == lantern::storage::Backend::Postgres;
    ChangeFollower::start(
        node.clone().into_inner(),
        FollowSettings { poll: Duration::from_millis(100), listen: listen.then(|| url.to_owned()) },
    )
}

/// Everything a node answers from: meetings, service bodies, fellowships, and how many are indexed.
fn snapshot(node: &Lantern) -> Value {
    let d = node.directory();
    json!({
        "meetings": d.meetings().map(|m| m.as_ref().clone()).collect::<Vec<_>>(),
        "service_bodies": d.service_bodies().cloned().collect::<Vec<_>>(),
        "fellowships": d.fellowships().cloned().collect::<Vec<_>>(),
        "indexed": d.indexed_count(),
    })
}

/// Polls `check` until it holds, failing after a deadline generous enough for a loaded CI machine
/// (the promptness itself is measured by `scripts/follow.sh`, not asserted here).
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never happened: {what}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

const NEARBY: &str = "/v1/meetings/nearby?lat=52.5163&lon=13.3777&radius_km=5&at=2026-11-27T13:00:00%2B01:00";

async fn nearby_names(node: &web::Data<Lantern>) -> Vec<String> {
    let (status, _, body) = call_node(node, TestRequest::get().uri(NEARBY)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("results: {body}"))
        .iter()
        .filter_map(|hit| hit["meeting"]["name"].as_str().map(str::to_owned))
        .collect()
}

async fn a_write_through_one_node_is_in_the_others_nearby_answer(backend: Backend) {
    let Some(app) = start(backend) else { return };
    let other = node(&app);
    let follower = follow(&other, &app.db.url);
    let admin = issue_key(&app, "admin", None);
    let (status, _, created) =
        app.send(Method::POST, "/v1/meetings", Some(&admin), Some(berlin_meeting(2, "Friday Follower"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uri = format!("/v1/meetings/{}", created["id"]);
    eventually("the new meeting in the other node's nearby answer", async || {
        nearby_names(&other).await.contains(&"Friday Follower".to_owned())
    })
    .await;
    let (status, _, _) = app.send(Method::PATCH, &uri, Some(&admin), Some(json!({"name": "Friday Renamed"}))).await;
    assert_eq!(status, StatusCode::OK);
    eventually("the rename in the other node's nearby answer", async || {
        let names = nearby_names(&other).await;
        names.contains(&"Friday Renamed".to_owned()) && !names.contains(&"Friday Follower".to_owned())
    })
    .await;
    let (status, _, _) = app.send(Method::DELETE, &uri, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("the deletion in the other node's nearby answer", async || {
        !nearby_names(&other).await.contains(&"Friday Renamed".to_owned())
    })
    .await;
    // A service body created through the first node is in the other's catalog.
    let body = json!({"name": "Potsdam Group", "kind": "district", "parent_id": 2, "fellowship": "aa",
        "time_zone": "Europe/Berlin", "website": null, "contact": null});
    let (status, _, created) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let body_uri = format!("/v1/service-bodies/{}", created["id"]);
    eventually("the new service body on the other node", async || {
        call_node(&other, TestRequest::get().uri(&body_uri)).await.0 == StatusCode::OK
    })
    .await;
    follower.stop();
    let progress = other.progress();
    assert_eq!((progress.applied_seq, progress.head_seq), (app.change_count(), app.change_count()));
    assert_eq!(snapshot(&other), snapshot(&node(&app)), "the follower holds what a fresh load holds");
}

async fn a_node_that_stopped_following_catches_up(backend: Backend) {
    let Some(app) = start(backend) else { return };
    let other = node(&app);
    let follower = follow(&other, &app.db.url);
    follower.stop();
    let before = snapshot(&other);
    // Writes continue through the first node while the other does not follow.
    let admin = issue_key(&app, "admin", None);
    for name in ["Stopped One", "Stopped Two", "Stopped Three"] {
        let (status, _, _) = app.send(Method::POST, "/v1/meetings", Some(&admin), Some(berlin_meeting(2, name))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _, _) = app.send(Method::DELETE, "/v1/meetings/1", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(snapshot(&other), before, "a node that does not follow answers from its snapshot");
    assert!(other.progress().applied_seq < app.change_count());
    // Following again (as after a restart that kept the process) applies exactly what it missed.
    let follower = follow(&other, &app.db.url);
    let fresh = snapshot(&node(&app));
    eventually("the other node caught up", async || snapshot(&other) == fresh).await;
    follower.stop();
    assert_eq!(other.progress().applied_seq, app.change_count());
    // A restarted node loads what the database holds.
    assert_eq!(snapshot(&node(&app)), snapshot(&app.lantern));
}

/// A clock the test moves on.
struct SteppedClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl SteppedClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(std::sync::Mutex::new(test_now())))
    }

    fn advance(&self, seconds: i64) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += chrono::Duration::seconds(seconds);
    }
}

impl lantern::domain::clock::Clock for SteppedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn readiness_reports_the_lag_and_fails_past_the_limit(backend: Backend) {
    let Some(app) = start(backend) else { return };
    let clock = SteppedClock::new();
    let other = web::Data::new(
        Lantern::open(&app.db.url, SeedSource::None, clock.clone())
            .unwrap_or_else(|e| panic!("{e:?}"))
            .with_max_lag(Duration::from_secs(5)),
    );
    let readyz = async || call_node(&other, TestRequest::get().uri("/readyz")).await;
    let (status, _, body) = readyz().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seeded = app.change_count();
    assert_eq!((body["applied_seq"].clone(), body["head_seq"].clone()), (json!(seeded), json!(seeded)));
    assert_eq!(body["lag_seconds"], json!(0.0));
    // A change through the first node, not applied here: seen now, so not late yet.
    let admin = issue_key(&app, "admin", None);
    let (status, _, body) = readyz().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["head_seq"].clone(), body["lag_seconds"].clone()), (json!(seeded + 1), json!(0.0)));
    clock.advance(3);
    let (status, _, body) = readyz().await;
    assert_eq!((status, body["lag_seconds"].clone()), (StatusCode::OK, json!(3.0)), "{body}");
    clock.advance(7);
    let (status, _, body) = readyz().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "ten seconds behind, five allowed: {body}");
    assert_eq!(body["status"], "lagging");
    assert_eq!(body["lag_seconds"], json!(10.0));
    assert_eq!(other.catch_up().unwrap_or_else(|e| panic!("{e:?}")), Round::Applied(1));
    let (status, _, body) = readyz().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["applied_seq"].clone(), body["lag_seconds"].clone()), (json!(seeded + 1), json!(0.0)));
    // The node's own writes are applied as it makes them.
    let (status, _, _) = call_node(
        &other,
        TestRequest::patch()
            .uri("/v1/meetings/1")
            .insert_header(("Authorization", format!("Bearer {admin}")))
            .set_json(json!({"name": "Written Here"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = readyz().await;
    assert_eq!((status, body["applied_seq"].clone()), (StatusCode::OK, json!(seeded + 2)), "{body}");
}

async fn pruning_keeps_each_record_restorable_and_sends_lagging_readers_back_to_the_lists(backend: Backend) {
    let Some(app) = start(backend) else { return };
    let behind = node(&app);
    let admin = issue_key(&app, "admin", None);
    for name in ["First Name", "Second Name"] {
        let (status, _, _) = app.send(Method::PATCH, "/v1/meetings/1", Some(&admin), Some(json!({"name": name}))).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _, _) = app.send(Method::DELETE, "/v1/meetings/2", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let before = app.change_count();
    // Ten days later, keep a week: every change so far is older, but each record's latest stays.
    let later = node_at(&app.db.url, test_now() + chrono::Duration::days(10));
    assert!(later.prune_changes(&Caller::Public, 7).is_err(), "only operators and admins prune");
    let pruned = later.prune_changes(&Caller::Operator, 7).unwrap_or_else(|e| panic!("{e:?}"));
    let mut conn = app.lantern.database().conn().unwrap_or_else(|e| panic!("{e}"));
    let of = |conn: &mut _, kind, id: &str| {
        lantern::storage::change_log::of_entity(conn, kind, id).unwrap_or_else(|e| panic!("{e}"))
    };
    let meeting_one = of(&mut conn, lantern::storage::change_log::EntityKind::Meeting, "1");
    assert_eq!(meeting_one.len(), 1, "only the latest change of meeting 1 is kept");
    assert!(meeting_one[0].after_json.as_deref().is_some_and(|a| a.contains("Second Name")));
    assert_eq!(of(&mut conn, lantern::storage::change_log::EntityKind::Meeting, "2").len(), 1);
    // 3 fellowships, 3 service bodies, 7 meetings and the key: one change each is left.
    assert_eq!(app.change_count(), 14);
    assert_eq!(pruned.deleted as i64, before - 14);
    assert_eq!(pruned.through_seq, before - 2, "the last change deleted is meeting 1's first rename");
    drop(conn);
    // The deleted meeting can still be restored to the state its latest change holds.
    let (status, _, restored) = app.send(Method::POST, "/v1/meetings/2/restore", Some(&admin), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    // A reader below the pruned point is sent back to the lists; one at it reads on.
    let (status, _, problem) = app.get("/v1/changes?since=0").await;
    assert_eq!(status, StatusCode::GONE, "{problem}");
    assert_eq!(problem["type"], "urn:lantern:problem:gone");
    let (status, _, page) = app.get(&format!("/v1/changes?since={}", pruned.through_seq)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["results"].as_array().is_some_and(|r| !r.is_empty()));
    // A node that had applied less than the pruned point loads everything again.
    assert_eq!(behind.catch_up().unwrap_or_else(|e| panic!("{e:?}")), Round::Rebuilt);
    assert_eq!(snapshot(&behind), snapshot(&node(&app)));
}

/// The database is dropped under a following node, which keeps answering from its snapshot and
/// stays ready; it is then restored with other contents, and the node loads them. (PostgreSQL: an
/// SQLite node keeps its open file even when the path is replaced.)
#[actix_web::test]
async fn a_database_dropped_and_restored_under_a_node_recovers() {
    let Some(app) = start(Backend::Postgres) else { return };
    let other = node(&app);
    let follower = follow(&other, &app.db.url);
    let admin = issue_key(&app, "admin", None);
    let (status, _, _) =
        app.send(Method::POST, "/v1/meetings", Some(&admin), Some(berlin_meeting(2, "Before The Drop"))).await;
    assert_eq!(status, StatusCode::CREATED);
    eventually("the write reaches the other node", async || {
        nearby_names(&other).await.contains(&"Before The Drop".to_owned())
    })
    .await;
    let (admin_url, name) = app.db.url.rsplit_once('/').unwrap_or_else(|| panic!("{}", app.db.url));
    let mut server =
        diesel::PgConnection::establish(&format!("{admin_url}/postgres")).unwrap_or_else(|e| panic!("{e}"));
    server.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).unwrap_or_else(|e| panic!("{e}"));
    eventually("the node says its database is unreachable", async || {
        let (status, _, body) = call_node(&other, TestRequest::get().uri("/readyz")).await;
        status == StatusCode::OK && body["database"] == "unreachable"
    })
    .await;
    assert!(nearby_names(&other).await.contains(&"Before The Drop".to_owned()), "reads answer from the snapshot");
    // Restored from an older copy: the seed only, written an hour later.
    server.batch_execute(&format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("{e}"));
    let later = test_now() + chrono::Duration::hours(1);
    let restored = web::Data::new(
        Lantern::open(&app.db.url, SeedSource::Inline(Box::new(small_seed())), Arc::new(FixedClock(later)))
            .unwrap_or_else(|e| panic!("{e:?}")),
    );
    let fresh = snapshot(&restored);
    eventually("the node loads the restored database", async || snapshot(&other) == fresh).await;
    assert!(!nearby_names(&other).await.contains(&"Before The Drop".to_owned()));
    let (status, _, body) = call_node(&other, TestRequest::get().uri("/readyz")).await;
    assert_eq!((status, body["database"].as_str()), (StatusCode::OK, Some("ok")), "{body}");
    follower.stop();
}

/// One write through one node: what the property test drives.
#[derive(Debug, Clone)]
enum Write {
    Create { body: usize, lat: f64, lon: f64 },
    Rename(usize),
    Move { meeting: usize, lat: f64, lon: f64 },
    Delete(usize),
    Restore(usize),
    NewServiceBody,
    CatchUp,
}

fn write() -> impl Strategy<Value = (usize, Write)> {
    let coord = (52.0..53.0f64, 13.0..14.0f64);
    let op = prop_oneof![
        3 => (0..3usize, coord.clone()).prop_map(|(body, (lat, lon))| Write::Create { body, lat, lon }),
        2 => (0..12usize).prop_map(Write::Rename),
        2 => (0..12usize, coord).prop_map(|(meeting, (lat, lon))| Write::Move { meeting, lat, lon }),
        1 => (0..12usize).prop_map(Write::Delete),
        1 => (0..12usize).prop_map(Write::Restore),
        1 => Just(Write::NewServiceBody),
        2 => Just(Write::CatchUp),
    ];
    (0..3usize, op)
}

/// Applies one write through `node`; refusals (a deleted meeting renamed, say) are part of the game.
fn apply(node: &Lantern, step: usize, write: &Write) {
    let operator = Caller::Operator;
    let meeting = |n: usize| MeetingId::new(1 + (n % 9) as i64).unwrap_or_else(|e| panic!("{e:?}"));
    let moved = |lat: f64, lon: f64| {
        move |m: &lantern::domain::meeting::Meeting| {
            let mut data = m.data.clone();
            if let Some(location) = data.location.as_mut() {
                location.coordinates = Some(Coordinates::new(lat, lon).unwrap_or_else(|e| panic!("{e:?}")));
            }
            MeetingWrite { data, derive_zone: false, problems: Default::default() }
        }
    };
    let _ = match write {
        Write::Create { body, lat, lon } => {
            let Some(template) = node.directory().meeting(meeting(0)).cloned() else { return };
            let mut data = template.data.clone();
            data.name = format!("Generated {step}");
            data.slug = lantern::domain::ids::Slug::from_text(&data.name).unwrap_or_else(|| panic!("slug"));
            data.service_body_id = ServiceBodyId::new(1 + *body as i64).unwrap_or_else(|e| panic!("{e:?}"));
            if let Some(location) = data.location.as_mut() {
                location.coordinates = Some(Coordinates::new(*lat, *lon).unwrap_or_else(|e| panic!("{e:?}")));
            }
            node.create_meeting(&operator, MeetingWrite { data, derive_zone: false, problems: Default::default() })
                .map(|_| ())
        }
        Write::Rename(n) => node
            .update_meeting(&operator, meeting(*n), &Precondition::None, |m| {
                let mut data = m.data.clone();
                data.name = format!("{} {step}", m.data.name);
                MeetingWrite { data, derive_zone: false, problems: Default::default() }
            })
            .map(|_| ()),
        Write::Move { meeting: n, lat, lon } => {
            node.update_meeting(&operator, meeting(*n), &Precondition::None, moved(*lat, *lon)).map(|_| ())
        }
        Write::Delete(n) => node.delete_meeting(&operator, meeting(*n), &Precondition::None),
        Write::Restore(n) => node.restore_meeting(&operator, meeting(*n), &Precondition::None, None).map(|_| ()),
        Write::NewServiceBody => {
            let Some(template) = node.directory().service_bodies().next().cloned() else { return };
            let mut data = template.data.clone();
            data.name = format!("Body {step}");
            node.create_service_body(
                &operator,
                lantern::service::catalog_writes::ServiceBodyWrite { data, problems: Default::default() },
            )
            .map(|_| ())
        }
        Write::CatchUp => node.catch_up().map(|_| ()),
    };
}

/// Random writes through random nodes, with nodes catching up at random moments: once quiet, every
/// node's snapshot is what a fresh load of the database gives.
fn random_writes_through_random_nodes(backend: Backend, writes: &[(usize, Write)]) {
    let Some(app) = start(backend) else { return };
    let nodes = [app.lantern.clone(), node(&app), node(&app)];
    for (step, (at, write)) in writes.iter().enumerate() {
        apply(&nodes[*at], step, write);
    }
    let fresh = snapshot(&node(&app));
    for (i, node) in nodes.iter().enumerate() {
        node.catch_up().unwrap_or_else(|e| panic!("node {i}: {e:?}"));
        assert_eq!(snapshot(node), fresh, "node {i} after {writes:?}");
        assert_eq!(node.progress().applied_seq, app.change_count());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_node_converges_to_a_fresh_load_on_sqlite(writes in prop::collection::vec(write(), 1..30)) {
        random_writes_through_random_nodes(Backend::Sqlite, &writes);
    }

    #[test]
    fn every_node_converges_to_a_fresh_load_on_postgres(writes in prop::collection::vec(write(), 1..30)) {
        random_writes_through_random_nodes(Backend::Postgres, &writes);
    }
}

on_both_backends!(nodes_starting_together_on_an_empty_database_migrate_and_seed_once);

async fn nodes_starting_together_on_an_empty_database_migrate_and_seed_once(backend: Backend) {
    let Some(db) = crate::support::TestDatabase::create(backend) else { return };
    let nodes: Vec<Lantern> = std::thread::scope(|scope| {
        let starts: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    Lantern::open(&db.url, SeedSource::Inline(Box::new(small_seed())), Arc::new(FixedClock(test_now())))
                        .unwrap_or_else(|e| panic!("a node failed to start: {e:?}"))
                })
            })
            .collect();
        starts.into_iter().map(|s| s.join().unwrap_or_else(|_| panic!("a start panicked"))).collect()
    });
    let mut conn = nodes[0].database().conn().unwrap_or_else(|e| panic!("{e}"));
    let changes = lantern::storage::change_log::count(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changes, 13, "the seed was written once: 3 fellowships, 3 service bodies, 7 meetings");
    drop(conn);
    for node in &nodes {
        node.catch_up().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(node.directory().meeting_count(), 7);
    }
}

async fn rename(app: &TestApp) -> StatusCode {
    let admin = issue_key(app, "admin", None);
    app.send(Method::PATCH, "/v1/meetings/1", Some(&admin), Some(json!({"name": "Replayed"}))).await.0
}

/// `--replica-url`: the node loads and follows from the replica while the head of the log is read on
/// the primary, so a replica that has not replayed a write yet counts in the node's lag. The
/// "replica" here is a second database given the same writes by hand, later (no streaming
/// replication on the test machine).
#[actix_web::test]
async fn a_replica_behind_the_primary_is_part_of_the_lag() {
    let Some(primary) = start(Backend::Postgres) else { return };
    let Some(replica) = start(Backend::Postgres) else { return };
    let clock = SteppedClock::new();
    let node = web::Data::new(
        Lantern::open_with_replica(&primary.db.url, &replica.db.url, SeedSource::None, clock.clone())
            .unwrap_or_else(|e| panic!("{e:?}"))
            .with_max_lag(Duration::from_secs(5)),
    );
    assert_eq!(rename(&primary).await, StatusCode::OK);
    assert_eq!(node.catch_up().unwrap_or_else(|e| panic!("{e:?}")), Round::Quiet, "the replica has nothing new");
    clock.advance(10);
    let (status, _, body) = call_node(&node, TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!((body["applied_seq"].as_i64(), body["head_seq"].as_i64()), (Some(13), Some(15)));
    // The replica replays the primary's writes.
    assert_eq!(rename(&replica).await, StatusCode::OK);
    assert_eq!(node.catch_up().unwrap_or_else(|e| panic!("{e:?}")), Round::Applied(2));
    let (status, _, body) = call_node(&node, TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = MeetingId::new(1).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(node.directory().meeting(id).map(|m| m.data.name.clone()).as_deref(), Some("Replayed"));

    // Another node renames the meeting, then this one does; the replica has replayed only the
    // first rename. The follower must not put that older row over this node's own write.
    let rename_to = |lantern: &Lantern, name: &'static str| {
        lantern
            .update_meeting(&Caller::Operator, id, &Precondition::None, |m| {
                let mut data = m.data.clone();
                data.name = name.to_owned();
                MeetingWrite { data, derive_zone: false, problems: Default::default() }
            })
            .unwrap_or_else(|e| panic!("{e:?}"));
    };
    let name = |node: &Lantern| node.directory().meeting(id).map(|m| m.data.name.clone()).unwrap_or_default();
    rename_to(&primary.lantern, "Other Node");
    rename_to(&node, "This Node");
    rename_to(&replica.lantern, "Other Node");
    assert_eq!(node.catch_up().unwrap_or_else(|e| panic!("{e:?}")), Round::Quiet, "waits for the replica");
    assert_eq!(name(&node), "This Node");
    rename_to(&replica.lantern, "This Node");
    assert_eq!(node.catch_up().unwrap_or_else(|e| panic!("{e:?}")), Round::Applied(2));
    assert_eq!(name(&node), "This Node");
    assert_eq!(node.progress().applied_seq, 17);
}
