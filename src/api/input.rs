//! Reading input at the edge: JSON bodies and query strings are read member by member, every
//! problem is collected, and the request is refused once with all of them (400
//! `invalid_input`). Unknown body members and unknown query keys are problems too.

use std::collections::BTreeSet;
use std::future::{Ready, ready};
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::domain::Rejection;
use crate::error::{ApiError, InvalidParam};

/// The request body limit in bytes, as configured (`WIJKREGIE_BODY_LIMIT`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// How long a request body may take to arrive (`WIJKREGIE_BODY_TIMEOUT_SECONDS`): a client
/// that sends headers and then stalls holds a worker and delays shutdown no longer than this.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Reads a whole request body: 413 beyond `limit` (at once when `Content-Length` says so), 408
/// when it has not all arrived within `timeout`.
pub async fn read_body(
    payload: &mut Payload,
    declared_length: Option<usize>,
    limit: usize,
    timeout: Duration,
) -> Result<web::Bytes, ApiError> {
    if declared_length.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let reading = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::invalid("body", "unreadable", e.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    actix_web::rt::time::timeout(timeout, reading)
        .await
        .map_err(|_| ApiError::BodyTimeout {
            seconds: timeout.as_secs(),
        })?
}

/// A request body that is a JSON object. Refuses other media types (415), bodies over the limit
/// (413), malformed JSON and non-objects (400).
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest for JsonObject {
    type Error = ApiError;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0);
        let timeout = req
            .app_data::<BodyTimeout>()
            .map_or(Duration::from_secs(30), |t| t.0);
        let media_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            match media_type.as_deref() {
                Some("application/json" | "application/merge-patch+json") => {}
                Some(other) => {
                    return Err(ApiError::UnsupportedMediaType(format!(
                        "Send the body as application/json, not {other}."
                    )));
                }
                None => {
                    return Err(ApiError::UnsupportedMediaType(
                        "Send the body as application/json (Content-Type header missing)."
                            .to_owned(),
                    ));
                }
            }
            let body = read_body(&mut payload, declared_length, limit, timeout).await?;
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => Ok(JsonObject(map)),
                Ok(_) => Err(ApiError::invalid(
                    "body",
                    "not_an_object",
                    "must be a JSON object",
                )),
                Err(e) => Err(ApiError::invalid(
                    "body",
                    "invalid_json",
                    format!("is not valid JSON: {e}"),
                )),
            }
        })
    }
}

/// A member that may be absent, explicitly `null`, or a value (merge-patch semantics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<T> {
    Absent,
    Null,
    Value(T),
}

impl<T> Field<T> {
    /// Absent and null both as `None` (for creation, where null means "not given").
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        }
    }

    /// For a nullable column in a patch: `None` leaves it, `Some(None)` clears it.
    pub fn into_patch(self) -> Option<Option<T>> {
        match self {
            Self::Absent => None,
            Self::Null => Some(None),
            Self::Value(v) => Some(Some(v)),
        }
    }
}

/// The problems found in one JSON value, each named by its place below that value: `""` for
/// the value itself, `[2]` for an element of an array, `.email` for a member of an object, and
/// so on as deep as the value nests (`[5].score`). A reader that nests values returns these, so
/// the member that holds the value reports every problem inside it at its own name
/// (`effects[5].score`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<(String, Rejection)>);

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A problem at `place` below the value (`""` for the value itself).
    pub fn push(&mut self, place: impl Into<String>, rejection: Rejection) {
        self.0.push((place.into(), rejection));
    }

    /// The problems of a value that sits at `place` below this one, named from here.
    pub fn nest(&mut self, place: &str, inner: impl Into<Problems>) {
        self.0.extend(
            inner
                .into()
                .0
                .into_iter()
                .map(|(below, rejection)| (format!("{place}{below}"), rejection)),
        );
    }

    /// Each problem with its place, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Rejection)> {
        self.0
            .iter()
            .map(|(place, rejection)| (place.as_str(), rejection))
    }

    fn into_invalid_params(self) -> Vec<InvalidParam> {
        self.0
            .into_iter()
            .map(|(name, rejection)| InvalidParam::new(name, rejection.code, rejection.reason))
            .collect()
    }
}

