//! The gazetteer: every GeoNames place of 5,000+ people with all its alternate names, searchable by
//! folded name (case- and accent-insensitive). Imports resolve addresses without coordinates
//! through it; place search builds on the same index.

use std::cmp::Reverse;
use std::io::Read as _;

use super::geo::Coordinates;
use super::schedule::TimeZone;

/// `seed-data/places5000.tsv.gz`, compiled into the binary (GeoNames, CC BY 4.0).
const PLACES: &[u8] = include_bytes!("../../seed-data/places5000.tsv.gz");

/// One inhabited place.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// GeoNames id.
    pub geonameid: u32,
    /// Its name in GeoNames (the local name, in Latin letters).
    pub name: String,
    /// ISO 3166 alpha-2 country code, uppercase.
    pub country: String,
    /// GeoNames first-level division code (`CA` for California, `07` elsewhere).
    pub admin1_code: String,
    /// Where it is.
    pub coordinates: Coordinates,
    /// Inhabitants.
    pub population: u64,
    /// Its IANA zone, when GeoNames gives a valid one.
    pub time_zone: Option<TimeZone>,
}

/// A name a place goes by: folded, the place's index, as written.
type NameEntry = (Box<str>, u32, Box<str>);

/// Places and every name they go by, folded, sorted for exact and prefix look-ups.
#[derive(Debug, Default)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// (folded name, index into `places`, the name as written), sorted by folded name, then
    /// population descending.
    names: Vec<NameEntry>,
    /// The same for every word inside a name but its first (`york city` of `new york city`).
    words: Vec<NameEntry>,
}

/// A place search.
#[derive(Debug, Clone, Copy)]
pub struct PlaceQuery<'a> {
    /// What the person typed.
    pub q: &'a str,
    /// Only places in this country (ISO 3166 alpha-2, either case).
    pub country: Option<&'a str>,
    /// Places within [`NEAR_KM`] of this point come first in each tier.
    pub near: Option<Coordinates>,
    /// At most this many.
    pub limit: usize,
}

/// How close "near" is.
pub const NEAR_KM: f64 = 500.0;

/// A place a search found, with the name that matched (`Cologne` for Köln).
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The place.
    pub place: &'a Place,
    /// The name as written that matched.
    pub matched: &'a str,
}

/// Folds text for matching: transliterated to ASCII, lowercased, every run of other characters
/// one space, trimmed (`Köln` and `KÖLN` → `koln`; `São  Paulo!` → `sao paulo`).
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

