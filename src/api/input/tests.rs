//! How `Fields`, `array` and `object` name the problems they find, however deep.

use serde_json::json;

use super::*;

fn fields(body: Value) -> Fields {
    let map = match body {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Fields::new(JsonObject(map))
}

/// The problems a finished read refused with, as `(name, code)` sorted by name; none when it
/// was not refused for its input.
fn refused<V: Present>(fields: Fields, values: V) -> Vec<(String, String)> {
    let mut named: Vec<_> = match fields.finish(values) {
        Err(ApiError::InvalidInput(params)) => {
            params.into_iter().map(|p| (p.name, p.code)).collect()
        }
        _ => Vec::new(),
    };
    named.sort();
    named
}

fn named(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, code)| ((*name).to_owned(), (*code).to_owned()))
        .collect()
}

fn small(value: i64) -> Result<i64, Rejection> {
    if (0..=5).contains(&value) {
        Ok(value)
    } else {
        Err(Rejection::new("out_of_range", "must be from 0 to 5"))
    }
}

fn word(value: &str) -> Result<String, Rejection> {
    if value.is_empty() {
        Err(Rejection::new("empty", "must not be empty"))
    } else {
        Ok(value.to_owned())
    }
}

fn scored(value: &Value) -> Result<(String, i64), Problems> {
    object(|scored| {
        (
            scored.required("name", string(word)),
            scored.required("score", integer(small)),
        )
    })(value)
}

#[test]
fn every_bad_element_of_an_array_is_named_by_its_index() {
    let mut body = fields(json!({"ids": ["a", 1, "b", "", true]}));
    let ids = body.required("ids", array(string(word)));
    assert_eq!(ids, None);
    assert_eq!(
        refused(body, ()),
        named(&[
            ("ids[1]", "wrong_type"),
            ("ids[3]", "empty"),
            ("ids[4]", "wrong_type")
        ])
    );
}

#[test]
fn an_array_itself_keeps_the_member_name() {
    let mut body = fields(json!({"ids": "a", "also": null}));
    body.required("ids", array(string(word)));
    body.required("also", array(string(word)));
    assert_eq!(
        refused(body, ()),
        named(&[("also", "required"), ("ids", "wrong_type")])
    );
}

#[test]
fn a_valid_array_is_read_without_duplicates() {
    let mut body = fields(json!({"ids": ["a", "b", "a"]}));
    let ids = body.required("ids", array(string(word)));
    assert_eq!(
        body.finish(ids).ok(),
        Some(vec!["a".to_owned(), "b".to_owned()])
    );
}

#[test]
fn members_of_objects_in_an_array_are_named_by_index_and_member() {
    let mut body = fields(json!({"effects": [
        {"name": "a", "score": 1},
        {"name": "", "score": 7},
        {"name": "c"},
        {"name": "d", "score": "high", "extra": 1},
        "e",
        {"name": "f", "score": 2}
    ]}));
    let effects = body.required("effects", array(scored));
    assert_eq!(effects, None);
    assert_eq!(
        refused(body, ()),
        named(&[
            ("effects[1].name", "empty"),
            ("effects[1].score", "out_of_range"),
            ("effects[2].score", "required"),
            ("effects[3].extra", "unknown_field"),
            ("effects[3].score", "wrong_type"),
            ("effects[4]", "wrong_type"),
        ])
    );
}

#[test]
fn members_of_a_nested_object_are_named_by_their_path() {
    let mut body = fields(json!({
        "reporter": {"name": "", "email": 3, "fax": "1"},
        "sustainability": {"score": "high"},
        "title": ""
    }));
    let reporter = body.nested("reporter", |inner| {
        (
            inner.optional("name", string(word)),
            inner.optional("email", string(word)),
        )
    });
    assert!(matches!(reporter, Field::Value(_)));
    body.optional(
        "sustainability",
        object(|inner| inner.required("score", integer(small))),
    );
    body.required("title", string(word));
    assert_eq!(
        refused(body, ()),
        named(&[
            ("reporter.email", "wrong_type"),
            ("reporter.fax", "unknown_field"),
            ("reporter.name", "empty"),
            ("sustainability.score", "wrong_type"),
            ("title", "empty"),
        ])
    );
}

#[test]
fn paths_compose_through_objects_and_arrays_at_any_depth() {
    let mut body = fields(json!({"plan": {"parts": [{"ids": ["a", ""]}, {"ids": 1}]}}));
    body.required(
        "plan",
        object(|plan| {
            plan.required(
                "parts",
                array(object(|part| part.required("ids", array(string(word))))),
            )
        }),
    );
    assert_eq!(
        refused(body, ()),
        named(&[
            ("plan.parts[0].ids[1]", "empty"),
            ("plan.parts[1].ids", "wrong_type")
        ])
    );
}

#[test]
fn a_valid_nested_object_is_read_whole() {
    let mut body =
        fields(json!({"effects": [{"name": "a", "score": 1}], "one": {"name": "b", "score": 5}}));
    let effects = body.required("effects", array(scored));
    let one = body.not_null("one", scored);
    assert_eq!(
        body.finish((effects, one)).ok(),
        Some((vec![("a".to_owned(), 1)], ("b".to_owned(), 5)))
    );
}

#[test]
fn a_nested_object_must_be_an_object() {
    let mut body = fields(json!({"one": [1], "two": "x"}));
    body.not_null("one", scored);
    body.nested("two", |inner| inner.optional("name", string(word)));
    assert_eq!(
        refused(body, ()),
        named(&[("one", "wrong_type"), ("two", "wrong_type")])
    );
}

#[test]
fn problems_nest_below_a_place() {
    let mut inner = Problems::default();
    inner.push("", Rejection::new("a", "a"));
    inner.push(".score", Rejection::new("b", "b"));
    let mut outer = Problems::default();
    outer.nest("[2]", inner);
    outer.nest(".name", Rejection::new("c", "c"));
    let places: Vec<(&str, &str)> = outer.iter().map(|(p, r)| (p, r.code)).collect();
    assert_eq!(places, [("[2]", "a"), ("[2].score", "b"), (".name", "c")]);
}
