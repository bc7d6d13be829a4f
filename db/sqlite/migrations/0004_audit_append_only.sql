-- The audit log is append-only (SPEC §6): the database itself refuses to change or remove a row,
-- whatever the code above it does. Erasure (closing a wallet) never touches audit rows: they carry
-- ids, actions and statuses, not personal data.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log`
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;
