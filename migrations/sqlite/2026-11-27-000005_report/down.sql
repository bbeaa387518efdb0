DROP TABLE assessment_scores;
