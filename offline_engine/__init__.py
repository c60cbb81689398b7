"""A local stand-in for the Pulumi engine (not Pulumi): runs the real program and the real plugin.

It exists so that the project can be tried and tested on machines without the Pulumi CLI: `provider_host`
drives the real `python -m pulumi.dynamic` plugin over gRPC, `engine` is a miniature engine (preview, up,
refresh, destroy over a JSON state file) that runs the real `__main__.py` through the real Python SDK.
See README.md in this folder for what it models and what it does not.
"""