impl Gazetteer {
    /// The gazetteer compiled into the binary.
    pub fn builtin() -> Result<Self, String> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(PLACES).read_to_string(&mut text).map_err(|e| format!("places: {e}"))?;
        Self::parse(&text)
    }

    /// Reads the tab-separated form: a header row, then `geonameid, name, latitude, longitude,
    /// country, admin1_code, population, time_zone, alternate_names` (joined with `|`).
    pub fn parse(tsv: &str) -> Result<Self, String> {
        let mut places = Vec::new();
        let mut names = Vec::new();
        let mut words = Vec::new();
        for (n, line) in tsv.lines().enumerate().skip(1) {
            let bad = |what: &str| format!("places line {}: bad {what}", n + 1);
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 8 {
                return Err(bad("column count"));
            }
            let number = |i: usize| cols[i].parse::<f64>().map_err(|_| bad("number"));
            let coordinates = Coordinates::new(number(2)?, number(3)?).map_err(|_| bad("coordinates"))?;
            let index = u32::try_from(places.len()).map_err(|_| bad("count"))?;
            let mut folded: Vec<(String, &str)> = std::iter::once(cols[1])
                .chain(cols.get(8).into_iter().flat_map(|a| a.split('|')))
                .map(|name| (fold(name), name))
                .filter(|(f, _)| !f.is_empty())
                .collect();
            // One entry per folded name (the first as written: the main name before alternates).
            folded.sort_by(|a, b| a.0.cmp(&b.0));
            folded.dedup_by(|a, b| a.0 == b.0);
            for (f, written) in folded {
                for (at, _) in f.match_indices(' ') {
                    words.push((f[at + 1..].into(), index, written.into()));
                }
                names.push((f.into_boxed_str(), index, written.into()));
            }
            places.push(Place {
                geonameid: cols[0].parse().map_err(|_| bad("geonameid"))?,
                name: cols[1].to_owned(),
                country: cols[4].to_ascii_uppercase(),
                admin1_code: cols[5].to_owned(),
                coordinates,
                population: cols[6].parse().map_err(|_| bad("population"))?,
                time_zone: cols[7].parse().ok(),
            });
        }
        let order = |a: &NameEntry, b: &NameEntry| {
            a.0.cmp(&b.0).then_with(|| places[b.1 as usize].population.cmp(&places[a.1 as usize].population))
        };
        names.sort_unstable_by(order);
        words.sort_unstable_by(order);
        Ok(Self { places, names, words })
    }

    /// How many places it holds.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Places one of whose names folds to exactly `folded`, most populous first.
    pub fn named(&self, folded: &str) -> impl Iterator<Item = &Place> {
        let start = self.names.partition_point(|(name, ..)| &**name < folded);
        self.names[start..]
            .iter()
            .take_while(move |(name, ..)| &**name == folded)
            .map(|(_, i, _)| &self.places[*i as usize])
    }

    /// Entries of `list` whose folded name starts with `prefix`.
    fn starting<'a, 'p>(list: &'a [NameEntry], prefix: &'p str) -> impl Iterator<Item = &'a NameEntry> + use<'a, 'p> {
        let start = list.partition_point(|(name, ..)| &**name < prefix);
        list[start..].iter().take_while(move |(name, ..)| name.starts_with(prefix))
    }

    /// Place search: (1) a name equal to the query, (2) a name starting with it, (3) a word inside a
    /// name starting with it; within a tier, places near the given point first, then by population,
    /// descending. Case, accents and punctuation are ignored.
    pub fn search(&self, query: &PlaceQuery<'_>) -> Vec<Found<'_>> {
        let folded = fold(query.q);
        let mut out: Vec<Found<'_>> = Vec::new();
        if folded.is_empty() || query.limit == 0 {
            return out;
        }
        // One flag per place: a place found in a tier is not found again in a later one.
        let mut seen = vec![false; self.places.len()];
        let exact = Self::starting(&self.names, &folded).take_while(|(name, ..)| **name == *folded);
        let prefix = Self::starting(&self.names, &folded).filter(|(name, ..)| **name != *folded);
        let word = Self::starting(&self.words, &folded);
        let tiers: [Box<dyn Iterator<Item = &NameEntry>>; 3] = [Box::new(exact), Box::new(prefix), Box::new(word)];
        for tier in tiers {
            let mut found: Vec<Found<'_>> = Vec::new();
            for (_, index, written) in tier {
                let place = &self.places[*index as usize];
                if query.country.is_some_and(|c| !place.country.eq_ignore_ascii_case(c)) || seen[*index as usize] {
                    continue;
                }
                seen[*index as usize] = true;
                found.push(Found { place, matched: written });
            }
            let far = |f: &Found<'_>| query.near.is_some_and(|at| at.distance_km(f.place.coordinates) > NEAR_KM);
            let key = |f: &Found<'_>| (far(f), Reverse(f.place.population), f.place.geonameid);
            // Only the first few of a large tier are wanted (a one-letter query matches thousands).
            let wanted = query.limit - out.len();
            if found.len() > wanted {
                found.select_nth_unstable_by_key(wanted - 1, key);
                found.truncate(wanted);
            }
            found.sort_by_key(key);
            out.extend(found);
            if out.len() >= query.limit {
                break;
            }
        }
        out
    }

    /// The place an address names: `city` matched by any of its names, only in `country` when
    /// given, preferring the first-level division `admin1` (a US state's postal code), then places
    /// in `zone` (the zone the address is expected in: Paris, Texas for a Texan office), then the
    /// most populous.
    pub fn resolve(
        &self,
        city: &str,
        admin1: Option<&str>,
        country: Option<&str>,
        zone: Option<TimeZone>,
    ) -> Option<&Place> {
        let folded = fold(city);
        if folded.is_empty() {
            return None;
        }
        self.named(&folded).filter(|p| country.is_none_or(|c| p.country.eq_ignore_ascii_case(c))).min_by_key(|p| {
            let other_state = admin1.is_none_or(|a| !p.admin1_code.eq_ignore_ascii_case(a));
            let other_zone = zone.is_some() && p.time_zone != zone;
            (other_state, other_zone, Reverse(p.population))
        })
    }
}

/// The built-in gazetteer, unpacked on first use (not at start-up) and kept.
#[derive(Debug, Default)]
pub struct LazyGazetteer(std::sync::OnceLock<Result<Gazetteer, String>>);

impl LazyGazetteer {
    /// The gazetteer; `None` only if the built-in data is broken.
    pub fn get(&self) -> Option<&Gazetteer> {
        self.0.get_or_init(Gazetteer::builtin).as_ref().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str =
        "geonameid\tname\tlatitude\tlongitude\tcountry\tadmin1_code\tpopulation\ttime_zone\talternate_names
2886242\tKöln\t50.93333\t6.95\tDE\t07\t963395\tEurope/Berlin\tCologne|Colonia|KÖLN|Кёльн
4164138\tSpringfield\t39.80172\t-89.64371\tUS\tIL\t116250\tAmerica/Chicago\t
4409896\tSpringfield\t37.21533\t-93.29824\tUS\tMO\t166810\tAmerica/Chicago\tSpringfild
";

    fn sample() -> Gazetteer {
        Gazetteer::parse(SAMPLE).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("Köln"), "koln");
        assert_eq!(fold("KÖLN"), "koln");
        assert_eq!(fold("  São  Paulo! "), "sao paulo");
        assert_eq!(fold("St.-Denis"), "st denis");
        assert_eq!(fold("¡¡!!"), "");
    }

