//! `GET /reports/progress`: the progress report for the council, as JSON, CSV or HTML.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::IntoParams;

use super::http;
use super::input::{QueryParams, slug_param};
use crate::auth::Authorized;
use crate::authz;
use crate::authz::ops;
use crate::db::reference::{self as reference_repo, NeighbourhoodFilter, ThemeFilter};
use crate::db::{Db, reports as figures_repo};
use crate::domain::projects::calendar_date;
use crate::domain::{Rejection, time};
use crate::error::{ApiError, InvalidParam};
use crate::reports::{self, Labels, ProgressReport, Request};

/// What the report covers.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct ProgressParams {
    /// First day of the period (UTC), included: projects created and signals received from
    /// this day. Open-ended when absent.
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    from: Option<String>,
    /// Last day of the period (UTC), included. Not before `from`. Open-ended when absent.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    to: Option<String>,
    /// Only this district's neighbourhoods. A stadsdeel gets its own district when absent and
    /// may not ask for another.
    #[param(
        example = "escamp",
        pattern = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
        max_length = 64
    )]
    district_id: Option<String>,
    /// With `text/csv`, the table to give: `neighbourhoods` (default), `policy_feedback` (per
    /// theme and department), `quarters`, `lessons` (one row per voice, or per lesson without
    /// voices), `advice` (per department),
    /// `results` (the goals per neighbourhood and effect, then the total per effect)
    /// or `policy_changes` (the policy issues answered in the period). The columns of each are
    /// in the `text/csv` response's description. JSON and the page always hold every section.
    #[param(value_type = Option<String>, pattern = "^(neighbourhoods|policy_feedback|quarters|lessons|advice|results|policy_changes)$")]
    section: Option<String>,
}

/// The 200 answer's description in the OpenAPI document: the report's CSV sections and their
/// columns (a test holds it to the header rows the service writes).
const CSV_SECTIONS: &str = "The report, in the negotiated format. \
With `text/csv`, the table `section` names, a header row first. Columns are named as the JSON \
members, a nested member by its path, an entry of a list by its code; ratios have at most four \
decimals, money is in cents, an empty field is a figure that does not exist.\n\n\
- `neighbourhoods` (default), one row per neighbourhood and a `total` row: \
`neighbourhoodId,name,districtId,focusArea,projects.count,projects.byStatus.draft,\
projects.byStatus.submitted,projects.byStatus.in_dialogue,projects.byStatus.under_assessment,\
projects.byStatus.approved,projects.byStatus.rejected,projects.byStatus.running,\
projects.byStatus.completed,projects.byStatus.stopped,projects.byStatus.evaluated,\
projects.budget.totalCents,projects.budget.programmeCents,projects.budget.otherCents,\
projects.budget.cofinancingRatio,projects.budget.meetsTarget,projects.effects.social_cohesion,\
projects.effects.positive_image,projects.effects.access_to_services,projects.effects.safety,\
projects.effects.employment,projects.effects.ownership,projects.links.projects,\
projects.links.links,projects.links.linksPerProject,projects.links.unlinkedProjects,\
projects.waitingPastResponseDue,signals.received,signals.answered,signals.answeredOnTime,\
signals.answeredOnTimePercentage,signals.medianDaysToAnswer,signals.overdueNow,signals.handOffs`\n\
- `policy_feedback`, one row per theme, per department and the total (`dimension`): \
`dimension,id,name,feedback.policyFeedbackSignals,feedback.issuesRaised,\
feedback.issuesResponded,feedback.positions.will_adjust,feedback.positions.under_review,\
feedback.positions.no_change,feedback.positions.already_addressed,feedback.responsesOverdue`\n\
- `quarters`, one row per quarter: `quarter,from,to,projectsCreated,signalsReceived,\
signalsAnswered,signalsAnsweredOnTime,answeredOnTimePercentage,policyFeedbackSignals,\
policyIssuesRaised`\n\
- `lessons`, one row per voice (per lesson without voices): `projectId,title,status,districtId,\
lessonsLearned,continuation,voices.quote,voices.speakerRole,voices.neighbourhoodId`\n\
- `advice`, one row per department: `departmentId,name,requested,givenOnTime,givenLate,\
withdrawn,open,overdueNow`\n\
- `results`, one row per neighbourhood and effect, then per effect a `total` row: \
`neighbourhoodId,name,effect,goals,met,progressing,notMet,notMeasured`\n\
- `policy_changes`, one row per policy issue answered in the period, `will_adjust` first: \
`policyIssueId,title,themeId,departmentId,departmentName,position,explanation,decidedOn,\
followUpOn`";

/// The media types the report comes in, in the order of preference for `*/*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    const ALL: [Self; 3] = [Self::Json, Self::Csv, Self::Html];

    fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv",
            Self::Html => "text/html",
        }
    }

    /// Picks the format an `Accept` header prefers: the highest quality, then our order.
    /// No header means JSON; `None` means nothing we offer is acceptable.
    pub fn negotiate(accept: Option<&str>) -> Option<Self> {
        Self::negotiate_among(accept, &Self::ALL)
    }

    /// [`Format::negotiate`] among the formats `offered`, in their order of preference: the
    /// partner and project lists offer JSON and CSV.
    pub fn negotiate_among(accept: Option<&str>, offered: &[Self]) -> Option<Self> {
        let media_types: Vec<&'static str> = offered.iter().map(|f| f.media_type()).collect();
        let chosen = http::negotiate(accept, &media_types)?;
        offered.iter().copied().find(|f| f.media_type() == chosen)
    }
}