impl From<Rejection> for Problems {
    fn from(rejection: Rejection) -> Self {
        Self(vec![(String::new(), rejection)])
    }
}

/// Reads the members of a JSON object one by one, collecting every problem. Reading a member
/// takes a parser that refuses the value with a [`Rejection`] (a problem with the member
/// itself) or with [`Problems`] (problems inside it, as [`array`] and [`object`] report them),
/// so nested values are named by their place: `effects[5].score`, `reporter.email`.
pub struct Fields {
    map: Map<String, Value>,
    /// Put before a member's key to name it: `""` for a body, `"."` inside an object.
    prefix: &'static str,
    problems: Problems,
}

impl Fields {
    pub fn new(body: JsonObject) -> Self {
        Self {
            map: body.0,
            prefix: "",
            problems: Problems::default(),
        }
    }

    /// The members of an object nested in another value, named `.key` below it.
    fn inside(map: Map<String, Value>) -> Self {
        Self {
            map,
            prefix: ".",
            problems: Problems::default(),
        }
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// A member that must be present and not null.
    pub fn required<T, E: Into<Problems>>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Option<T> {
        match self.map.remove(key) {
            None => {
                self.reject(key, Rejection::new("required", "is required"));
                None
            }
            Some(Value::Null) => {
                self.reject(key, Rejection::new("required", "must not be null"));
                None
            }
            Some(value) => self.check(key, parse(&value)),
        }
    }

    /// A member that may be absent or null.
    pub fn optional<T, E: Into<Problems>>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Field<T> {
        match self.map.remove(key) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(value) => self
                .check(key, parse(&value))
                .map_or(Field::Absent, Field::Value),
        }
    }

    /// A member that may be absent but, when present, must not be null (a patch of a required
    /// property).
    pub fn not_null<T, E: Into<Problems>>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Option<T> {
        match self.map.remove(key) {
            None => None,
            Some(Value::Null) => {
                self.reject(key, Rejection::new("required", "must not be null"));
                None
            }
            Some(value) => self.check(key, parse(&value)),
        }
    }

    /// A member that is a JSON object, read by `read` with its own [`Fields`]; its problems are
    /// named `key.member` and reported with the rest. What `read` returns is kept even when a
    /// member had a problem (the request is refused anyway); see [`object`] for a parser that
    /// gives the values only when all are valid.
    pub fn nested<T>(&mut self, key: &str, read: impl FnOnce(&mut Fields) -> T) -> Field<T> {
        match self.map.remove(key) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(Value::Object(map)) => {
                let (value, problems) = read_object(map, read);
                self.problems.nest(&self.name(key), problems);
                Field::Value(value)
            }
            Some(_) => {
                self.reject(key, not_an_object());
                Field::Absent
            }
        }
    }

    fn reject_unknown(&mut self) {
        let unknown: Vec<String> = self.map.keys().cloned().collect();
        for key in unknown {
            self.reject(
                &key,
                Rejection::new("unknown_field", "is not a member of this resource"),
            );
        }
        self.map.clear();
    }

    /// Records a problem found by a check that spans members (or needs the database).
    pub fn reject(&mut self, key: &str, rejection: Rejection) {
        self.problems.push(self.name(key), rejection);
    }

    fn check<T, E: Into<Problems>>(&mut self, key: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problems) => {
                self.problems.nest(&self.name(key), problems);
                None
            }
        }
    }

    /// Ends reading: members nobody asked for are problems; any problem refuses the request.
    /// `values` are the members read, returned unwrapped when everything was valid.
    pub fn finish<V: Present>(mut self, values: V) -> Result<V::Output, ApiError> {
        self.reject_unknown();
        if !self.problems.is_empty() {
            return Err(ApiError::InvalidInput(self.problems.into_invalid_params()));
        }
        values.present().ok_or_else(|| {
            ApiError::Internal("a required member was missing without a problem".to_owned())
        })
    }
}

