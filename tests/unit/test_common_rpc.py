"""`rpc` registers nameko's RPC entrypoint expecting DomainError, bare or with options."""
from nameko.rpc import Rpc

from services.common.errors import InvalidInput, NotFound
from services.common.rpc import rpc


def _entrypoint(fn) -> Rpc:
    [entrypoint] = fn.nameko_entrypoints
    return entrypoint


def _expects_domain_errors(entrypoint: Rpc) -> bool:
    """What nameko asks of an error before logging it as a fault."""
    return all(isinstance(error, entrypoint.expected_exceptions)
               for error in (NotFound("member not found"), InvalidInput.field("name", "required")))


def test_bare_rpc_expects_domain_errors():
    @rpc
    def get_member(self, member_id):
        return member_id

    assert _expects_domain_errors(_entrypoint(get_member))


def test_rpc_with_options_keeps_them_and_still_expects_domain_errors():
    @rpc(sensitive_arguments=("payload",))
    def import_roster(self, payload):
        return payload

    entrypoint = _entrypoint(import_roster)
    assert _expects_domain_errors(entrypoint)
    assert entrypoint.sensitive_arguments == ("payload",)
