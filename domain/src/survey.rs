//! Surveys of resource use, barriers and motivation: templates of questions (revised in place;
//! a round keeps the questions it was sent with), rounds sent to units or to volunteers between
//! two dates, answers checked against the questions, and results counted per group and withheld
//! for groups with fewer answers than the round's minimum.

use crate::{
    ParseError,
    ids::{MunicipalityId, StaffUserId, SurveyRoundId, SurveyTemplateId},
    municipality::Country,
    string_enum::string_enum,
    text::{Name, Text},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

string_enum! {
    /// What kind of answer a question takes.
    pub enum QuestionKind {
        /// One of the question's choices.
        SingleChoice => "single_choice",
        /// Any of the question's choices (at least one when answered).
        MultipleChoice => "multiple_choice",
        /// A whole number from 1 to 7.
        Scale => "scale",
        /// A number between the question's `min` and `max` (0 to 1 000 000 unless set).
        Number => "number",
        /// Free text of at most 2000 characters; shown only to coordinators.
        FreeText => "free_text",
    }
}

string_enum! {
    /// Who answers a survey.
    pub enum SurveyAudience {
        /// Units: one answer per unit, given for the unit by its staff.
        Units => "units",
        /// Volunteers: one answer each.
        Volunteers => "volunteers",
    }
}

string_enum! {
    /// Where a survey round stands, by its dates.
    pub enum RoundStatus {
        /// Not open yet.
        Scheduled => "scheduled",
        /// Taking answers.
        Open => "open",
        /// Past its close date: results are final.
        Closed => "closed",
        /// Called off: no more answers.
        Cancelled => "cancelled",
    }
}

string_enum! {
    /// How results are grouped.
    pub enum Grouping {
        /// Per unit: the unit answered for, or the volunteer's home unit.
        Unit => "unit",
        /// Per care district: the nearest care district above the unit.
        District => "district",
        /// The whole municipality.
        Municipality => "municipality",
    }
}

/// The lowest answer on a scale.
pub const SCALE_MIN: f64 = 1.0;
/// The highest answer on a scale.
pub const SCALE_MAX: f64 = 7.0;
/// Questions a template holds at most.
pub const MAX_QUESTIONS: usize = 50;
/// Choices a question offers at most.
pub const MAX_CHOICES: usize = 30;
/// The fewest answers a group's results are shown for; a round may ask for more.
pub const MIN_GROUP_SIZE: u16 = 5;
/// The longest a round stays open, in days.
pub const MAX_ROUND_DAYS: i64 = 366;

/// One choice of a choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Its code, such as `companionship`.
    pub key: String,
    /// What people read.
    pub label: String,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Its code, such as `hours_a_month`: answers and results name it.
    pub key: String,
    /// What people read.
    pub text: String,
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// The choices of a choice question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Whether an answer must give it.
    #[serde(default)]
    pub required: bool,
    /// The smallest number a number question takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The largest number a number question takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Question {
    /// The range a number question takes.
    pub fn bounds(&self) -> (f64, f64) {
        number_bounds(self.min, self.max)
    }
}

/// The range a number question with `min` and `max` takes: 0 to 1 000 000 unless set.
pub fn number_bounds(min: Option<f64>, max: Option<f64>) -> (f64, f64) {
    (min.unwrap_or(0.0), max.unwrap_or(1_000_000.0))
}

/// A code: lower-case letters, digits and underscores, starting with a letter, 1 to 50
/// characters.
pub fn parse_key(raw: &str) -> Result<String, ParseError> {
    let key = raw.trim();
    let valid = (1..=50).contains(&key.len())
        && key.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(key.to_owned())
    } else {
        Err(ParseError::new(
            "invalid_key",
            "must be a code such as hours_a_month: lower-case letters, digits and _",
        ))
    }
}

