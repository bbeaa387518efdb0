DROP TABLE event_counter;
DROP TABLE events;
DROP TABLE themes;
DROP TABLE departments;
DROP TABLE neighbourhoods;
DROP TABLE districts;
