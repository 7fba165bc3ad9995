-- The SQLite schema at version 7, as bot/db/sqlite.py of commit e4fa154 built it
-- (sqlite-utils 4.2.1) from an empty file: `SELECT sql FROM sqlite_master`, then the
-- schema_migrations rows.
CREATE TABLE "schema_migrations" (
   "version" INTEGER PRIMARY KEY,
   "applied_at" REAL
);
CREATE TABLE "sends" (
   "id" TEXT PRIMARY KEY,
   "created_at" REAL NOT NULL,
   "updated_at" REAL,
   "team_id" TEXT,
   "channel_id" TEXT NOT NULL,
   "user_id" TEXT NOT NULL,
   "response_url" TEXT,
   "text" TEXT,
   "image_url" TEXT,
   "button_label" TEXT,
   "button_url" TEXT,
   "brandname" TEXT,
   "sandbox" INTEGER,
   "status" TEXT NOT NULL,
   "status_note" TEXT,
   "parent_ts" TEXT
, "approval" TEXT NOT NULL DEFAULT 'none', "approval_expires_at" REAL, "approval_channel" TEXT, "approval_ts" TEXT, "decided_by" TEXT, "decided_at" REAL, "decision_reason" TEXT, "decision_reported" INTEGER NOT NULL DEFAULT 0, "purged_at" REAL, "scheduled_at" REAL, "thread_ts" TEXT, "cancelled_by" TEXT, "cancelled_at" REAL);
CREATE TABLE "recipients" (
   "id" INTEGER PRIMARY KEY,
   "send_id" TEXT NOT NULL REFERENCES "sends"("id"),
   "position" INTEGER,
   "phone" TEXT NOT NULL,
   "request_id" TEXT NOT NULL,
   "sms_id" TEXT,
   "state" TEXT NOT NULL,
   "esms_status" INTEGER,
   "error_code" INTEGER,
   "error_detail" TEXT,
   "reported_state" TEXT,
   "telco_id" INTEGER,
   "price" REAL,
   "updated_at" REAL
, "submitted_at" REAL, "last_polled_at" REAL);
CREATE UNIQUE INDEX "idx_recipients_request_id"
    ON "recipients" ("request_id");
CREATE INDEX "idx_recipients_sms_id"
    ON "recipients" ("sms_id");
CREATE INDEX "idx_recipients_send_id_position"
    ON "recipients" ("send_id", "position");
CREATE TABLE "callbacks" (
   "id" INTEGER PRIMARY KEY,
   "received_at" REAL,
   "recipient_id" INTEGER,
   "sms_id" TEXT,
   "request_id" TEXT,
   "query" TEXT,
   "outcome" TEXT
);
CREATE INDEX "idx_callbacks_outcome_sms_id"
    ON "callbacks" ("outcome", "sms_id");
CREATE TABLE "jobs" (
   "id" INTEGER PRIMARY KEY,
   "kind" TEXT NOT NULL,
   "send_id" TEXT NOT NULL,
   "recipient_id" INTEGER,
   "order_key" TEXT NOT NULL,
   "status" TEXT NOT NULL,
   "attempts" INTEGER,
   "run_after" REAL,
   "lease_until" REAL,
   "last_error" TEXT,
   "created_at" REAL,
   "updated_at" REAL
, "holder" TEXT);
CREATE INDEX "idx_jobs_status_run_after"
    ON "jobs" ("status", "run_after");
CREATE INDEX "idx_jobs_order_key_status"
    ON "jobs" ("order_key", "status");
CREATE INDEX "idx_jobs_kind_send_id_status"
    ON "jobs" ("kind", "send_id", "status");
CREATE INDEX "idx_sends_approval_approval_expires_at"
    ON "sends" ("approval", "approval_expires_at");
CREATE TABLE "approval_events" (
   "id" INTEGER PRIMARY KEY,
   "send_id" TEXT REFERENCES "sends"("id"),
   "at" REAL,
   "actor" TEXT,
   "action" TEXT,
   "reason" TEXT
);
CREATE INDEX "idx_approval_events_send_id"
    ON "approval_events" ("send_id");
CREATE INDEX "idx_recipients_state_last_polled_at"
    ON "recipients" ("state", "last_polled_at");
CREATE INDEX "idx_sends_channel_id_created_at"
    ON "sends" ("channel_id", "created_at");
CREATE INDEX "idx_sends_user_id_created_at"
    ON "sends" ("user_id", "created_at");
CREATE TABLE "templates" (
   "name" TEXT PRIMARY KEY,
   "text" TEXT,
   "image_url" TEXT,
   "button_label" TEXT,
   "button_url" TEXT,
   "created_by" TEXT,
   "created_at" REAL
);
CREATE TABLE "leases" (
   "name" TEXT PRIMARY KEY,
   "holder" TEXT,
   "expires_at" REAL
);
INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1700000001.0);
INSERT INTO schema_migrations (version, applied_at) VALUES (2, 1700000002.0);
INSERT INTO schema_migrations (version, applied_at) VALUES (3, 1700000003.0);
INSERT INTO schema_migrations (version, applied_at) VALUES (4, 1700000004.0);
INSERT INTO schema_migrations (version, applied_at) VALUES (5, 1700000005.0);
INSERT INTO schema_migrations (version, applied_at) VALUES (6, 1700000006.0);
INSERT INTO schema_migrations (version, applied_at) VALUES (7, 1700000007.0);