/// Checks a template's questions: 1 to [`MAX_QUESTIONS`], keys unique codes, a text each;
/// choice questions with 2 to [`MAX_CHOICES`] choices of unique keys, other kinds with none;
/// `min`/`max` only on number questions, finite and in order. Errors name the field
/// (`questions[2].choices[0].key`).
pub fn check_questions(
    questions: Vec<Question>,
) -> Result<Vec<Question>, Vec<(String, ParseError)>> {
    let mut errors = Vec::new();
    if questions.is_empty() || questions.len() > MAX_QUESTIONS {
        errors.push((
            "questions".to_owned(),
            ParseError::new(
                "out_of_range",
                format!("give 1 to {MAX_QUESTIONS} questions"),
            ),
        ));
    }
    let mut keys = HashSet::new();
    let mut checked = Vec::with_capacity(questions.len());
    for (i, q) in questions.into_iter().enumerate() {
        let at = |field: &str| format!("questions[{i}].{field}");
        let key = match parse_key(&q.key) {
            Ok(key) if !keys.insert(key.clone()) => {
                errors.push((
                    at("key"),
                    ParseError::new("duplicate", "another question has this key"),
                ));
                key
            }
            Ok(key) => key,
            Err(e) => {
                errors.push((at("key"), e));
                String::new()
            }
        };
        let text = Text::<1000>::parse(&q.text)
            .map(Text::into_inner)
            .and_then(|t| {
                if t.is_empty() {
                    Err(ParseError::new("required", "must not be blank"))
                } else {
                    Ok(t)
                }
            })
            .unwrap_or_else(|e| {
                errors.push((at("text"), e));
                String::new()
            });
        let choice_kind = matches!(
            q.kind,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        );
        let mut choices = Vec::with_capacity(q.choices.len());
        if choice_kind {
            if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
                errors.push((
                    at("choices"),
                    ParseError::new(
                        "out_of_range",
                        format!("a choice question offers 2 to {MAX_CHOICES} choices"),
                    ),
                ));
            }
            let mut seen = HashSet::new();
            for (n, c) in q.choices.into_iter().enumerate() {
                let key = match parse_key(&c.key) {
                    Ok(key) if !seen.insert(key.clone()) => {
                        errors.push((
                            at(&format!("choices[{n}].key")),
                            ParseError::new("duplicate", "another choice has this key"),
                        ));
                        key
                    }
                    Ok(key) => key,
                    Err(e) => {
                        errors.push((at(&format!("choices[{n}].key")), e));
                        String::new()
                    }
                };
                let label = Name::<200>::parse(&c.label)
                    .map(Name::into_inner)
                    .unwrap_or_else(|e| {
                        errors.push((at(&format!("choices[{n}].label")), e));
                        String::new()
                    });
                choices.push(Choice { key, label });
            }
        } else if !q.choices.is_empty() {
            errors.push((
                at("choices"),
                ParseError::new("not_applicable", "only choice questions offer choices"),
            ));
        }
        if q.kind == QuestionKind::Number {
            for (name, bound) in [("min", q.min), ("max", q.max)] {
                if bound.is_some_and(|b| !b.is_finite() || b.abs() > 1e9) {
                    errors.push((
                        at(name),
                        ParseError::new("out_of_range", "must be between -1e9 and 1e9"),
                    ));
                }
            }
            let (min, max) = number_bounds(q.min, q.max);
            if min > max {
                errors.push((
                    at("max"),
                    ParseError::new("before_start", "must not be below min"),
                ));
            }
        } else if q.min.is_some() || q.max.is_some() {
            errors.push((
                at(if q.min.is_some() { "min" } else { "max" }),
                ParseError::new("not_applicable", "only number questions have min and max"),
            ));
        }
        checked.push(Question {
            key,
            text,
            kind: q.kind,
            choices,
            required: q.required,
            min: q.min,
            max: q.max,
        });
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// One answer to one question, as sent and as stored: a number (scale, number), a text
/// (free text, the key of a single choice), or keys (multiple choice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    /// A scale or number answer.
    Number(f64),
    /// A free text, or the key of the choice made.
    Text(String),
    /// The keys of the choices made.
    Choices(Vec<String>),
}

/// One response: each question answered, by key.
pub type Response = BTreeMap<String, AnswerValue>;

fn wrong(kind: QuestionKind) -> ParseError {
    ParseError::new(
        "invalid_value",
        match kind {
            QuestionKind::SingleChoice => "must be the key of one of the question's choices",
            QuestionKind::MultipleChoice => "must be a list of keys of the question's choices",
            QuestionKind::Scale => "must be a whole number from 1 to 7",
            QuestionKind::Number => "must be a number",
            QuestionKind::FreeText => "must be text",
        },
    )
}

