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

diesel::joinable!(neighbourhoods -> districts (district_id));
diesel::joinable!(themes -> departments (department_id));

diesel::allow_tables_to_appear_in_same_query!(
    districts,
    neighbourhoods,
    departments,
    themes,
    events,
    event_counter,
);