fn not_an_object() -> Rejection {
    Rejection::new("wrong_type", "must be an object")
}

/// Reads a nested object with `read`; unknown members are problems. The problems are named
/// `.member`, below the object.
fn read_object<T>(map: Map<String, Value>, read: impl FnOnce(&mut Fields) -> T) -> (T, Problems) {
    let mut inner = Fields::inside(map);
    let value = read(&mut inner);
    inner.reject_unknown();
    (value, inner.problems)
}

/// Values read by [`Fields`]: required ones (`Option<T>`) unwrap to `T` once all are present.
pub trait Present {
    type Output;
    fn present(self) -> Option<Self::Output>;
}

impl<T> Present for Option<T> {
    type Output = T;
    fn present(self) -> Option<T> {
        self
    }
}

impl<T> Present for Field<T> {
    type Output = Field<T>;
    fn present(self) -> Option<Field<T>> {
        Some(self)
    }
}

impl Present for () {
    type Output = ();
    fn present(self) -> Option<()> {
        Some(())
    }
}

macro_rules! present_tuple {
    ($($name:ident),+) => {
        impl<$($name: Present),+> Present for ($($name,)+) {
            type Output = ($($name::Output,)+);
            #[allow(non_snake_case)]
            fn present(self) -> Option<Self::Output> {
                let ($($name,)+) = self;
                Some(($($name.present()?,)+))
            }
        }
    };
}
present_tuple!(A);
present_tuple!(A, B);
present_tuple!(A, B, C);
present_tuple!(A, B, C, D);
present_tuple!(A, B, C, D, E);
present_tuple!(A, B, C, D, E, F);
present_tuple!(A, B, C, D, E, F, G);
present_tuple!(A, B, C, D, E, F, G, H);

/// Whether a body must carry the members a resource cannot be without: all of them when it
/// creates the resource ([`Create`]), any of them when it patches one ([`Patch`]). A body reader
/// generic over it states each rule once and gives the create handler plain values and the
/// update handler `Option`s, both through [`Fields::finish`].
pub trait Presence {
    /// What reading such a member gives, to be handed to [`Fields::finish`].
    type Member<T>: Present<Output = Self::Given<T>>;
    /// What [`Fields::finish`] makes of it: `T` on create, `Option<T>` in a patch.
    type Given<T>;

    /// Reads such a member: on create it must be present and not null; in a patch it may be
    /// absent but not null.
    fn member<T, E: Into<Problems>>(
        fields: &mut Fields,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Self::Member<T>;

    /// What a new resource must have and a patch may leave out is not there: `rejection` is a
    /// problem on create, nothing in a patch.
    fn absent(fields: &mut Fields, key: &str, rejection: Rejection);

    /// A value that follows from other members (`None` when they were absent or refused, which
    /// on create has been reported).
    fn derived<T>(value: Option<T>) -> Self::Member<T>;

    /// The value read, if any, for checks across members.
    fn peek<T>(member: &Self::Member<T>) -> Option<&T>;
}

/// A body that creates a resource: every required member is present.
#[derive(Debug)]
pub enum Create {}

/// A merge patch: required members may be left out (kept as they are) but not cleared.
#[derive(Debug)]
pub enum Patch {}

/// A member of a patch read by [`Patch::member`]: `None` when it was left out.
#[derive(Debug)]
pub struct Patched<T>(Option<T>);

impl<T> Present for Patched<T> {
    type Output = Option<T>;
    fn present(self) -> Option<Option<T>> {
        Some(self.0)
    }
}

impl Presence for Create {
    type Member<T> = Option<T>;
    type Given<T> = T;