/// Checks a response against the questions: each key a question, each answer of its kind,
/// every required question answered. Blank texts and empty lists count as not answered. Errors
/// name the field (`answers.hours_a_month`).
pub fn check_response(
    questions: &[Question],
    given: Response,
) -> Result<Response, Vec<(String, ParseError)>> {
    let mut errors = Vec::new();
    let known: HashSet<&str> = questions.iter().map(|q| q.key.as_str()).collect();
    for key in given.keys() {
        if !known.contains(key.as_str()) {
            errors.push((
                format!("answers.{key}"),
                ParseError::new("not_found", "no question of the survey has this key"),
            ));
        }
    }
    let mut checked = Response::new();
    for q in questions {
        let field = format!("answers.{}", q.key);
        let value = match given.get(&q.key) {
            None => None,
            Some(value) => match check_answer(q, value) {
                Ok(value) => value,
                Err(e) => {
                    errors.push((field, e));
                    continue;
                }
            },
        };
        match value {
            Some(value) => {
                checked.insert(q.key.clone(), value);
            }
            None if q.required => errors.push((
                field,
                ParseError::new("required", "this question must be answered"),
            )),
            None => {}
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// One answer checked: `None` when it answers nothing (blank text, no choice).
fn check_answer(q: &Question, value: &AnswerValue) -> Result<Option<AnswerValue>, ParseError> {
    let is_choice = |key: &str| q.choices.iter().any(|c| c.key == key);
    match (q.kind, value) {
        (QuestionKind::SingleChoice, AnswerValue::Text(key)) if is_choice(key) => {
            Ok(Some(AnswerValue::Text(key.clone())))
        }
        (QuestionKind::MultipleChoice, AnswerValue::Choices(keys)) => {
            let mut unique: Vec<String> = Vec::with_capacity(keys.len());
            for key in keys {
                if !is_choice(key) {
                    return Err(wrong(q.kind));
                }
                if !unique.contains(key) {
                    unique.push(key.clone());
                }
            }
            // Kept in the order of the choices.
            unique.sort_by_key(|k| q.choices.iter().position(|c| c.key == *k));
            Ok((!unique.is_empty()).then_some(AnswerValue::Choices(unique)))
        }
        (QuestionKind::Scale, AnswerValue::Number(n))
            if n.fract() == 0.0 && (SCALE_MIN..=SCALE_MAX).contains(n) =>
        {
            Ok(Some(AnswerValue::Number(*n)))
        }
        (QuestionKind::Number, AnswerValue::Number(n)) => {
            let (min, max) = q.bounds();
            if n.is_finite() && (min..=max).contains(n) {
                Ok(Some(AnswerValue::Number(*n)))
            } else {
                Err(ParseError::new(
                    "out_of_range",
                    format!("must be between {min} and {max}"),
                ))
            }
        }
        (QuestionKind::FreeText, AnswerValue::Text(text)) => {
            let text = Text::<2000>::parse(text)?.into_inner();
            Ok((!text.is_empty()).then_some(AnswerValue::Text(text)))
        }
        (kind, _) => Err(wrong(kind)),
    }
}

/// The results of one question over a group's responses.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionResult {
    /// The question's key.
    pub key: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// How many responses answered it.
    pub answered: u32,
    /// Whether too few answered it to show more than that.
    pub withheld: bool,
    /// For choice questions each choice, for a scale each step: how many gave it, in order.
    pub counts: Vec<(String, u32)>,
    /// For scale and number questions: the mean of the answers, to two decimals.
    pub mean: Option<f64>,
    /// For free-text questions: the texts, sorted.
    pub texts: Vec<String>,
}

impl QuestionResult {
    /// Keeps only how many answered: the rest would give too few answers away.
    pub fn withhold(&mut self) {
        self.withheld = true;
        self.counts.clear();
        self.mean = None;
        self.texts.clear();
    }
}

/// Counts `responses` question by question. Free texts come sorted, so that their order tells
/// nothing of who wrote them. What to withhold is [`suppress`]'s to say.
pub fn tally(questions: &[Question], responses: &[&Response]) -> Vec<QuestionResult> {
    questions
        .iter()
        .map(|q| {
            let given: Vec<&AnswerValue> = responses.iter().filter_map(|r| r.get(&q.key)).collect();
            let mut counts: Vec<(String, u32)> = match q.kind {
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                    q.choices.iter().map(|c| (c.key.clone(), 0)).collect()
                }
                QuestionKind::Scale => (1..=7).map(|n| (n.to_string(), 0)).collect(),
                QuestionKind::Number | QuestionKind::FreeText => Vec::new(),
            };
            let mut bump = |key: &str| {
                if let Some(entry) = counts.iter_mut().find(|(k, _)| k == key) {
                    entry.1 += 1;
                }
            };
            let mut numbers = Vec::new();
            let mut texts = Vec::new();
            for value in &given {
                match value {
                    AnswerValue::Text(t) if q.kind == QuestionKind::FreeText => {
                        texts.push(t.clone());
                    }
                    AnswerValue::Text(key) => bump(key),
                    AnswerValue::Choices(keys) => keys.iter().for_each(|k| bump(k)),
                    AnswerValue::Number(n) => {
                        numbers.push(*n);
                        if q.kind == QuestionKind::Scale {
                            bump(&format!("{n:.0}"));
                        }
                    }
                }
            }
            let mean = (matches!(q.kind, QuestionKind::Scale | QuestionKind::Number)
                && !numbers.is_empty())
            .then(|| {
                let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
                (mean * 100.0).round() / 100.0
            });
            texts.sort_unstable();
            QuestionResult {
                key: q.key.clone(),
                kind: q.kind,
                answered: u32::try_from(given.len()).unwrap_or(u32::MAX),
                withheld: false,
                counts,
                mean,
                texts,
            }
        })
        .collect()
}

/// Whether a group's results are withheld: fewer responses than `min_group_size`.
pub const fn withheld(responses: usize, min_group_size: u16) -> bool {
    responses < min_group_size as usize
}

/// Which groups' results are withheld, given each group's bucket and number of responses:
/// those with fewer than `min_group_size`; then, within each bucket (groups whose sum is shown
/// elsewhere as a larger group, such as the units of one care district), and then over all
/// groups (whose sum is the municipality's total), more groups, the smallest first, until what
/// is withheld there is nothing or at least `min_group_size` responses. Otherwise a small group
/// could be worked out by subtracting the groups shown from the larger group's total.
/// `forced` (empty, or one per group) names groups withheld whatever their size.
pub fn withheld_groups<B: Eq>(
    groups: &[(B, usize)],
    min_group_size: u16,
    forced: &[bool],
) -> Vec<bool> {
    let mut hidden: Vec<bool> = groups
        .iter()
        .enumerate()
        .map(|(i, (_, n))| withheld(*n, min_group_size) || forced.get(i).copied().unwrap_or(false))
        .collect();
    for (i, (bucket, _)) in groups.iter().enumerate() {
        // Each bucket once, from its first group.
        if groups[..i].iter().any(|(b, _)| b == bucket) {
            continue;
        }
        let members: Vec<usize> = (0..groups.len())
            .filter(|&j| groups[j].0 == *bucket)
            .collect();
        cover(groups, &members, &mut hidden, min_group_size);
    }
    let everyone: Vec<usize> = (0..groups.len()).collect();
    cover(groups, &everyone, &mut hidden, min_group_size);
    hidden
}

/// What is withheld at each level results are shown at, decided once for all three so that
/// no combination of them gives a small group away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression<D> {
    /// Per unit, in the order given.
    pub units: Vec<bool>,
    /// Per care district (units outside one count as the district `D` they were given), in the
    /// order first met, with its number.
    pub districts: Vec<(D, usize, bool)>,
    /// The whole municipality.
    pub municipality: bool,
}

