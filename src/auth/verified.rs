//! Tokens verified in the last minute. A caller sends the same bearer token with every request
//! (a departmental system's client-credentials token, a front end's session), and checking its
//! signature and parsing its claims was a fifth of a single GET's instructions
//! (benches/README.md); a token seen again within a minute is answered from here instead.
//!
//! What stays as strict as a full check: an entry ends at the token's own `exp` (after which the
//! full check, with its leeway, decides), after at most a minute, and as soon as the identity
//! provider's key set has been replaced (an entry holds the set it was verified against). A
//! principal that depends on the database (a partner found by its KvK number, which may have
//! been deactivated or renumbered) is never remembered. A remembered partner token is still
//! refused the moment its partner is archived: `TokenVerifier::honoured` asks the database on
//! every request, so no instance needs telling. The memory is bounded: a full table is emptied.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::keys::KeyMap;
use crate::domain::principal::Principal;

/// How long a verified token is taken on trust, at most.
pub const REMEMBERED_SECONDS: i64 = 60;
/// Tokens remembered at once; one more empties the table.
const CAPACITY: usize = 10_000;

/// The key set a token was verified against: `None` for a single configured key, which never
/// changes; otherwise the identity provider's set as it was then.
pub type KeySet = Option<Arc<KeyMap>>;

struct Entry {
    principal: Principal,
    /// Unix seconds; the entry is used while `now < until`.
    until: i64,
    keys: KeySet,
}

/// The verified tokens, by their exact text.
#[derive(Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<String, Entry>>,
}

impl VerifiedTokens {
    /// The principal of `token` if it was verified against the current `keys` and its entry has
    /// not ended at `now`.
    pub fn get(&self, token: &str, keys: &KeySet, now: i64) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(token)?;
        let same_keys = match (&entry.keys, keys) {
            (None, None) => true,
            (Some(then), Some(current)) => Arc::ptr_eq(then, current),
            _ => false,
        };
        (same_keys && now < entry.until).then(|| entry.principal.clone())
    }

    /// Remembers that `token`, which expires at `exp`, was verified against `keys` at `now`.
    pub fn remember(&self, token: &str, principal: &Principal, exp: i64, keys: KeySet, now: i64) {
        let until = exp.min(now.saturating_add(REMEMBERED_SECONDS));
        if until <= now {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.retain(|_, entry| now < entry.until);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            token.to_owned(),
            Entry {
                principal: principal.clone(),
                until,
                keys,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::principal::Role;

    fn bureau() -> Principal {
        Principal {
            subject: "pb-1".to_owned(),
            name: None,
            client_id: None,
            role: Role::Programmabureau,
        }
    }

    #[test]
    fn a_remembered_token_is_answered_until_its_exp_or_a_minute() {
        let tokens = VerifiedTokens::default();
        tokens.remember("a", &bureau(), 930, None, 900);
        assert_eq!(tokens.get("a", &None, 929), Some(bureau()));
        assert_eq!(tokens.get("a", &None, 930), None, "not past its exp");
        tokens.remember("b", &bureau(), 10_000, None, 900);
        assert_eq!(tokens.get("b", &None, 959), Some(bureau()));
        assert_eq!(tokens.get("b", &None, 960), None, "not past a minute");
        assert_eq!(tokens.get("c", &None, 900), None);
    }

    #[test]
    fn a_replaced_key_set_ends_every_entry_verified_against_the_old_one() {
        let tokens = VerifiedTokens::default();
        let old: KeySet = Some(Arc::new(KeyMap::new()));
        tokens.remember("a", &bureau(), 10_000, old.clone(), 900);
        assert_eq!(tokens.get("a", &old, 901), Some(bureau()));
        let new: KeySet = Some(Arc::new(KeyMap::new()));
        assert_eq!(tokens.get("a", &new, 901), None);
        assert_eq!(tokens.get("a", &None, 901), None);
    }

    #[test]
    fn an_expired_token_is_not_remembered_and_a_full_table_is_emptied() {
        let tokens = VerifiedTokens::default();
        tokens.remember("old", &bureau(), 900, None, 900);
        assert_eq!(tokens.get("old", &None, 899), None);
        for i in 0..CAPACITY {
            tokens.remember(&format!("t{i}"), &bureau(), 10_000, None, 900);
        }
        tokens.remember("last", &bureau(), 10_000, None, 900);
        assert_eq!(tokens.get("last", &None, 901), Some(bureau()));
        assert_eq!(
            tokens.get("t0", &None, 901),
            None,
            "the full table was emptied"
        );
    }
}
