//! The deterministic seed generator behind `lantern generate`: the committed
//! `seed-data/directory.json`, and large synthetic directories for benchmarks.

pub mod gazetteer;
pub mod generator;
pub mod rng;
mod words;

use chrono::{DateTime, Utc};

use crate::domain::directory::Directory;
use crate::domain::ids::{MeetingId, ServiceBodyId};
use crate::domain::meeting::Meeting;
use crate::domain::service_body::ServiceBody;
use crate::domain::zones::ZoneFinder;
use crate::service::seed::SeedFile;

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
