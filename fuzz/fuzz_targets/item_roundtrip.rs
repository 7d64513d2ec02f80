//! Any JSON value that converts to a DynamoDB attribute converts back to the
//! same value, digit for digit, and nothing panics on the way.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(attribute) = model::item::to_attribute(&value, "v") {
        let back = model::item::from_attribute(&attribute);
        assert_eq!(back, value, "JSON -> attribute -> JSON changed the value");
    }
    if let Ok(item) = model::item::value_to_item(&value, "Item") {
        assert_eq!(Value::Object(model::item::from_item(&item)), value);
    }
});
