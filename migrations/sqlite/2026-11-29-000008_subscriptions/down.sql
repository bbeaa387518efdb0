DROP TABLE deliveries;
DROP TABLE subscriptions;
