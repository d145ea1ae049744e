//! `lantern::fuzzing::query_extractors` under libFuzzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lantern::fuzzing::query_extractors(data));
