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

diesel::joinable!(auth_tokens -> persons (person_id));
diesel::joinable!(audit_log -> persons (actor_id));

diesel::allow_tables_to_appear_in_same_query!(
    handles,
    persons,
    auth_tokens,
    instance_settings,
    invites,
    audit_log,
);
