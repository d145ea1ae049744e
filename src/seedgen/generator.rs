//! Builds a synthetic but realistic directory: meetings clustered around real cities in
//! proportion to population, zones derived from each meeting's own coordinates.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::gazetteer::City;
use super::rng::{Rng, Weighted};
use super::words;
use crate::domain::geo::Coordinates;
use crate::domain::ids::{FellowshipCode, ServiceBodyId, Slug};
use crate::domain::meeting::{Attendance, Closures, Contact, Location, MeetingData, OnlineAccess};
use crate::domain::schedule::{LocalTime, Schedule, TimeZone, WeekOfMonth, Weekday};
use crate::domain::service_body::{Fellowship, ServiceBodyData, ServiceBodyKind};
use crate::domain::zones::ZoneFinder;
use crate::service::seed::{SeedFile, SeedServiceBody};

/// Cities every generated directory includes, for their zones (30- and 45-minute offsets,
/// southern hemisphere, the antimeridian, midnight DST changes) and continents.
const REQUIRED_CITIES: [(&str, &str); 22] = [
    ("Adelaide", "AU"),
    ("Kathmandu", "NP"),
    ("Mumbai", "IN"),
    ("Sydney", "AU"),
    ("Auckland", "NZ"),
    ("Santiago", "CL"),
    ("São Paulo", "BR"),
    ("Johannesburg", "ZA"),
    ("St. John's", "CA"),
    ("New York City", "US"),
    ("London", "GB"),
    ("Berlin", "DE"),
    ("Havana", "CU"),
    ("Suva", "FJ"),
    ("Tokyo", "JP"),
    ("Mexico City", "MX"),
    ("Chicago", "US"),
    ("Dublin", "IE"),
    ("Nairobi", "KE"),
    ("Tehran", "IR"),
    ("Anchorage", "US"),
    ("Honolulu", "US"),
];

/// Meetings placed in each required city before the rest are spread by population.
const PER_REQUIRED_CITY: usize = 12;

/// Where meetings in English-speaking countries are more common than population alone says.
fn country_weight(cc: &str) -> f64 {
    match cc {
        "US" => 6.0,
        "CA" | "GB" | "IE" | "AU" | "NZ" => 4.0,
        "MX" | "BR" | "DE" | "FR" | "ES" | "AR" | "CL" | "ZA" => 1.5,
        _ => 0.4,
    }
}

struct Generator<'a> {
    rng: Rng,
    finder: &'a ZoneFinder,
    bodies: Vec<SeedServiceBody>,
    body_ids: BTreeMap<(String, String), ServiceBodyId>,
    slugs: BTreeMap<(ServiceBodyId, String), u32>,
}

