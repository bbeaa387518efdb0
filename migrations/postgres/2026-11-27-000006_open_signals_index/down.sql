DROP INDEX signals_open;
