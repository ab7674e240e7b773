"""Sign-in for people on the roster: accounts, invitations, sessions, and the rules they follow."""