    #[test]
    fn names_and_alternate_names_find_the_place() {
        let g = sample();
        for query in ["koln", "Köln", "KÖLN", "Cologne"] {
            assert_eq!(g.resolve(query, None, None, None).map(|p| p.geonameid), Some(2886242), "{query}");
        }
        assert!(g.resolve("Koeln am Rhein", None, None, None).is_none());
        assert_eq!(g.resolve("Cologne", None, Some("us"), None), None);
    }

    #[test]
    fn the_state_is_preferred_then_the_population() {
        let g = sample();
        assert_eq!(g.resolve("Springfield", None, Some("US"), None).map(|p| p.admin1_code.as_str()), Some("MO"));
        assert_eq!(g.resolve("springfield", Some("il"), Some("US"), None).map(|p| p.admin1_code.as_str()), Some("IL"));
        assert_eq!(g.resolve("Springfield", Some("ZZ"), None, None).map(|p| p.admin1_code.as_str()), Some("MO"));
        let paris = "geonameid\tname\tlatitude\tlongitude\tcountry\tadmin1_code\tpopulation\ttime_zone\talternate_names
2988507\tParis\t48.85341\t2.3488\tFR\t11\t2138551\tEurope/Paris\t
4717560\tParis\t33.66094\t-95.55551\tUS\tTX\t24782\tAmerica/Chicago\t
";
        let g2 = Gazetteer::parse(paris).unwrap_or_else(|e| panic!("{e}"));
        let chicago = "America/Chicago".parse().ok();
        assert_eq!(g2.resolve("Paris", None, None, None).map(|p| p.country.as_str()), Some("FR"));
        assert_eq!(g2.resolve("Paris", None, None, chicago).map(|p| p.country.as_str()), Some("US"));
        let zones: Vec<_> = g.named("springfield").map(|p| p.time_zone.map(TimeZone::name)).collect();
        assert_eq!(zones, [Some("America/Chicago"), Some("America/Chicago")]);
    }

    fn found(g: &Gazetteer, q: &str, country: Option<&str>, near: Option<(f64, f64)>) -> Vec<(String, String)> {
        let near = near.and_then(|(lat, lon)| Coordinates::new(lat, lon).ok());
        g.search(&PlaceQuery { q, country, near, limit: 5 })
            .into_iter()
            .map(|f| (f.place.name.clone(), f.matched.to_owned()))
            .collect()
    }

    #[test]
    fn search_goes_by_tier_then_nearness_then_population() {
        let g = sample();
        assert_eq!(found(&g, "Cologne", None, None), [("Köln".to_owned(), "Cologne".to_owned())]);
        let springfields = found(&g, "spring", None, None);
        assert_eq!(springfields.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Springfield", "Springfield"]);
        let near_illinois = g.search(&PlaceQuery {
            q: "springfield",
            country: Some("us"),
            near: Coordinates::new(41.88, -87.63).ok(),
            limit: 2,
        });
        assert_eq!(
            near_illinois.first().map(|f| f.place.admin1_code.as_str()),
            Some("IL"),
            "near first, then population"
        );
        assert!(found(&g, "springfield", Some("DE"), None).is_empty());
        assert!(found(&g, "  !! ", None, None).is_empty());
    }

    #[test]
    fn the_builtin_gazetteer_finds_what_people_type() {
        let g = Gazetteer::builtin().unwrap_or_else(|e| panic!("{e}"));
        let first = |q: &str| {
            g.search(&PlaceQuery { q, country: None, near: None, limit: 1 })
                .first()
                .map(|f| (f.place.geonameid, f.matched.to_owned()))
        };
        for q in ["koln", "Köln", "KÖLN", "Cologne"] {
            assert_eq!(first(q).map(|f| f.0), Some(2886242), "{q}");
        }
        assert_eq!(first("Cologne").map(|f| f.1).as_deref(), Some("Cologne"));
        assert_eq!(first("munchen").map(|f| f.0), first("München").map(|f| f.0));
        assert_eq!(first("munchen").map(|f| f.0), Some(2867714));
        assert_eq!(first("sao paulo").map(|f| f.0), Some(3448439));
        assert_eq!(first("new y").map(|f| f.0), Some(5128581));
        // A word inside a name: "york city" of "new york city".
        assert!(
            g.search(&PlaceQuery { q: "york c", country: Some("US"), near: None, limit: 10 })
                .iter()
                .any(|f| f.place.geonameid == 5128581)
        );
    }

    #[test]
    fn the_builtin_gazetteer_holds_every_place() {
        let g = Gazetteer::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g.len(), 69_472);
        let munich = g.resolve("München", None, None, None).map(|p| p.name.as_str());
        assert_eq!(munich, g.resolve("munich", None, None, None).map(|p| p.name.as_str()));
        assert_eq!(g.resolve("San Francisco", Some("CA"), Some("US"), None).map(|p| p.geonameid), Some(5391959));
    }
}
