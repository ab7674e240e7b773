"""The members service's tables: one metadata (one schema), a module per room. Everything is
reachable as `models.<table>`, as before; migrations compare against this metadata."""
from services.members.models.base import metadata  # noqa: F401
from services.members.models.roster import *  # noqa: F401,F403
from services.members.models.pairing import *  # noqa: F401,F403
from services.members.models.development import *  # noqa: F401,F403
from services.members.models.audit import *  # noqa: F401,F403
from services.members.models.sign_in import *  # noqa: F401,F403
