//! Checking a document as JSON Resume never panics, and an accepted
//! document's typed view serialises back to the same JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(resume) = model::resume::validate(&value) {
        let typed = serde_json::to_value(&resume).expect("typed resume serialises");
        // Nulls in typed fields are dropped by the typed view; compare the rest.
        if !contains_null(&value) {
            assert_eq!(typed, value);
        }
    }
});

fn contains_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().any(contains_null),
        Value::Object(m) => m.values().any(contains_null),
        _ => false,
    }
}
