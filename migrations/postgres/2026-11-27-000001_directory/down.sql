DROP TABLE change_log;
DROP TABLE meeting_online;
DROP TABLE meeting_locations;
DROP TABLE meetings;
DROP TABLE service_bodies;
DROP TABLE fellowships;
