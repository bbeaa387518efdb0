//! Reading a project body (create and merge patch): every member checked, neighbourhoods and
//! the initiating partner checked against the database, every problem reported at once.

use crate::api::input::{Field, Fields, JsonObject, array, id_param, slug_param, string, text};
use crate::db::{Db, partners as partner_repo, reference as reference_repo};
use crate::domain::projects as rules;
use crate::domain::{Rejection, bounded_text};
use crate::error::ApiError;

fn title(value: &str) -> Result<String, Rejection> {
    bounded_text(value, 200)
}

/// The members of a project body, checked against the database (neighbourhoods, partner).
pub(super) struct ProjectBody {
    pub(super) title: Option<String>,
    pub(super) summary: Field<String>,
    pub(super) neighbourhood_ids: Option<Vec<String>>,
    pub(super) district_id: Option<String>,
    pub(super) initiator: Field<String>,
    pub(super) initiator_partner_id: Field<String>,
    pub(super) project_leader: Field<String>,
    pub(super) start_date: Field<String>,
    pub(super) end_date: Field<String>,
    pub(super) claimed_effects: Option<Vec<String>>,
    pub(super) sustainability_plan: Field<String>,
}

pub(super) async fn read_project_body(
    db: &Db,
    body: JsonObject,
    creating: bool,
) -> Result<ProjectBody, ApiError> {
    let mut fields = Fields::new(body);
    let (title, neighbourhood_ids) = if creating {
        (
            fields.required("title", string(title)),
            fields.required("neighbourhoodIds", array(string(slug_param))),
        )
    } else {
        (
            fields.not_null("title", string(title)),
            fields.not_null("neighbourhoodIds", array(string(slug_param))),
        )
    };
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
    if let Some(ids) = neighbourhood_ids.clone() {
        if ids.is_empty() {
            fields.reject(
                "neighbourhoodIds",
                Rejection::new("empty", "must name at least one neighbourhood"),
            );
        } else {
            let known = db
                .read(move |conn| reference_repo::districts_of_neighbourhoods(conn, &ids))
                .await?;
            let ids = neighbourhood_ids.iter().flatten();
            if let Some(missing) = ids.clone().find(|id| !known.contains_key(*id)) {
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
    let (
        summary,
        initiator,
        initiator_partner_id,
        project_leader,
        start_date,
        end_date,
        sustainability_plan,
    ) = fields.finish((
        summary,
        initiator,
        initiator_partner_id,
        project_leader,
        start_date,
        end_date,
        sustainability_plan,
    ))?;
    Ok(ProjectBody {
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