/// The programme's progress per neighbourhood and in total.
///
/// Per neighbourhood and in total: projects per status; committed and received funding,
/// programme money and the co-financing ratio against the target (met at 40 % or more); per
/// effect the approved, running, completed and evaluated projects that score it substantial,
/// and the results of their goals (`results`: met, progressing, not met, not measured, in the
/// direction from baseline to target); links per project; submitted projects waiting past
/// `responseDueAt`. The policy issues answered in the period (`policyChanges`, `will_adjust`
/// first). Signals received, answered, answered on
/// time, median days to answer, overdue now and hand-offs, also per theme and per department.
/// Every figure is computed in the database.
///
/// The period selects projects by creation and signals by receipt. A project in two
/// neighbourhoods counts in both rows and once in the total.
///
/// Content negotiation on `Accept`: `application/json` (default), `text/csv` (RFC 4180: a
/// header row, one row per neighbourhood and a total row; `section` picks another table) or
/// `text/html` (a printable page in Dutch with inline SVG charts); anything else is a 406.
#[utoipa::path(
    get, path = "/reports/progress", tag = "Reports", operation_id = "get_progress_report",
    params(ProgressParams),
    responses(
        (status = 200, description = CSV_SECTIONS,
            headers(("Vary" = String, description = "Accept: the format follows the Accept header")),
            content(
                (ProgressReport = "application/json"),
                (String = "text/csv", example = "neighbourhoodId,name,districtId,focusArea,projects.count,...\r\n"),
                (String = "text/html"),
            )),
        (status = 406, description = "None of JSON, CSV or HTML is acceptable"),
    )
)]
pub async fn get_progress_report(
    req: HttpRequest,
    caller: Authorized<ops::GetProgressReport>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let from = query.single("from", calendar_date);
    let to = query.single("to", calendar_date);
    let district_id = query.single("districtId", slug_param);
    let section = query
        .single("section", reports::csv::Section::parse)
        .unwrap_or(reports::csv::Section::Neighbourhoods);
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        query.reject(
            "to",
            Rejection::new("before_from", "must not be before from"),
        );
    }
    query.finish()?;
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let format = Format::negotiate(accept).ok_or_else(|| {
        ApiError::NotAcceptable(
            "The progress report comes as application/json, text/csv or text/html.".to_owned(),
        )
    })?;
    let district_id = authz::report_district(&caller.principal, district_id)?;
    let request = Request {
        from,
        to,
        district_id,
        now: time::now(),
    };
    let scope = request.scope();
    let district = request.district_id.clone();
    let (labels, figures) = db
        .read_with_spare(move |conn, spare| {
            if let Some(district) = &district
                && !reference_repo::district_exists(conn, district)?
            {
                return Err(ApiError::InvalidInput(vec![InvalidParam::new(
                    "districtId",
                    "unknown_district",
                    "is not a district",
                )]));
            }
            let all = 10_000;
            let labels = Labels {
                neighbourhoods: reference_repo::list_neighbourhoods(
                    conn,
                    &NeighbourhoodFilter {
                        district_id: district.clone(),
                        focus_area: None,
                    },
                    None,
                    all,
                )?,
                themes: reference_repo::list_themes(conn, &ThemeFilter::default(), None, all)?,
                departments: reference_repo::list_departments(conn, None, all)?,
            };
            Ok((labels, figures_repo::figures(conn, spare, &scope)?))
        })
        .await?;
    let report = reports::assemble(&request, labels, figures);
    Ok(respond(format, section, &report))
}

fn respond(
    format: Format,
    section: reports::csv::Section,
    report: &ProgressReport,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, HeaderValue::from_static("Accept")));
    match format {
        Format::Json => response.json(report),
        Format::Csv => response
            .content_type("text/csv; charset=utf-8; header=present")
            .body(reports::csv::render(report, section)),
        Format::Html => response
            .content_type("text/html; charset=utf-8")
            .body(reports::html::render(report)),
    }
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn accept_headers_pick_a_format() {
        assert_eq!(Format::negotiate(None), Some(Format::Json));
        assert_eq!(Format::negotiate(Some("*/*")), Some(Format::Json));
        assert_eq!(Format::negotiate(Some("text/csv")), Some(Format::Csv));
        assert_eq!(Format::negotiate(Some("TEXT/HTML")), Some(Format::Html));
        assert_eq!(
            Format::negotiate(Some(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )),
            Some(Format::Html)
        );
        assert_eq!(
            Format::negotiate(Some("text/*;q=0.5, application/json;q=0.4")),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::negotiate(Some("text/csv;q=0, */*")),
            Some(Format::Json)
        );
        assert_eq!(Format::negotiate(Some("application/xml")), None);
        assert_eq!(Format::negotiate(Some("application/json;q=0")), None);
        assert_eq!(Format::negotiate(Some("application/pdf, text/plain")), None);
    }
}
