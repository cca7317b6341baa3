//! The HTTP surface: one module per resource, handlers named `verb_resource` (the operationId).
//! This file only registers the routes; a route file imports no other route file: what two of
//! them share lives below them (`access`, `input`, `cases`, `dto`).

pub mod activity_kinds;
pub mod auth;
pub mod calendars;
pub mod certificates;
pub mod clearance;
pub mod consents;
pub mod contact_persons;
pub mod dogs;
pub mod events;
pub mod follow_ups;
pub mod group_vetting;
pub mod groups;
pub mod health;
pub mod imports;
pub mod jobs;
pub mod me;
pub mod municipalities;
pub mod needs;
pub mod personal_data;
pub mod placements;
pub mod recipients;
pub mod registrations;
pub mod reports;
pub mod retention;
pub mod rules;
pub mod service_accounts;
pub mod surveys;
pub mod time_entries;
pub mod units;
pub mod users;
pub mod vetting;
pub mod visits;
pub mod volunteers;
pub mod webhook_endpoints;
pub mod work_items;

use crate::rate_limit::RateLimit;
use actix_governor::Governor;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every documented route. The same function feeds the server and `samspill openapi`,
/// so the spec cannot miss a route. `rate_limit` is shared by all workers.
pub fn configure(rate_limit: &RateLimit) -> impl FnOnce(&mut ServiceConfig) + '_ {
    move |cfg| {
        let auth_scope = scope::scope("/auth").wrap(Governor::new(rate_limit));
        cfg.service(health::get_live)
            .service(health::get_ready)
            .service(health::get_metrics)
            .service(
                scope::scope("/api/v1")
                    .service(
                        auth_scope
                            .service(auth::issue_token)
                            .service(auth::revoke_token),
                    )
                    .service(
                        scope::scope("/registrations")
                            .wrap(Governor::new(rate_limit))
                            .service(registrations::create_registration),
                    )
                    .service(
                        scope::scope("/public")
                            .wrap(Governor::new(rate_limit))
                            .service(needs::list_public_needs)
                            .service(surveys::get_public_survey)
                            .service(surveys::answer_public_survey),
                    )
                    .service(me::get_me)
                    .service(me::change_my_password)
                    .service(me::get_my_volunteer)
                    .service(me::update_my_volunteer)
                    .service(me::list_my_placements)
                    .service(me::list_my_visits)
                    .service(me::get_my_calendar)
                    .service(me::get_my_notification_preferences)
                    .service(me::update_my_notification_preferences)
                    .service(surveys::list_my_surveys)
                    .service(surveys::answer_my_survey)
                    .service(surveys::create_survey_template)
                    .service(surveys::list_survey_templates)
                    .service(surveys::get_survey_template)
                    .service(surveys::update_survey_template)
                    .service(surveys::create_survey_round)
                    .service(surveys::list_survey_rounds)
                    .service(surveys::get_survey_round)
                    .service(surveys::update_survey_round)
                    .service(surveys::create_survey_links)
                    .service(surveys::list_survey_recipients)
                    .service(surveys::get_survey_results)
                    .service(imports::import_volunteers)
                    .service(imports::get_import)
                    .service(imports::list_import_rows)
                    .service(imports::get_import_errors)
                    .service(personal_data::export_my_data)
                    .service(personal_data::list_audit_log)
                    .service(personal_data::export_volunteer)
                    .service(personal_data::get_volunteer_retention)
                    .service(personal_data::extend_volunteer_retention)
                    .service(retention::list_retention_policies)
                    .service(retention::put_retention_policy)
                    .service(retention::delete_retention_policy)
                    .service(retention::list_retention_due)
                    .service(consents::give_volunteer_consent)
                    .service(consents::list_volunteer_consents)
                    .service(consents::give_recipient_consent)
                    .service(consents::list_recipient_consents)
                    .service(consents::get_consent)
                    .service(consents::withdraw_consent)
                    .service(events::list_my_events)
                    .service(events::answer_my_invitation)
                    .service(events::create_event)
                    .service(events::list_events)
                    .service(events::get_event)
                    .service(events::update_event)
                    .service(events::transition_event)
                    .service(events::list_event_invitations)
                    .service(events::invite_to_event)
                    .service(events::answer_invitation)
                    .service(events::list_event_attendance)
                    .service(events::record_event_attendance)
                    .service(events::grant_event_credentials)
                    .service(events::list_training_credentials)
                    .service(events::create_training_credential)
                    .service(municipalities::create_municipality)
                    .service(municipalities::list_municipalities)
                    .service(municipalities::get_municipality)
                    .service(municipalities::update_municipality)
                    .service(activity_kinds::list_activity_kinds)
                    .service(activity_kinds::create_activity_kind)
                    .service(activity_kinds::delete_activity_kind)
                    .service(units::create_unit)
                    .service(units::list_units)
                    .service(units::get_unit)
                    .service(units::update_unit)
                    .service(units::delete_unit)
                    .service(users::create_user)
                    .service(users::list_users)
                    .service(users::get_user)
                    .service(users::update_user)
                    .service(users::reset_user_password)
                    .service(service_accounts::create_service_account)
                    .service(service_accounts::list_service_accounts)
                    .service(service_accounts::get_service_account)
                    .service(service_accounts::update_service_account)
                    .service(service_accounts::delete_service_account)
                    .service(service_accounts::rotate_service_account_secret)
                    .service(contact_persons::create_contact_person)
                    .service(contact_persons::list_contact_persons)
                    .service(contact_persons::get_contact_person)
                    .service(contact_persons::update_contact_person)
                    .service(contact_persons::delete_contact_person)
                    .service(volunteers::create_volunteer)
                    .service(volunteers::list_volunteers)
                    .service(volunteers::get_volunteer)
                    .service(volunteers::update_volunteer)
                    .service(volunteers::erase_volunteer)
                    .service(vetting::transition_volunteer)
                    .service(vetting::get_volunteer_history)
                    .service(vetting::create_screening)
                    .service(vetting::list_screenings)
                    .service(vetting::create_reference_check)
                    .service(vetting::list_reference_checks)
                    .service(vetting::complete_reference_check)
                    .service(vetting::create_declaration)
                    .service(vetting::list_declarations)
                    .service(vetting::publish_document)
                    .service(vetting::list_documents)
                    .service(rules::list_requirement_rules)
                    .service(rules::create_requirement_rule)
                    .service(rules::get_requirement_rule)
                    .service(rules::update_requirement_rule)
                    .service(rules::delete_requirement_rule)
                    .service(clearance::get_volunteer_clearance)
                    .service(clearance::list_volunteer_status)
                    .service(work_items::list_work_items)
                    .service(webhook_endpoints::create_webhook_endpoint)
                    .service(webhook_endpoints::list_webhook_endpoints)
                    .service(webhook_endpoints::get_webhook_endpoint)
                    .service(webhook_endpoints::update_webhook_endpoint)
                    .service(webhook_endpoints::delete_webhook_endpoint)
                    .service(webhook_endpoints::rotate_webhook_secret)
                    .service(webhook_endpoints::list_webhook_deliveries)
                    .service(webhook_endpoints::retry_webhook_delivery)
                    .service(dogs::create_dog)
                    .service(dogs::list_dogs)
                    .service(dogs::get_dog)
                    .service(dogs::update_dog)
                    .service(dogs::delete_dog)
                    .service(dogs::create_dog_approval)
                    .service(dogs::list_dog_approvals)
                    .service(group_vetting::create_group_screening)
                    .service(group_vetting::list_group_screenings)
                    .service(group_vetting::create_group_declaration)
                    .service(group_vetting::list_group_declarations)
                    .service(group_vetting::transition_group)
                    .service(group_vetting::get_group_history)
                    .service(clearance::get_group_clearance)
                    .service(certificates::create_police_certificate)
                    .service(certificates::list_police_certificates)
                    .service(certificates::get_police_certificate)
                    .service(certificates::delete_police_certificate)
                    .service(certificates::list_volunteer_audit_log)
                    .service(groups::create_group)
                    .service(groups::list_groups)
                    .service(groups::get_group)
                    .service(groups::update_group)
                    .service(recipients::create_recipient)
                    .service(recipients::list_recipients)
                    .service(recipients::get_recipient)
                    .service(recipients::update_recipient)
                    .service(recipients::erase_recipient)
                    .service(placements::create_placement)
                    .service(placements::list_placements)
                    .service(placements::get_placement)
                    .service(placements::update_placement)
                    .service(placements::transition_placement)
                    .service(placements::get_placement_history)
                    .service(placements::create_schedule)
                    .service(placements::list_schedules)
                    .service(placements::replace_schedule)
                    .service(placements::delete_schedule)
                    .service(visits::create_visit)
                    .service(visits::list_visits)
                    .service(visits::get_visit)
                    .service(visits::update_visit)
                    .service(visits::transition_visit)
                    .service(calendars::get_volunteer_calendar)
                    .service(calendars::get_unit_calendar)
                    .service(needs::create_need)
                    .service(needs::list_needs)
                    .service(needs::get_need)
                    .service(needs::update_need)
                    .service(needs::transition_need)
                    .service(needs::list_need_interests)
                    .service(needs::record_need_interest)
                    .service(needs::delete_need_interest)
                    .service(needs::list_need_candidates)
                    .service(needs::create_need_placement)
                    .service(needs::offer_interest)
                    .service(needs::withdraw_interest)
                    .service(follow_ups::create_follow_up)
                    .service(follow_ups::list_follow_ups)
                    .service(follow_ups::get_follow_up)
                    .service(follow_ups::update_follow_up)
                    .service(follow_ups::log_contact)
                    .service(follow_ups::list_contacts)
                    .service(time_entries::create_time_entry)
                    .service(time_entries::list_time_entries)
                    .service(time_entries::get_time_entry)
                    .service(time_entries::decide_time_entry)
                    .service(time_entries::create_my_time_entry)
                    .service(time_entries::list_my_time_entries)
                    .service(time_entries::get_my_time_entry)
                    .service(reports::get_hours_report)
                    .service(jobs::run_job),
            );
    }
}
