"""The HTTP API's requests and answers, one module per area, as the events are in the contracts
beside it: the gateway documents and declares them (services.gateway.routes.table), the service
owning an area validates its requests with them. Nothing here imports a service."""
