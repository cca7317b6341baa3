//! Clearance of a group: the same rules and the same engine as for volunteers. The group is
//! cleared as a whole through its vetted contact person (its status, screening and the
//! declarations signed on its behalf); requirements that concern each person (police
//! certificates, dog approvals) are checked for the group's named members and reported per
//! member.

use crate::{
    clearance::{
        ClearanceFacts, ClearancePolicy, ClearanceQuestion, Condition, RequirementKind,
        RequirementResult, RequirementState, Rule, RuleSource, earliest, evaluate,
    },
    ids::VolunteerId,
};
use chrono::NaiveDate;

/// One named member's answer to the per-person requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberClearance {
    /// The member.
    pub volunteer_id: VolunteerId,
    /// Whether every strict per-person requirement holds for them.
    pub cleared: bool,
    /// The per-person requirements (without the dog, which is reported for the group).
    pub requirements: Vec<RequirementResult>,
}

/// A group's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupClearance {
    /// Whether the group may take part: the group-level requirements hold and every member
    /// passes the per-person ones.
    pub cleared: bool,
    /// Requirements of the group as a whole, including the dog's and `named_members`.
    pub requirements: Vec<RequirementResult>,
    /// Each named member's per-person requirements, when any apply.
    pub members: Vec<MemberClearance>,
    /// Conditions to follow.
    pub conditions: Vec<Condition>,
    /// The first day after the date asked about on which any part of the answer changes.
    pub changes_on: Option<NaiveDate>,
}

fn blocks(requirements: &[RequirementResult]) -> bool {
    requirements.iter().any(|r| {
        r.strict
            && matches!(
                r.state,
                RequirementState::Missing | RequirementState::Expired
            )
    })
}

/// Answers `question` for a group whose own facts are `group` (status, screening with the
/// current contact person, declarations signed for the group) and whose named members' facts
/// are `members`. A dog in the question must be handled by a named member: the members are
/// given the dog's facts and the best member answer counts.
pub fn evaluate_group(
    rules: &[Rule],
    question: &ClearanceQuestion,
    group: &ClearanceFacts,
    members: &[ClearanceFacts],
    policy: ClearancePolicy,
) -> GroupClearance {
    let (personal, whole): (Vec<Rule>, Vec<Rule>) = rules
        .iter()
        .cloned()
        .partition(|r| r.requirement.per_person());
    let (dog_rules, person_rules): (Vec<Rule>, Vec<Rule>) = personal
        .into_iter()
        .partition(|r| r.requirement == RequirementKind::DogApproval);
    let group_answer = evaluate(&whole, question, group, policy);
    let mut requirements = group_answer.requirements;
    let mut conditions = group_answer.conditions;
    let mut changes_on = group_answer.changes_on;

    let person_sources: Vec<RuleSource> = person_rules
        .iter()
        .filter(|r| r.scope.applies(question))
        .map(|r| r.source)
        .collect();
    let mut member_answers = Vec::new();
    if !person_sources.is_empty() {
        if members.is_empty() {
            requirements.push(RequirementResult {
                requirement: RequirementKind::NamedMembers,
                training: None,
                strict: true,
                state: RequirementState::Missing,
                since: None,
                valid_until: None,
                detail: "per-person requirements apply: name the members who take part".to_owned(),
                rules: person_sources,
            });
        }
        for member in members {
            let answer = evaluate(&person_rules, question, member, policy);
            changes_on = earliest(changes_on, answer.changes_on);
            member_answers.push(MemberClearance {
                volunteer_id: member.volunteer_id,
                cleared: answer.cleared,
                requirements: answer.requirements,
            });
        }
    }

    if question.dog.is_some() && dog_rules.iter().any(|r| r.scope.applies(question)) {
        let answers: Vec<_> = members
            .iter()
            .map(|member| evaluate(&dog_rules, question, member, policy))
            .collect();
        let best = answers.iter().find(|a| a.cleared).or_else(|| {
            members
                .iter()
                .zip(&answers)
                .find(|(m, _)| {
                    m.dog
                        .as_ref()
                        .is_some_and(|d| d.handler_id == m.volunteer_id)
                })
                .map(|(_, a)| a)
        });
        match best {
            Some(answer) => {
                changes_on = earliest(changes_on, answer.changes_on);
                requirements.extend(answer.requirements.iter().cloned());
                for condition in &answer.conditions {
                    if !conditions.contains(condition) {
                        conditions.push(condition.clone());
                    }
                }
            }
            None => requirements.push(RequirementResult {
                requirement: RequirementKind::DogApproval,
                training: None,
                strict: dog_rules
                    .iter()
                    .any(|r| r.strict && r.scope.applies(question)),
                state: RequirementState::Missing,
                since: None,
                valid_until: None,
                detail: "the dog's handler is not a named member of the group".to_owned(),
                rules: dog_rules
                    .iter()
                    .filter(|r| r.scope.applies(question))
                    .map(|r| r.source)
                    .collect(),
            }),
        }
    }
    let cleared = !blocks(&requirements) && member_answers.iter().all(|m| m.cleared);
    GroupClearance {
        cleared,
        requirements,
        members: member_answers,
        conditions,
        changes_on,
    }
}

#[cfg(test)]
#[path = "group_clearance_tests.rs"]
mod tests;
