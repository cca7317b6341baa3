// @generated automatically by Diesel CLI.

diesel::table! {
    activity_kinds (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        code -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        actor_kind -> Text,
        actor_id -> Uuid,
        action -> Text,
        resource -> Text,
        resource_id -> Nullable<Uuid>,
        at -> Timestamptz,
        request_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    clearance_announcements (municipality_id, volunteer_id) {
        municipality_id -> Uuid,
        volunteer_id -> Uuid,
        cleared_for -> Jsonb,
        changes_on -> Nullable<Date>,
        announced_at -> Timestamptz,
    }
}

diesel::table! {
    clearance_watch (municipality_id) {
        municipality_id -> Uuid,
        read_at -> Timestamptz,
        read_id -> Uuid,
    }
}

diesel::table! {
    consents (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        recipient_id -> Nullable<Uuid>,
        purpose -> Text,
        text_version -> Text,
        given_on -> Date,
        given_by -> Text,
        representative -> Nullable<Text>,
        recorded_by -> Uuid,
        withdrawn_on -> Nullable<Date>,
        withdrawn_by -> Nullable<Text>,
        withdrawal_recorded_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    contact_log (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        follow_up_id -> Nullable<Uuid>,
        volunteer_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        unit_id -> Nullable<Uuid>,
        recipient_id -> Nullable<Uuid>,
        placement_id -> Nullable<Uuid>,
        occurred_at -> Timestamptz,
        counterpart -> Text,
        channel -> Text,
        reached -> Bool,
        duration_minutes -> Nullable<Int4>,
        note -> Nullable<Text>,
        logged_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    contact_persons (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        kind -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        staff_user_id -> Nullable<Uuid>,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    declarations (id) {
        id -> Uuid,
        volunteer_id -> Uuid,
        kind -> Text,
        document_version -> Text,
        signed_on -> Date,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    dog_approvals (id) {
        id -> Uuid,
        dog_id -> Uuid,
        handler_id -> Uuid,
        programme -> Text,
        categories -> Array<Nullable<Text>>,
        assessed_on -> Date,
        assessor -> Text,
        vet_checked_on -> Date,
        vaccinations_valid_until -> Date,
        insurance_valid_until -> Date,
        valid_until -> Date,
        restrictions -> Nullable<Text>,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    dogs (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        handler_id -> Uuid,
        name -> Text,
        breed -> Text,
        birth_date -> Date,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    event_attendance (municipality_id, session_id, invitation_id) {
        municipality_id -> Uuid,
        session_id -> Uuid,
        invitation_id -> Uuid,
        status -> Text,
        reason -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    event_invitations (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        event_id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        staff_user_id -> Nullable<Uuid>,
        status -> Text,
        seats -> Int4,
        answered_at -> Nullable<Timestamptz>,
        answered_by -> Nullable<Uuid>,
        waitlisted_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    event_sessions (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        event_id -> Uuid,
        position -> Int2,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        place -> Text,
    }
}

diesel::table! {
    events (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        title -> Text,
        description -> Nullable<Text>,
        status -> Text,
        capacity -> Nullable<Int4>,
        registration_opens_at -> Nullable<Timestamptz>,
        registration_closes_at -> Nullable<Timestamptz>,
        invite_all_approved -> Bool,
        invite_staff -> Bool,
        invite_unit_ids -> Array<Nullable<Uuid>>,
        invite_volunteer_ids -> Array<Nullable<Uuid>>,
        invite_group_ids -> Array<Nullable<Uuid>>,
        grants_training -> Nullable<Text>,
        grant_mode -> Nullable<Text>,
        grant_validity_months -> Nullable<Int2>,
        credentials_granted_at -> Nullable<Timestamptz>,
        credentials_granted_by -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    follow_up_overdue_events (municipality_id, follow_up_id, due_on) {
        municipality_id -> Uuid,
        follow_up_id -> Uuid,
        due_on -> Date,
        event_id -> Uuid,
    }
}

diesel::table! {
    follow_ups (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        unit_id -> Nullable<Uuid>,
        recipient_id -> Nullable<Uuid>,
        placement_id -> Nullable<Uuid>,
        purpose -> Text,
        channel -> Text,
        due_on -> Date,
        assignee_id -> Nullable<Uuid>,
        status -> Text,
        outcome -> Nullable<Text>,
        note -> Nullable<Text>,
        source -> Text,
        raised_by_id -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        closed_at -> Nullable<Timestamptz>,
        closed_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    group_declarations (id) {
        id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        document_version -> Text,
        signed_on -> Date,
        signed_by -> Uuid,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    group_members (group_id, volunteer_id) {
        group_id -> Uuid,
        volunteer_id -> Uuid,
        municipality_id -> Uuid,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    group_screenings (id) {
        id -> Uuid,
        group_id -> Uuid,
        contact_person_id -> Uuid,
        held_at -> Timestamptz,
        channel -> Text,
        interviewer_id -> Uuid,
        assessment -> Text,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    group_status_changes (id) {
        id -> Uuid,
        group_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        changed_by -> Nullable<Uuid>,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    groups (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        name -> Text,
        kind -> Text,
        org_number -> Nullable<Text>,
        description -> Nullable<Text>,
        home_unit_id -> Nullable<Uuid>,
        contact_person_id -> Uuid,
        head_count -> Int4,
        status -> Text,
        external_reference -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        status_changed_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        fingerprint -> Bytea,
        status -> Nullable<Int2>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Nullable<Bytea>,
        forgotten_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttles (name_hash) {
        name_hash -> Bytea,
        attempts -> Int4,
        last_attempt_at -> Timestamptz,
        blocked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    municipalities (id) {
        id -> Uuid,
        country -> Text,
        code -> Text,
        name -> Text,
        settings -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    municipality_documents (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        kind -> Text,
        version_label -> Text,
        published_on -> Date,
        published_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    need_interests (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        need_id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        source -> Text,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    needs (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        unit_id -> Uuid,
        recipient_id -> Nullable<Uuid>,
        activity_kind -> Text,
        target_group -> Text,
        starts_on -> Date,
        weekdays -> Array<Nullable<Int2>>,
        interval_weeks -> Int2,
        until -> Nullable<Date>,
        start_time -> Time,
        duration_minutes -> Int4,
        places -> Int4,
        open_to -> Text,
        languages -> Array<Nullable<Text>>,
        description -> Text,
        published -> Bool,
        status -> Text,
        contact_person_id -> Nullable<Uuid>,
        created_by -> Uuid,
        opened_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_preferences (municipality_id, staff_user_id) {
        municipality_id -> Uuid,
        staff_user_id -> Uuid,
        opted_out -> Array<Nullable<Text>>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        dedupe_key -> Text,
        volunteer_id -> Nullable<Uuid>,
        staff_user_id -> Nullable<Uuid>,
        channel -> Text,
        data -> Jsonb,
        send_after -> Timestamptz,
        send_before -> Nullable<Timestamptz>,
        status -> Text,
        reason -> Nullable<Text>,
        attempts -> Int4,
        sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    outbox_events (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        event_type -> Text,
        body -> Text,
        created_at -> Timestamptz,
        dispatched_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    placement_schedules (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        placement_id -> Uuid,
        starts_on -> Date,
        weekdays -> Array<Nullable<Int2>>,
        interval_weeks -> Int2,
        start_time -> Time,
        duration_minutes -> Int4,
        until -> Nullable<Date>,
        count -> Nullable<Int4>,
        excluded_dates -> Array<Nullable<Date>>,
        generated_until -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    placement_status_changes (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        placement_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        changed_by -> Nullable<Uuid>,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    placements (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        head_count -> Nullable<Int4>,
        unit_id -> Nullable<Uuid>,
        recipient_id -> Nullable<Uuid>,
        activity_kind -> Text,
        target_group -> Text,
        dog_id -> Nullable<Uuid>,
        coordinator_id -> Uuid,
        contact_person_id -> Nullable<Uuid>,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        description -> Nullable<Text>,
        status -> Text,
        clearance -> Jsonb,
        clearance_checked_at -> Timestamptz,
        clearance_checked_on -> Date,
        clearance_changes_on -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        need_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    police_certificates (id) {
        id -> Uuid,
        volunteer_id -> Uuid,
        kind -> Text,
        purpose -> Text,
        issued_on -> Date,
        presented_on -> Date,
        checked_by -> Uuid,
        outcome -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    recipients (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        display_name -> Text,
        address -> Text,
        contact_phone -> Nullable<Text>,
        responsible_unit_id -> Uuid,
        consent_given_by -> Text,
        consent_representative -> Nullable<Text>,
        consent_given_on -> Date,
        consent_recorded_by -> Uuid,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reference_checks (id) {
        id -> Uuid,
        volunteer_id -> Uuid,
        referee_name -> Text,
        relation -> Text,
        contacted_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
        notes -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        outcome_recorded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        token_hash -> Bytea,
        family_id -> Uuid,
        user_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    requirement_rules (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        name -> Text,
        activity_kind -> Nullable<Text>,
        setting -> Nullable<Text>,
        target_group -> Nullable<Text>,
        with_dog -> Nullable<Bool>,
        requirement -> Text,
        max_age_months -> Nullable<Int2>,
        strict -> Bool,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        training -> Nullable<Text>,
    }
}

diesel::table! {
    retention_extensions (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        volunteer_id -> Uuid,
        until -> Date,
        reason -> Text,
        extended_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    retention_notices (municipality_id, volunteer_id) {
        municipality_id -> Uuid,
        volunteer_id -> Uuid,
        category -> Text,
        due_on -> Date,
        warned_on -> Date,
    }
}

diesel::table! {
    retention_policies (municipality_id, category) {
        municipality_id -> Uuid,
        category -> Text,
        months -> Int2,
        action -> Text,
        warn_days -> Int2,
        updated_by -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    screenings (id) {
        id -> Uuid,
        volunteer_id -> Uuid,
        held_at -> Timestamptz,
        channel -> Text,
        interviewer_id -> Uuid,
        interests_mapped -> Array<Nullable<Text>>,
        assessment -> Text,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    service_accounts (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        name -> Text,
        client_id -> Text,
        secret_hash -> Bytea,
        scopes -> Array<Nullable<Text>>,
        active -> Bool,
        created_by -> Nullable<Uuid>,
        last_used_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    staff_user_districts (municipality_id, staff_user_id, unit_id) {
        municipality_id -> Uuid,
        staff_user_id -> Uuid,
        unit_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    staff_users (id) {
        id -> Uuid,
        municipality_id -> Nullable<Uuid>,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        password_change_required -> Bool,
        active -> Bool,
        last_login_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    survey_recipients (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        round_id -> Uuid,
        unit_id -> Nullable<Uuid>,
        volunteer_id -> Nullable<Uuid>,
        token_hash -> Nullable<Bytea>,
        link_made_at -> Nullable<Timestamptz>,
        answered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    survey_responses (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        round_id -> Uuid,
        unit_id -> Nullable<Uuid>,
        district_id -> Nullable<Uuid>,
        answers -> Jsonb,
        submitted_on -> Date,
    }
}

diesel::table! {
    survey_rounds (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        template_id -> Uuid,
        template_revision -> Int4,
        title -> Text,
        audience -> Text,
        questions -> Jsonb,
        opens_on -> Date,
        closes_on -> Date,
        min_group_size -> Int2,
        cancelled_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    survey_templates (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        audience -> Text,
        ready_code -> Nullable<Text>,
        revision -> Int4,
        questions -> Jsonb,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    time_entries (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        volunteer_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        head_count -> Nullable<Int4>,
        occurred_on -> Date,
        minutes -> Int4,
        placement_id -> Nullable<Uuid>,
        visit_id -> Nullable<Uuid>,
        unit_id -> Nullable<Uuid>,
        activity_kind -> Nullable<Text>,
        note -> Nullable<Text>,
        source -> Text,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    time_entry_changes (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        time_entry_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        changed_by -> Nullable<Uuid>,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    training_credentials (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        volunteer_id -> Uuid,
        training -> Text,
        completed_on -> Date,
        valid_until -> Nullable<Date>,
        event_id -> Nullable<Uuid>,
        note -> Nullable<Text>,
        granted_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    units (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    visits (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        placement_id -> Uuid,
        schedule_id -> Nullable<Uuid>,
        local_date -> Date,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        status -> Text,
        accompanied_by_user_id -> Nullable<Uuid>,
        accompanied_by_contact_id -> Nullable<Uuid>,
        flag -> Nullable<Text>,
        status_reason -> Nullable<Text>,
        status_changed_by -> Nullable<Uuid>,
        status_changed_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    volunteer_import_rows (municipality_id, import_id, line) {
        municipality_id -> Uuid,
        import_id -> Uuid,
        line -> Int4,
        action -> Text,
        volunteer_id -> Nullable<Uuid>,
        errors -> Jsonb,
        cells -> Nullable<Array<Nullable<Text>>>,
    }
}

diesel::table! {
    volunteer_imports (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        file_sha256 -> Text,
        mode -> Text,
        status -> Text,
        all_or_nothing -> Bool,
        separator -> Text,
        bom -> Bool,
        header -> Array<Nullable<Text>>,
        ignored_columns -> Array<Nullable<Text>>,
        rows_read -> Int4,
        created -> Int4,
        updated -> Int4,
        skipped -> Int4,
        failed -> Int4,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    volunteer_status_changes (id) {
        id -> Uuid,
        volunteer_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        changed_by -> Nullable<Uuid>,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    volunteers (id) {
        id -> Uuid,
        municipality_id -> Uuid,
        status -> Text,
        given_name -> Text,
        family_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        street_address -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        birth_year -> Nullable<Int2>,
        languages -> Array<Nullable<Text>>,
        interests -> Array<Nullable<Text>>,
        activity_kinds -> Array<Nullable<Text>>,
        availability -> Array<Nullable<Text>>,
        commitment -> Text,
        home_unit_id -> Nullable<Uuid>,
        contact_person_id -> Nullable<Uuid>,
        notes -> Nullable<Text>,
        references_needed -> Bool,
        staff_user_id -> Nullable<Uuid>,
        source -> Text,
        privacy_notice_version -> Nullable<Text>,
        possible_duplicate -> Bool,
        erased_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        external_reference -> Nullable<Text>,
        status_changed_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (municipality_id, delivery_id, attempt) {
        municipality_id -> Uuid,
        delivery_id -> Uuid,
        attempt -> Int4,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    webhook_deliveries (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Uuid,
        event_type -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_endpoints (municipality_id, id) {
        municipality_id -> Uuid,
        id -> Uuid,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Array<Nullable<Text>>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamptz>,
        failure_streak -> Int4,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(activity_kinds -> municipalities (municipality_id));
diesel::joinable!(activity_kinds -> staff_users (created_by));
diesel::joinable!(audit_log -> municipalities (municipality_id));
diesel::joinable!(clearance_watch -> municipalities (municipality_id));
diesel::joinable!(consents -> municipalities (municipality_id));
diesel::joinable!(contact_log -> municipalities (municipality_id));
diesel::joinable!(contact_log -> staff_users (logged_by));
diesel::joinable!(contact_persons -> municipalities (municipality_id));
diesel::joinable!(contact_persons -> staff_users (staff_user_id));
diesel::joinable!(declarations -> staff_users (recorded_by));
diesel::joinable!(declarations -> volunteers (volunteer_id));
diesel::joinable!(dog_approvals -> dogs (dog_id));
diesel::joinable!(dog_approvals -> staff_users (recorded_by));
diesel::joinable!(dog_approvals -> volunteers (handler_id));
diesel::joinable!(dogs -> municipalities (municipality_id));
diesel::joinable!(event_attendance -> staff_users (recorded_by));
diesel::joinable!(events -> municipalities (municipality_id));
diesel::joinable!(follow_ups -> municipalities (municipality_id));
diesel::joinable!(group_declarations -> contact_persons (signed_by));
diesel::joinable!(group_declarations -> groups (group_id));
diesel::joinable!(group_declarations -> staff_users (recorded_by));
diesel::joinable!(group_screenings -> contact_persons (contact_person_id));
diesel::joinable!(group_screenings -> groups (group_id));
diesel::joinable!(group_screenings -> staff_users (interviewer_id));
diesel::joinable!(group_status_changes -> groups (group_id));
diesel::joinable!(group_status_changes -> staff_users (changed_by));
diesel::joinable!(groups -> municipalities (municipality_id));
diesel::joinable!(municipality_documents -> municipalities (municipality_id));
diesel::joinable!(municipality_documents -> staff_users (published_by));
diesel::joinable!(need_interests -> staff_users (recorded_by));
diesel::joinable!(needs -> municipalities (municipality_id));
diesel::joinable!(needs -> staff_users (created_by));
diesel::joinable!(notification_preferences -> municipalities (municipality_id));
diesel::joinable!(notification_preferences -> staff_users (staff_user_id));
diesel::joinable!(notifications -> municipalities (municipality_id));
diesel::joinable!(notifications -> staff_users (staff_user_id));
diesel::joinable!(outbox_events -> municipalities (municipality_id));
diesel::joinable!(placement_status_changes -> staff_users (changed_by));
diesel::joinable!(placements -> municipalities (municipality_id));
diesel::joinable!(placements -> staff_users (coordinator_id));
diesel::joinable!(police_certificates -> staff_users (checked_by));
diesel::joinable!(police_certificates -> volunteers (volunteer_id));
diesel::joinable!(recipients -> municipalities (municipality_id));
diesel::joinable!(recipients -> staff_users (consent_recorded_by));
diesel::joinable!(reference_checks -> volunteers (volunteer_id));
diesel::joinable!(refresh_tokens -> staff_users (user_id));
diesel::joinable!(requirement_rules -> municipalities (municipality_id));
diesel::joinable!(requirement_rules -> staff_users (created_by));
diesel::joinable!(retention_extensions -> municipalities (municipality_id));
diesel::joinable!(retention_notices -> municipalities (municipality_id));
diesel::joinable!(retention_policies -> municipalities (municipality_id));
diesel::joinable!(screenings -> staff_users (interviewer_id));
diesel::joinable!(screenings -> volunteers (volunteer_id));
diesel::joinable!(service_accounts -> municipalities (municipality_id));
diesel::joinable!(service_accounts -> staff_users (created_by));
diesel::joinable!(staff_user_districts -> municipalities (municipality_id));
diesel::joinable!(staff_users -> municipalities (municipality_id));
diesel::joinable!(survey_rounds -> staff_users (created_by));
diesel::joinable!(survey_templates -> municipalities (municipality_id));
diesel::joinable!(survey_templates -> staff_users (created_by));
diesel::joinable!(time_entries -> municipalities (municipality_id));
diesel::joinable!(time_entry_changes -> staff_users (changed_by));
diesel::joinable!(training_credentials -> staff_users (granted_by));
diesel::joinable!(units -> municipalities (municipality_id));
diesel::joinable!(volunteer_imports -> municipalities (municipality_id));
diesel::joinable!(volunteer_status_changes -> staff_users (changed_by));
diesel::joinable!(volunteer_status_changes -> volunteers (volunteer_id));
diesel::joinable!(volunteers -> municipalities (municipality_id));
diesel::joinable!(volunteers -> staff_users (staff_user_id));
diesel::joinable!(webhook_endpoints -> municipalities (municipality_id));
diesel::joinable!(webhook_endpoints -> staff_users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    activity_kinds,
    audit_log,
    clearance_announcements,
    clearance_watch,
    consents,
    contact_log,
    contact_persons,
    declarations,
    dog_approvals,
    dogs,
    event_attendance,
    event_invitations,
    event_sessions,
    events,
    follow_up_overdue_events,
    follow_ups,
    group_declarations,
    group_members,
    group_screenings,
    group_status_changes,
    groups,
    idempotency_keys,
    login_throttles,
    municipalities,
    municipality_documents,
    need_interests,
    needs,
    notification_preferences,
    notifications,
    outbox_events,
    placement_schedules,
    placement_status_changes,
    placements,
    police_certificates,
    recipients,
    reference_checks,
    refresh_tokens,
    requirement_rules,
    retention_extensions,
    retention_notices,
    retention_policies,
    screenings,
    service_accounts,
    staff_user_districts,
    staff_users,
    survey_recipients,
    survey_responses,
    survey_rounds,
    survey_templates,
    time_entries,
    time_entry_changes,
    training_credentials,
    units,
    visits,
    volunteer_import_rows,
    volunteer_imports,
    volunteer_status_changes,
    volunteers,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
);
