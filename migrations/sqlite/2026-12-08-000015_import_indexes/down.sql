DROP INDEX partners_name_without_kvk_number;
DROP INDEX partners_kvk_number;
