//! Diesel table definitions shared by both backends (ids are `BigInt` on both).
//! Kept by hand in step with `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    fellowships (code) {
        code -> Text,
        name -> Text,
        website -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    service_bodies (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        name -> Text,
        kind -> Text,
        fellowship -> Nullable<Text>,
        time_zone -> Text,
        website -> Nullable<Text>,
        contact -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        version -> BigInt,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        service_body_id -> BigInt,
        fellowship -> Text,
        slug -> Text,
        name -> Text,
        external_id -> Nullable<Text>,
        attendance -> Text,
        days -> Nullable<Text>,
        start_time -> Nullable<Text>,
        duration_minutes -> Nullable<Integer>,
        time_zone -> Nullable<Text>,
        time_zone_derived -> Bool,
        weeks_of_month -> Text,
        types -> Text,
        languages -> Text,
        notes -> Nullable<Text>,
        group_name -> Nullable<Text>,
        website -> Nullable<Text>,
        closed_dates -> Text,
        suspended_until -> Nullable<Date>,
        contacts -> Text,
        published -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    meeting_locations (meeting_id) {
        meeting_id -> BigInt,
        name -> Nullable<Text>,
        street_address -> Nullable<Text>,
        formatted_address -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        approximate -> Bool,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    meeting_online (meeting_id) {
        meeting_id -> BigInt,
        conference_url -> Nullable<Text>,
        conference_phone -> Nullable<Text>,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    change_log (seq) {
        seq -> BigInt,
        entity_kind -> Text,
        entity_id -> Text,
        service_body_before -> Nullable<BigInt>,
        service_body_after -> Nullable<BigInt>,
        change_kind -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        service_body_id -> Nullable<BigInt>,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sources (id) {
        id -> BigInt,
        url -> Text,
        kind -> Text,
        service_body_id -> BigInt,
        fellowship -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        every_minutes -> BigInt,
        created_at -> Timestamp,
        etag -> Nullable<Text>,
        last_modified -> Nullable<Text>,
        failures -> BigInt,
        last_attempt_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_status -> Nullable<Text>,
        last_error -> Nullable<Text>,
        last_diff -> Nullable<Text>,
        next_pull_at -> Timestamp,
    }
}

diesel::joinable!(meetings -> service_bodies (service_body_id));
diesel::joinable!(meeting_locations -> meetings (meeting_id));
diesel::joinable!(meeting_online -> meetings (meeting_id));

diesel::table! {
    change_log_pruned (id) {
        id -> Integer,
        through_seq -> BigInt,
        pruned_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    fellowships,
    service_bodies,
    meetings,
    meeting_locations,
    meeting_online,
    change_log,
    change_log_pruned,
    api_keys,
    sources,
);
