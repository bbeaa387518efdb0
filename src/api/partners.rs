//! Partners: schools, housing corporations, welfare organisations, community centres and the
//! other organisations of the neighbourhood. Read by every role; created by the programme
//! bureau, a stadsdeel or administration; updated by those and by a partner for its own record.
//! Never deleted: archived with `active: false`.
//!
//! `kvkNumber` and `active` are the partner's identity (DESIGN §12): a claim map may name a
//! partner by its number, and an archived partner's tokens are refused. Only the bureau and
//! administration set them (`authz::can_set_partner_identity`), and a number belongs to one
//! active partner at most (409 `kvk_number_taken`, from the database's unique index).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::export::{self, Cell, CsvRecord};
use super::http::{self, PageParams, PageRequest};
use super::input::{
    Create, Field, Fields, JsonObject, Patch, Presence, QueryParams, array, bool_param, boolean,
    slug_param, string,
};
use super::records::{self, Versioned};
use super::vocabulary::NeighbourhoodId;
use crate::auth::Authorized;
use crate::authz;
use crate::authz::ops;
use crate::db::partners::{
    self as repo, Partner as PartnerRecord, PartnerChange, PartnerFilter, PartnerRow,
};
use crate::db::{Db, DbConnection, reference as reference_repo};
use crate::domain::partners::{email, kvk_number, partner_kind, search_form, website};
use crate::domain::{Rejection, bounded_text, reference, time};
use crate::error::ApiError;

/// How to reach a partner.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[schema(
        example = "Fatima el Amrani",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(
        example = "info@demussen.nl",
        max_length = 254,
        pattern = "^[^\\s@\\u0000-\\u001f\\u007f-\\u009f]+@[^\\s@.\\u0000-\\u001f\\u007f-\\u009f]+(\\.[^\\s@.\\u0000-\\u001f\\u007f-\\u009f]+)+$"
    )]
    pub email: Option<String>,
    #[schema(
        example = "070 123 4567",
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub phone: Option<String>,
}

/// A partner organisation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    #[schema(example = "0190f0a0-0000-7000-8000-000000000001")]
    pub id: String,
    #[schema(example = "Stichting Buurthuis De Mussen")]
    pub name: String,
    #[schema(example = "community_centre")]
    pub kind: String,
    /// Chamber of Commerce number.
    #[schema(example = "41150013")]
    pub kvk_number: Option<String>,
    /// The neighbourhoods it serves.
    pub neighbourhood_ids: Vec<String>,
    pub contact: Option<Contact>,
    #[schema(example = "https://demussen.nl")]
    pub website: Option<String>,
    /// `false` once archived.
    pub active: bool,
    #[schema(example = 1)]
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<PartnerRecord> for Partner {
    fn from(partner: PartnerRecord) -> Self {
        let row = partner.row;
        let contact = (row.contact_name.is_some()
            || row.contact_email.is_some()
            || row.contact_phone.is_some())
        .then_some(Contact {
            name: row.contact_name,
            email: row.contact_email,
            phone: row.contact_phone,
        });
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            kvk_number: row.kvk_number,
            neighbourhood_ids: partner.neighbourhood_ids,
            contact,
            website: row.website,
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl CsvRecord for Partner {
    const HEADER: &'static [&'static str] = &[
        "id",
        "name",
        "kind",
        "kvkNumber",
        "neighbourhoodIds",
        "contact.name",
        "contact.email",
        "contact.phone",
        "website",
        "active",
        "version",
        "createdAt",
        "updatedAt",
    ];

    fn fields(&self) -> Vec<Cell> {
        let contact = self.contact.as_ref();
        let member = |read: fn(&Contact) -> &Option<String>| {
            Cell::from(contact.and_then(|c| read(c).clone()).unwrap_or_default())
        };
        vec![
            self.id.as_str().into(),
            self.name.as_str().into(),
            self.kind.as_str().into(),
            export::optional(self.kvk_number.as_ref()).into(),
            export::joined(&self.neighbourhood_ids).into(),
            member(|c| &c.name),
            member(|c| &c.email),
            member(|c| &c.phone),
            export::optional(self.website.as_ref()).into(),
            self.active.to_string().into(),
            Cell::figure(self.version),
            time::format(&self.created_at).into(),
            time::format(&self.updated_at).into(),
        ]
    }
}

impl Versioned for Partner {
    const KIND: &'static str = "partner";
    const COLLECTION: &'static str = "partners";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// A new partner.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct PartnerCreate {
    #[schema(
        example = "Stichting Buurthuis De Mussen",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: String,
    #[schema(example = "community_centre")]
    kind: PartnerKind,
    #[schema(example = "41150013", pattern = "^[0-9]{8}$")]
    kvk_number: Option<String>,
    neighbourhood_ids: Option<Vec<NeighbourhoodId>>,
    contact: Option<Contact>,
    #[schema(
        example = "https://demussen.nl",
        max_length = 500,
        pattern = "^https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$"
    )]
    website: Option<String>,
    /// Default `true`.
    active: Option<bool>,
}

