"""The claim protocol between a write worker's transactions and its RPC answer, without servers."""
import sys

from services.common import idempotency
from services.common.errors import NotFound


class Worker:
    def __init__(self, context_data, entrypoint=None):
        self.context_data = context_data
        self.entrypoint = entrypoint if entrypoint is not None else idempotency.OncePerRequestRpc()


class Transaction:
    def __init__(self, fails: bool = False):
        self.fails, self.outcome = fails, None

    def commit(self, answer):
        if self.fails:
            raise ConnectionError("server closed the connection")
        self.outcome = "committed"
        return answer

    def rollback(self):
        self.outcome = "rolled back"


def _held(worker, transaction) -> None:
    assert idempotency.claim_for(worker) is not None
    idempotency.hold(worker, transaction)


def _raised(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def test_only_the_first_transaction_of_a_keyed_rpc_worker_claims():
    keyed = Worker({"request_id": "r1", "request_fingerprint": "f1"})
    claim = idempotency.claim_for(keyed)
    assert (claim.request_id, claim.fingerprint) == ("r1", "f1")
    assert idempotency.claim_for(keyed) is None  # a later or nested transaction runs plain
    idempotency.release(keyed)
    assert idempotency.claim_for(keyed) is not None  # a failed first one leaves the claim to the next
    idempotency.release(keyed)
    assert idempotency.claim_for(Worker({})) is None
    assert idempotency.claim_for(Worker({"request_id": "r1"}, entrypoint=object())) is None  # a consumer, a timer


def test_the_answer_commits_with_the_held_transaction():
    worker, transaction = Worker({"request_id": "r2"}), Transaction()
    _held(worker, transaction)
    assert idempotency.finish(worker, {"id": 7}, None) == ({"id": 7}, None)
    assert transaction.outcome == "committed"
    assert idempotency.finish(worker, {"id": 7}, None) == ({"id": 7}, None)  # finished once only


def test_an_error_after_the_claim_rolls_it_back_and_stays_the_answer():
    worker, transaction = Worker({"request_id": "r3"}), Transaction()
    _held(worker, transaction)
    failure = _raised(NotFound("member not found"))
    assert idempotency.finish(worker, None, failure) == (None, failure)
    assert transaction.outcome == "rolled back"


def test_a_failed_commit_is_the_answer_instead_of_the_result():
    worker = Worker({"request_id": "r4"})
    _held(worker, Transaction(fails=True))
    result, exc_info = idempotency.finish(worker, {"id": 8}, None)
    assert result is None and isinstance(exc_info[1], ConnectionError)


def test_a_replay_answers_with_the_first_answer():
    worker = Worker({"request_id": "r5"})
    assert idempotency.finish(worker, None, _raised(idempotency.Replayed({"id": 9}))) == ({"id": 9}, None)


def test_domain_errors_and_replays_are_expected_even_when_rpc_is_used_bare():
    entrypoint = idempotency.OncePerRequestRpc()
    assert issubclass(NotFound, entrypoint.expected_exceptions)
    assert issubclass(idempotency.Replayed, entrypoint.expected_exceptions)
