"""The HTTP API's request and response bodies (pydantic only): the contract the service and the
SDK share, so the two cannot disagree."""
