//! BMLT import: a real server's service bodies and formats with rows of every kind import as a
//! subtree, again without a change, follow the server's changes onto the same meetings, and a
//! Lantern BMLT interface imported elsewhere answers the same rows; root URLs are fetched over
//! HTTP from a loopback server.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use lantern::domain::access::Caller;
use lantern::domain::bmlt::import::{Answers, read_answer};
use lantern::domain::ids::ServiceBodyId;
use lantern::fetch::{BMLT_SWITCHERS, FetchError, Fetcher, bmlt_answers};
use lantern::service::SeedSource;
use lantern::service::error::ServiceError;
use lantern::service::imports::{ImportOptions, ImportReport};
use serde_json::{Value, json};

use crate::fake_server::{self, Answer};
use crate::on_both_backends;
use crate::support::{Backend, TestApp, issue_key, small_seed};

on_both_backends!(
    a_server_imports_as_a_subtree_and_again_without_a_change,
    changes_at_the_server_reach_the_same_meetings,
    a_lantern_interface_imported_elsewhere_answers_the_same_rows,
);

const FOLDER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bmlt/import");

/// The fixture server's three answers, parsed.
fn fixture() -> [Vec<Value>; 3] {
    BMLT_SWITCHERS.map(|s| {
        let bytes = std::fs::read(format!("{FOLDER}/{s}.json")).unwrap_or_else(|e| panic!("{s}: {e}"));
        read_answer(s, &bytes).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn answers(parts: &[Vec<Value>; 3]) -> Answers<'_> {
    Answers { service_bodies: &parts[0], formats: &parts[1], meetings: &parts[2] }
}

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

/// A new NA region under the small seed's region; its id.
async fn new_body(app: &TestApp, name: &str) -> i64 {
    let admin = issue_key(app, "admin", None);
    let body =
        json!({"name": name, "kind": "region", "parent_id": 1, "fellowship": "na", "time_zone": "America/New_York"});
    let (status, _, created) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap_or_default()
}

fn import(app: &TestApp, body: i64, parts: &[Vec<Value>; 3], options: &ImportOptions) -> ImportReport {
    let id = ServiceBodyId::new(body).unwrap_or_else(|e| panic!("{e:?}"));
    app.lantern.import_bmlt(&Caller::Operator, id, answers(parts), options).unwrap_or_else(|e| panic!("{e:?}"))
}

/// (added, updated, unchanged, removed, rejected, bodies added, bodies updated)
fn counts(r: &ImportReport) -> [usize; 7] {
    [r.added, r.updated, r.unchanged, r.removed, r.rejected, r.service_bodies_added, r.service_bodies_updated]
}

/// The live meetings below `body`, by name (names repeat: each with a list).
async fn meetings_below(app: &TestApp, body: i64) -> BTreeMap<String, Vec<Value>> {
    let (status, _, page) = app.get(&format!("/v1/meetings?service_body={body}&limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for m in page["results"].as_array().cloned().unwrap_or_default() {
        out.entry(m["name"].as_str().unwrap_or_default().to_owned()).or_default().push(m);
    }
    out
}

async fn a_server_imports_as_a_subtree_and_again_without_a_change(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let target = new_body(&app, "New York NA (BMLT)").await;
    let parts = fixture();
    let before = app.change_count();
    let report = import(&app, target, &parts, &ImportOptions::default());
    // 11 rows: 101 and 102 merge, 110 has no name.
    assert_eq!(counts(&report), [9, 0, 0, 0, 1, 44, 0], "{report:?}");
    assert_eq!(report.rejections[0].slug, "110");
    assert!(report.rejections[0].errors.contains_key("meeting_name"), "{:?}", report.rejections);
    let warned: Vec<(&str, &str)> = report.warnings.iter().map(|w| (w.slug.as_str(), w.field.as_str())).collect();
    // The real GetServiceBodies has a body whose url is `http:/wflana.com`.
    let expected = [("1066", "url"), ("109", "formats"), ("111", "service_body_bigint")];
    assert_eq!(warned, expected, "{:?}", report.warnings);
    assert_eq!(app.change_count() - before, 44 + 9, "one change-log row per body and meeting");

    // The server's tree below the target, kept by BMLT id.
    let (_, _, tree) = app.get(&format!("/v1/service-bodies/{target}")).await;
    let children: Vec<&str> =
        tree["children"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
    assert!(
        children.contains(&"Greater New York Region") && children.contains(&"Eastern New York Region"),
        "{children:?}"
    );
    let eastern = tree["children"].as_array().into_iter().flatten().find(|c| c["external_id"] == "2").cloned();
    let eastern = eastern.unwrap_or_else(|| panic!("no body 2 in {tree}"));
    assert_eq!(eastern["kind"], "region");
    let suffolk = eastern["children"].as_array().into_iter().flatten().find(|c| c["external_id"] == "1001").cloned();
    let suffolk = suffolk.unwrap_or_else(|| panic!("no body 1001 below body 2: {eastern}"));
    assert_eq!((suffolk["name"].as_str(), suffolk["kind"].as_str()), (Some("Suffolk Area Service"), Some("area")));
    assert_eq!((suffolk["website"].as_str(), suffolk["fellowship"].as_str()), (Some("http://sasna.org"), Some("na")));
    assert_eq!(suffolk["time_zone"], "America/New_York");

    let below = meetings_below(&app, target).await;
    let jft = &below["Just for Today"];
    assert_eq!(jft.len(), 2, "101 and 102 merge; 103 meets at another time: {jft:?}");
    let merged = jft.iter().find(|m| m["external_id"] == "101,102").unwrap_or_else(|| panic!("{jft:?}"));
    assert_eq!(merged["schedule"]["days"], json!(["tuesday", "sunday"]));
    assert_eq!(merged["schedule"]["duration_minutes"], 90);
    assert_eq!(merged["service_body_id"], suffolk["id"]);
    assert_eq!(merged["location"]["notes"], "Basement, side door");
    assert!(merged["location"]["formatted_address"].as_str().is_some_and(|a| a.contains("Huntington")), "{merged}");
    let one = jft.iter().find(|m| m["external_id"] == "103").unwrap_or_else(|| panic!("{jft:?}"));
    assert_eq!(one["schedule"]["days"], json!(["saturday"]));

    let online = &below["Recovery Online"][0];
    assert_eq!(online["attendance"], "online");
    assert_eq!(online["online"]["conference_url"], "https://zoom.us/j/5551234567");
    assert_eq!(online["online"]["conference_phone"], "+1 646 555 0100");
    assert_eq!(online["online"]["notes"], "Meeting ID 555 123 4567, passcode 12");
    assert_eq!(below["Hybrid Hope"][0]["attendance"], "hybrid");
    assert_eq!(below["Closed Doors"][0]["attendance"], "inactive", "TC on an in-person meeting");
    let late = &below["Late Night Virtual"][0];
    assert_eq!(late["attendance"], "online", "a 2.x row: VM without venue_type");
    assert_eq!(late["schedule"]["time_zone"], "America/New_York");
    assert_eq!(late["schedule"]["time_zone_derived"], true, "no time_zone: derived from the coordinates");
    let spanish = &below["Grupo Esperanza"][0];
    assert_eq!(spanish["languages"], json!(["es"]));
    assert!(spanish["types"].as_array().is_some_and(|t| t.contains(&json!("C"))), "{spanish}");
    assert_eq!(below["Morning Coffee"][0]["schedule"]["weeks_of_month"], json!([1, 3]));
    assert_eq!(below["Early Birds"][0]["service_body_id"], target, "an unlisted body: the target");
    assert!(!below.contains_key(""), "the row without a name gave no meeting");

    // As BMLT clients see them: the attendance formats on the rows.
    let (_, _, rows) =
        app.get(&format!("/client_interface/json/?switcher=GetSearchResults&services={target}&recursive=1")).await;
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 10, "nine meetings, one of them on two days");
    let formats_of = |name: &str| -> Vec<String> {
        let row = rows.iter().find(|r| r["meeting_name"] == name).unwrap_or_else(|| panic!("{name}"));
        row["formats"].as_str().unwrap_or_default().split(',').map(str::to_owned).collect()
    };
    assert!(formats_of("Recovery Online").contains(&"VM".to_owned()));
    assert!(formats_of("Hybrid Hope").contains(&"HY".to_owned()));
    assert!(formats_of("Closed Doors").contains(&"TC".to_owned()));
    assert!(formats_of("Just for Today").contains(&"JT".to_owned()));

    // Again: nothing changes, nothing is logged.
    let (state, count) = (app.state(), app.change_count());
    let again = import(&app, target, &parts, &ImportOptions::default());
    assert_eq!(counts(&again), [0, 0, 9, 0, 1, 0, 0], "{again:?}");
    assert_eq!((app.state(), app.change_count()), (state, count));

    // Only admins write service bodies.
    let token = issue_key(&app, "publisher", Some(target));
    let publisher = app.lantern.authenticate(&token, None).unwrap_or_else(|e| panic!("{e:?}"));
    let id = ServiceBodyId::new(target).unwrap_or_else(|e| panic!("{e:?}"));
    let refused = app.lantern.import_bmlt(&publisher, id, answers(&parts), &ImportOptions::default());
    assert!(matches!(refused, Err(ServiceError::Forbidden(_))), "{refused:?}");
    let missing = ServiceBodyId::new(987_654).unwrap_or_else(|e| panic!("{e:?}"));
    let refused = app.lantern.import_bmlt(&Caller::Operator, missing, answers(&parts), &ImportOptions::default());
    assert!(matches!(refused, Err(ServiceError::NotFound(_))), "{refused:?}");
}

async fn changes_at_the_server_reach_the_same_meetings(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let target = new_body(&app, "New York NA (BMLT)").await;
    // Another office below the target imports its own feed, whose slugs look like BMLT ids: the
    // BMLT import neither takes nor removes its meetings.
    let admin = issue_key(&app, "admin", None);
    let other = json!({"name": "Other office", "kind": "area", "parent_id": target, "fellowship": "na", "time_zone": "America/New_York"});
    let (_, _, other) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(other)).await;
    let other = other["id"].as_i64().unwrap_or_default();
    let feed = vec![
        json!({"slug": "104", "name": "Their own", "day": 1, "time": "19:00", "latitude": 40.7, "longitude": -73.9}),
    ];
    let body = ServiceBodyId::new(other).unwrap_or_else(|e| panic!("{e:?}"));
    let theirs = app.lantern.import_meeting_guide(&Caller::Operator, body, &feed, &ImportOptions::default());
    assert_eq!(theirs.map(|r| r.added).ok(), Some(1));
    let mut parts = fixture();
    import(&app, target, &parts, &ImportOptions::default());
    let jft_id = meetings_below(&app, target).await["Just for Today"]
        .iter()
        .find(|m| m["external_id"] == "101,102")
        .map(|m| m["id"].clone())
        .unwrap_or_default();

    // The group adds Thursday (a new row of the same group), the online meeting closes, the
    // area is renamed.
    let rows = &mut parts[2];
    let mut thursday = rows[0].clone();
    thursday["id_bigint"] = json!("112");
    thursday["weekday_tinyint"] = json!("5");
    rows.push(thursday);
    rows.retain(|r| r["id_bigint"] != "104");
    for body in parts[0].iter_mut().filter(|b| b["id"] == "1001") {
        body["name"] = json!("Suffolk Area");
    }

    // A dry run says so and writes nothing.
    let state = app.state();
    let dry = import(&app, target, &parts, &ImportOptions { dry_run: true, ..ImportOptions::default() });
    assert_eq!(counts(&dry), [0, 1, 7, 1, 1, 0, 1], "{dry:?}");
    assert!(dry.dry_run);
    assert_eq!(app.state(), state);

    let report = import(&app, target, &parts, &ImportOptions::default());
    assert_eq!(counts(&report), [0, 1, 7, 1, 1, 0, 1], "{report:?}");
    let below = meetings_below(&app, target).await;
    let jft = below["Just for Today"].iter().find(|m| m["id"] == jft_id).unwrap_or_else(|| panic!("{below:?}"));
    assert_eq!(jft["external_id"], "101,102,112", "the same Lantern meeting, a day more");
    assert_eq!(jft["schedule"]["days"], json!(["tuesday", "thursday", "sunday"]));
    assert!(!below.contains_key("Recovery Online"), "gone from the server: soft-deleted");
    let theirs = &below["Their own"][0];
    assert_eq!((theirs["service_body_id"].as_i64(), theirs["external_id"].as_str()), (Some(other), Some("104")));
    let (_, _, tree) = app.get(&format!("/v1/service-bodies/{target}")).await;
    assert!(tree.to_string().contains("\"Suffolk Area\""), "{tree}");

    // Keeping what the server no longer lists.
    parts[2].retain(|r| r["id_bigint"] != "105");
    let keep = ImportOptions { remove_missing: false, ..ImportOptions::default() };
    assert_eq!(counts(&import(&app, target, &parts, &keep)), [0, 0, 7, 0, 1, 0, 0]);
    assert!(meetings_below(&app, target).await.contains_key("Hybrid Hope"));
}

/// The three answers of an app's BMLT interface, as a root server would give them.
async fn interface_answers(app: &TestApp, query: &str) -> [Vec<Value>; 3] {
    let mut out: [Vec<Value>; 3] = Default::default();
    for (slot, switcher) in out.iter_mut().zip(BMLT_SWITCHERS) {
        let (status, _, answer) = app.get(&format!("/client_interface/json/?switcher={switcher}{query}")).await;
        assert_eq!(status, StatusCode::OK, "{switcher}: {answer}");
        *slot = answer.as_array().cloned().unwrap_or_default();
    }
    out
}

/// Rows without what differs between servers (ids, the server's own URL).
fn comparable(rows: &Value) -> Vec<String> {
    let mut out: Vec<String> = rows
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let mut r = r.clone();
            for key in ["id_bigint", "service_body_bigint", "root_server_uri"] {
                r.as_object_mut().map(|o| o.remove(key));
            }
            r.to_string()
        })
        .collect();
    out.sort();
    out
}

