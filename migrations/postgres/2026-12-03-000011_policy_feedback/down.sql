DROP TABLE evaluation_voices;
DROP TABLE evaluations;
DROP TABLE policy_issue_signals;
DROP TABLE policy_issues;
