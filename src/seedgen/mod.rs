//! The deterministic seed generator behind `lantern generate`: the committed
//! `seed-data/directory.json`, and large synthetic directories for benchmarks.

pub mod gazetteer;
pub mod generator;
pub mod rng;
mod words;

use std::io::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::cli::GenerateArgs;
use crate::domain::clock::SystemClock;
use crate::domain::directory::Directory;
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::Meeting;
use crate::domain::service_body::ServiceBody;
use crate::domain::zones::ZoneFinder;
use crate::service::seed::SeedFile;
use crate::service::{Lantern, SeedSource};

/// The gazetteer kept in the repository.
pub const GAZETTEER: &str = include_str!("../../seed-data/cities15000.csv");

/// Generates the directory the arguments describe.
pub fn build(meetings: usize, rng_seed: u64) -> Result<SeedFile, String> {
    let cities = gazetteer::parse(GAZETTEER)?;
    generator::generate(&cities, &ZoneFinder::new(), meetings, rng_seed)
}

/// The directory a fresh database would hold after loading `seed` at `at` (ids in file order),
/// built in memory: for benchmarks that need no database.
pub fn into_directory(seed: SeedFile, at: DateTime<Utc>) -> Result<Directory, String> {
    let mut body_ids = std::collections::HashMap::new();
    let mut bodies = Vec::new();
    for (i, body) in seed.service_bodies.into_iter().enumerate() {
        let id = ServiceBodyId::new(i64::try_from(i + 1).map_err(|e| e.to_string())?).map_err(|e| e.0)?;
        body_ids.insert(body.id, id);
        let mut data = body.data;
        data.parent_id = data.parent_id.and_then(|p| body_ids.get(&p).copied());
        bodies.push(ServiceBody { id, data, created_at: at, updated_at: at, version: 1 });
    }
    let mut meetings = Vec::with_capacity(seed.meetings.len());
    for (i, mut data) in seed.meetings.into_iter().enumerate() {
        data.service_body_id = *body_ids.get(&data.service_body_id).ok_or("unknown service body")?;
        let id = MeetingId::new(i64::try_from(i + 1).map_err(|e| e.to_string())?).map_err(|e| e.0)?;
        meetings.push(Meeting { id, data, created_at: at, updated_at: at, version: 1 });
    }
    Ok(Directory::new(seed.fellowships, bodies, meetings, at))
}

/// `lantern generate`: writes a seed file, or loads straight into an empty database.
pub fn run(args: GenerateArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let seed = build(args.meetings, args.rng_seed)?;
    eprintln!("generated {} meetings in {:.1} s", seed.meetings.len(), started.elapsed().as_secs_f64());
    if let Some(url) = args.into_database {
        let lantern = Lantern::open(&url, SeedSource::Inline(Box::new(seed)), Arc::new(SystemClock))
            .map_err(|e| e.to_string())?;
        eprintln!(
            "{url} holds {} meetings ({:.1} s in all)",
            lantern.directory().meeting_count(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let mut json = serde_json::to_string_pretty(&seed).map_err(|e| e.to_string())?;
    json.push('\n');
    match args.out.as_deref() {
        None => std::io::stdout().write_all(json.as_bytes()).map_err(|e| e.to_string()),
        Some(path) if path.as_os_str() == "-" => {
            std::io::stdout().write_all(json.as_bytes()).map_err(|e| e.to_string())
        }
        Some(path) => std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display())),
    }
}