/// Generates `count` meetings from the gazetteer, the same for the same `seed`.
pub fn generate(cities: &[City], finder: &ZoneFinder, count: usize, seed: u64) -> Result<SeedFile, String> {
    let mut g = Generator {
        rng: Rng::new(seed),
        finder,
        bodies: Vec::new(),
        body_ids: BTreeMap::new(),
        slugs: BTreeMap::new(),
    };
    let fellowships = words::FELLOWSHIPS
        .iter()
        .map(|(code, name, website, _)| {
            Ok(Fellowship {
                code: code.parse().map_err(|e| format!("{e}"))?,
                name: (*name).to_owned(),
                website: Some((*website).to_owned()),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let required: Vec<&City> = REQUIRED_CITIES
        .iter()
        .filter_map(|(name, cc)| cities.iter().find(|c| c.name == *name && c.cc == *cc))
        .collect();
    #[expect(clippy::cast_precision_loss, reason = "populations are far below 2^53")]
    let weighted = Weighted::new(cities.iter().map(|c| (c, c.population as f64 * country_weight(&c.cc))).collect());
    let mut meetings = Vec::with_capacity(count);
    for i in 0..count {
        let city = match required.get(i / PER_REQUIRED_CITY) {
            Some(city) => city,
            None => *weighted.pick(&mut g.rng),
        };
        meetings.push(g.meeting(city)?);
    }
    Ok(SeedFile { fellowships, service_bodies: g.bodies, meetings })
}

impl Generator<'_> {
    fn meeting(&mut self, city: &City) -> Result<MeetingData, String> {
        let shares: Vec<(&str, f64)> = words::FELLOWSHIPS.iter().map(|(code, _, _, share)| (*code, *share)).collect();
        let fellowship = *self.rng.weighted(&shares);
        let body = self.service_body(city, fellowship)?;
        let point = self.scatter(city)?;
        let zone = self.finder.zone_at(point).or_else(|| city.tz.parse().ok()).ok_or("no zone")?;
        let attendance = *self.rng.weighted(&[
            (Attendance::InPerson, 0.68),
            (Attendance::Hybrid, 0.14),
            (Attendance::Online, 0.14),
            (Attendance::Inactive, 0.04),
        ]);
        let name = (*self.rng.pick(words::meeting_names(fellowship))).to_owned();
        let slug = self.unique_slug(body, &name)?;
        let online = matches!(attendance, Attendance::Online | Attendance::Hybrid).then(|| OnlineAccess {
            conference_url: Some(conference_url(&format!("{fellowship}/{body}/{slug}"))),
            // 555-0100 … 555-0199 are reserved for fiction; 11 digits, as feed readers expect.
            conference_phone: self.rng.chance(0.3).then(|| "+1 212 555 0100".to_owned()),
            notes: Some("Meeting id and passcode on the group's web page.".to_owned()),
        });
        let language: String = words::country_language(&city.cc).to_owned();
        let mut languages = vec![language.parse().map_err(|e| format!("{e}"))?];
        if language != "en" && self.rng.chance(0.08) {
            languages.push("en".parse().map_err(|e| format!("{e}"))?);
        }
        Ok(MeetingData {
            name,
            slug,
            fellowship: fellowship.parse().map_err(|e| format!("{e}"))?,
            service_body_id: body,
            external_id: None,
            attendance,
            schedule: (!self.rng.chance(0.02)).then(|| self.schedule(zone)),
            location: Some(self.location(city, point, attendance == Attendance::Online)),
            online,
            types: self.types(fellowship)?,
            languages,
            notes: self.rng.chance(0.2).then(|| (*self.rng.pick(&words::NOTES)).to_owned()),
            group_name: None,
            website: None,
            closures: self.closures(),
            contacts: if self.rng.chance(0.3) {
                vec![Contact {
                    name: Some("Group secretary".into()),
                    email: Some("contact@example.org".into()),
                    phone: None,
                }]
            } else {
                vec![]
            },
            published: !self.rng.chance(0.02),
        })
    }

    /// A point in a disc around the city whose radius grows with its population.
    fn scatter(&mut self, city: &City) -> Result<Coordinates, String> {
        #[expect(clippy::cast_precision_loss, reason = "populations are far below 2^53")]
        let radius_km = (8.0 * (city.population as f64 / 1e6).sqrt()).clamp(2.0, 25.0);
        let distance = radius_km * self.rng.unit().sqrt();
        let bearing = self.rng.unit() * std::f64::consts::TAU;
        let lat = (city.lat + distance * bearing.cos() / 111.2).clamp(-89.9, 89.9);
        let mut lon = city.lon + distance * bearing.sin() / (111.2 * lat.to_radians().cos().max(0.01));
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        // Six decimals (about 0.1 m) is what a geocoder gives.
        let round = |x: f64| (x * 1e6).round() / 1e6;
        Coordinates::new(round(lat), round(lon)).map_err(|e| e.0)
    }

    fn schedule(&mut self, zone: TimeZone) -> Schedule {
        let r = self.rng.unit();
        let mut weeks_of_month = Vec::new();
        let days = if r < 0.05 {
            Weekday::ALL.to_vec()
        } else if r < 0.17 {
            Weekday::ALL[..5].to_vec()
        } else if r < 0.22 {
            vec![Weekday::Tuesday, Weekday::Thursday]
        } else {
            if self.rng.chance(0.07) {
                let patterns: [&[i8]; 5] = [&[1], &[1, 3], &[2, 4], &[-1], &[5]];
                weeks_of_month =
                    self.rng.pick(&patterns).iter().filter_map(|w| WeekOfMonth::try_from(*w).ok()).collect();
            }
            vec![*self.rng.pick(&Weekday::ALL)]
        };
        let minutes = *self.rng.weighted(&words::START_TIMES);
        let duration_minutes = *self.rng.weighted(&[(60u16, 0.65), (90, 0.30), (120, 0.05)]);
        Schedule {
            days,
            start_time: LocalTime::from_minutes(minutes).unwrap_or(LocalTime::MIDNIGHT),
            duration_minutes,
            time_zone: zone,
            time_zone_derived: false,
            weeks_of_month,
        }
    }

    fn location(&mut self, city: &City, point: Coordinates, online: bool) -> Location {
        if online {
            return Location {
                formatted_address: Some(format!("{}, {}", city.name, city.cc)),
                coordinates: Coordinates::new(city.lat, city.lon).ok(),
                approximate: true,
                ..Location::default()
            };
        }
        let street = format!("{} {} Street", 1 + self.rng.below(400), self.rng.pick(&words::STREETS));
        Location {
            name: Some((*self.rng.pick(&words::VENUES)).to_owned()),
            formatted_address: Some(format!("{street}, {}, {}", city.name, city.cc)),
            street_address: Some(street),
            coordinates: Some(point),
            approximate: false,
            notes: None,
        }
    }

    fn types(&mut self, fellowship: &str) -> Result<Vec<crate::domain::ids::TypeCode>, String> {
        let mut codes = vec![if self.rng.chance(0.6) { "O" } else { "C" }];
        for _ in 0..self.rng.below(4) {
            codes.push(*self.rng.pick(words::extra_types(fellowship)));
        }
        let mut parsed: Vec<_> =
            codes.iter().map(|c| c.parse().map_err(|e| format!("{e}"))).collect::<Result<_, String>>()?;
        parsed.sort_unstable();
        parsed.dedup();
        Ok(parsed)
    }

    fn closures(&mut self) -> Closures {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let mut closures = Closures::default();
        if self.rng.chance(0.03) {
            closures.dates = [date(2026, 12, 25), date(2027, 1, 1)].into_iter().flatten().collect();
        }
        if self.rng.chance(0.01) {
            closures.suspended_until = date(2027, 1, 31);
        }
        closures
    }

    fn unique_slug(&mut self, body: ServiceBodyId, name: &str) -> Result<Slug, String> {
        let base = Slug::from_text(name).map(String::from).unwrap_or_else(|| "meeting".to_owned());
        let n = self.slugs.entry((body, base.clone())).or_insert(0);
        *n += 1;
        let text = if *n == 1 { base } else { format!("{base}-{n}") };
        text.parse().map_err(|e| format!("{e}"))
    }

    /// The city's body of this fellowship, created (after its national parent) on first use.
    fn service_body(&mut self, city: &City, fellowship: &str) -> Result<ServiceBodyId, String> {
        let region = self.body(
            fellowship,
            &city.cc,
            None,
            ServiceBodyKind::Region,
            &format!("{} ({})", fellowship.to_uppercase(), city.cc),
            &city.tz,
        )?;
        let kind = if fellowship == "na" { ServiceBodyKind::Area } else { ServiceBodyKind::Intergroup };
        let suffix = if fellowship == "na" { "Area" } else { "Intergroup" };
        let name = format!("{} {} {suffix}", city.name, fellowship.to_uppercase());
        self.body(fellowship, &format!("{}/{}", city.cc, city.geonameid), Some(region), kind, &name, &city.tz)
    }

    fn body(
        &mut self,
        fellowship: &str,
        key: &str,
        parent: Option<ServiceBodyId>,
        kind: ServiceBodyKind,
        name: &str,
        tz: &str,
    ) -> Result<ServiceBodyId, String> {
        let map_key = (fellowship.to_owned(), key.to_owned());
        if let Some(id) = self.body_ids.get(&map_key) {
            return Ok(*id);
        }
        let id =
            ServiceBodyId::new(i64::try_from(self.bodies.len() + 1).map_err(|e| e.to_string())?).map_err(|e| e.0)?;
        let fellowship: FellowshipCode = fellowship.parse().map_err(|e| format!("{e}"))?;
        self.bodies.push(SeedServiceBody {
            id,
            data: ServiceBodyData {
                name: name.to_owned(),
                kind,
                parent_id: parent,
                fellowship: Some(fellowship),
                time_zone: tz.parse().map_err(|e| format!("{e}"))?,
                website: None,
                email: None,
                phone: None,
                contact: Some(Contact { name: None, email: Some("office@example.org".into()), phone: None }),
                external_id: None,
            },
        });
        self.body_ids.insert(map_key, id);
        Ok(id)
    }
}

/// A link on a real conference provider's host (TSML UI warns about unknown hosts), with a made-up
/// meeting id derived from `key`, so the same meeting always gets the same link.
fn conference_url(key: &str) -> String {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let letters: String = (0..10).map(|i| char::from(b'a' + ((hash >> (i * 5)) % 26) as u8)).collect();
    match hash % 3 {
        0 => format!("https://zoom.us/j/{}", 80_000_000_000 + hash % 10_000_000_000),
        1 => format!("https://meet.google.com/{}-{}-{}", &letters[..3], &letters[3..7], &letters[7..]),
        _ => format!("https://meet.jit.si/lantern-{letters}"),
    }
}
