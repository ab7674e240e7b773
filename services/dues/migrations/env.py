from alembic import context

from services.dues.models import metadata
from services.common.migrations import run_env

run_env(context, metadata)
