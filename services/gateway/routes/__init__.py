"""HTTP routes, one module per downstream service, combined into GatewayService as mixins."""
