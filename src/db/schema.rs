//! The tables, in the SQL types both backends share (BigInt ids, Text, Bool, Timestamp in UTC).
//! Hand-maintained: `diesel print-schema` output differs per backend.

diesel::table! {
    handles (name) {
        name -> Text,
        kind -> Text,
    }
}

diesel::table! {
    persons (id) {
        id -> BigInt,
        name -> Text,
        display_name -> Text,
        bio -> Text,
        title -> Text,
        role -> Text,
        status -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        remote_actor_id -> Nullable<BigInt>,
        staff_of -> Nullable<Text>,
        avatar -> Nullable<Text>,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        label -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    instance_settings (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        registration_mode -> Text,
        updated_at -> Timestamp,
        accent_color -> Text,
        logo_url -> Text,
        public_key_pem -> Text,
        private_key_pem -> Text,
        federation_mode -> Text,
        modlog_names -> Bool,
        registration_questions -> Text,
    }
}

diesel::table! {
    federation_domains (domain) {
        domain -> Text,
        kind -> Text,
        reason -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invites (id) {
        id -> BigInt,
        code -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        used_by -> Nullable<BigInt>,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        target -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    spaces (id) {
        id -> BigInt,
        name -> Text,
        title -> Text,
        description -> Text,
        description_html -> Text,
        rules -> Text,
        rules_html -> Text,
        posting_mode -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        remote_actor_id -> Nullable<BigInt>,
        response_target_minutes -> BigInt,
        newcomer_posts -> BigInt,
        spam_threshold -> BigInt,
    }
}

diesel::table! {
    applications (person_id) {
        person_id -> BigInt,
        answers -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        reason -> Text,
    }
}

diesel::table! {
    spam_tokens (token) {
        token -> Text,
        spam -> BigInt,
        ham -> BigInt,
    }
}

diesel::table! {
    space_subscriptions (id) {
        id -> BigInt,
        space_id -> BigInt,
        person_id -> BigInt,
        follow_activity_id -> Text,
        accepted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    threads (id) {
        id -> BigInt,
        space_id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        slug -> Text,
        created_at -> Timestamp,
        last_activity_at -> Timestamp,
        reply_count -> BigInt,
        like_count -> BigInt,
        answer_post_id -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
        deleted -> Bool,
        waiting_since -> Nullable<Timestamp>,
        first_staff_reply_at -> Nullable<Timestamp>,
        assignee_id -> Nullable<BigInt>,
        assigned_at -> Nullable<Timestamp>,
        removed -> Bool,
        held -> Bool,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        thread_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        author_id -> BigInt,
        body -> Text,
        body_html -> Text,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        like_count -> BigInt,
        ap_id -> Nullable<Text>,
        removed_at -> Nullable<Timestamp>,
        removed_reason -> Text,
        held_at -> Nullable<Timestamp>,
        held_reason -> Text,
        held_activity -> Nullable<Text>,
        spam_score -> Nullable<BigInt>,
        spam_why -> Text,
        body_hash -> Nullable<BigInt>,
        trained_spam -> Nullable<Bool>,
    }
}

diesel::table! {
    post_revisions (id) {
        id -> BigInt,
        post_id -> BigInt,
        title -> Nullable<Text>,
        body -> Text,
        body_html -> Text,
        written_at -> Timestamp,
        replaced_at -> Timestamp,
    }
}

diesel::table! {
    likes (post_id, person_id) {
        post_id -> BigInt,
        person_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    actor_keys (handle) {
        handle -> Text,
        public_key_pem -> Text,
        private_key_pem -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    remote_actors (id) {
        id -> BigInt,
        ap_id -> Text,
        kind -> Text,
        username -> Text,
        domain -> Text,
        display_name -> Text,
        summary_html -> Text,
        avatar_url -> Nullable<Text>,
        inbox -> Text,
        shared_inbox -> Nullable<Text>,
        public_key_pem -> Text,
        last_refreshed_at -> Timestamp,
        created_at -> Timestamp,
        posting_restricted -> Bool,
        staff_of -> Nullable<Text>,
        staff_title -> Text,
    }
}

diesel::table! {
    follows (id) {
        id -> BigInt,
        space_id -> BigInt,
        follower_id -> BigInt,
        follow_activity_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    received_activities (ap_id) {
        ap_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_id -> Text,
        signer -> Text,
        inbox -> Text,
        inbox_host -> Text,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        post_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> BigInt,
        kind -> Text,
        subject_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        payload -> Nullable<Text>,
        created_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        activity_id -> Text,
        reporter -> Text,
        reason -> Text,
        objects -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        reporter_id -> Nullable<BigInt>,
        post_id -> Nullable<BigInt>,
        person_id -> Nullable<BigInt>,
        resolved_by -> Nullable<BigInt>,
        resolution -> Text,
        forwarded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mod_log (id) {
        id -> BigInt,
        moderator_id -> Nullable<BigInt>,
        action -> Text,
        space_id -> Nullable<BigInt>,
        post_id -> Nullable<BigInt>,
        person_id -> Nullable<BigInt>,
        reason -> Text,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bans (id) {
        id -> BigInt,
        person_id -> BigInt,
        space_id -> Nullable<BigInt>,
        reason -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        lifted_at -> Nullable<Timestamp>,
        lifted_by -> Nullable<BigInt>,
        log_entry_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    peers (host) {
        host -> Text,
        failing_since -> Nullable<Timestamp>,
        unreachable -> Bool,
        next_probe_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        thread_id -> BigInt,
        post_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(follows -> remote_actors (follower_id));
diesel::joinable!(notifications -> threads (thread_id));
diesel::joinable!(follows -> spaces (space_id));
diesel::joinable!(applications -> persons (person_id));
diesel::joinable!(space_subscriptions -> spaces (space_id));
diesel::joinable!(space_subscriptions -> persons (person_id));
diesel::joinable!(auth_tokens -> persons (person_id));
diesel::joinable!(threads -> spaces (space_id));
diesel::joinable!(threads -> persons (author_id));
diesel::joinable!(posts -> persons (author_id));
diesel::joinable!(posts -> threads (thread_id));
diesel::joinable!(post_revisions -> posts (post_id));
diesel::joinable!(likes -> posts (post_id));
diesel::joinable!(audit_log -> persons (actor_id));

diesel::allow_tables_to_appear_in_same_query!(
    applications,
    handles,
    persons,
    auth_tokens,
    instance_settings,
    invites,
    audit_log,
    spaces,
    threads,
    posts,
    post_revisions,
    likes,
    actor_keys,
    remote_actors,
    follows,
    space_subscriptions,
    received_activities,
    deliveries,
    outbox_events,
    reports,
    peers,
    notifications,
    mod_log,
    bans,
);
