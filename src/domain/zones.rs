//! Time zone from coordinates, offline: the timezone-boundary-builder polygons embedded by `tzf-rs`.

use tzf_rs::DefaultFinder;

use super::geo::Coordinates;
use super::schedule::TimeZone;

/// Finds the IANA zone of a point. Loading takes about 80 ms: build one and share it.
pub struct ZoneFinder(DefaultFinder);

impl ZoneFinder {
    /// Loads the embedded boundaries.
    pub fn new() -> Self {
        Self(DefaultFinder::new())
    }

    /// The zone at a point, or `None` where the data names none chrono-tz knows.
    pub fn zone_at(&self, point: Coordinates) -> Option<TimeZone> {
        self.0.get_tz_name(point.longitude(), point.latitude()).parse().ok()
    }
}

impl Default for ZoneFinder {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_on_either_side_of_a_border_get_their_own_zone() {
        let finder = ZoneFinder::new();
        let zone = |lat, lon| {
            let point = Coordinates::new(lat, lon).unwrap_or_else(|e| panic!("{e}"));
            finder.zone_at(point).map(TimeZone::name)
        };
        assert_eq!(zone(22.2793, 114.1628), Some("Asia/Hong_Kong"));
        assert_eq!(zone(22.5431, 114.0579), Some("Asia/Shanghai"));
        assert_eq!(zone(27.7172, 85.3240), Some("Asia/Kathmandu"));
        assert_eq!(zone(-34.9285, 138.6007), Some("Australia/Adelaide"));
    }
}
