//! Postal addresses written as one line (`1 Main St, Springfield, IL 62701, USA`) read back into
//! their parts, as well as a line can be read: for feeds that want the parts (BMLT) and imports
//! that look the city up.

use super::places::fold;

/// The parts of an address line; each absent when the line does not say it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressParts {
    /// Street and number (`1 Main St`).
    pub street: Option<String>,
    /// Town or city.
    pub city: Option<String>,
    /// State or province code (`IL`).
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country as written.
    pub country: Option<String>,
}

/// Reads `…, City, ST 12345, Country` from the end: the country when the last part names one, a
/// state code of two or three capitals (with the postal code after it), the city before them, and
/// what precedes as the street.
pub fn split(line: &str) -> AddressParts {
    let mut parts: Vec<&str> = line.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let mut out = AddressParts::default();
    if parts.len() > 1 && parts.last().is_some_and(|p| country_code(p).is_some()) {
        out.country = parts.pop().map(str::to_owned);
    }
    if parts.len() > 1
        && let Some(last) = parts.last()
    {
        let mut words = last.split_whitespace();
        let first = words.next().unwrap_or_default();
        if (2..=3).contains(&first.len()) && first.chars().all(|c| c.is_ascii_uppercase()) {
            out.state = Some(first.to_owned());
            let rest: Vec<&str> = words.collect();
            out.postal_code = (!rest.is_empty()).then(|| rest.join(" "));
            parts.pop();
        }
    }
    out.city = parts.pop().map(str::to_owned);
    out.street = (!parts.is_empty()).then(|| parts.join(", "));
    out
}

/// ISO 3166 alpha-2 code for a country as feeds write it (`USA`, `United States`, `CA`).
pub fn country_code(country: &str) -> Option<String> {
    let folded = fold(country);
    let code = match folded.as_str() {
        "usa" | "us" | "u s a" | "u s" | "united states" | "united states of america" => "US",
        "canada" => "CA",
        "mexico" => "MX",
        "uk" | "united kingdom" | "great britain" | "england" | "scotland" | "wales" => "GB",
        "ireland" => "IE",
        "australia" => "AU",
        "new zealand" => "NZ",
        "germany" | "deutschland" => "DE",
        "france" => "FR",
        "spain" | "espana" => "ES",
        "brazil" | "brasil" => "BR",
        s if s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase()) => return Some(s.to_ascii_uppercase()),
        _ => return None,
    };
    Some(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        street: Option<&str>,
        city: &str,
        state: Option<&str>,
        postal: Option<&str>,
        country: Option<&str>,
    ) -> AddressParts {
        AddressParts {
            street: street.map(str::to_owned),
            city: Some(city.to_owned()),
            state: state.map(str::to_owned),
            postal_code: postal.map(str::to_owned),
            country: country.map(str::to_owned),
        }
    }

    #[test]
    fn lines_split_from_the_end() {
        assert_eq!(
            split("123 Main St, Anytown, OK 12345, USA"),
            parts(Some("123 Main St"), "Anytown", Some("OK"), Some("12345"), Some("USA"))
        );
        assert_eq!(split("Anytown, OK 12345, USA"), parts(None, "Anytown", Some("OK"), Some("12345"), Some("USA")));
        assert_eq!(
            split("Hall, 5 Rue X, Paris, France"),
            parts(Some("Hall, 5 Rue X"), "Paris", None, None, Some("France"))
        );
        assert_eq!(split("San Francisco"), parts(None, "San Francisco", None, None, None));
        assert_eq!(split(""), AddressParts::default());
    }

    #[test]
    fn countries_become_iso_codes() {
        assert_eq!(country_code("USA").as_deref(), Some("US"));
        assert_eq!(country_code("United States").as_deref(), Some("US"));
        assert_eq!(country_code("ca").as_deref(), Some("CA"));
        assert_eq!(country_code("Atlantis"), None);
    }
}
