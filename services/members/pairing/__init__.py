"""Pairings (手拉手、一帮一) and needs (诉求), inside members because they live and die with the
roster: leaving the roster ends a person's pairings in the same transaction.

    rhythm.py    the branch's cadence and limits, the tenant's today, the branch's secretaries
    pairings.py  forming, ending and changing pairings; reading them
    clock.py     contacts (from activity events) move the clock; the overdue scan reads it
    needs.py     needs tracked to closure, with need_states.py as the table of legal moves
    service.py   the entrypoints, mixed into MembersService
"""