async fn a_lantern_interface_imported_elsewhere_answers_the_same_rows(backend: Backend) {
    let Some(source) = app(backend) else { return };
    let Some(copy) = app(backend) else { return };
    // Every fellowship of the small seed, so that monthly, closed, suspended, online and hybrid
    // meetings all travel.
    let all = "&fellowship=aa,na,oa";
    let parts = interface_answers(&source, all).await;
    assert!(parts[2].len() >= 7, "{} rows", parts[2].len());
    let target = new_body(&copy, "Imported").await;
    let report = import(&copy, target, &parts, &ImportOptions::default());
    assert_eq!((report.rejected, report.warnings.len()), (0, 0), "{report:?}");

    let (_, _, before) = source.get(&format!("/client_interface/json/?switcher=GetSearchResults{all}")).await;
    let query = format!("/client_interface/json/?switcher=GetSearchResults{all}&services={target}&recursive=1");
    let (_, _, after) = copy.get(&query).await;
    assert_eq!(comparable(&after), comparable(&before));

    // Nearest N from the same point: the same meetings at the same distances.
    let near = format!("&lat_val=52.52&long_val=13.40&geo_width_km=-5&sort_results_by_distance=1{all}");
    let (_, _, a) = source.get(&format!("/client_interface/json/?switcher=GetSearchResults{near}")).await;
    // (The copy holds the small seed too: only the imported subtree.)
    let imported = format!("{near}&services={target}&recursive=1");
    let (_, _, b) = copy.get(&format!("/client_interface/json/?switcher=GetSearchResults{imported}")).await;
    let pick = |rows: &Value| -> Vec<(Value, Value)> {
        rows.as_array()
            .into_iter()
            .flatten()
            .map(|r| (r["meeting_name"].clone(), r["distance_in_km"].clone()))
            .collect()
    };
    assert_eq!(pick(&b), pick(&a));
    assert!(!pick(&a).is_empty());
    // Again: nothing to do.
    assert_eq!(counts(&import(&copy, target, &parts, &ImportOptions::default())), [0, 0, report.added, 0, 0, 0, 0]);
}

