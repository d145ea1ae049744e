//! `lantern::fuzzing::ical_encoder` under libFuzzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lantern::fuzzing::ical_encoder(data));
