"""The members service's tables: one metadata (one schema), a module per room. Everything is
reachable as `models.<table>`, as before; migrations compare against this metadata."""
from sqlalchemy import MetaData

metadata = MetaData()

# Imported after `metadata`, which each of them fills.
from services.members.models.roster import *  # noqa: E402,F401,F403
from services.members.models.pairing import *  # noqa: E402,F401,F403
from services.members.models.development import *  # noqa: E402,F401,F403
from services.members.models.audit import *  # noqa: E402,F401,F403
from services.members.models.sign_in import *  # noqa: E402,F401,F403