/// Decides what is withheld from `units`, each given as (its care district, a number: the
/// responses, or the answers to one question): districts as [`withheld_groups`] says over
/// all districts; every unit of a district withheld; then units as [`withheld_groups`] says
/// with their districts as buckets; the municipality when it has fewer than `min_group_size`.
pub fn suppress<D: Eq + Clone>(units: &[(D, usize)], min_group_size: u16) -> Suppression<D> {
    let mut districts: Vec<(D, usize)> = Vec::new();
    for (district, n) in units {
        match districts.iter_mut().find(|(d, _)| d == district) {
            Some(entry) => entry.1 += n,
            None => districts.push((district.clone(), *n)),
        }
    }
    let flat: Vec<((), usize)> = districts.iter().map(|(_, n)| ((), *n)).collect();
    let district_hidden = withheld_groups(&flat, min_group_size, &[]);
    let forced: Vec<bool> = units
        .iter()
        .map(|(district, _)| {
            districts
                .iter()
                .position(|(d, _)| d == district)
                .is_some_and(|i| district_hidden[i])
        })
        .collect();
    let total: usize = units.iter().map(|(_, n)| n).sum();
    Suppression {
        units: withheld_groups(units, min_group_size, &forced),
        districts: districts
            .into_iter()
            .zip(district_hidden)
            .map(|((d, n), hidden)| (d, n, hidden))
            .collect(),
        municipality: withheld(total, min_group_size),
    }
}

/// Hides more of `members`, the smallest first, until what they withhold is nothing or at
/// least `min_group_size` responses (or nothing is left to hide).
fn cover<B>(groups: &[(B, usize)], members: &[usize], hidden: &mut [bool], min_group_size: u16) {
    let min = usize::from(min_group_size);
    loop {
        let withheld: usize = members
            .iter()
            .filter(|&&j| hidden[j])
            .map(|&j| groups[j].1)
            .sum();
        if withheld == 0 || withheld >= min {
            return;
        }
        let Some(&next) = members
            .iter()
            .filter(|&&j| !hidden[j])
            .min_by_key(|&&j| groups[j].1)
        else {
            return;
        };
        hidden[next] = true;
    }
}

