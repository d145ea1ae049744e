//! The change feed, a meeting's history and restore; keys and catalog writes by admins.

use actix_web::http::{Method, StatusCode};
use lantern::service::SeedSource;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, berlin_meeting, issue_key, small_seed};

fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start(backend, SeedSource::Inline(Box::new(small_seed())))
}

fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().unwrap_or_else(|| panic!("no results in {body}"))
}

on_both_backends!(
    the_change_feed_pages_by_sequence_and_redacts_private_fields,
    history_and_restore_roll_a_meeting_back,
    keys_are_issued_rotated_and_revoked_by_admins_only,
    service_bodies_and_fellowships_are_admin_writes,
);

async fn the_change_feed_pages_by_sequence_and_redacts_private_fields(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let (status, _, body) = app.get("/v1/changes").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The seed: 3 fellowships, 3 service bodies, 7 meetings; the key's creation is not public.
    let changes = results(&body);
    assert_eq!(changes.len(), 13, "{body}");
    let seqs: Vec<i64> = changes.iter().filter_map(|c| c["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let text = body.to_string();
    for secret in ["contact@example.org", "office@example.org", "\"actor\"", "\"key\"", "Hidden Draft", "\"published\""]
    {
        assert!(!text.contains(secret), "the public feed shows {secret}");
    }
    let draft = changes.iter().find(|c| c["entity_id"] == "6").unwrap_or_else(|| panic!("{body}"));
    assert_eq!((&draft["change_kind"], &draft["after"]), (&json!("create"), &Value::Null), "unpublished: null");
    let mitte = changes.iter().find(|c| c["entity_kind"] == "meeting" && c["entity_id"] == "1");
    assert_eq!(mitte.map(|c| &c["after"]["name"]), Some(&json!("Mitte Open")));

    // Pages follow `next_since`.
    let (_, _, first) = app.get("/v1/changes?limit=5").await;
    assert_eq!(results(&first).len(), 5);
    let next = first["next_since"].as_i64().unwrap_or_else(|| panic!("{first}"));
    let (_, _, rest) = app.get(&format!("/v1/changes?since={next}&limit=100")).await;
    assert_eq!(results(&rest).len(), 8);
    assert_eq!(rest["next_since"], Value::Null);

    // A change made now shows up after the last seen sequence, and a body filter keeps to its subtree.
    let last = seqs.last().copied().unwrap_or_default();
    let (status, _, _) = app.send(Method::PATCH, "/v1/meetings/4", Some(&admin), Some(json!({"notes": "Fiji"}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, newer) = app.get(&format!("/v1/changes?since={last}")).await;
    assert_eq!(results(&newer).len(), 1, "{newer}");
    assert_eq!(newer["results"][0]["before"]["notes"], Value::Null);
    assert_eq!(newer["results"][0]["after"]["notes"], "Fiji");
    let (_, _, suva) = app.get("/v1/changes?service_body=3").await;
    let ids: Vec<&str> = results(&suva).iter().filter_map(|c| c["entity_id"].as_str()).collect();
    assert_eq!(ids, ["3", "4", "5", "4"], "body 3 itself and its meetings 4 and 5");
    let (_, _, region) = app.get("/v1/changes?service_body=1").await;
    assert_eq!(
        results(&region).len(),
        2 + 5,
        "bodies 1 and 2 and their five meetings (the draft's record is redacted)"
    );

    // Admins see everything: actors, private fields and key changes.
    let (_, headers, full) = app.send(Method::GET, "/v1/changes", Some(&admin), None).await;
    let text = full.to_string();
    assert!(
        text.contains("contact@example.org")
            && text.contains("\"actor\":\"seed\"")
            && text.contains("\"entity_kind\":\"key\"")
    );
    assert!(!text.contains("lantern_"), "never a token");
    assert!(headers.get("vary").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("Authorization")));

    for bad in ["since=-1", "since=x", "limit=0", "service_body=0", "since=1&since=2"] {
        let (status, _, problem) = app.get(&format!("/v1/changes?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
    }
    let (status, _, problem) = app.get("/v1/changes?service_body=99").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert!(problem["errors"]["service_body"].is_array(), "{problem}");
}

async fn history_and_restore_roll_a_meeting_back(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let publisher = issue_key(&app, "publisher", Some(2));
    let observer = issue_key(&app, "observer", Some(2));
    let outsider = issue_key(&app, "publisher", Some(3));
    let (_, _, created) =
        app.send(Method::POST, "/v1/meetings", Some(&publisher), Some(berlin_meeting(2, "First Name"))).await;
    let uri = format!("/v1/meetings/{}", created["id"]);
    app.send(Method::PATCH, &uri, Some(&publisher), Some(json!({"name": "Second Name"}))).await;
    app.send(Method::DELETE, &uri, Some(&publisher), None).await;

    let (status, _, history) = app.send(Method::GET, &format!("{uri}/history"), Some(&observer), None).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let kinds: Vec<&str> = results(&history).iter().filter_map(|c| c["change_kind"].as_str()).collect();
    assert_eq!(kinds, ["create", "update", "delete"]);
    assert_eq!(history["results"][0]["actor"], "publisher key");
    assert_eq!(history["results"][1]["before"]["name"], "First Name");
    assert_eq!(history["results"][1]["after"]["name"], "Second Name");
    assert_eq!(history["results"][2]["after"], Value::Null);
    assert_eq!(history["results"][0]["after"]["contacts"][0]["name"], "Sam", "histories are private");
    assert_eq!(app.get(&format!("{uri}/history")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(Method::GET, &format!("{uri}/history"), Some(&outsider), None).await.0, StatusCode::FORBIDDEN);

    // Observers may read but not restore; a deleted meeting is restored as it was.
    assert_eq!(app.send(Method::POST, &format!("{uri}/restore"), Some(&observer), None).await.0, StatusCode::FORBIDDEN);
    // A body of blanks is not JSON: a 400 that restores nothing (no body at all means "undelete").
    let blank = actix_web::test::TestRequest::post()
        .uri(&format!("{uri}/restore"))
        .insert_header(("Authorization", format!("Bearer {publisher}")))
        .insert_header(("Content-Type", "application/json"))
        .set_payload("\n");
    let (status, _, problem) = app.call(blank).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(app.get(&uri).await.0, StatusCode::NOT_FOUND, "still deleted");
    let (status, _, restored) = app.send(Method::POST, &format!("{uri}/restore"), Some(&publisher), None).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!((&restored["name"], &restored["version"]), (&json!("Second Name"), &json!(4)));
    assert_eq!(app.get(&uri).await.0, StatusCode::OK);
    let (status, _, problem) = app.send(Method::POST, &format!("{uri}/restore"), Some(&publisher), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "restoring a live meeting needs a seq: {problem}");

    // Roll back to the state after the first change.
    let first_seq = history["results"][0]["seq"].clone();
    let (status, _, rolled) =
        app.send(Method::POST, &format!("{uri}/restore"), Some(&publisher), Some(json!({"seq": first_seq}))).await;
    assert_eq!(status, StatusCode::OK, "{rolled}");
    assert_eq!((&rolled["name"], &rolled["version"]), (&json!("First Name"), &json!(5)));
    let (_, _, public) = app.get(&uri).await;
    assert_eq!(public["name"], "First Name");
    let (_, _, history) = app.send(Method::GET, &format!("{uri}/history"), Some(&observer), None).await;
    let kinds: Vec<&str> = results(&history).iter().filter_map(|c| c["change_kind"].as_str()).collect();
    assert_eq!(kinds, ["create", "update", "delete", "restore", "restore"]);

    // A seq of another meeting, or of the deletion, is refused and changes nothing.
    let before = (app.change_count(), app.state());
    let delete_seq = history["results"][2]["seq"].clone();
    for seq in [json!(1), delete_seq, json!(999_999)] {
        let (status, _, problem) =
            app.send(Method::POST, &format!("{uri}/restore"), Some(&publisher), Some(json!({"seq": seq}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{seq}: {problem}");
        assert!(problem["errors"]["seq"].is_array(), "{problem}");
    }
    let (status, _, _) =
        app.send(Method::POST, &format!("{uri}/restore"), Some(&publisher), Some(json!({"sequence": 1}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown field is named, as in every body");
    assert_eq!((app.change_count(), app.state()), before);
}

async fn keys_are_issued_rotated_and_revoked_by_admins_only(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let publisher = issue_key(&app, "publisher", Some(2));
    let request = json!({"name": "Berlin office", "role": "publisher", "service_body_id": 2});
    assert_eq!(
        app.send(Method::POST, "/v1/keys", Some(&publisher), Some(request.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.send(Method::GET, "/v1/keys", None, None).await.0, StatusCode::UNAUTHORIZED);
    let (status, headers, issued) = app.send(Method::POST, "/v1/keys", Some(&admin), Some(request)).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(headers.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]));
    let token = issued["token"].as_str().unwrap_or_default().to_owned();
    let id = issued["key"]["id"].as_i64().unwrap_or_default();
    assert!(token.starts_with(&format!("lantern_{id}_")) && token.len() > 70, "{token}");
    let meeting = berlin_meeting(2, "Office Meeting");
    let (status, _, _) = app.send(Method::POST, "/v1/meetings", Some(&token), Some(meeting)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, _, list) = app.send(Method::GET, "/v1/keys", Some(&admin), None).await;
    let listed = results(&list).iter().find(|k| k["id"] == id).cloned().unwrap_or_default();
    assert_eq!(listed["last_used_at"], "2026-11-27T12:00:00Z");
    assert!(!list.to_string().contains(&token[20..]), "tokens are never listed");

    let (status, _, rotated) = app.send(Method::POST, &format!("/v1/keys/{id}/rotate"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_token = rotated["token"].as_str().unwrap_or_default().to_owned();
    assert_ne!(new_token, token);
    assert_eq!(app.send(Method::GET, "/v1/meetings/1", Some(&token), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(Method::GET, "/v1/meetings/1", Some(&new_token), None).await.0, StatusCode::OK);
    let (status, _, revoked) = app.send(Method::DELETE, &format!("/v1/keys/{id}"), Some(&admin), None).await;
    assert_eq!((status, revoked["revoked_at"].is_string()), (StatusCode::OK, true), "{revoked}");
    assert_eq!(app.send(Method::GET, "/v1/meetings/1", Some(&new_token), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.send(Method::POST, &format!("/v1/keys/{id}/rotate"), Some(&admin), None).await.0,
        StatusCode::CONFLICT
    );

    // Bad requests name their fields; expired keys do not authenticate.
    let bad = json!({"name": "", "role": "owner", "service_body_id": 0, "expires_at": "soon"});
    let (status, _, problem) = app.send(Method::POST, "/v1/keys", Some(&admin), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    for field in ["role", "service_body_id", "expires_at"] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let admin_with_body = json!({"name": "x", "role": "admin", "service_body_id": 2});
    assert_eq!(
        app.send(Method::POST, "/v1/keys", Some(&admin), Some(admin_with_body)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let expired =
        json!({"name": "old", "role": "observer", "service_body_id": 2, "expires_at": "2026-11-27T11:59:59Z"});
    let (_, _, issued) = app.send(Method::POST, "/v1/keys", Some(&admin), Some(expired)).await;
    let token = issued["token"].as_str().unwrap_or_default();
    assert_eq!(app.send(Method::GET, "/v1/meetings/1", Some(token), None).await.0, StatusCode::UNAUTHORIZED);

    // Every key write is in the change log, without tokens or hashes.
    let (_, _, feed) = app.send(Method::GET, "/v1/changes?limit=500", Some(&admin), None).await;
    let key_changes: Vec<&str> =
        results(&feed).iter().filter(|c| c["entity_kind"] == "key").filter_map(|c| c["change_kind"].as_str()).collect();
    assert_eq!(key_changes, ["create", "create", "create", "update", "delete", "create"]);
    assert!(!feed.to_string().contains("token_hash") && !feed.to_string().contains(&new_token[20..]));
}

async fn service_bodies_and_fellowships_are_admin_writes(backend: Backend) {
    let Some(app) = app(backend) else { return };
    let admin = issue_key(&app, "admin", None);
    let publisher = issue_key(&app, "publisher", Some(1));
    let body = json!({"name": "Spandau Group", "kind": "district", "parent_id": 2, "fellowship": "aa",
        "time_zone": "Europe/Berlin", "website": "https://spandau.example.org", "contact": {"email": "s@example.org"}});
    let (status, _, _) = app.send(Method::POST, "/v1/service-bodies", Some(&publisher), Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, created) = app.send(Method::POST, "/v1/service-bodies", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap_or_default();
    let (_, _, tree) = app.get("/v1/service-bodies/2").await;
    assert_eq!(tree["children"][0]["name"], "Spandau Group", "{tree}");
    // The publisher of body 1 may now publish into the new descendant.
    let (status, _, _) =
        app.send(Method::POST, "/v1/meetings", Some(&publisher), Some(berlin_meeting(id, "Spandau Monday"))).await;
    assert_eq!(status, StatusCode::CREATED);

    let uri = format!("/v1/service-bodies/{id}");
    let (status, _, patched) = app.send(Method::PATCH, &uri, Some(&admin), Some(json!({"name": "Spandau"}))).await;
    assert_eq!((status, &patched["name"], &patched["version"]), (StatusCode::OK, &json!("Spandau"), &json!(2)));
    let before = (app.change_count(), app.state());
    let cycle = json!({"parent_id": id});
    let (status, _, problem) = app.send(Method::PATCH, "/v1/service-bodies/1", Some(&admin), Some(cycle)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["parent_id"].is_array());
    let bad = json!({"name": "", "kind": "galaxy", "time_zone": "Mars/Olympus", "website": "nope", "fellowship": "zz"});
    let (status, _, problem) = app.send(Method::PUT, &uri, Some(&admin), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    for field in ["name", "kind", "time_zone", "website", "fellowship"] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let (status, _, problem) = app.send(Method::DELETE, &uri, Some(&admin), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "it still has a meeting: {problem}");
    assert_eq!((app.change_count(), app.state()), before);
    let meeting_id = results(&app.get(&format!("/v1/meetings?service_body={id}")).await.2)[0]["id"].clone();
    app.send(Method::DELETE, &format!("/v1/meetings/{meeting_id}"), Some(&admin), None).await;
    assert_eq!(app.send(Method::DELETE, &uri, Some(&admin), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&uri).await.0, StatusCode::NOT_FOUND);

    let fellowship =
        json!({"code": "ga", "name": "Gamblers Anonymous", "website": "https://www.gamblersanonymous.org"});
    assert_eq!(
        app.send(Method::POST, "/v1/fellowships", Some(&publisher), Some(fellowship.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.send(Method::POST, "/v1/fellowships", Some(&admin), Some(fellowship)).await.0, StatusCode::CREATED);
    let renamed = json!({"name": "Gamblers Anonymous International"});
    assert_eq!(app.send(Method::PUT, "/v1/fellowships/ga", Some(&admin), Some(renamed)).await.0, StatusCode::OK);
    let (_, _, list) = app.get("/v1/fellowships").await;
    assert!(list.to_string().contains("Gamblers Anonymous International"), "{list}");
    let bad = json!({"name": " ", "website": "ftp://x"});
    let (status, _, problem) = app.send(Method::PUT, "/v1/fellowships/GA", Some(&admin), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}
