"""`python -m services.deadletters list | show | replay`: the dead-letter tool of the shared kit
(services/common/deadletters.py, where its use is described) over this system's consumer queues."""
import sys

from services.common import deadletters
from services.subscriptions import SUBSCRIPTIONS

if __name__ == "__main__":
    sys.exit(deadletters.main(sys.argv[1:], SUBSCRIPTIONS))
