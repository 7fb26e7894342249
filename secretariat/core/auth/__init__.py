"""Staff users, their roles, login sessions, API tokens and login throttling."""
