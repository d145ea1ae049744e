//! `lantern::fuzzing::meeting_guide_import` under libFuzzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lantern::fuzzing::meeting_guide_import(data));
