"""Service plumbing shared by compute_ext and baremetal_notifier.

Both services are built the same way (oslo.config, enginefacade, alembic,
cheroot, jsonschema, keystonemiddleware); what differs between them, such as
error body shapes and policy names, stays in each service's own package.
"""