    fn member<T, E: Into<Problems>>(
        fields: &mut Fields,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Option<T> {
        fields.required(key, parse)
    }

    fn absent(fields: &mut Fields, key: &str, rejection: Rejection) {
        fields.reject(key, rejection);
    }

    fn derived<T>(value: Option<T>) -> Option<T> {
        value
    }

    fn peek<T>(member: &Option<T>) -> Option<&T> {
        member.as_ref()
    }
}

impl Presence for Patch {
    type Member<T> = Patched<T>;
    type Given<T> = Option<T>;

    fn member<T, E: Into<Problems>>(
        fields: &mut Fields,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Patched<T> {
        Patched(fields.not_null(key, parse))
    }

    fn absent(_: &mut Fields, _: &str, _: Rejection) {}

    fn derived<T>(value: Option<T>) -> Patched<T> {
        Patched(value)
    }

    fn peek<T>(member: &Patched<T>) -> Option<&T> {
        member.0.as_ref()
    }
}

/// A JSON string, checked by `rule`.
pub fn string<T>(
    rule: impl Fn(&str) -> Result<T, Rejection>,
) -> impl Fn(&Value) -> Result<T, Rejection> {
    move |value| match value {
        Value::String(text) => rule(text),
        _ => Err(Rejection::new("wrong_type", "must be a string")),
    }
}

/// A JSON whole number, checked by `rule`.
pub fn integer<T>(
    rule: impl Fn(i64) -> Result<T, Rejection>,
) -> impl Fn(&Value) -> Result<T, Rejection> {
    move |value| {
        // JSON Schema counts 2.0 as an integer, so a client may send it that way.
        let whole = value.as_i64().or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        });
        match whole {
            Some(number) => rule(number),
            None => Err(Rejection::new("wrong_type", "must be a whole number")),
        }
    }
}

/// A JSON array whose every element passes `rule`; duplicates are removed, order kept. Every
/// element's problems are reported, each named by the element's place (`[1]`, `[5].score`).
pub fn array<T: PartialEq, E: Into<Problems>>(
    rule: impl Fn(&Value) -> Result<T, E>,
) -> impl Fn(&Value) -> Result<Vec<T>, Problems> {
    move |value| {
        let Value::Array(items) = value else {
            return Err(Rejection::new("wrong_type", "must be an array").into());
        };
        let mut parsed = Vec::with_capacity(items.len());
        let mut problems = Problems::default();
        for (index, item) in items.iter().enumerate() {
            match rule(item) {
                Ok(item) => {
                    if !parsed.contains(&item) {
                        parsed.push(item);
                    }
                }
                Err(rejected) => problems.nest(&format!("[{index}]"), rejected),
            }
        }
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(problems)
        }
    }
}

/// A JSON object read member by member by `read` with its own [`Fields`], as [`Fields::finish`]
/// reads a body: unknown members are problems, every problem is reported, each named by the
/// member's place (`.email`, `.effects[2]`). `read` returns the members read (as given to
/// [`Fields::finish`]), and they are returned unwrapped when everything was valid.
pub fn object<V: Present>(
    read: impl Fn(&mut Fields) -> V,
) -> impl Fn(&Value) -> Result<V::Output, Problems> {
    move |value| {
        let Value::Object(map) = value else {
            return Err(not_an_object().into());
        };
        let (values, problems) = read_object(map.clone(), &read);
        if !problems.is_empty() {
            return Err(problems);
        }
        // A reader that gives no value has reported why; should one not, the object is still
        // refused rather than read with a member missing.
        values
            .present()
            .ok_or_else(|| Rejection::new("incomplete", "could not be read completely").into())
    }
}

/// A JSON number.
pub fn number(value: &Value) -> Result<f64, Rejection> {
    value
        .as_f64()
        .filter(|n| n.is_finite())
        .ok_or_else(|| Rejection::new("wrong_type", "must be a number"))
}

