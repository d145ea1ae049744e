//! Lantern: a meeting-finder API for 12-step fellowships that answers "nearest meeting starting soon".
//!
//! Layers, with dependencies pointing inward: `http` → `service` → (`storage` →) `domain`.

pub mod domain;