/// Changes to a partner (JSON merge patch; `null` clears `kvkNumber`, `contact`, `website`;
/// `active: false` archives it).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct PartnerUpdate {
    #[schema(
        nullable = false,
        example = "Stichting Buurthuis De Mussen",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: Option<String>,
    #[schema(nullable = false)]
    kind: Option<PartnerKind>,
    #[schema(example = "41150013", pattern = "^[0-9]{8}$")]
    kvk_number: Option<String>,
    #[schema(nullable = false)]
    neighbourhood_ids: Option<Vec<NeighbourhoodId>>,
    contact: Option<Contact>,
    #[schema(
        example = "https://demussen.nl",
        max_length = 500,
        pattern = "^https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$"
    )]
    website: Option<String>,
    #[schema(nullable = false)]
    active: Option<bool>,
}

/// The kind of partner organisation.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum PartnerKind {
    School,
    HousingCorporation,
    Welfare,
    CommunityCentre,
    Library,
    SelfOrganisation,
    CommunityWork,
    Health,
    Business,
    Other,
}

/// Filters of the partner list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct PartnerListParams {
    /// Only partners of this kind.
    kind: Option<PartnerKind>,
    /// Only partners serving this neighbourhood.
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    neighbourhood_id: Option<String>,
    /// Only active (`true`) or archived (`false`) partners.
    active: Option<bool>,
    /// Case-insensitive search in the name (accents ignored).
    #[param(max_length = 100)]
    q: Option<String>,
}

http::page_schema!(PartnerPage, Partner);

/// Text of at most 200 characters.
fn short(value: &str) -> Result<String, Rejection> {
    bounded_text(value, 200)
}

/// The members of a partner body, its neighbourhoods checked to exist: on create ([`Create`])
/// name and kind are plain values; in a patch ([`Patch`]) each may be left out.
struct PartnerInput<P: Presence> {
    name: P::Given<String>,
    kind: P::Given<String>,
    kvk_number: Field<String>,
    neighbourhood_ids: Option<Vec<String>>,
    contact: Field<(Field<String>, Field<String>, Field<String>)>,
    website: Field<String>,
    active: Option<bool>,
}

/// Reads a partner body as `POST /partners` and `PATCH /partners/{id}` do.
async fn read_partner_body<P: Presence>(
    db: &Db,
    body: JsonObject,
) -> Result<PartnerInput<P>, ApiError> {
    let asked = asked_neighbourhoods(&body);
    let known = match asked.is_empty() {
        true => HashMap::new(),
        false => {
            db.read(move |conn| reference_repo::districts_of_neighbourhoods(conn, &asked))
                .await?
        }
    };
    check_partner_body(body, &known)
}

