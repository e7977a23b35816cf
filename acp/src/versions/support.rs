//! What every adapter shares: the error type, RFC 9535 paths, and typed reads of loose JSON.

use serde_json::{Map, Value};

use super::Version;

/// Why a body could not be adapted. Every variant names the offending input by its RFC 9535
/// JSONPath in the body that was given (`$.items[0].quantity`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdaptError {
    /// The value at `path` has the wrong JSON type.
    #[error("{path}: expected {expected}")]
    WrongType {
        /// Where, as a JSONPath.
        path: String,
        /// What was expected there, e.g. `an object`.
        expected: &'static str,
    },
    /// A member the conversion needs is absent at `path`.
    #[error("{path}: required but absent")]
    Missing {
        /// Where, as a JSONPath.
        path: String,
    },
    /// The value at `path` is of the right type but cannot be read (a fractional quantity, an
    /// unknown enum value, an amount that does not add up).
    #[error("{path}: {reason}")]
    Invalid {
        /// Where, as a JSONPath.
        path: String,
        /// Why, for a developer.
        reason: String,
    },
    /// The value at `path` means something the target version has no way to say, and leaving it
    /// out would change what is bought, paid or delivered (an order note going to a version
    /// without `order_notes`, a pickup option going to one without pickup).
    #[error("{path}: cannot be expressed in ACP {version}: {reason}")]
    Inexpressible {
        /// Where, as a JSONPath.
        path: String,
        /// The version that cannot say it.
        version: Version,
        /// Why, for a developer.
        reason: String,
    },
}

impl AdaptError {
    /// The JSONPath of the offending input.
    pub fn path(&self) -> &str {
        match self {
            Self::WrongType { path, .. }
            | Self::Missing { path }
            | Self::Invalid { path, .. }
            | Self::Inexpressible { path, .. } => path,
        }
    }

    pub(super) fn invalid(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(super) fn inexpressible(
        path: impl Into<String>,
        version: Version,
        reason: impl Into<String>,
    ) -> Self {
        Self::Inexpressible {
            path: path.into(),
            version,
            reason: reason.into(),
        }
    }
}

/// A JSON object.
pub(super) type Obj = Map<String, Value>;

/// `path` followed by the member `name`: `.name` for a plain identifier, else `['na me']`.
pub(crate) fn member(path: &str, name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{name}")
    } else {
        let escaped = name.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{path}['{escaped}']")
    }
}

/// `path` followed by the array index `i`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Removes every `null` member and array element, recursively: absent and `null` mean the same.
pub(super) fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(strip_nulls);
        }
        _ => {}
    }
}

/// `value` as an object, or [`AdaptError::WrongType`] at `path`.
pub(super) fn into_object(value: Value, path: &str) -> Result<Obj, AdaptError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(AdaptError::WrongType {
            path: path.to_owned(),
            expected: "an object",
        }),
    }
}

/// `value` as a mutable object, or [`AdaptError::WrongType`] at `path`.
pub(super) fn as_object<'a>(value: &'a mut Value, path: &str) -> Result<&'a mut Obj, AdaptError> {
    value.as_object_mut().ok_or_else(|| AdaptError::WrongType {
        path: path.to_owned(),
        expected: "an object",
    })
}

/// Removes `key` from `obj` and returns it as an object, if present.
pub(super) fn take_object(obj: &mut Obj, key: &str, path: &str) -> Result<Option<Obj>, AdaptError> {
    obj.remove(key)
        .map(|v| into_object(v, &member(path, key)))
        .transpose()
}

/// Removes `key` from `obj` and returns it as an array, if present.
pub(super) fn take_array(
    obj: &mut Obj,
    key: &str,
    path: &str,
) -> Result<Option<Vec<Value>>, AdaptError> {
    match obj.remove(key) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(AdaptError::WrongType {
            path: member(path, key),
            expected: "an array",
        }),
    }
}

/// The mutable array at `key`, if present.
pub(super) fn array_mut<'a>(
    obj: &'a mut Obj,
    key: &str,
    path: &str,
) -> Result<Option<&'a mut Vec<Value>>, AdaptError> {
    match obj.get_mut(key) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(AdaptError::WrongType {
            path: member(path, key),
            expected: "an array",
        }),
    }
}

/// The string at `key`, if it is one.
pub(super) fn str_at<'a>(obj: &'a Obj, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// The string at `key`, required.
pub(super) fn required_str(obj: &Obj, key: &str, path: &str) -> Result<String, AdaptError> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(AdaptError::WrongType {
            path: member(path, key),
            expected: "a string",
        }),
        None => Err(AdaptError::Missing {
            path: member(path, key),
        }),
    }
}

/// An integer amount (`3.0` reads as `3`; `2.5` does not).
pub(super) fn integer(value: &Value, path: &str) -> Result<i64, AdaptError> {
    if let Some(n) = value.as_i64() {
        return Ok(n);
    }
    match value.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        Some(f) => Err(AdaptError::invalid(
            path,
            format!("{f} is not a whole number"),
        )),
        None => Err(AdaptError::WrongType {
            path: path.to_owned(),
            expected: "an integer",
        }),
    }
}

/// The integer at `key`, if present.
pub(super) fn integer_at(obj: &Obj, key: &str, path: &str) -> Result<Option<i64>, AdaptError> {
    obj.get(key)
        .map(|v| integer(v, &member(path, key)))
        .transpose()
}

/// A `Total`: `{"type", "display_text", "amount"}`.
pub(super) fn total(kind: &str, display_text: &str, amount: i64) -> Value {
    let mut t = Obj::new();
    t.insert("type".into(), kind.into());
    t.insert("display_text".into(), display_text.into());
    t.insert("amount".into(), amount.into());
    Value::Object(t)
}

/// The amount of the first total of type `kind` in a `totals` array.
pub(super) fn amount_of(totals: &[Value], kind: &str) -> Option<i64> {
    totals
        .iter()
        .filter_map(Value::as_object)
        .find(|t| str_at(t, "type") == Some(kind))
        .and_then(|t| t.get("amount"))
        .and_then(Value::as_i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_follow_rfc_9535() {
        assert_eq!(index(&member("$", "line_items"), 0), "$.line_items[0]");
        assert_eq!(member("$", "3ds"), "$['3ds']");
        assert_eq!(member("$", "it's"), "$['it\\'s']");
    }

    #[test]
    fn nulls_are_absent() {
        let mut v = json!({"a": null, "b": [null, {"c": null, "d": 1}]});
        strip_nulls(&mut v);
        assert_eq!(v, json!({"b": [{"d": 1}]}));
    }

    #[test]
    fn integers_accept_whole_floats_only() {
        assert_eq!(integer(&json!(3.0), "$"), Ok(3));
        assert!(
            matches!(integer(&json!(2.5), "$.q"), Err(AdaptError::Invalid { path, .. }) if path == "$.q")
        );
        assert!(matches!(
            integer(&json!("3"), "$"),
            Err(AdaptError::WrongType { .. })
        ));
    }
}
