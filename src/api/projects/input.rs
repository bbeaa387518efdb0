//! Reading a project body (create and merge patch): every member checked, neighbourhoods and
//! the initiating partner checked against the database, every problem reported at once.

use crate::api::input::{
    Create, Field, Fields, JsonObject, Patch, Presence, array, id_param, slug_param, string, text,
};
use crate::db::{Db, partners as partner_repo, reference as reference_repo};
use crate::domain::projects as rules;
use crate::domain::{Rejection, bounded_text};
use crate::error::ApiError;

fn title(value: &str) -> Result<String, Rejection> {
    bounded_text(value, 200)
}

/// The members of a project body, checked against the database (neighbourhoods, partner). On
/// create ([`NewProject`]) title, neighbourhoods and the district they lie in are plain values;
/// in a patch ([`ProjectPatch`]) each may be left out.
pub(super) struct ProjectInput<P: Presence> {
    pub(super) title: P::Given<String>,
    pub(super) summary: Field<String>,
    pub(super) neighbourhood_ids: P::Given<Vec<String>>,
    pub(super) district_id: P::Given<String>,
    pub(super) initiator: Field<String>,
    pub(super) initiator_partner_id: Field<String>,
    pub(super) project_leader: Field<String>,
    pub(super) start_date: Field<String>,
    pub(super) end_date: Field<String>,
    pub(super) claimed_effects: Option<Vec<String>>,
    pub(super) sustainability_plan: Field<String>,
}

/// A body that creates a project.
pub(super) type NewProject = ProjectInput<Create>;
/// A merge patch of a project.
pub(super) type ProjectPatch = ProjectInput<Patch>;

pub(super) async fn read_project_body<P: Presence>(
    db: &Db,
    body: JsonObject,
) -> Result<ProjectInput<P>, ApiError> {
    let mut fields = Fields::new(body);
    let title = P::member(&mut fields, "title", string(title));
    let neighbourhood_ids = P::member(&mut fields, "neighbourhoodIds", array(string(slug_param)));
    let summary = fields.optional("summary", string(text(5000)));
    let initiator = fields.optional("initiator", string(text(200)));
    let initiator_partner_id = fields.optional("initiatorPartnerId", string(id_param));
    let project_leader = fields.optional("projectLeader", string(text(200)));
    let start_date = fields.optional("startDate", string(rules::date));
    let end_date = fields.optional("endDate", string(rules::date));
    let claimed_effects = fields.not_null("claimedEffects", array(string(rules::effect)));
    let sustainability_plan = fields.optional("sustainabilityPlan", string(text(5000)));
    if let (Field::Value(start), Field::Value(end)) = (&start_date, &end_date) {
        if end < start {
            fields.reject(
                "endDate",
                Rejection::new("before_start", "must not be before startDate"),
            );
        }
    }
    let mut district_id = None;
    if let Some(ids) = P::peek(&neighbourhood_ids) {
        if ids.is_empty() {
            fields.reject(
                "neighbourhoodIds",
                Rejection::new("empty", "must name at least one neighbourhood"),
            );
        } else {
            let lookup = ids.clone();
            let known = db
                .read(move |conn| reference_repo::districts_of_neighbourhoods(conn, &lookup))
                .await?;
            if let Some(missing) = ids.iter().find(|id| !known.contains_key(*id)) {
                fields.reject(
                    "neighbourhoodIds",
                    Rejection::new(
                        "unknown_reference",
                        format!("'{missing}' is not an existing neighbourhood"),
                    ),
                );
            } else {
                let mut districts: Vec<&String> = known.values().collect();
                districts.sort();
                districts.dedup();
                if districts.len() > 1 {
                    fields.reject(
                        "neighbourhoodIds",
                        Rejection::new("several_districts", "must all lie in one district"),
                    );
                }
                district_id = districts.first().map(|d| (*d).clone());
            }
        }
    }
    if let Field::Value(partner_id) = initiator_partner_id.clone() {
        if !db
            .read(move |conn| partner_repo::exists(conn, &partner_id))
            .await?
        {
            fields.reject(
                "initiatorPartnerId",
                Rejection::new("unknown_reference", "is not an existing partner"),
            );
        }
    }
    let district_id = P::derived(district_id);
    // Members that may be absent pass through `finish` as they are; only these unwrap.
    let (title, neighbourhood_ids, district_id) =
        fields.finish((title, neighbourhood_ids, district_id))?;
    Ok(ProjectInput {
        title,
        summary,
        neighbourhood_ids,
        district_id,
        initiator,
        initiator_partner_id,
        project_leader,
        start_date,
        end_date,
        claimed_effects,
        sustainability_plan,
    })
}
