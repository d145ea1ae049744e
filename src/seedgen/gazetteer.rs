//! The GeoNames gazetteer subset kept in `seed-data/cities15000.csv` (CC BY 4.0).

/// A populated place.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    /// GeoNames id.
    pub geonameid: u64,
    /// Name as GeoNames gives it.
    pub name: String,
    /// Degrees north.
    pub lat: f64,
    /// Degrees east.
    pub lon: f64,
    /// ISO 3166 country code.
    pub cc: String,
    /// Population.
    pub population: u64,
    /// The IANA zone GeoNames gives the place.
    pub tz: String,
}

/// Splits one CSV line; fields with commas are double-quoted (no escaped quotes occur).
fn fields(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix(',').unwrap_or(rest);
            if rest.is_empty() {
                return out;
            }
        } else {
            match rest.split_once(',') {
                Some((field, tail)) => {
                    out.push(field);
                    rest = tail;
                }
                None => {
                    out.push(rest);
                    return out;
                }
            }
        }
    }
}

/// Parses `geonameid,name,lat,lon,cc,population,tz` with a header line.
pub fn parse(text: &str) -> Result<Vec<City>, String> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let bad = |what: &str| format!("line {}: bad {what}: {line}", i + 2);
            let f = fields(line);
            let [id, name, lat, lon, cc, population, tz] = f.as_slice() else { return Err(bad("field count")) };
            Ok(City {
                geonameid: id.parse().map_err(|_| bad("id"))?,
                name: (*name).to_owned(),
                lat: lat.parse().map_err(|_| bad("latitude"))?,
                lon: lon.parse().map_err(|_| bad("longitude"))?,
                cc: (*cc).to_owned(),
                population: population.parse().map_err(|_| bad("population"))?,
                tz: (*tz).to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_rows_and_rejects_broken_ones() {
        let text = "geonameid,name,lat,lon,cc,population,tz\n2078025,Adelaide,-34.92866,138.59863,AU,1469163,Australia/Adelaide\n";
        let cities = super::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cities[0].name, "Adelaide");
        assert_eq!(cities[0].population, 1_469_163);
        assert!(super::parse("h\n1,x,notanumber,0,AU,1,UTC\n").is_err());
        assert!(super::parse("h\n1,x,0,0\n").is_err());
        let quoted = super::parse("h\n1,\"Mianzhu, Deyang\",31.3,104.2,CN,510000,Asia/Shanghai\n");
        assert_eq!(quoted.map(|c| c[0].name.clone()), Ok("Mianzhu, Deyang".to_owned()));
    }
}
