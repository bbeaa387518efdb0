//! How a token's claims name the caller's role and scope (DESIGN §12). Without a claim map,
//! wijkregie's own claims apply (`role` plus `district`, `department` or `partner`). With
//! `WIJKREGIE_CLAIMS_MAP_FILE`, the identity provider's claims are read instead: one claim (a
//! string, or an array such as Entra ID app roles or Keycloak groups) whose values map to a
//! role and its scope, a partner named by its id or by its `kvkNumber`.
//!
//! ```toml
//! role_claim = "roles"
//!
//! [roles]
//! "wijkregie.programmabureau" = { role = "programmabureau" }
//! "wijkregie.vakdienst.ocw" = { role = "vakdienst", department = "ocw" }
//! "wijkregie.partner.41150013" = { role = "partner", kvkNumber = "41150013" }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::jwt::TokenRejected;
use crate::domain::partners::kvk_number;
use crate::domain::principal::{Role, RoleKind};

/// The role a token maps to; a partner named by its KvK number is looked up afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappedRole {
    Resolved(Role),
    KvkNumber(String),
}

/// The claim map, checked when it is read.
#[derive(Debug, Clone)]
pub struct ClaimMap {
    role_claim: String,
    values: BTreeMap<String, MappedRole>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    role_claim: String,
    roles: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    role: String,
    district: Option<String>,
    department: Option<String>,
    partner: Option<String>,
    #[serde(rename = "kvkNumber")]
    kvk_number: Option<String>,
}

impl ClaimMap {
    /// Reads and checks the file; every problem in it is reported at once.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the claim map {}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|problems| {
            format!(
                "the claim map {} is not valid:\n  - {}",
                path.display(),
                problems.join("\n  - ")
            )
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, Vec<String>> {
        let file: MapFile = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut problems = Vec::new();
        if file.role_claim.trim().is_empty() {
            problems.push("role_claim is empty".to_owned());
        }
        if file.roles.is_empty() {
            problems.push("[roles] maps no value to a role".to_owned());
        }
        let mut values = BTreeMap::new();
        for (value, entry) in file.roles {
            match entry.mapped() {
                Ok(mapped) => {
                    values.insert(value, mapped);
                }
                Err(problem) => problems.push(format!("roles.\"{value}\": {problem}")),
            }
        }
        if problems.is_empty() {
            Ok(Self {
                role_claim: file.role_claim,
                values,
            })
        } else {
            Err(problems)
        }
    }

    /// The one role the token's role claim maps to. Values the map does not name are passed
    /// over (a group claim holds many); none, or two different roles, is a refusal.
    pub fn role_of(&self, claims: &Map<String, Value>) -> Result<MappedRole, TokenRejected> {
        let claim = &self.role_claim;
        let values: Vec<&str> = match claims.get(claim) {
            Some(Value::String(value)) => vec![value.as_str()],
            Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut mapped: Vec<&MappedRole> = values
            .into_iter()
            .filter_map(|value| self.values.get(value))
            .collect();
        mapped.dedup();
        match mapped.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(TokenRejected(format!(
                "None of the token's '{claim}' values maps to a wijkregie role."
            ))),
            _ => Err(TokenRejected(format!(
                "The token's '{claim}' values map to more than one wijkregie role."
            ))),
        }
    }
}

impl Entry {
    fn mapped(self) -> Result<MappedRole, String> {
        let kind = RoleKind::parse(&self.role).ok_or_else(|| {
            format!(
                "role '{}' is not one of {}",
                self.role,
                RoleKind::ALL.map(RoleKind::as_str).join(", ")
            )
        })?;
        let given: Vec<(&str, String)> = [
            ("district", self.district),
            ("department", self.department),
            ("partner", self.partner),
            ("kvkNumber", self.kvk_number),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v.trim().to_owned())))
        .collect();
        let needs = kind.scope_claim();
        match (needs, given.as_slice()) {
            (None, []) => Role::with_scope(kind, None)
                .map(MappedRole::Resolved)
                .ok_or_else(|| format!("role '{}' cannot be built", kind.as_str())),
            (Some("partner"), [("kvkNumber", kvk)]) => kvk_number(kvk)
                .map(MappedRole::KvkNumber)
                .map_err(|_| format!("kvkNumber '{kvk}' is not 8 digits")),
            (Some(needed), [(key, scope)]) if needed == *key && !scope.is_empty() => {
                Role::with_scope(kind, Some(scope.clone()))
                    .map(MappedRole::Resolved)
                    .ok_or_else(|| format!("role '{}' cannot be built", kind.as_str()))
            }
            (None, _) => Err(format!("role '{}' takes no scope", kind.as_str())),
            (Some("partner"), _) => {
                Err("role 'partner' needs exactly one of partner or kvkNumber".to_owned())
            }
            (Some(needed), _) => Err(format!(
                "role '{}' needs exactly its {needed}",
                kind.as_str()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MAP: &str = r#"
        role_claim = "roles"
        [roles]
        "wijkregie.programmabureau" = { role = "programmabureau" }
        "wijkregie.vakdienst.ocw" = { role = "vakdienst", department = "ocw" }
        "wijkregie.partner.41150013" = { role = "partner", kvkNumber = "41150013" }
        "Administrators" = { role = "admin" }
    "#;

    fn claims(value: Value) -> Map<String, Value> {
        json!({ "roles": value })
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_value_in_a_string_or_an_array_maps_to_its_role_and_scope() {
        let map = ClaimMap::from_toml(MAP).unwrap_or_else(|p| unreachable!("{p:?}"));
        assert_eq!(
            map.role_of(&claims(json!([
                "offline_access",
                "wijkregie.vakdienst.ocw"
            ]))),
            Ok(MappedRole::Resolved(Role::Vakdienst {
                department_id: "ocw".into()
            }))
        );
        assert_eq!(
            map.role_of(&claims(json!("wijkregie.partner.41150013"))),
            Ok(MappedRole::KvkNumber("41150013".into()))
        );
        assert!(map.role_of(&claims(json!(["unmapped"]))).is_err());
        assert!(map.role_of(&claims(json!(42))).is_err());
        let two = claims(json!(["Administrators", "wijkregie.programmabureau"]));
        assert!(map.role_of(&two).is_err(), "two roles are ambiguous");
    }

    #[test]
    fn every_problem_of_a_bad_map_is_reported() {
        let problems = ClaimMap::from_toml(
            r#"
            role_claim = "groups"
            [roles]
            "a" = { role = "burgemeester" }
            "b" = { role = "stadsdeel" }
            "c" = { role = "admin", district = "escamp" }
            "d" = { role = "partner", kvkNumber = "123" }
            "e" = { role = "partner", partner = "x", kvkNumber = "41150013" }
            "f" = { role = "vakdienst", district = "escamp" }
            "#,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(problems[0].contains("roles.\"a\"") && problems[0].contains("burgemeester"));
        let unknown_key = ClaimMap::from_toml("role_claim = \"r\"\nrole_claims = 1\n[roles]\n");
        assert!(unknown_key.is_err_and(|p| p[0].contains("role_claims")));
    }
}
