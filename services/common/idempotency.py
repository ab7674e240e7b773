"""Every write request carried out once, with no entrypoint having to ask for it.

The gateway gives each HTTP write (POST, PUT, PATCH, DELETE) a request key: derived from the
tenant, the caller and the client's `Idempotency-Key` header when there is one, a fresh id
otherwise, plus a fingerprint of the method, path and canonical body (services.gateway.
request_keys). Both travel in the context of every RPC the request makes. A copy of the request
comes again when RabbitMQ redelivers the RPC message (the service's connection dropped before its
ack) or when the client sends it again with the same key (its connection dropped before the
answer). Either way it must get the first answer, not a second effect.

How, in the service that carries the write out:

* `rpc` (services.common.rpc) is `OncePerRequestRpc`, so every RPC entrypoint of every service
  takes part without a marker of its own.
* In such a worker, the first `DatabaseHandle.transaction()` claims the request key in the
  `handled_requests` table, inside the write's own transaction. A key already claimed answers at
  once: with the stored answer when the fingerprint matches (`Replayed`), with 409
  `idempotency_key_reused` when it does not. A copy that arrives while the first is still running
  waits on the claim's unique key until the first commits or rolls back.
* That first transaction does not commit when its `with` block ends: it is held (`hold`) until the
  entrypoint returns, and `OncePerRequestRpc.handle_result` then writes the entrypoint's answer
  beside the claim and commits, before nameko sends the reply. Effect, claim and answer commit
  together or not at all.

Why the unit of work claims, not a decorator on each write entrypoint: a decorator is one more
thing a new entrypoint can forget, and it sees neither the transaction nor, cleanly, the worker.
The transaction is where every write already passes, and an entrypoint that only reads never
opens one, so reads pay nothing. Why the commit waits for the entrypoint: the answer is what the
entrypoint returns, known only after its `with` block; stored in a later transaction, a crash in
between would leave an effect with no answer to give the copy.

Consequences, each deliberate:

* A write that fails (a domain error, a lost database) rolls its claim back with its effect:
  errors are not remembered. Nothing was written, so there is nothing to double, and the same key
  may be sent again, with the same body or a corrected one, and be carried out. Remembering the
  error instead would need a transaction of its own (the write's rolled back) and would pin a
  passing failure (a 503, a conflict with state that changes later) to the key for a day.
* An entrypoint that runs several transactions (the pairing scan, one per college) records the
  answer with its first; the later ones commit as they finish, as before.
* What the first transaction wrote is visible to others, and to a `reader()` the same entrypoint
  opens, only once the entrypoint has returned.
* The checks an entrypoint makes before its transaction, and the reads a gateway route makes
  before its write RPC, run again for a copy: a copy is answered from the record only while the
  caller may still make the request.
* Calls without a request key (timers, event consumers, the CLI, tests calling an entrypoint
  directly) run as plain transactions.
"""
from __future__ import annotations

import weakref

from nameko.rpc import Rpc

from services.common.errors import DomainError
from services.common.tenancy import REQUEST_FINGERPRINT_KEY, REQUEST_KEY


class Replayed(Exception):
    """Raised where a write would start when its request was already carried out; the RPC
    entrypoint answers with `answer`, the first copy's answer, instead of an error."""

    def __init__(self, answer):
        super().__init__("request already carried out: answering with its first answer")
        self.answer = answer


class Claim:
    """The request key a worker's first transaction claims, then that transaction, held open."""

    def __init__(self, request_id: str, fingerprint: str | None):
        self.request_id = request_id
        self.fingerprint = fingerprint
        self.transaction = None  # set by `hold`; has commit(answer) and rollback()


# The claim of each running write worker. Keyed weakly, so a worker that died between claiming
# and answering does not keep its context (its session is closed by `release` at teardown).
_claims: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def claim_for(worker_ctx) -> Claim | None:
    """The claim a transaction opened now should make, or None for a plain transaction: the worker
    is not a write RPC with a request key, or an earlier transaction of it already claimed."""
    entrypoint = worker_ctx.entrypoint
    if not isinstance(entrypoint, OncePerRequestRpc) or not entrypoint.claims_request or worker_ctx in _claims:
        return None
    request_id = worker_ctx.context_data.get(REQUEST_KEY)
    if not request_id:
        return None
    claim = _claims[worker_ctx] = Claim(str(request_id), worker_ctx.context_data.get(REQUEST_FINGERPRINT_KEY))
    return claim


_audited_without_claim: "weakref.WeakSet" = weakref.WeakSet()


def audits_without_claim(worker_ctx) -> bool:
    """Whether a transaction opened now should carry the audit record of a write RPC that claims
    no request key (`claims_request=False`: invitations and resets, whose answers hold one-time
    codes that must never be kept, sign-in and sign-out): its first transaction does, without the
    answer. The claiming writes record theirs with the claim (services.common.db)."""
    entrypoint = worker_ctx.entrypoint
    if (not isinstance(entrypoint, OncePerRequestRpc) or entrypoint.claims_request
            or not worker_ctx.context_data.get(REQUEST_KEY) or worker_ctx in _audited_without_claim):
        return False
    _audited_without_claim.add(worker_ctx)
    return True


def hold(worker_ctx, transaction) -> None:
    """Keep the claiming transaction open until the entrypoint's answer is known."""
    _claims[worker_ctx].transaction = transaction


def release(worker_ctx) -> None:
    """Give up the claim of a transaction that failed (so a later one may claim), or of a worker
    torn down without an answer: roll back whatever it held."""
    claim = _claims.pop(worker_ctx, None)
    if claim is not None and claim.transaction is not None:
        claim.transaction.rollback()


def finish(worker_ctx, result, exc_info):
    """The entrypoint's outcome, once its held transaction committed with the answer or rolled back."""
    if exc_info is not None and isinstance(exc_info[1], Replayed):
        return exc_info[1].answer, None
    claim = _claims.pop(worker_ctx, None)
    if claim is None or claim.transaction is None:
        return result, exc_info
    if exc_info is not None:
        claim.transaction.rollback()
        return result, exc_info
    try:
        return claim.transaction.commit(result), None
    except Exception as exc:  # nothing committed: the caller sees the failure and may send it again
        return None, (type(exc), exc, exc.__traceback__)


class OncePerRequestRpc(Rpc):
    """nameko's RPC entrypoint, answering a request from its record when it was carried out.

    Domain errors are expected answers (logged without alarm); so is a replay. nameko's
    `Rpc.decorator` drops keyword arguments when used bare (`@rpc`), so they are defaults here.
    """

    def __init__(self, expected_exceptions=(), claims_request: bool = True, **kwargs):
        # `claims_request=False`: plain transactions, for the few writes whose answer must never be
        # kept (a fresh session secret) or whose refusal must commit (a failed sign-in feeds the
        # throttle); each is safe to repeat or refuses to by its own state.
        self.claims_request = claims_request
        if not isinstance(expected_exceptions, tuple):
            expected_exceptions = (expected_exceptions,)
        super().__init__(expected_exceptions=expected_exceptions + (DomainError, Replayed), **kwargs)

    def handle_result(self, message, worker_ctx, result, exc_info):
        result, exc_info = finish(worker_ctx, result, exc_info)
        return super().handle_result(message, worker_ctx, result, self.translate_error(exc_info))

    def translate_error(self, exc_info):
        """What an error means to the caller; a subclass may say more (services.common.rpc)."""
        return exc_info
