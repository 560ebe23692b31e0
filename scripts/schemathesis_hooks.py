"""schemathesis hooks for scripts/api-conformance.sh: how to send a tus chunk."""

import schemathesis


@schemathesis.serializer("application/offset+octet-stream")
def offset_octet_stream(ctx, value):
    """A tus chunk is raw bytes; generated strings are sent as their UTF-8 bytes."""
    if isinstance(value, bytes):
        return value
    return str(value).encode()
