"""Check-in of returned forms: receipts, scan batches, the operator's review, returns and undeliverable mail."""
