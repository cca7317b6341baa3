DROP TABLE declarations;
DROP TABLE reference_checks;
DROP TABLE screenings;
DROP TABLE municipality_documents;