#[actix_web::test]
async fn a_root_server_is_fetched_over_http_with_limits() {
    let files: BTreeMap<String, Answer> = BMLT_SWITCHERS
        .iter()
        .map(|s| {
            let bytes = std::fs::read(format!("{FOLDER}/{s}.json")).unwrap_or_else(|e| panic!("{e}"));
            (format!("/main_server/client_interface/json/?switcher={s}"), Answer::ok(bytes))
        })
        .collect();
    let server = fake_server::serve(files.clone());
    let fetcher = Fetcher::new(Duration::from_secs(10), 1 << 20);
    let fetched = bmlt_answers(&format!("{}/main_server/", server.base), &fetcher).unwrap_or_else(|e| panic!("{e}"));
    for (switcher, bytes) in BMLT_SWITCHERS.iter().zip(&fetched) {
        assert_eq!(
            Some(bytes),
            files.get(&format!("/main_server/client_interface/json/?switcher={switcher}")).map(|f| &f.body)
        );
    }
    let from_folder = bmlt_answers(FOLDER, &fetcher).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_folder, fetched);

    let small = Fetcher::new(Duration::from_secs(10), 1_000);
    let too_large = bmlt_answers(&format!("{}/main_server", server.base), &small);
    assert!(matches!(too_large, Err(FetchError::TooLarge { .. })), "{too_large:?}");
    let missing = fetcher.get(&format!("{}/elsewhere", server.base));
    assert!(matches!(missing, Err(FetchError::Status { status: 404, .. })), "{missing:?}");
    assert!(matches!(bmlt_answers("/no/such/folder", &fetcher), Err(FetchError::File { .. })));
    let target = |s: &str| format!("/main_server/client_interface/json/?switcher={s}");
    assert_eq!(BMLT_SWITCHERS.map(|s| server.hits(&target(s))), [2, 1, 1], "the small limit stops at the first answer");
}
