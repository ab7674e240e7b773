"""`rpc` registers nameko's RPC entrypoint expecting DomainError, bare or with options."""
from nameko.rpc import Rpc

from services.common.errors import DomainError
from services.common.rpc import rpc


def _entrypoint(fn) -> Rpc:
    [entrypoint] = fn.nameko_entrypoints
    return entrypoint


def test_bare_rpc_expects_domain_errors():
    @rpc
    def get_member(self, member_id):
        return member_id

    assert _entrypoint(get_member).expected_exceptions is DomainError


def test_rpc_with_options_keeps_them_and_still_expects_domain_errors():
    @rpc(sensitive_arguments=("payload",))
    def import_roster(self, payload):
        return payload

    entrypoint = _entrypoint(import_roster)
    assert entrypoint.expected_exceptions is DomainError
    assert entrypoint.sensitive_arguments == ("payload",)
