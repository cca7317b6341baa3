//! The clearance answers as clients see them: asked directly, and kept with each placement
//! (and shown whole when a placement is refused).

use crate::{
    cases::placements::Answer,
    openapi::schemas::{
        ConditionKindSchema, DogCategorySchema, RequirementKindSchema, RequirementStateSchema,
        SettingSchema, TargetGroupSchema,
    },
};
use chrono::NaiveDate;
use samspill_domain::{
    clearance::{
        Clearance, ClearanceQuestion, Condition, ConditionKind, RequirementKind, RequirementResult,
        RequirementState, Setting, TargetGroup,
    },
    dog::DogCategory,
    group_clearance::GroupClearance,
    ids::{DogId, GroupId, VolunteerId},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One requirement and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementView {
    /// What is required.
    #[schema(value_type = RequirementKindSchema)]
    pub requirement: RequirementKind,
    /// For a `training` requirement, the training credential's code.
    #[schema(example = json!(null))]
    pub training: Option<String>,
    /// Whether it blocks clearance (`false`: advisory).
    pub strict: bool,
    /// Its state on the date asked about.
    #[schema(value_type = RequirementStateSchema)]
    pub state: RequirementState,
    /// The date of the fact that meets (or met) it.
    pub since: Option<NaiveDate>,
    /// Its last valid day; `null` when it does not end by date.
    pub valid_until: Option<NaiveDate>,
    /// A short explanation for people.
    pub detail: String,
    /// The rules that ask for it (`default:<name>` or a rule id).
    pub rules: Vec<String>,
}

/// A condition to follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionView {
    /// What kind.
    #[schema(value_type = ConditionKindSchema)]
    pub kind: ConditionKind,
    /// What it asks.
    pub detail: String,
}

/// The question as understood, with its defaults filled in.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionView {
    /// The activity kind.
    pub activity_kind: String,
    /// The setting.
    #[schema(value_type = SettingSchema)]
    pub setting: Setting,
    /// The target group.
    #[schema(value_type = TargetGroupSchema)]
    pub target_group: TargetGroup,
    /// The dog, if one comes along.
    pub dog_id: Option<Uuid>,
    /// What the dog will do.
    #[schema(value_type = DogCategorySchema)]
    pub dog_category: DogCategory,
    /// The date asked about.
    pub on: NaiveDate,
}

/// The answer to a clearance question.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClearanceView {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Whether every strict requirement is met (or met but expiring soon).
    pub cleared: bool,
    /// The question.
    pub question: QuestionView,
    /// Every requirement that applies.
    pub requirements: Vec<RequirementView>,
    /// Conditions to follow when cleared, e.g. an accompanied first visit in a private home.
    pub conditions: Vec<ConditionView>,
    /// The first day after `on` on which a requirement's state changes; ask again then.
    pub changes_on: Option<NaiveDate>,
}

impl From<&ClearanceQuestion> for QuestionView {
    fn from(question: &ClearanceQuestion) -> Self {
        Self {
            activity_kind: question.activity_kind.clone(),
            setting: question.setting,
            target_group: question.target_group,
            dog_id: question.dog.map(DogId::into_uuid),
            dog_category: question.dog_category,
            on: question.on,
        }
    }
}

impl From<RequirementResult> for RequirementView {
    fn from(r: RequirementResult) -> Self {
        Self {
            requirement: r.requirement,
            training: r.training,
            strict: r.strict,
            state: r.state,
            since: r.since,
            valid_until: r.valid_until,
            detail: r.detail,
            rules: r.rules.iter().map(ToString::to_string).collect(),
        }
    }
}

impl From<Condition> for ConditionView {
    fn from(c: Condition) -> Self {
        Self {
            kind: c.kind,
            detail: c.detail,
        }
    }
}

impl ClearanceView {
    /// The answer about `volunteer` to `question`.
    pub fn new(volunteer: VolunteerId, question: &ClearanceQuestion, answer: Clearance) -> Self {
        Self {
            volunteer_id: volunteer.into_uuid(),
            cleared: answer.cleared,
            question: QuestionView::from(question),
            requirements: requirement_views(answer.requirements),
            conditions: condition_views(answer.conditions),
            changes_on: answer.changes_on,
        }
    }
}

/// One named member's per-person requirements.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberClearanceView {
    /// The member (a volunteer).
    pub volunteer_id: Uuid,
    /// Whether every strict per-person requirement holds for them.
    pub cleared: bool,
    /// The per-person requirements (police certificates).
    pub requirements: Vec<RequirementView>,
}

/// The answer to a clearance question about a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupClearanceView {
    /// The group.
    pub group_id: Uuid,
    /// Whether the group may take part.
    pub cleared: bool,
    /// The question.
    pub question: QuestionView,
    /// Requirements of the group as a whole (met through its contact person), the dog's, and
    /// `named_members` when per-person requirements apply and no members are named.
    pub requirements: Vec<RequirementView>,
    /// Per-person requirements of each named member.
    pub members: Vec<MemberClearanceView>,
    /// Conditions to follow.
    pub conditions: Vec<ConditionView>,
    /// The first day after `on` on which a requirement's state changes.
    pub changes_on: Option<NaiveDate>,
}

fn requirement_views(requirements: Vec<RequirementResult>) -> Vec<RequirementView> {
    requirements
        .into_iter()
        .map(RequirementView::from)
        .collect()
}

fn condition_views(conditions: Vec<Condition>) -> Vec<ConditionView> {
    conditions.into_iter().map(ConditionView::from).collect()
}

impl GroupClearanceView {
    /// The answer about `group` to `question`.
    pub fn new(group: GroupId, question: &ClearanceQuestion, answer: GroupClearance) -> Self {
        Self {
            group_id: group.into_uuid(),
            cleared: answer.cleared,
            question: QuestionView::from(question),
            requirements: requirement_views(answer.requirements),
            members: answer
                .members
                .into_iter()
                .map(|m| MemberClearanceView {
                    volunteer_id: m.volunteer_id.into_uuid(),
                    cleared: m.cleared,
                    requirements: requirement_views(m.requirements),
                })
                .collect(),
            conditions: condition_views(answer.conditions),
            changes_on: answer.changes_on,
        }
    }
}

/// Shows a clearance answer as clients see it: kept with a placement, and shown whole when a
/// placement is refused.
pub fn render(answer: &Answer) -> serde_json::Value {
    let shown = match answer {
        Answer::Volunteer(id, question, clearance) => {
            serde_json::to_value(ClearanceView::new(*id, question, clearance.clone()))
        }
        Answer::Group(id, question, clearance) => {
            serde_json::to_value(GroupClearanceView::new(*id, question, clearance.clone()))
        }
    };
    shown.unwrap_or(serde_json::Value::Null)
}
