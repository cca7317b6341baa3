DROP TABLE contact_persons;