/// A JSON boolean.
pub fn boolean(value: &Value) -> Result<bool, Rejection> {
    value
        .as_bool()
        .ok_or_else(|| Rejection::new("wrong_type", "must be true or false"))
}

/// The query string, read key by key. Unknown keys are problems.
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    known: BTreeSet<&'static str>,
    problems: Vec<InvalidParam>,
}

impl FromRequest for QueryParams {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
                .map(|pairs| {
                    // A control character never reaches a validator or the database.
                    let (pairs, refused): (Vec<_>, Vec<_>) = pairs
                        .into_iter()
                        .partition(|(k, v)| !k.chars().chain(v.chars()).any(char::is_control));
                    Self {
                        pairs,
                        known: BTreeSet::new(),
                        problems: refused
                            .into_iter()
                            .map(|(key, _)| {
                                let name: String =
                                    key.chars().filter(|c| !c.is_control()).collect();
                                InvalidParam::new(
                                    name,
                                    "control_characters",
                                    "must not hold control characters",
                                )
                            })
                            .collect(),
                    }
                })
                .map_err(|e| ApiError::invalid("query", "malformed_query", e.to_string())),
        )
    }
}

impl QueryParams {
    /// A key that may appear at most once.
    pub fn single<T>(
        &mut self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, Rejection>,
    ) -> Option<T> {
        self.known.insert(key);
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone());
        let first = values.next()?;
        if values.next().is_some() {
            self.problems
                .push(InvalidParam::new(key, "repeated", "may be given only once"));
            return None;
        }
        match parse(&first) {
            Ok(value) => Some(value),
            Err(rejection) => {
                self.problems
                    .push(InvalidParam::new(key, rejection.code, rejection.reason));
                None
            }
        }
    }

    /// A key that may be repeated (`?status=a&status=b`).
    pub fn many<T>(
        &mut self,
        key: &'static str,
        parse: impl Fn(&str) -> Result<T, Rejection>,
    ) -> Vec<T> {
        self.known.insert(key);
        let mut parsed = Vec::new();
        for (_, value) in self.pairs.iter().filter(|(k, _)| k == key) {
            match parse(value) {
                Ok(v) => parsed.push(v),
                Err(rejection) => {
                    self.problems
                        .push(InvalidParam::new(key, rejection.code, rejection.reason))
                }
            }
        }
        parsed
    }

    /// A problem with a key's value found after reading it (a rule across keys).
    pub fn reject(&mut self, key: &'static str, rejection: Rejection) {
        self.problems
            .push(InvalidParam::new(key, rejection.code, rejection.reason));
    }

    /// Ends reading: unknown keys are problems; any problem refuses the request.
    pub fn finish(self) -> Result<(), ApiError> {
        let mut problems = self.problems;
        let mut unknown: Vec<&str> = self
            .pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !self.known.contains(k))
            .collect();
        unknown.dedup();
        for key in unknown {
            problems.push(InvalidParam::new(
                key,
                "unknown_parameter",
                "is not a query parameter of this operation",
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidInput(problems))
        }
    }
}

/// Query text that identifies a reference record (for filters such as `districtId`).
pub fn slug_param(value: &str) -> Result<String, Rejection> {
    crate::domain::reference::slug(value)
}

/// `true` or `false`.
pub fn bool_param(value: &str) -> Result<bool, Rejection> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Rejection::new("wrong_type", "must be true or false")),
    }
}

/// Text of at most `max` characters that may span lines (`domain::multiline_text`).
pub fn text(max: usize) -> impl Fn(&str) -> Result<String, Rejection> {
    move |value| crate::domain::multiline_text(value, max)
}

/// An opaque id in a body member or query key (`domain::opaque_id`).
pub fn id_param(value: &str) -> Result<String, Rejection> {
    crate::domain::opaque_id(value)
}

#[cfg(test)]
mod tests;