/// Where a round stands on `today`.
pub fn round_status(
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    cancelled: bool,
    today: NaiveDate,
) -> RoundStatus {
    if cancelled {
        RoundStatus::Cancelled
    } else if today < opens_on {
        RoundStatus::Scheduled
    } else if today > closes_on {
        RoundStatus::Closed
    } else {
        RoundStatus::Open
    }
}

/// Checks a round's dates: within the plausible years, closing on or after opening and not
/// before `today`, open at most [`MAX_ROUND_DAYS`].
pub fn check_round_dates(
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), Vec<(String, ParseError)>> {
    let mut errors = Vec::new();
    for (name, date) in [("opens_on", opens_on), ("closes_on", closes_on)] {
        if let Err(e) = crate::dates::plausible(date) {
            errors.push((name.to_owned(), e));
        }
    }
    if errors.is_empty() {
        if closes_on < opens_on {
            errors.push((
                "closes_on".to_owned(),
                ParseError::new("before_start", "must not be before opens_on"),
            ));
        } else if closes_on < today {
            errors.push((
                "closes_on".to_owned(),
                ParseError::new("in_past", "must not be in the past"),
            ));
        } else if (closes_on - opens_on).num_days() > MAX_ROUND_DAYS {
            errors.push((
                "closes_on".to_owned(),
                ParseError::new(
                    "too_long",
                    format!("a round is open at most {MAX_ROUND_DAYS} days"),
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A survey template: questions a municipality asks, revised in place.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyTemplate {
    /// Its id.
    pub id: SurveyTemplateId,
    /// Whose it is.
    pub municipality_id: MunicipalityId,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Who answers it.
    pub audience: SurveyAudience,
    /// The ready template it was made from, if one.
    pub ready_code: Option<String>,
    /// Raised each time the questions change.
    pub revision: i32,
    /// Its questions.
    pub questions: Vec<Question>,
    /// Who made it.
    pub created_by: Option<StaffUserId>,
    /// Raised by every change.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A round of a survey: the template's questions as they were, sent to units or volunteers,
/// open between two dates.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRound {
    /// Its id.
    pub id: SurveyRoundId,
    /// Whose it is.
    pub municipality_id: MunicipalityId,
    /// The template.
    pub template_id: SurveyTemplateId,
    /// The template's revision the questions come from.
    pub template_revision: i32,
    /// Its title.
    pub title: String,
    /// Who answers.
    pub audience: SurveyAudience,
    /// The questions asked.
    pub questions: Vec<Question>,
    /// The first day answers are taken.
    pub opens_on: NaiveDate,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// Results of a group with fewer responses are withheld.
    pub min_group_size: u16,
    /// When it was called off, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Who sent it.
    pub created_by: Option<StaffUserId>,
    /// Raised by every change.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl SurveyRound {
    /// Where it stands on `today`.
    pub fn status(&self, today: NaiveDate) -> RoundStatus {
        round_status(
            self.opens_on,
            self.closes_on,
            self.cancelled_at.is_some(),
            today,
        )
    }
}

/// A template ready to use, in the municipality's language.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadyTemplate {
    /// Its code.
    pub code: &'static str,
    /// Who answers it.
    pub audience: SurveyAudience,
    /// Its name.
    pub name: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// Its questions.
    pub questions: Vec<Question>,
}

/// The codes of the ready templates.
pub const READY_TEMPLATES: [&str; 2] = ["unit_resource_mapping", "volunteer_motivation"];

fn choice(key: &str, label: &str) -> Choice {
    Choice {
        key: key.to_owned(),
        label: label.to_owned(),
    }
}

fn question(key: &str, text: &str, kind: QuestionKind, required: bool) -> Question {
    Question {
        key: key.to_owned(),
        text: text.to_owned(),
        kind,
        choices: Vec::new(),
        required,
        min: None,
        max: None,
    }
}

fn with_choices(mut q: Question, choices: &[(&str, &str)]) -> Question {
    q.choices = choices.iter().map(|(k, l)| choice(k, l)).collect();
    q
}

fn between(mut q: Question, min: f64, max: f64) -> Question {
    q.min = Some(min);
    q.max = Some(max);
    q
}

/// A ready template by its code, in Norwegian or Danish.
pub fn ready_template(code: &str, country: Country) -> Option<ReadyTemplate> {
    use QuestionKind::{FreeText, MultipleChoice, Number, Scale, SingleChoice};
    let no = country == Country::Norway;
    let t = |nb: &'static str, da: &'static str| if no { nb } else { da };
    let activities: [(&str, &str); 6] = [
        (
            "companionship",
            t("Besøksvenn og samtale", "Besøgsven og samtale"),
        ),
        (
            "outdoors",
            t("Turer og aktivitet ute", "Gåture og aktivitet udendørs"),
        ),
        (
            "culture",
            t("Kultur, musikk og sang", "Kultur, musik og sang"),
        ),
        ("meals", t("Måltidsvenn", "Måltidsven")),
        ("escort", t("Følge til avtaler", "Ledsagelse til aftaler")),
        ("other", t("Annet", "Andet")),
    ];
    match code {
        "unit_resource_mapping" => Some(ReadyTemplate {
            code: "unit_resource_mapping",
            audience: SurveyAudience::Units,
            name: t(
                "Kartlegging av frivillig innsats i enheten",
                "Kortlægning af frivillig indsats i enheden",
            ),
            description: t(
                "Hva frivillige gjør hos enheten, hvor mye, og hva enheten ønsker mer av. Besvares av enhetens leder eller kontaktperson.",
                "Hvad frivillige laver i enheden, hvor meget, og hvad enheden ønsker mere af. Besvares af enhedens leder eller kontaktperson.",
            ),
            questions: vec![
                with_choices(
                    question(
                        "activities",
                        t(
                            "Hvilke aktiviteter gjør frivillige hos dere?",
                            "Hvilke aktiviteter laver frivillige hos jer?",
                        ),
                        MultipleChoice,
                        true,
                    ),
                    &activities,
                ),
                between(
                    question(
                        "volunteers_active",
                        t(
                            "Omtrent hvor mange frivillige var aktive hos dere sist måned?",
                            "Omtrent hvor mange frivillige var aktive hos jer sidste måned?",
                        ),
                        Number,
                        false,
                    ),
                    0.0,
                    1000.0,
                ),
                between(
                    question(
                        "hours_a_month",
                        t(
                            "Omtrent hvor mange timer frivillig innsats hadde enheten sist måned?",
                            "Omtrent hvor mange timers frivillig indsats havde enheden sidste måned?",
                        ),
                        Number,
                        true,
                    ),
                    0.0,
                    10_000.0,
                ),
                question(
                    "cooperation",
                    t(
                        "Hvor godt fungerer samarbeidet med de frivillige? (1 = svært dårlig, 7 = svært godt)",
                        "Hvor godt fungerer samarbejdet med de frivillige? (1 = meget dårligt, 7 = meget godt)",
                    ),
                    Scale,
                    true,
                ),
                with_choices(
                    question(
                        "wants_more",
                        t("Hva ønsker enheten mer av?", "Hvad ønsker enheden mere af?"),
                        MultipleChoice,
                        false,
                    ),
                    &activities,
                ),
                with_choices(
                    question(
                        "barriers",
                        t(
                            "Hva gjør det vanskelig å bruke frivillige mer?",
                            "Hvad gør det svært at bruge frivillige mere?",
                        ),
                        MultipleChoice,
                        false,
                    ),
                    &[
                        (
                            "staff_time",
                            t(
                                "Lite tid hos ansatte til å følge opp",
                                "Lidt tid hos personalet til at følge op",
                            ),
                        ),
                        (
                            "recruitment",
                            t("Vanskelig å rekruttere", "Svært at rekruttere"),
                        ),
                        (
                            "coordination",
                            t("Uklart hvem som koordinerer", "Uklart hvem der koordinerer"),
                        ),
                        (
                            "confidentiality",
                            t("Usikkerhet om taushetsplikt", "Usikkerhed om tavshedspligt"),
                        ),
                        (
                            "none",
                            t("Ingen særlige hindringer", "Ingen særlige hindringer"),
                        ),
                    ],
                ),
                question(
                    "comments",
                    t("Andre kommentarer", "Andre kommentarer"),
                    FreeText,
                    false,
                ),
            ],
        }),
        "volunteer_motivation" => Some(ReadyTemplate {
            code: "volunteer_motivation",
            audience: SurveyAudience::Volunteers,
            name: t(
                "Motivasjon og hindringer for frivillige",
                "Motivation og barrierer for frivillige",
            ),
            description: t(
                "En kort undersøkelse blant de frivillige: hvorfor de er med, hvordan de har det, og hva som står i veien.",
                "En kort undersøgelse blandt de frivillige: hvorfor de er med, hvordan de har det, og hvad der står i vejen.",
            ),
            questions: vec![
                with_choices(
                    question(
                        "motivation",
                        t("Hvorfor er du frivillig?", "Hvorfor er du frivillig?"),
                        MultipleChoice,
                        true,
                    ),
                    &[
                        (
                            "meaning",
                            t("Å gjøre noe meningsfylt", "At gøre noget meningsfuldt"),
                        ),
                        (
                            "social",
                            t("Å bli kjent med folk", "At lære nye mennesker at kende"),
                        ),
                        ("learning", t("Erfaring og læring", "Erfaring og læring")),
                        ("give_back", t("Å gi noe tilbake", "At give noget tilbage")),
                        ("other", t("Annet", "Andet")),
                    ],
                ),
                question(
                    "satisfaction",
                    t(
                        "Hvor fornøyd er du med oppdraget ditt? (1 = svært misfornøyd, 7 = svært fornøyd)",
                        "Hvor tilfreds er du med din opgave? (1 = meget utilfreds, 7 = meget tilfreds)",
                    ),
                    Scale,
                    true,
                ),
                question(
                    "followed_up",
                    t(
                        "Hvor godt blir du fulgt opp av koordinatoren? (1 = svært dårlig, 7 = svært godt)",
                        "Hvor godt bliver du fulgt op af koordinatoren? (1 = meget dårligt, 7 = meget godt)",
                    ),
                    Scale,
                    false,
                ),
                between(
                    question(
                        "hours_a_month",
                        t(
                            "Omtrent hvor mange timer er du frivillig i måneden?",
                            "Omtrent hvor mange timer er du frivillig om måneden?",
                        ),
                        Number,
                        false,
                    ),
                    0.0,
                    300.0,
                ),
                with_choices(
                    question(
                        "barriers",
                        t(
                            "Hva gjør det vanskelig å være frivillig?",
                            "Hvad gør det svært at være frivillig?",
                        ),
                        MultipleChoice,
                        false,
                    ),
                    &[
                        ("time", t("Lite tid", "Lidt tid")),
                        ("travel", t("Lang reisevei", "Lang transport")),
                        (
                            "unclear",
                            t("Uklart hva som forventes", "Uklart hvad der forventes"),
                        ),
                        ("heavy", t("Oppdraget føles tungt", "Opgaven føles tung")),
                        ("none", t("Ingenting særlig", "Ikke noget særligt")),
                    ],
                ),
                with_choices(
                    question(
                        "continue",
                        t(
                            "Vil du fortsette som frivillig det neste året?",
                            "Vil du fortsætte som frivillig det næste år?",
                        ),
                        SingleChoice,
                        true,
                    ),
                    &[
                        ("yes", t("Ja", "Ja")),
                        ("unsure", t("Usikker", "Usikker")),
                        ("no", t("Nei", "Nej")),
                    ],
                ),
                question(
                    "comments",
                    t("Vil du si noe mer?", "Vil du sige noget mere?"),
                    FreeText,
                    false,
                ),
            ],
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(key: &str) -> Question {
        question(key, "Hvor fornøyd?", QuestionKind::Scale, true)
    }

    #[test]
    fn the_ready_templates_pass_their_own_checks_in_both_languages() {
        for code in READY_TEMPLATES {
            for country in [Country::Norway, Country::Denmark] {
                let ready = ready_template(code, country).unwrap_or_else(|| panic!("{code}"));
                let questions = ready.questions.clone();
                assert_eq!(check_questions(ready.questions), Ok(questions), "{code}");
            }
        }
        assert!(ready_template("nothing", Country::Norway).is_none());
    }

    #[test]
    fn bad_questions_are_named() {
        let mut choice = question("what", "Hva?", QuestionKind::SingleChoice, false);
        choice.choices = vec![super::choice("a", "A"), super::choice("a", "A igjen")];
        let mut text = question("what", " ", QuestionKind::FreeText, false);
        text.min = Some(1.0);
        let errors = check_questions(vec![choice, text])
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "questions[0].choices[1].key",
                "questions[1].key",
                "questions[1].text",
                "questions[1].min"
            ]
        );
        assert!(check_questions(Vec::new()).is_err());
    }

    #[test]
    fn responses_are_checked_against_the_questions() {
        let ready = ready_template("volunteer_motivation", Country::Norway)
            .map(|t| t.questions)
            .unwrap_or_default();
        let mut good = Response::new();
        good.insert(
            "motivation".into(),
            AnswerValue::Choices(vec!["social".into(), "meaning".into(), "social".into()]),
        );
        good.insert("satisfaction".into(), AnswerValue::Number(6.0));
        good.insert("continue".into(), AnswerValue::Text("yes".into()));
        good.insert("comments".into(), AnswerValue::Text("  ".into()));
        let checked = check_response(&ready, good).unwrap_or_default();
        assert_eq!(
            checked.get("motivation"),
            Some(&AnswerValue::Choices(vec![
                "meaning".into(),
                "social".into()
            ]))
        );
        assert!(!checked.contains_key("comments"));

        let mut bad = Response::new();
        bad.insert("satisfaction".into(), AnswerValue::Number(7.5));
        bad.insert("hours_a_month".into(), AnswerValue::Number(301.0));
        bad.insert("continue".into(), AnswerValue::Text("maybe".into()));
        bad.insert("shoe_size".into(), AnswerValue::Number(42.0));
        let errors = check_response(&ready, bad).err().unwrap_or_default();
        let mut fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "answers.continue",
                "answers.hours_a_month",
                "answers.motivation",
                "answers.satisfaction",
                "answers.shoe_size"
            ]
        );
    }

    #[test]
    fn tallies_count_choices_and_steps_and_take_means() {
        let questions = vec![scale("satisfaction")];
        let answers: Vec<Response> = [7.0, 6.0, 6.0]
            .into_iter()
            .map(|n| Response::from([("satisfaction".to_owned(), AnswerValue::Number(n))]))
            .collect();
        let refs: Vec<&Response> = answers.iter().collect();
        let result = tally(&questions, &refs);
        assert_eq!(result[0].answered, 3);
        assert!(!result[0].withheld);
        assert_eq!(result[0].mean, Some(6.33));
        assert_eq!(result[0].counts[5], ("6".to_owned(), 2));
        assert_eq!(result[0].counts[6], ("7".to_owned(), 1));
        let mut few = result[0].clone();
        few.withhold();
        assert!(few.withheld);
        assert_eq!((few.mean, few.counts.len(), few.answered), (None, 0, 3));
        assert!(withheld(4, MIN_GROUP_SIZE));
        assert!(!withheld(5, MIN_GROUP_SIZE));
    }

    #[test]
    fn a_small_group_cannot_be_worked_out_from_a_total() {
        // One district: 7 and 2 responses; the 2 alone would be the total less the 7.
        assert_eq!(withheld_groups(&[(1, 7), (1, 2)], 5, &[]), [true, true]);
        // Two small groups together reach the minimum: the large one is shown.
        assert_eq!(
            withheld_groups(&[(1, 7), (1, 3), (1, 2)], 5, &[]),
            [false, true, true]
        );
        // The smallest shown group goes first.
        assert_eq!(
            withheld_groups(&[(1, 9), (1, 6), (1, 1)], 5, &[]),
            [false, true, true]
        );
        // Buckets are apart; nothing small, nothing withheld.
        assert_eq!(
            withheld_groups(&[(1, 5), (2, 8), (2, 6)], 5, &[]),
            [false, false, false]
        );
        assert_eq!(withheld_groups(&[(1, 4)], 5, &[]), [true]);
        // Alone in its bucket, a small group is covered from another bucket: the total less
        // the groups shown would give it away.
        assert_eq!(
            withheld_groups(&[(0, 1), (1, 6), (1, 5), (2, 50)], 5, &[]),
            [true, false, true, false]
        );
    }

    #[test]
    fn no_combination_of_units_districts_and_the_total_gives_a_small_unit_away() {
        // District 1: unit a with 3; district 2: b and c with 6 each; district 3: d with 5
        // and e with 50. Districts: 1 is small and covered by 2 (the smallest other), so 3 is
        // shown; every unit of 1 and 2 is withheld, d and e are shown.
        let s = suppress(&[(1, 3), (2, 6), (2, 6), (3, 5), (3, 50)], 5);
        assert_eq!(s.districts, [(1, 3, true), (2, 12, true), (3, 55, false)]);
        assert_eq!(s.units, [true, true, true, false, false]);
        assert!(!s.municipality);
        // Nothing small: nothing withheld.
        let s = suppress(&[(1, 5), (2, 6)], 5);
        assert_eq!(s.units, [false, false]);
        assert!(suppress(&[(1, 4)], 5).municipality);
    }

    #[test]
    fn a_round_is_open_between_its_dates() {
        let d = |day| NaiveDate::from_ymd_opt(2027, 3, day).unwrap_or_default();
        assert_eq!(
            round_status(d(2), d(4), false, d(1)),
            RoundStatus::Scheduled
        );
        assert_eq!(round_status(d(2), d(4), false, d(4)), RoundStatus::Open);
        assert_eq!(round_status(d(2), d(4), false, d(5)), RoundStatus::Closed);
        assert_eq!(round_status(d(2), d(4), true, d(3)), RoundStatus::Cancelled);
        assert!(check_round_dates(d(4), d(2), d(1)).is_err());
        assert!(check_round_dates(d(2), d(4), d(5)).is_err());
        assert!(check_round_dates(d(2), d(4), d(1)).is_ok());
    }
}
