//! WGS84 coordinates, great-circle distance and bounding boxes that may cross the antimeridian.

use serde::{Deserialize, Serialize};

use super::ids::InvalidValue;

/// The IUGG mean Earth radius in kilometres; every distance Lantern reports uses it.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the Earth in WGS84 degrees, finite and in range (the default is 0°, 0°).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "RawCoordinates")]
pub struct Coordinates {
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize)]
struct RawCoordinates {
    latitude: f64,
    longitude: f64,
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = InvalidValue;
    fn try_from(raw: RawCoordinates) -> Result<Self, Self::Error> {
        Self::new(raw.latitude, raw.longitude)
    }
}

impl Coordinates {
    /// Checks ranges: latitude −90…90, longitude −180…180, both finite.
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, InvalidValue> {
        check_latitude(latitude)?;
        check_longitude(longitude)?;
        Ok(Self { latitude, longitude })
    }

    /// Degrees north.
    pub fn latitude(self) -> f64 {
        self.latitude
    }

    /// Degrees east.
    pub fn longitude(self) -> f64 {
        self.longitude
    }

    /// Haversine great-circle distance in kilometres (geo's, on the IUGG mean radius).
    pub fn distance_km(self, other: Coordinates) -> f64 {
        use geo::Distance as _;
        geo::Haversine.distance(self.point(), other.point()) / 1000.0
    }

    /// The point as geo sees it (x = longitude, y = latitude).
    pub fn point(self) -> geo::Point {
        geo::Point::new(self.longitude, self.latitude)
    }

    /// A Z-order (Morton) key: latitude and longitude, 32 bits each, interleaved. Points near each
    /// other mostly get keys near each other, so sorting by it lays nearby records out together.
    pub fn z_order(self) -> u64 {
        let quantize = |v: f64, range: f64| ((v + range) / (2.0 * range) * f64::from(u32::MAX)) as u64;
        let spread = |mut x: u64| {
            x &= 0xffff_ffff;
            x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
            x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
            x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
            x = (x | (x << 2)) & 0x3333_3333_3333_3333;
            (x | (x << 1)) & 0x5555_5555_5555_5555
        };
        spread(quantize(self.latitude, 90.0)) << 1 | spread(quantize(self.longitude, 180.0))
    }

