"""The audit trail: every read of a person's record by staff, and every change."""
