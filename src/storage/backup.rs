//! Backups in a portable form: every row of every table as JSON lines, read in one consistent
//! transaction, and restored into an empty database of either backend in one transaction. This is
//! also how a directory moves from the embedded SQLite to PostgreSQL.
//!
//! The file: a header line `{"lantern_backup": 1, ...}`, then one line per row
//! (`{"table": "meetings", "row": {...}}`, tables in the order they are restored), then a trailer
//! with the count of rows per table, so that a cut-off file is refused rather than half restored.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema;
use super::{AnyConnection, StorageError};

/// The version of the file format this build writes and reads.
pub const FORMAT: u32 = 1;

/// Rows read per query while dumping, so that a million meetings never sit in memory at once.
const CHUNK: i64 = 5_000;

macro_rules! rows {
    ($( $name:ident => $table:ident by $key:ident { $($col:ident : $ty:ty),* $(,)? } )*) => {
        $(
            #[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
            #[diesel(table_name = schema::$table)]
            struct $name { $($col: $ty),* }
        )*

        /// Writes every table, in restore order, chunk by chunk.
        fn dump_tables(conn: &mut AnyConnection, out: &mut dyn FnMut(&'static str, serde_json::Value) -> Result<(), StorageError>) -> Result<(), StorageError> {
            $(
                let mut after = None;
                loop {
                    let mut query = schema::$table::table.order(schema::$table::$key).limit(CHUNK).select($name::as_select()).into_boxed();
                    if let Some(last) = after {
                        query = query.filter(schema::$table::$key.gt(last));
                    }
                    let rows: Vec<$name> = query.load(conn)?;
                    let Some(last) = rows.last() else { break };
                    after = Some(last.$key.clone());
                    for row in &rows {
                        out(stringify!($table), serde_json::to_value(row).map_err(|e| StorageError::Corrupt(e.to_string()))?)?;
                    }
                    if (rows.len() as i64) < CHUNK {
                        break;
                    }
                }
            )*
            Ok(())
        }

        /// Inserts a batch of rows of one table.
        fn insert_rows(conn: &mut AnyConnection, table: &str, rows: Vec<serde_json::Value>) -> Result<(), StorageError> {
            match table {
                $(
                    stringify!($table) => {
                        let rows = rows
                            .into_iter()
                            .map(serde_json::from_value::<$name>)
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(|e| StorageError::Corrupt(format!("a {} row: {e}", stringify!($table))))?;
                        for row in rows {
                            diesel::insert_into(schema::$table::table).values(row).execute(conn)?;
                        }
                        Ok(())
                    }
                )*
                other => Err(StorageError::Corrupt(format!("unknown table `{other}`"))),
            }
        }

        /// The tables in restore order.
        const TABLES: &[&str] = &[$(stringify!($table)),*];
    };
}

rows! {
    FellowshipBackup => fellowships by code {
        code: String, name: String, website: Option<String>, created_at: NaiveDateTime, updated_at: NaiveDateTime,
    }
    ServiceBodyBackup => service_bodies by id {
        id: i64, parent_id: Option<i64>, name: String, kind: String, fellowship: Option<String>,
        time_zone: String, website: Option<String>, contact: Option<String>, created_at: NaiveDateTime,
        updated_at: NaiveDateTime, deleted_at: Option<NaiveDateTime>, version: i64, email: Option<String>,
        phone: Option<String>, external_id: Option<String>,
    }
    MeetingBackup => meetings by id {
        id: i64, service_body_id: i64, fellowship: String, slug: String, name: String,
        external_id: Option<String>, attendance: String, days: Option<String>, start_time: Option<String>,
        duration_minutes: Option<i32>, time_zone: Option<String>, time_zone_derived: bool,
        weeks_of_month: String, types: String, languages: String, notes: Option<String>,
        group_name: Option<String>, website: Option<String>, closed_dates: String,
        suspended_until: Option<NaiveDate>, contacts: String, published: bool, created_at: NaiveDateTime,
        updated_at: NaiveDateTime, deleted_at: Option<NaiveDateTime>, version: i64,
    }
    LocationBackup => meeting_locations by meeting_id {
        meeting_id: i64, name: Option<String>, street_address: Option<String>,
        formatted_address: Option<String>, latitude: Option<f64>, longitude: Option<f64>,
        approximate: bool, notes: Option<String>,
    }
    OnlineBackup => meeting_online by meeting_id {
        meeting_id: i64, conference_url: Option<String>, conference_phone: Option<String>, notes: Option<String>,
    }
    ChangeBackup => change_log by seq {
        seq: i64, entity_kind: String, entity_id: String, service_body_before: Option<i64>,
        service_body_after: Option<i64>, change_kind: String, before_json: Option<String>,
        after_json: Option<String>, actor: String, created_at: NaiveDateTime,
    }
    PrunedBackup => change_log_pruned by id {
        id: i32, through_seq: i64, pruned_at: NaiveDateTime,
    }
    KeyBackup => api_keys by id {
        id: i64, name: String, role: String, service_body_id: Option<i64>, token_hash: String,
        created_at: NaiveDateTime, expires_at: Option<NaiveDateTime>, last_used_at: Option<NaiveDateTime>,
        revoked_at: Option<NaiveDateTime>,
    }
    SourceBackup => sources by id {
        id: i64, url: String, kind: String, service_body_id: i64, fellowship: Option<String>,
        time_zone: Option<String>, every_minutes: i64, created_at: NaiveDateTime, etag: Option<String>,
        last_modified: Option<String>, failures: i64, last_attempt_at: Option<NaiveDateTime>,
        last_success_at: Option<NaiveDateTime>, last_status: Option<String>, last_error: Option<String>,
        last_diff: Option<String>, next_pull_at: NaiveDateTime,
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    lantern_backup: u32,
    created_at: NaiveDateTime,
}

#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    row: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    end: BTreeMap<String, u64>,
}

/// Rows per table, as written or restored.
pub type Counts = BTreeMap<String, u64>;

/// Writes a consistent copy of the whole database to `out`; returns the rows per table.
pub fn dump(conn: &mut AnyConnection, out: &mut dyn Write, at: NaiveDateTime) -> Result<Counts, StorageError> {
    let io = |e: std::io::Error| StorageError::Corrupt(format!("cannot write the backup: {e}"));
    let json = |e: serde_json::Error| StorageError::Corrupt(e.to_string());
    conn.transaction(|conn| {
        if let AnyConnection::Postgresql(pg) = conn {
            // One snapshot for every table; an SQLite read transaction is one already.
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        let header = serde_json::to_string(&Header { lantern_backup: FORMAT, created_at: at }).map_err(json)?;
        writeln!(out, "{header}").map_err(io)?;
        let mut counts = Counts::new();
        dump_tables(conn, &mut |table, row| {
            *counts.entry(table.to_owned()).or_default() += 1;
            let line = serde_json::to_string(&Line { table: table.to_owned(), row }).map_err(json)?;
            writeln!(out, "{line}").map_err(io)
        })?;
        let trailer = serde_json::to_string(&Trailer { end: counts.clone() }).map_err(json)?;
        writeln!(out, "{trailer}").map_err(io)?;
        out.flush().map_err(io)?;
        Ok(counts)
    })
}

/// Restores a backup into an empty database in one transaction: nothing is written unless the
/// whole file reads back, ends with its trailer and matches its counts.
pub fn restore(conn: &mut AnyConnection, input: &mut dyn BufRead) -> Result<Counts, StorageError> {
    let bad = |line: usize, what: String| StorageError::Corrupt(format!("backup line {line}: {what}"));
    conn.transaction(|conn| {
        if !is_empty(conn)? {
            return Err(StorageError::Corrupt("the database is not empty: restore only into a new one".into()));
        }
        let mut lines = input.lines().enumerate();
        let first = lines.next().map(|(_, l)| l).transpose().map_err(|e| bad(1, e.to_string()))?;
        let header: Header = first
            .as_deref()
            .and_then(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| bad(1, "not a Lantern backup".into()))?;
        if header.lantern_backup != FORMAT {
            return Err(bad(1, format!("format {} is not {FORMAT}, the one this build reads", header.lantern_backup)));
        }
        let mut counts = Counts::new();
        let mut batch: (String, Vec<serde_json::Value>) = (String::new(), Vec::new());
        let mut parents: Vec<(i64, i64)> = Vec::new();
        let mut trailer = None;
        for (index, text) in lines {
            let text = text.map_err(|e| bad(index + 1, e.to_string()))?;
            if trailer.is_some() {
                return Err(bad(index + 1, "text after the end".into()));
            }
            if let Ok(end) = serde_json::from_str::<Trailer>(&text) {
                trailer = Some(end.end);
                continue;
            }
            let Line { table, mut row } = serde_json::from_str(&text).map_err(|e| bad(index + 1, e.to_string()))?;
            if !TABLES.contains(&table.as_str()) {
                return Err(bad(index + 1, format!("unknown table `{table}`")));
            }
            // Service bodies go in without their parents, which may come later in id order.
            if table == "service_bodies"
                && let (Some(id), Some(parent)) = (row["id"].as_i64(), row["parent_id"].as_i64())
            {
                parents.push((id, parent));
                row["parent_id"] = serde_json::Value::Null;
            }
            *counts.entry(table.clone()).or_default() += 1;
            if batch.0 != table && !batch.1.is_empty() {
                let (done, rows) = std::mem::take(&mut batch);
                insert_rows(conn, &done, rows)?;
            }
            batch.0 = table;
            batch.1.push(row);
            if batch.1.len() >= 1000 {
                let rows = std::mem::take(&mut batch.1);
                insert_rows(conn, &batch.0, rows)?;
            }
        }
        if !batch.1.is_empty() {
            insert_rows(conn, &batch.0, batch.1)?;
        }
        for (id, parent) in parents {
            diesel::update(schema::service_bodies::table.find(id))
                .set(schema::service_bodies::parent_id.eq(parent))
                .execute(conn)?;
        }
        match trailer {
            None => return Err(StorageError::Corrupt("the backup is cut off: it has no end line".into())),
            Some(end) if end != counts => {
                return Err(StorageError::Corrupt(format!("the backup's rows ({counts:?}) are not the ones its end line counts ({end:?})")));
            }
            Some(_) => {}
        }
        if let AnyConnection::Postgresql(pg) = conn {
            // Rows came with their ids: the next ids follow them.
            for (table, column) in
                [("service_bodies", "id"), ("meetings", "id"), ("change_log", "seq"), ("api_keys", "id"), ("sources", "id")]
            {
                pg.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
                ))?;
            }
        }
        Ok(counts)
    })
}

/// True when no table holds a row.
fn is_empty(conn: &mut AnyConnection) -> Result<bool, StorageError> {
    let counts = [
        schema::fellowships::table.count().get_result::<i64>(conn)?,
        schema::service_bodies::table.count().get_result::<i64>(conn)?,
        schema::meetings::table.count().get_result::<i64>(conn)?,
        schema::change_log::table.count().get_result::<i64>(conn)?,
        schema::api_keys::table.count().get_result::<i64>(conn)?,
        schema::sources::table.count().get_result::<i64>(conn)?,
    ];
    Ok(counts.iter().all(|n| *n == 0))
}
