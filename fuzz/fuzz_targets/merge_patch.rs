//! `lantern::fuzzing::merge_patch` under libFuzzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lantern::fuzzing::merge_patch(data));
