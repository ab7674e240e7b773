"""Transfers between colleges of the deployment (组织关系转接, `inter_tenant_transfer`), and
leaving with a letter for a college outside it."""
