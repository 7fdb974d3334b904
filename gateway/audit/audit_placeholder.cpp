// Replaced when the audit trail lands.
