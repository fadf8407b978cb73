"""File formats for /export and /import: CSV (cards and renewals) and iCalendar (expiries)."""
