DROP STATISTICS signals_received_day;
DROP STATISTICS signals_report_groups;
