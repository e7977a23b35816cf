//! The specification's examples, and a lossless round trip through this crate's types.
#![allow(dead_code)]

use serde_json::Value;

/// `examples/<file>` of the shared ACP specification, beside the repository.
pub fn examples(file: &str) -> Value {
    let path = format!(
        "{}/../../shared/acp-2026-04-17/examples/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the ACP spec is beside the repo"))
        .expect("examples are JSON")
}

/// Parses `value` as `T` and checks nothing is lost or added when it is written back.
pub fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
    key: &str,
    value: &Value,
) -> T {
    assert!(!value.is_null(), "example {key} exists");
    let parsed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{key}: {e}"));
    assert_eq!(
        &serde_json::to_value(&parsed).expect("serialises"),
        value,
        "{key}"
    );
    parsed
}
