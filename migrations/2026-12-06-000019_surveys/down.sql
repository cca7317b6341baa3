DROP TABLE survey_responses;
DROP TABLE survey_recipients;
DROP TABLE survey_rounds;
DROP TABLE survey_templates;