    /// The point on the unit sphere in 3-D: chord distance there is monotone in great-circle distance.
    pub fn unit_vector(self) -> [f64; 3] {
        let (lat, lon) = (self.latitude.to_radians(), self.longitude.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

/// Validates a latitude in degrees.
pub fn check_latitude(latitude: f64) -> Result<f64, InvalidValue> {
    if latitude.is_finite() && (-90.0..=90.0).contains(&latitude) {
        Ok(latitude)
    } else {
        Err(InvalidValue(format!("latitude must be a number from -90 to 90, got {latitude}")))
    }
}

/// Validates a longitude in degrees.
pub fn check_longitude(longitude: f64) -> Result<f64, InvalidValue> {
    if longitude.is_finite() && (-180.0..=180.0).contains(&longitude) {
        Ok(longitude)
    } else {
        Err(InvalidValue(format!("longitude must be a number from -180 to 180, got {longitude}")))
    }
}

/// A longitude/latitude box; `min_lon > max_lon` means it crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
}

impl BoundingBox {
    /// Validates each edge; a south edge north of the north edge is an error.
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self, InvalidValue> {
        check_longitude(min_lon)?;
        check_longitude(max_lon)?;
        check_latitude(min_lat)?;
        check_latitude(max_lat)?;
        if min_lat > max_lat {
            return Err(InvalidValue(format!("min_lat {min_lat} is north of max_lat {max_lat}")));
        }
        Ok(Self { min_lon, min_lat, max_lon, max_lat })
    }

    /// True when the point lies inside or on the edge of the box.
    pub fn contains(&self, point: Coordinates) -> bool {
        let (lat, lon) = (point.latitude(), point.longitude());
        let lat_ok = self.min_lat <= lat && lat <= self.max_lat;
        let lon_ok = if self.min_lon <= self.max_lon {
            self.min_lon <= lon && lon <= self.max_lon
        } else {
            lon >= self.min_lon || lon <= self.max_lon
        };
        lat_ok && lon_ok
    }
}

/// The squared chord on the unit sphere of a great-circle distance, the R-tree's own metric.
pub fn chord_squared(distance_km: f64) -> f64 {
    let half_angle = (distance_km.clamp(0.0, std::f64::consts::PI * EARTH_RADIUS_KM) / EARTH_RADIUS_KM) / 2.0;
    let chord = 2.0 * half_angle.sin();
    chord * chord
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn z_order_keys_follow_each_axis_and_keep_neighbours_together() {
        // Along one axis, with the other fixed, keys rise with the coordinate.
        let lats: Vec<u64> = [-90.0, -45.0, 0.0, 40.7, 90.0].map(|lat| at(lat, -74.0).z_order()).to_vec();
        assert!(lats.windows(2).all(|w| w[0] < w[1]), "{lats:?}");
        let lons: Vec<u64> = [-180.0, -74.0, 0.0, 13.4, 180.0].map(|lon| at(40.7, lon).z_order()).to_vec();
        assert!(lons.windows(2).all(|w| w[0] < w[1]), "{lons:?}");
        // Two streets of New York share more leading bits than New York and Newark's antipode.
        let (a, b, far) =
            (at(40.7128, -74.0060).z_order(), at(40.7306, -73.9866).z_order(), at(-40.7, 106.0).z_order());
        assert!((a ^ b).leading_zeros() > 20 && (a ^ far).leading_zeros() < 2, "{a:x} {b:x} {far:x}");
        assert_eq!(at(-90.0, -180.0).z_order(), 0);
        assert_eq!(at(90.0, 180.0).z_order(), u64::MAX);
    }

    #[test]
    fn coordinates_reject_out_of_range_and_non_finite() {
        assert!(Coordinates::new(90.5, 0.0).is_err());
        assert!(Coordinates::new(0.0, -180.1).is_err());
        assert!(Coordinates::new(f64::NAN, 0.0).is_err());
        assert!(Coordinates::new(0.0, f64::INFINITY).is_err());
    }

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of arc on the mean sphere is 2πR/360.
        let one_degree = 2.0 * std::f64::consts::PI * EARTH_RADIUS_KM / 360.0;
        assert!((at(0.0, 0.0).distance_km(at(0.0, 1.0)) - one_degree).abs() < 1e-9);
        // Across the antimeridian the short way round.
        assert!((at(0.0, 179.5).distance_km(at(0.0, -179.5)) - one_degree).abs() < 1e-9);
        // Pole to pole is half the circumference.
        let half = std::f64::consts::PI * EARTH_RADIUS_KM;
        assert!((at(90.0, 0.0).distance_km(at(-90.0, 0.0)) - half).abs() < 1e-6);
    }

    #[test]
    fn chords_agree_with_unit_vectors() {
        let (a, b) = (at(-43.95, -176.55), at(-18.14, 178.42));
        let (u, v) = (a.unit_vector(), b.unit_vector());
        let direct: f64 = u.iter().zip(v).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((direct - chord_squared(a.distance_km(b))).abs() < 1e-12);
        assert!((chord_squared(1e9) - 4.0).abs() < 1e-12, "beyond the antipode clamps to the diameter");
    }

    #[test]
    fn boxes_cross_the_antimeridian_when_min_lon_exceeds_max_lon() {
        let fiji = BoundingBox::new(170.0, -25.0, -170.0, -10.0).unwrap_or_else(|e| panic!("{e}"));
        assert!(fiji.contains(at(-18.1, 178.4)));
        assert!(fiji.contains(at(-15.0, -175.0)));
        assert!(!fiji.contains(at(-18.0, 0.0)));
        assert!(BoundingBox::new(0.0, 10.0, 1.0, 5.0).is_err());
    }
}
