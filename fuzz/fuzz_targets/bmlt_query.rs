//! `lantern::fuzzing::bmlt_query` under libFuzzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lantern::fuzzing::bmlt_query(data));