/// The neighbourhood ids a body names, to look up before [`check_partner_body`]: only those
/// that are ids at all (a NUL byte never reaches the database); [`check_partner_body`] refuses
/// the others.
pub(crate) fn asked_neighbourhoods(body: &JsonObject) -> Vec<String> {
    body.0
        .get("neighbourhoodIds")
        .and_then(serde_json::Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(serde_json::Value::as_str)
                .filter_map(|id| slug_param(id).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Every rule of a partner body, with `known` the neighbourhoods it names that exist.
fn check_partner_body<P: Presence>(
    body: JsonObject,
    known: &HashMap<String, String>,
) -> Result<PartnerInput<P>, ApiError> {
    let mut fields = Fields::new(body);
    let name = P::member(&mut fields, "name", string(reference::name));
    let kind = P::member(&mut fields, "kind", string(partner_kind));
    let kvk_number = fields.optional("kvkNumber", string(kvk_number));
    let neighbourhood_ids = fields.not_null("neighbourhoodIds", array(string(slug_param)));
    let contact = fields.nested("contact", |contact| {
        (
            contact.optional("name", string(short)),
            contact.optional("email", string(email)),
            contact.optional("phone", string(|v| bounded_text(v, 50))),
        )
    });
    let website = fields.optional("website", string(website));
    let active = fields.not_null("active", boolean);
    if let Some(missing) = neighbourhood_ids
        .iter()
        .flatten()
        .find(|id| !known.contains_key(*id))
    {
        fields.reject(
            "neighbourhoodIds",
            Rejection::new(
                "unknown_reference",
                format!("'{missing}' is not an existing neighbourhood"),
            ),
        );
    }
    let (name, kind) = fields.finish((name, kind))?;
    Ok(PartnerInput {
        name,
        kind,
        kvk_number,
        neighbourhood_ids,
        contact,
        website,
        active,
    })
}

/// A new partner from a body, by the rules of `POST /partners` (the CSV import reads its rows
/// with these rules too), with `known` the districts of the neighbourhoods it may name (looked
/// up from [`asked_neighbourhoods`], for many bodies at once by the import).
pub(crate) fn new_partner(
    body: JsonObject,
    known: &HashMap<String, String>,
    now: NaiveDateTime,
) -> Result<PartnerRecord, ApiError> {
    Ok(partner_record(check_partner_body(body, known)?, now))
}

fn partner_record(input: PartnerInput<Create>, now: NaiveDateTime) -> PartnerRecord {
    let (contact_name, contact_email, contact_phone) = match input.contact {
        Field::Value((n, e, p)) => (n.into_option(), e.into_option(), p.into_option()),
        Field::Absent | Field::Null => (None, None, None),
    };
    PartnerRecord {
        row: PartnerRow {
            kvk_number: input.kvk_number.into_option(),
            contact_name,
            contact_email,
            contact_phone,
            website: input.website.into_option(),
            active: input.active.unwrap_or(true),
            ..PartnerRow::new(input.name, input.kind, now)
        },
        neighbourhood_ids: input.neighbourhood_ids.unwrap_or_default(),
    }
}

/// List partners, newest first.
///
/// With `Accept: text/csv`, every matching partner as one CSV download (RFC 4180, a header
/// row, CRLF), streamed: `limit` and `cursor` are checked but ignored. Columns: `id`, `name`,
/// `kind`, `kvkNumber`, `neighbourhoodIds` (space-separated), `contact.name`, `contact.email`,
/// `contact.phone`, `website`, `active`, `version`, `createdAt`, `updatedAt`; an empty field is
/// an absent value. `wijkregie import partners` reads the same columns.
#[utoipa::path(
    get, path = "/partners", tag = "Partners", operation_id = "list_partners",
    params(PartnerListParams, PageParams),
    responses(
        (status = 200, description = "A page of partners, or with `Accept: text/csv` all of them",
            headers(
                ("Vary" = String, description = "Accept: the format follows the Accept header"),
                ("Content-Disposition" = String, description = "With text/csv: the file name, partners.csv"),
            ),
            content(
                (PartnerPage = "application/json"),
                (String = "text/csv", example = "id,name,kind,kvkNumber,neighbourhoodIds,contact.name,contact.email,contact.phone,website,active,version,createdAt,updatedAt\r\n"),
            )),
        (status = 406, description = "Neither JSON nor CSV is acceptable"),
    )
)]
pub async fn list_partners(
    req: HttpRequest,
    _caller: Authorized<ops::ListPartners>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = PartnerFilter {
        kind: query.single("kind", partner_kind),
        neighbourhood_id: query.single("neighbourhoodId", slug_param),
        active: query.single("active", bool_param),
        q: query.single("q", |v| {
            if v.chars().count() > 100 {
                Err(Rejection::new("too_long", "must be at most 100 characters"))
            } else {
                Ok(search_form(v))
            }
        }),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    if export::wants_csv(&req, "partner")? {
        let load: Arc<export::Load<PartnerRecord, String>> = Arc::new(move |conn, after, limit| {
            repo::list(conn, &filter, after.map(String::as_str), limit)
        });
        let key = |partner: &PartnerRecord| partner.row.id.clone();
        return export::stream::<_, _, Partner>(db.get_ref().clone(), "partners.csv", load, key)
            .await;
    }
    records::list_by_id::<_, Partner>(&req, &db, page, move |conn, after, limit| {
        repo::list(conn, &filter, after, limit)
    })
    .await
    .map(export::vary_on_accept)
}

/// Get one partner.
#[utoipa::path(
    get, path = "/partners/{partnerId}", tag = "Partners", operation_id = "get_partner",
    params(("partnerId" = String, Path, description = "The partner's id")),
    responses(
        (status = 200, description = "The partner", body = Partner,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such partner"),
    )
)]
pub async fn get_partner(
    _caller: Authorized<ops::GetPartner>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    records::read_one::<_, Partner>(&db, path.into_inner(), repo::find).await
}

/// Register a partner.
///
/// `kvkNumber` is set by the programme bureau and administration only (403 for a stadsdeel), and
/// names one active partner at most.
#[utoipa::path(
    post, path = "/partners", tag = "Partners", operation_id = "create_partner",
    request_body = PartnerCreate,
    responses(
        (status = 201, description = "Created", body = Partner,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new partner's URL"))),
        (status = 409, description = "kvk_number_taken: another active partner has this KvK number; also idempotency_key_in_use while a request with the same key runs"),
    )
)]
pub async fn create_partner(
    caller: Authorized<ops::CreatePartner>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let input: PartnerInput<Create> = read_partner_body(&db, body).await?;
    if matches!(input.kvk_number, Field::Value(_))
        && !authz::can_set_partner_identity(&caller.principal)
    {
        return Err(identity_refused());
    }
    let partner = partner_record(input, time::now());
    records::create::<_, _, Partner>(&db, caller.principal, partner, repo::insert).await
}

