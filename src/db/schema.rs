//! The tables as diesel sees them. Hand-written, with only the column types both backends share
//! (Text, BigInt, Integer, Bool, Timestamp); a test checks the two migration folders agree.

diesel::table! {
    districts (id) {
        id -> Text,
        name -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    neighbourhoods (id) {
        id -> Text,
        name -> Text,
        district_id -> Text,
        focus_area -> Bool,
        cbs_code -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        id -> Text,
        name -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    themes (id) {
        id -> Text,
        name -> Text,
        department_id -> Text,
        response_days -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_sub -> Text,
        actor_role -> Text,
        actor_name -> Nullable<Text>,
        actor_scope -> Nullable<Text>,
        actor_client_id -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        data -> Text,
    }
}

diesel::table! {
    event_counter (id) {
        id -> Integer,
        last_id -> BigInt,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        name_search -> Text,
        kind -> Text,
        kvk_number -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        website -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partner_neighbourhoods (partner_id, neighbourhood_id) {
        partner_id -> Text,
        neighbourhood_id -> Text,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        title -> Text,
        title_search -> Text,
        summary -> Nullable<Text>,
        district_id -> Text,
        initiator -> Nullable<Text>,
        initiator_partner_id -> Nullable<Text>,
        project_leader -> Nullable<Text>,
        start_date -> Nullable<Text>,
        end_date -> Nullable<Text>,
        sustainability_plan -> Nullable<Text>,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        response_due_at -> Nullable<Timestamp>,
        responded_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        eligible -> Nullable<Bool>,
        assessment_id -> Nullable<Text>,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        project_id -> Text,
        kind -> Text,
        department_id -> Nullable<Text>,
        status -> Text,
        effects -> Text,
        sustainability_score -> Integer,
        sustainability_motivation -> Text,
        advice -> Text,
        explanation -> Text,
        substantial_effects -> Integer,
        eligible -> Bool,
        author_sub -> Text,
        finalized_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_neighbourhoods (project_id, neighbourhood_id) {
        project_id -> Text,
        neighbourhood_id -> Text,
    }
}

diesel::table! {
    project_effects (project_id, effect) {
        project_id -> Text,
        effect -> Text,
    }
}

diesel::table! {
    goals (id) {
        id -> Text,
        project_id -> Text,
        effect -> Text,
        indicator -> Text,
        unit -> Text,
        baseline -> Double,
        target -> Double,
        actual -> Nullable<Double>,
        measured_on -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    funding_lines (id) {
        id -> Text,
        project_id -> Text,
        source_type -> Text,
        source_id -> Nullable<Text>,
        amount_cents -> BigInt,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_partners (project_id, partner_id) {
        project_id -> Text,
        partner_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_links (id) {
        id -> Text,
        project_id -> Text,
        target_project_id -> Text,
        kind -> Text,
        pair_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notes (id) {
        id -> Text,
        project_id -> Text,
        text -> Text,
        author_sub -> Text,
        author_role -> Text,
        author_name -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    signals (id) {
        id -> Text,
        title -> Text,
        title_search -> Text,
        description -> Text,
        neighbourhood_id -> Text,
        district_id -> Text,
        source -> Text,
        theme_id -> Text,
        policy_feedback -> Bool,
        reporter_name -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        reported_by_partner_id -> Nullable<Text>,
        assigned_department_id -> Text,
        status -> Text,
        received_at -> Timestamp,
        due_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        response -> Nullable<Text>,
        reassignment_count -> Integer,
        overdue_recorded -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reporter_wants_updates -> Bool,
        tracking_code -> Text,
    }
}

diesel::table! {
    signal_departments (signal_id, department_id) {
        signal_id -> Text,
        department_id -> Text,
    }
}

diesel::table! {
    signal_projects (signal_id, project_id) {
        signal_id -> Text,
        project_id -> Text,
    }
}

diesel::table! {
    personal_data_access (id) {
        id -> Text,
        occurred_at -> Timestamp,
        signal_id -> Text,
        reader_sub -> Text,
        reader_role -> Text,
        reader_scope -> Nullable<Text>,
        reader_client_id -> Nullable<Text>,
        view -> Text,
    }
}

diesel::joinable!(neighbourhoods -> districts (district_id));
diesel::joinable!(themes -> departments (department_id));
diesel::joinable!(partner_neighbourhoods -> partners (partner_id));
diesel::joinable!(project_neighbourhoods -> projects (project_id));
diesel::joinable!(project_effects -> projects (project_id));
diesel::joinable!(project_partners -> projects (project_id));
diesel::joinable!(goals -> projects (project_id));
diesel::joinable!(funding_lines -> projects (project_id));
diesel::joinable!(notes -> projects (project_id));

diesel::table! {
    subscriptions (id) {
        id -> Text,
        owner_sub -> Text,
        owner_role -> Text,
        owner_scope -> Nullable<Text>,
        owner_name -> Nullable<Text>,
        callback_url -> Text,
        types -> Text,
        filter_district_id -> Nullable<Text>,
        filter_neighbourhood_id -> Nullable<Text>,
        filter_department_id -> Nullable<Text>,
        filter_theme_id -> Nullable<Text>,
        description -> Nullable<Text>,
        status -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        last_event_id -> BigInt,
        retry_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        channel -> Text,
        rewinds -> BigInt,
    }
}

diesel::table! {
    deliveries (subscription_id, event_id) {
        subscription_id -> Text,
        event_id -> BigInt,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        first_attempt_at -> Nullable<Timestamp>,
        next_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(deliveries -> subscriptions (subscription_id));

diesel::table! {
    policy_issues (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        theme_id -> Text,
        department_id -> Text,
        status -> Text,
        raised_at -> Nullable<Timestamp>,
        response_due_at -> Nullable<Timestamp>,
        response_position -> Nullable<Text>,
        response_explanation -> Nullable<Text>,
        response_decided_on -> Nullable<Text>,
        response_follow_up_on -> Nullable<Text>,
        responded_at -> Nullable<Timestamp>,
        overdue_recorded -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_issue_signals (policy_issue_id, signal_id) {
        policy_issue_id -> Text,
        signal_id -> Text,
    }
}

diesel::table! {
    evaluations (project_id) {
        project_id -> Text,
        lessons_learned -> Text,
        what_worked -> Nullable<Text>,
        what_did_not -> Nullable<Text>,
        continuation -> Nullable<Text>,
        follow_up_project_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_voices (project_id, position) {
        project_id -> Text,
        position -> Integer,
        quote -> Text,
        speaker_role -> Text,
        neighbourhood_id -> Nullable<Text>,
    }
}

diesel::table! {
    mail_recipients (token) {
        token -> Text,
        kind -> Text,
        target_id -> Text,
        stopped_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    districts,
    neighbourhoods,
    departments,
    themes,
    events,
    event_counter,
    partners,
    partner_neighbourhoods,
    assessments,
    signals,
    signal_departments,
    signal_projects,
    projects,
    project_neighbourhoods,
    project_effects,
    goals,
    funding_lines,
    project_partners,
    project_links,
    notes,
    subscriptions,
    deliveries,
    policy_issues,
    policy_issue_signals,
    evaluations,
    evaluation_voices,
);

diesel::table! {
    assessment_scores (assessment_id, effect) {
        assessment_id -> Text,
        effect -> Text,
        score -> Integer,
    }
}

diesel::table! {
    idempotency_keys (subject, method, path, idempotency_key) {
        subject -> Text,
        method -> Text,
        path -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        attempt -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_location -> Nullable<Text>,
        response_etag -> Nullable<Text>,
        response_content_type -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}
