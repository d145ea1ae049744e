//! `/v1/places`: place search over the GeoNames places of 5,000+ people compiled into the binary
//! (no third-party geocoder), for embeds and consoles that ask "where?".

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, ToSchema};

use super::extract::auth::blocking;
use super::extract::cache::{DIRECTORY_MAX_AGE, cached_json};
use super::extract::params::{Latitude, Longitude, PlaceLimit, plain_decimal};
use super::extract::problem::{ApiError, Problem};
use super::extract::query::{FromQuery, Query, QueryReader};
use crate::domain::geo::Coordinates;
use crate::domain::places::{Found, PlaceQuery};
use crate::service::Lantern;
use crate::service::error::{FieldErrors, ServiceError};

/// What was typed: 1–100 characters after trimming.
#[derive(Debug, Clone, Default)]
pub struct PlaceText(pub String);

impl std::str::FromStr for PlaceText {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let text = s.trim();
        match text.chars().count() {
            1..=100 => Ok(Self(text.to_owned())),
            n => Err(format!("must have 1 to 100 characters after trimming, has {n}")),
        }
    }
}

impl utoipa::PartialSchema for PlaceText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(100)).into()
    }
}

impl ToSchema for PlaceText {}

/// An ISO 3166 alpha-2 country code, either case.
#[derive(Debug, Clone)]
pub struct Country(pub String);

impl std::str::FromStr for Country {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(format!("`{s}` is not a two-letter country code"))
        }
    }
}

impl utoipa::PartialSchema for Country {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[A-Za-z]{2}$")).into()
    }
}

impl ToSchema for Country {}

/// `lat,lon` in degrees.
#[derive(Debug, Clone, Copy)]
pub struct Near(pub Coordinates);

impl std::str::FromStr for Near {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not `latitude,longitude`, two plain decimals in range");
        match s.split(',').map(plain_decimal).collect::<Vec<_>>().as_slice() {
            [Some(lat), Some(lon)] => Coordinates::new(*lat, *lon).map(Self).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

impl utoipa::PartialSchema for Near {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?,-?(0|[1-9][0-9]*)(\.[0-9]+)?$"))
            .examples([serde_json::json!("50.94,6.96")])
            .into()
    }
}

impl ToSchema for Near {}

/// A place search.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// What was typed: matched, ignoring case and accents, against every name a place goes by.
    #[param(inline)]
    pub q: PlaceText,
    /// At most this many, 1–50 (default 10).
    #[param(inline, required = false)]
    pub limit: PlaceLimit,
    /// Only places in this country (ISO 3166 alpha-2, either case).
    #[param(inline, required = false)]
    pub country: Option<Country>,
    /// `lat,lon`: places within 500 km of it come first inside each tier.
    #[param(inline, required = false)]
    pub near: Option<Near>,
}

impl FromQuery for PlacesQuery {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self {
            q: q.required("q"),
            limit: q.or_default("limit"),
            country: q.optional("country"),
            near: q.optional("near"),
        }
    }
}

/// A place found.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceResponse {
    /// GeoNames id.
    pub geonameid: u32,
    /// Its name in GeoNames.
    pub name: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// GeoNames first-level division code.
    pub admin1_code: String,
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Inhabitants.
    pub population: u64,
    /// IANA zone, when GeoNames gives one.
    pub time_zone: Option<String>,
    /// The name that matched, as written (`Cologne` for Köln).
    pub matched: String,
}

impl From<Found<'_>> for PlaceResponse {
    fn from(f: Found<'_>) -> Self {
        let p = f.place;
        Self {
            geonameid: p.geonameid,
            name: p.name.clone(),
            country: p.country.clone(),
            admin1_code: p.admin1_code.clone(),
            latitude: p.coordinates.latitude(),
            longitude: p.coordinates.longitude(),
            population: p.population,
            time_zone: p.time_zone.map(|z| z.name().to_owned()),
            matched: f.matched.to_owned(),
        }
    }
}

/// One page of places.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceListResponse {
    /// Best first.
    pub results: Vec<PlaceResponse>,
    /// Always `null`: one page.
    pub next_cursor: Option<String>,
}

/// Place search without a third-party geocoder: GeoNames places of 5,000+ people (CC BY 4.0) with
/// every alternate name. Tiers: a name equal to `q`, then a name starting with it, then a word inside
/// a name starting with it; within a tier, places near `near` first, then by population.
#[utoipa::path(
    tag = "catalog",
    params(PlacesQuery),
    responses(
        (status = 200, body = PlaceListResponse),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
    )
)]
#[get("/places")]
pub async fn search_places(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<PlacesQuery>,
) -> Result<HttpResponse, ApiError> {
    let PlacesQuery { q, limit, country, near } = query.0;
    let results = blocking(&lantern, move |l| {
        let query = PlaceQuery {
            q: &q.0,
            country: country.as_ref().map(|c| c.0.as_str()),
            near: near.map(|n| n.0),
            limit: limit.get() as usize,
        };
        let gazetteer =
            l.places().ok_or_else(|| ServiceError::Task("the built-in place data could not be read".into()))?;
        Ok(gazetteer.search(&query).into_iter().map(PlaceResponse::from).collect::<Vec<_>>())
    })
    .await?;
    cached_json(&req, &PlaceListResponse { results, next_cursor: None }, DIRECTORY_MAX_AGE)
}

/// The point whose time zone is asked.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeZoneQuery {
    /// Latitude of the point.
    #[param(inline)]
    pub lat: Latitude,
    /// Longitude of the point.
    #[param(inline)]
    pub lon: Longitude,
}

impl FromQuery for TimeZoneQuery {
    fn from_query(q: &mut QueryReader<'_>) -> Self {
        Self { lat: q.required("lat"), lon: q.required("lon") }
    }
}

/// The time zone at a point.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeZoneResponse {
    /// The latitude asked about.
    pub latitude: f64,
    /// The longitude asked about.
    pub longitude: f64,
    /// The IANA zone there, the one a meeting at this point is given when it names none
    /// (`schedule.time_zone_derived`); `null` where the boundary data names no zone (the open sea):
    /// such a meeting takes its service body's zone unless it names one.
    pub time_zone: Option<String>,
}

/// The time zone Lantern derives for a point, offline (timezone-boundary-builder polygons), so
/// that a publisher sees before saving which zone a meeting without `schedule.time_zone` gets.
#[utoipa::path(
    tag = "catalog",
    params(TimeZoneQuery),
    responses(
        (status = 200, body = TimeZoneResponse),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad parameters, each named"),
    )
)]
#[get("/time-zone")]
pub async fn time_zone_at(
    req: HttpRequest,
    lantern: web::Data<Lantern>,
    query: Query<TimeZoneQuery>,
) -> Result<HttpResponse, ApiError> {
    let (latitude, longitude) = (query.0.lat.get(), query.0.lon.get());
    // Both are in range already (the parameters' types say so); a point is then always made.
    let point = Coordinates::new(latitude, longitude).map_err(|e| ApiError::BadRequest {
        detail: e.0.clone(),
        errors: FieldErrors::from([("lat".to_owned(), vec![e.0])]),
    })?;
    let time_zone = blocking(&lantern, move |l| Ok(l.zones().zone_at(point).map(|z| z.name().to_owned()))).await?;
    cached_json(&req, &TimeZoneResponse { latitude, longitude, time_zone }, DIRECTORY_MAX_AGE)
}
