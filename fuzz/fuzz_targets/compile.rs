//! Fuzz target: any bytes through load → analyze → plan → render → emit.
//! Every input must either compile or come back as diagnostics; none may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match ladder::compile("fuzz.yaml", data, "../ladder.yaml") {
        Ok(compilation) => {
            // Output is deterministic: a second compile gives the same bytes.
            let again = ladder::compile("fuzz.yaml", data, "../ladder.yaml").expect("compiled once");
            assert_eq!(compilation.files, again.files);
        }
        Err(diagnostics) => assert!(!diagnostics.is_empty()),
    }
});