/// Update or archive a partner (JSON merge patch; `active: false` archives it).
///
/// Changing `kvkNumber` or `active` is for the programme bureau and administration only (403
/// otherwise); archiving a partner ends its tokens at once (401 `partner_inactive`). Requires
/// `If-Match`.
#[utoipa::path(
    patch, path = "/partners/{partnerId}", tag = "Partners", operation_id = "update_partner",
    params(
        ("partnerId" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = PartnerUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Partner,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such partner"),
        (status = 409, description = "kvk_number_taken: another active partner has this KvK number (a new number, or bringing an archived partner back)"),
        (status = 412, description = "The partner changed since you read it"),
    )
)]
pub async fn update_partner(
    req: HttpRequest,
    caller: Authorized<ops::UpdatePartner>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if !authz::can_update_partner(&caller.principal, &id) {
        let lookup = id.clone();
        return Err(
            match db.read(move |conn| repo::exists(conn, &lookup)).await? {
                true => ApiError::Forbidden("A partner may change only its own record.".to_owned()),
                false => ApiError::NotFound(format!("There is no partner '{id}'.")),
            },
        );
    }
    let version = http::if_match(&req)?;
    let input: PartnerInput<Patch> = read_partner_body(&db, body).await?;
    let (contact_name, contact_email, contact_phone) = match input.contact {
        Field::Value((n, e, p)) => (n.into_patch(), e.into_patch(), p.into_patch()),
        Field::Null => (Some(None), Some(None), Some(None)),
        Field::Absent => (None, None, None),
    };
    let change = PartnerChange {
        name_search: input.name.as_deref().map(search_form),
        name: input.name,
        kind: input.kind,
        kvk_number: input.kvk_number.into_patch(),
        contact_name,
        contact_email,
        contact_phone,
        website: input.website.into_patch(),
        active: input.active,
    };
    let change = GuardedChange {
        change: (change, input.neighbourhood_ids),
        may_set_identity: authz::can_set_partner_identity(&caller.principal),
    };
    records::update::<_, _, Partner>(&db, caller.principal, id, version, change, update_guarded)
        .await
}

/// A partner's change, and whether its author may change the partner's identity.
struct GuardedChange {
    change: (PartnerChange, Option<Vec<String>>),
    may_set_identity: bool,
}

/// The repo's update, refused with a 403 (before anything is written, in the same transaction)
/// when it would change `kvkNumber` or `active` for an author who may not: resending the values
/// a partner has is no change. A concurrent change between the two reads is the version
/// check's (412).
fn update_guarded(
    conn: &mut DbConnection,
    id: &str,
    version: i64,
    guarded: &GuardedChange,
    now: NaiveDateTime,
) -> Result<Option<(PartnerRecord, PartnerRecord)>, ApiError> {
    if !guarded.may_set_identity
        && let Some(before) = repo::find(conn, id)?
    {
        let change = &guarded.change.0;
        let renumbers = change
            .kvk_number
            .as_ref()
            .is_some_and(|kvk| *kvk != before.row.kvk_number);
        let toggles_active = change.active.is_some_and(|a| a != before.row.active);
        if renumbers || toggles_active {
            return Err(identity_refused());
        }
    }
    repo::update(conn, id, version, &guarded.change, now)
}

fn identity_refused() -> ApiError {
    ApiError::Forbidden(
        "Only the programme bureau and administration set a partner's kvkNumber or active: \
         they decide which organisation a token acts for."
            .to_owned(),
    )
}
