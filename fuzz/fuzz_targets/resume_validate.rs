//! Checking any bytes as a JSON Resume document never panics, and the text
//! and value checks agree on whether a document is accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = model::resume::parse(text);
    let _ = model::pointer::offsets(text);
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        assert_eq!(parsed.is_ok(), model::resume::validate(&value).is_ok());
    }
});
